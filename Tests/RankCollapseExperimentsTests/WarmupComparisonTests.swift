import Foundation
import RankCollapse
import RankCollapseExperiments
import Testing

@Suite struct WarmupComparisonTests {
  /// A tiny comparison: blob autoencoder at one σ and an MNIST-format classifier (written here),
  /// two rounds with alternating order, deterministic numbers across rounds, tables and files.
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
    autoencoder.widths = [8, 6, 8]
    autoencoder.clusters = 3
    autoencoder.points = 60
    autoencoder.maximumSteps = 40
    var comparison = Experiments.WarmupComparison(
      autoencoder: autoencoder, sigmas: [0.01], dataFolder: folder, classifierSamples: 24,
      classifierTestSamples: 8, classifierPooling: 1, classifierHiddenWidths: [5],
      classifierSteps: 30, checkInterval: 4, sampleSize: 16, warmupSteps: 30, rounds: 2)
    let settings = try comparison.run()
    #expect(settings.map(\.experiment) == ["blobs", "fashion-mnist"])
    for setting in settings {
      #expect(setting.runs.map(\.method) == ["plain", "warmup", "warmup", "plain"])
      #expect(setting.runs.map(\.round) == [1, 1, 2, 2])
      let plain = setting.runs.filter { $0.method == "plain" }
      let warm = setting.runs.filter { $0.method == "warmup" }
      // Same seed, same thread count: both rounds compute the same numbers.
      #expect(plain[0].full.map(\.objective) == plain[1].full.map(\.objective))
      #expect(warm[0].full.map(\.objective) == warm[1].full.map(\.objective))
      #expect(warm[0].warmupSteps > 0)
      #expect(warm[0].warmupSteps <= 30)
      // Each full phase records its whole budget plus the final state.
      #expect(plain[0].full.count == (setting.experiment == "blobs" ? 41 : 31))
      #expect(setting.target == plain[0].finalObjective * (1 + comparison.targetSlack))
      #expect(plain[0].reaching(setting.target) != nil)
      #expect(setting.speedups.count == 2)
    }
    #expect(settings[1].runs.allSatisfy { ($0.testAccuracy ?? -1) >= 0 })
    #expect(settings[0].runs.allSatisfy { $0.testAccuracy == nil })

    let trajectories = Experiments.WarmupComparison.trajectories(settings)
    let recorded = settings.flatMap(\.runs).map { $0.warmup.count + $0.full.count }
    #expect(trajectories.rows.count == recorded.reduce(0, +))
    let summary = Experiments.WarmupComparison.summary(settings)
    #expect(summary.rows.count == settings.count * (4 + 2))
    let paths = try comparison.write(settings, to: folder + "/out")
    for path in paths { #expect(FileManager.default.fileExists(atPath: path)) }

    comparison.residualFraction = 0
    #expect(throws: ExperimentError.self) { try comparison.validate() }
  }

  /// `reaching` counts warm-up steps before the full-data steps and returns the first record
  /// at or below the target.
  @Test func reachingCountsWarmupSteps() {
    let full = [3.0, 2.0, 1.0, 0.5].enumerated().map {
      FullRecord(
        step: $0.offset, seconds: Double($0.offset), loss: $0.element, penalty: 0,
        gradientNorm: 1)
    }
    let run = Experiments.WarmupRun(
      method: "warmup", round: 1, warmupSteps: 7, switchReason: .residual, warmupSeconds: 0.1,
      warmup: [], full: full, testAccuracy: nil)
    #expect(run.reaching(1.0)?.steps == 9)
    #expect(run.reaching(1.0)?.seconds == 2)
    #expect(run.reaching(0.1) == nil)
  }
}
