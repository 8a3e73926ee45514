import Foundation
import RankCollapse
import RankCollapseExperiments
import RankCollapsePlots
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// A tiny version of Figure 1's setting: K = 3 blobs in d = 12, widths 12-10-8-10-12.
func tinyExperiment(steps: Int = 1500) -> BlobsAutoencoderExperiment {
  BlobsAutoencoderExperiment(
    widths: [12, 10, 8, 10, 12], clusters: 3, points: 90, learningRate: 0.05,
    gradientTolerance: 1e-4, maximumSteps: steps, kMeansRestarts: 2, boundSampleSize: 20,
    seed: 5)
}

@Suite struct BlobsAutoencoderTests {
  /// The paper's qualitative result at tiny scale: τ_K falls as λ grows (at small σ) and as σ
  /// shrinks (at large λ), for every layer.
  @Test func tailFallsWithLambdaAndRisesWithSigma() throws {
    var experiment = tinyExperiment()
    experiment.measuresClusterVariation = false
    experiment.evaluatesBounds = false
    let (small, large) = (1e-4, 3e-2)
    let (tight, wide) = (0.05, 1.0)
    let weakTight = try experiment.run(lambda: small, sigma: tight).layers.map(\.tail)
    let strongTight = try experiment.run(lambda: large, sigma: tight).layers.map(\.tail)
    let strongWide = try experiment.run(lambda: large, sigma: wide).layers.map(\.tail)
    print(
      "τ_3 per layer: weak/tight \(weakTight), strong/tight \(strongTight), strong/wide \(strongWide)"
    )
    for layer in 0..<4 {
      // Margins: a factor 2 at least, far beyond seed-to-seed noise at this size.
      #expect(
        strongTight[layer] * 2 < weakTight[layer],
        "layer \(layer + 1): τ_3 at λ=\(large) \(strongTight[layer]) vs λ=\(small) \(weakTight[layer])"
      )
      #expect(
        strongTight[layer] * 2 < strongWide[layer],
        "layer \(layer + 1): τ_3 at σ=\(tight) \(strongTight[layer]) vs σ=\(wide) \(strongWide[layer])"
      )
    }
  }

  @Test func measurementsAgreeWithTheTrainedNetworkAndAreDeterministic() throws {
    let experiment = tinyExperiment(steps: 200)
    let first = try experiment.run(lambda: 1e-2, sigma: 0.1)
    let second = try experiment.run(lambda: 1e-2, sigma: 0.1)
    #expect(first.rows == second.rows, "same seed, same numbers")
    #expect(first.training.steps == 200)
    #expect(first.layers.count == 4)
    for layer in first.layers {
      let s = try Matrix<Double>(first.network.layers[layer.layer - 1].weight).singularValues()
      let total = s.reduce(0) { $0 + $1 * $1 }
      let tail = s.dropFirst(3).reduce(0) { $0 + $1 * $1 }
      #expect(abs(layer.tail - tail / total) <= 1e-12)
      #expect(layer.softRank >= 1 && layer.softRank <= s.count)
    }
    // TCV intervals: lower ≤ k-means upper; the labels' WCSS is an upper bound too.
    #expect(first.clusterVariation.map(\.embedding) == [0, 1, 2, 3, 4])
    for variation in first.clusterVariation {
      #expect(variation.spectralLower <= variation.kMeansUpper * (1 + 1e-9))
      #expect(variation.spectralLower <= variation.labels * (1 + 1e-9))
    }
    #expect(first.theorem34.count == 4)
    let metrics = Set(first.rows.map { $0[1].description })
    for metric in [
      "tau_3", "rk_0.1", "stationarity_residual", "tcv_labels", "tcv_kmeans_upper",
      "tcv_spectral_lower", "thm34_left", "thm34_right", "thm34_verdict", "thm34_allowance",
      "steps", "gradient_norm",
    ] {
      #expect(metrics.contains(metric), "missing \(metric)")
    }
    #expect(first.rows.allSatisfy { $0.count == BlobsAutoencoderResult.measurementColumns.count })
    #expect(first.table.split(separator: "\n").count == 5)
    // The table shows Theorem 3.4's verdict and its largest rounding allowance (tanh: no `*`).
    let header = try #require(first.table.split(separator: "\n").first)
    #expect(header.contains("verdict") && header.contains("allowance"))
    for report in first.theorem34 {
      #expect(report.largestAllowance > 0 && report.largestAllowance.isFinite)
      #expect(report.unmetAssumptions.isEmpty)
    }
  }

  @Test func sameMeansAndNoiseAtEverySigma() throws {
    let experiment = tinyExperiment()
    let a = try experiment.data(sigma: 0.1)
    let b = try experiment.data(sigma: 0.2)
    let meansA = a.classMeans()
    let meansB = b.classMeans()
    // b − means = 2 (a − means) up to Float rounding of the stored points.
    var worst = 0.0
    for i in 0..<a.points.rows {
      for j in 0..<a.points.columns {
        let k = a.labels[i]
        let da = Double(a.points[i, j]) - Double(meansA[k, j])
        let db = Double(b.points[i, j]) - Double(meansB[k, j])
        worst = max(worst, abs(db - 2 * da))
      }
    }
    #expect(worst < 1e-5)
  }

  /// `--max-steps 0` measures the initial network, with every rule (it used to fail on the
  /// cosine learning-rate schedule over zero steps, which L-BFGS does not even use).
  @Test(arguments: [OptimizerChoice.lbfgs(history: 10), .gradientDescent(momentum: 0.9), .adam])
  func zeroStepBudgetMeasuresTheInitialNetwork(optimizer: OptimizerChoice) throws {
    var experiment = tinyExperiment(steps: 0)
    experiment.optimizer = optimizer
    experiment.gradientTolerance = nil
    let result = try experiment.run(lambda: 1e-2, sigma: 0.1)
    #expect(result.training.steps == 0)
    #expect(result.training.reason == .maximumSteps)
    #expect(!result.training.reason.isConverged)
    // The measured network is the untrained one, and τ_K is its spectrum's.
    let initial = try experiment.initialNetwork()
    #expect(result.network.weights == initial.weights)
    let expected = try Matrix<Double>(initial.weights[0]).spectrum()
      .relativeTail(afterRank: experiment.clusters)
    let measured = try #require(result.layers.first?.tail)
    #expect(abs(measured - expected) <= 1e-12)
  }

  @Test func invalidSettingsNameTheParameter() {
    var experiment = tinyExperiment()
    experiment.learningRate = -1
    #expect(
      throws: ExperimentError.invalidParameter(
        name: "learning-rate", value: "-1.0", requirement: "finite and > 0")
    ) {
      try experiment.validate()
    }
    experiment = tinyExperiment()
    experiment.widths = [12, 8, 10]
    #expect {
      try experiment.validate()
    } throws: { error in
      (error as? ExperimentError)?.description.contains("widths") == true
    }
    #expect {
      try tinyExperiment().run(lambda: 0, sigma: 0.1)
    } throws: { error in
      if case .invalidParameter(let parameter) = error as? ExperimentError {
        parameter.name == "lambda"
      } else {
        false
      }
    }
    #expect {
      try tinyExperiment().run(lambda: 1e-3, sigma: -1)
    } throws: { error in
      if case .invalidParameter(let parameter) = error as? ExperimentError {
        parameter.name == "sigma"
      } else {
        false
      }
    }
  }

  @Test func figure1SweepWritesCSVAndAFourPanelSVG() throws {
    var experiment = tinyExperiment(steps: 50)
    experiment.measuresClusterVariation = false
    experiment.evaluatesBounds = false
    let figure = Figure1(experiment: experiment, lambdas: [1e-3, 1e-2], sigmas: [0.1, 0.5])
    let folder = makeTemporaryFolder()
    let sweep = try figure.openSweep(folder: folder, threads: 1)
    // L-BFGS (the default) has no learning rate; gradient descent records its own.
    #expect(sweep.hyperparameters["optimizer"] == .text(experiment.optimizer.description))
    #expect(sweep.hyperparameters["learning_rate"] == nil)
    var descent = experiment
    descent.optimizer = .gradientDescent(momentum: 0.9)
    #expect(descent.hyperparameters["learning_rate"] == .number(0.05))
    #expect(sweep.hyperparameters["initializer"] != nil)
    #expect(sweep.hyperparameters["maximum_steps"] == .integer(50))
    try sweep.run { point in try figure.measure(point).rows }
    guard case .complete(let summary) = try figure.finish(sweep) else {
      Issue.record("incomplete")
      return
    }
    #expect(summary.contains("τ_3 of W_4"))
    let svg = try String(contentsOfFile: folder + "/figure1.svg", encoding: .utf8)
    #expect(svg.components(separatedBy: "class=\"panel\"").count - 1 == 4)
    let parser = XMLParser(data: Data(svg.utf8))
    #expect(parser.parse(), "figure1.svg is well-formed XML")
    let csv = try String(contentsOfFile: folder + "/figure1.csv", encoding: .utf8)
    #expect(csv.hasPrefix("lambda,sigma,layer,metric,value\n0.001,0.1,1,tau_3,"))
    guard case .complete(let table) = try sweep.merge(to: nil) else { return }
    let tails = figure.tails(from: table)
    #expect(tails.count == 4 && tails.allSatisfy { $0.count == 2 && $0[0].count == 2 })
    #expect(tails.joined().joined().allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
  }
}
