import Foundation
import RankCollapse
import RankCollapseExperiments
import Testing

@Suite struct WarmupComparisonTests {
  /// A tiny comparison: blob autoencoder at one σ and an MNIST-format classifier (written here,
  /// full batch and minibatches), plain / warm-up / warm-up with refresh at two ρ, two rounds
  /// in reversed order, deterministic numbers across rounds, held-out evaluations at the
  /// stated steps, both targets, tables and files.
  @Test func tinyComparisonRunsSideBySide() throws {
    let folder = try ClassifierFixture.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var generator = SeededGenerator(seed: 5)
    func image(_ label: Int) -> [UInt8] {
      (0..<16).map { i in
        UInt8(min(255, (i % 4 == label * 2 ? 200 : 20) + Int.random(in: 0..<30, using: &generator)))
      }
    }
    let trainLabels = (0..<24).map { $0 % 2 }
    let testLabels = (0..<8).map { $0 % 2 }
    try ClassifierFixture.writeDataSet(
      to: folder, side: 4, trainImages: trainLabels.map(image),
      trainLabels: trainLabels.map(UInt8.init), testImages: testLabels.map(image),
      testLabels: testLabels.map(UInt8.init))

    var autoencoder = BlobsAutoencoderExperiment.small
    autoencoder.optimizer = .gradientDescent(momentum: 0.9)
    autoencoder.widths = [8, 6, 8]
    autoencoder.clusters = 3
    autoencoder.points = 60
    autoencoder.maximumSteps = 40
    var comparison = Experiments.WarmupComparison(
      autoencoder: autoencoder, sigmas: [0.01], dataFolder: folder, classifierSamples: 24,
      classifierTestSamples: 8, classifierPooling: 1, classifierHiddenWidths: [5],
      classifierSteps: 30, minibatchSize: 8, minibatchSteps: 12, evaluationInterval: 5,
      minibatchEvaluationInterval: 4, accuracySlack: 0.05, residualFractions: [0.5, 1e9],
      checkInterval: 4, sampleSize: 16, warmupSteps: 30, refreshEvery: 2, refreshClusters: 4,
      rounds: 2)
    let settings = try comparison.run()
    #expect(settings.map(\.experiment) == ["blobs", "fashion-mnist", "fashion-mnist"])
    #expect(settings.map(\.batchSize) == [nil, nil, 8])
    let plan: [(Experiments.WarmupMethod, Double?)] = [
      (.plain, nil), (.warmup, 0.5), (.warmupRefresh, 0.5), (.warmup, 1e9), (.warmupRefresh, 1e9),
    ]
    for setting in settings {
      // Round 1 in plan order, round 2 reversed.
      let order = plan + plan.reversed()
      #expect(setting.runs.map(\.method) == order.map(\.0))
      #expect(setting.runs.map(\.residualFraction) == order.map(\.1))
      #expect(setting.runs.map(\.round) == [1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
      // Same seed, same thread count: both rounds compute the same numbers.
      for (method, rho) in plan {
        let pair = setting.runs.filter { $0.method == method && $0.residualFraction == rho }
        #expect(pair.count == 2)
        #expect(pair[0].full.map(\.objective) == pair[1].full.map(\.objective))
        #expect(pair[0].warmupSteps == pair[1].warmupSteps)
        #expect(pair[0].evaluations.map(\.testAccuracy) == pair[1].evaluations.map(\.testAccuracy))
        #expect(pair[0].evaluations.map(\.objective) == pair[1].evaluations.map(\.objective))
      }
      for run in setting.runs {
        let budget = setting.experiment == "blobs" ? 40 : setting.batchSize == nil ? 30 : 12
        // Each full phase records its whole budget plus the final state.
        #expect(run.full.count == budget + 1)
        switch run.method {
        case .plain:
          #expect(run.warmupSteps == 0 && run.refreshes == 0 && run.clusters == 0)
        case .warmup:
          #expect(run.warmupSteps <= 30 && run.refreshes == 0)
          // The label partition: 3 blobs or 2 classes.
          #expect(run.clusters == (setting.experiment == "blobs" ? 3 : 2))
        case .warmupRefresh:
          // A refresh before every even warm-up step after 0, the switching one included,
          // into the requested K = 4.
          #expect(run.refreshes == run.warmupSteps / 2)
          #expect(run.clusters == (run.refreshes > 0 ? 4 : setting.experiment == "blobs" ? 3 : 2))
        }
        // ρ = 10⁹ never switches on the residual: the warm-up runs to its cap.
        if run.residualFraction == 1e9 {
          #expect(run.warmupSteps == 30)
          #expect(run.switchReason == .stepCap)
        }
        if setting.experiment == "blobs" {
          #expect(run.evaluations.isEmpty && run.testAccuracy == nil)
          continue
        }
        // Held-out evaluations every few full-phase steps and at the end, steps counting the
        // warm-up; with minibatches they carry the full-data L_λ, full batch does not need it.
        let interval = setting.batchSize == nil ? 5 : 4
        #expect(
          run.evaluations.map(\.step)
            == Array(stride(from: 0, through: budget, by: interval)).map { $0 + run.warmupSteps })
        #expect(run.evaluations.allSatisfy { $0.testAccuracy != nil })
        #expect(run.evaluations.allSatisfy { ($0.objective != nil) == (setting.batchSize != nil) })
        #expect(run.testAccuracy == run.evaluations.last?.testAccuracy)
        let times = run.evaluations.map(\.seconds)
        #expect(times.allSatisfy { $0.isFinite })
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
      }
      let plain = setting.runs[0]
      if setting.batchSize == nil {
        #expect(setting.target == plain.finalObjective * (1 + comparison.targetSlack))
      } else {
        let evaluated = try #require(plain.finalEvaluatedObjective)
        #expect(setting.target == evaluated * (1 + comparison.targetSlack))
      }
      #expect(setting.reaching(plain, .objective) != nil)
      if setting.experiment == "blobs" {
        #expect(setting.targetKinds == [.objective])
        #expect(setting.accuracyTarget == nil)
      } else {
        #expect(setting.targetKinds == [.objective, .accuracy])
        let accuracy = try #require(plain.testAccuracy)
        #expect(abs((setting.accuracyTarget ?? .nan) - (accuracy - 0.05)) < 1e-12)
        #expect(setting.reaching(plain, .accuracy) != nil)
      }
      #expect(setting.speedups.count == 8 * setting.targetKinds.count)
    }

    let trajectories = Experiments.WarmupComparison.trajectories(settings)
    let recorded = settings.flatMap(\.runs).map {
      $0.warmup.count + $0.full.count + $0.evaluations.count
    }
    #expect(trajectories.rows.count == recorded.reduce(0, +))
    let summary = Experiments.WarmupComparison.summary(settings)
    #expect(summary.rows.count == settings.map { 10 * $0.targetKinds.count }.reduce(0, +))
    #expect(Set(summary.column("rho") ?? []) == ["", "0.5", "1000000000.0"])
    #expect(Set(summary.column("target_kind") ?? []) == ["objective", "accuracy"])
    #expect(Set(summary.column("batch_size") ?? []) == ["full", "8"])
    let speedups = Experiments.WarmupComparison.speedupTable(settings)
    #expect(speedups.rows.count == settings.map(\.speedups.count).reduce(0, +))
    #expect(!Experiments.WarmupComparison.summaryText(settings).isEmpty)
    let paths = try comparison.write(settings, to: folder + "/out")
    for path in paths { #expect(FileManager.default.fileExists(atPath: path)) }

    comparison.residualFractions = [0.5, 0]
    #expect(throws: ExperimentError.self) { try comparison.validate() }
    comparison.residualFractions = [0.5]
    comparison.refreshLayer = 2
    #expect(throws: ExperimentError.self) { try comparison.validate() }
    comparison.refreshLayer = nil
    comparison.minibatchSize = 0
    #expect(throws: ExperimentError.self) { try comparison.validate() }
  }

  /// `reaching` counts warm-up steps before the full-data steps and returns the first record
  /// at or below the target; the evaluation-based targets return the first evaluation past
  /// theirs.
  @Test func reachingCountsWarmupSteps() {
    let full = [3.0, 2.0, 1.0, 0.5].enumerated().map {
      FullRecord(
        step: $0.offset, seconds: Double($0.offset), loss: $0.element, penalty: 0,
        gradientNorm: 1)
    }
    let evaluations = [(0.5, 3.0), (0.7, 1.5), (0.6, 0.9)].enumerated().map {
      Experiments.WarmupEvaluation(
        step: 7 + 5 * $0.offset, seconds: 10 + Double($0.offset), objective: $0.element.1,
        testAccuracy: $0.element.0)
    }
    let run = Experiments.WarmupRun(
      method: .warmup, residualFraction: 0.5, round: 1, warmupSteps: 7, switchReason: .residual,
      warmupSeconds: 0.1, warmup: [], full: full, evaluations: evaluations, testAccuracy: nil)
    #expect(run.reaching(1.0)?.steps == 9)
    #expect(run.reaching(1.0)?.seconds == 2)
    #expect(run.reaching(0.1) == nil)
    // Evaluations carry their own (warm-up inclusive) steps: the first at or past the target.
    #expect(run.reaching(accuracy: 0.6)?.steps == 12)
    #expect(run.reaching(accuracy: 0.6)?.seconds == 11)
    #expect(run.reaching(accuracy: 0.8) == nil)
    #expect(run.reachingEvaluated(objective: 1.0)?.steps == 17)
    #expect(run.reachingEvaluated(objective: 0.5) == nil)
    #expect(run.finalEvaluatedObjective == 0.9)
    // A minibatch setting measures L_λ by the evaluations, a full-batch one by the records.
    let minibatch = Experiments.WarmupSetting(
      experiment: "fashion-mnist", sigma: .nan, batchSize: 8, runs: [run], target: 1.0,
      accuracyTarget: 0.6)
    #expect(minibatch.reaching(run, .objective)?.steps == 17)
    #expect(minibatch.reaching(run, .accuracy)?.steps == 12)
    let fullBatch = Experiments.WarmupSetting(
      experiment: "fashion-mnist", sigma: .nan, runs: [run], target: 1.0, accuracyTarget: 0.6)
    #expect(fullBatch.reaching(run, .objective)?.steps == 9)
  }
}
