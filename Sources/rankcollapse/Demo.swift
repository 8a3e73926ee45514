import ArgumentParser
import Foundation
import RankCollapse
import RankCollapseExperiments
import RankCollapsePlots
import RankCollapseSweep

/// `rankcollapse demo`: the paper's phenomenon on built-in data, in about a minute.
struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a small autoencoder at a few λ and watch its weights collapse in rank.",
    discussion: """
      Draws K = 10 Gaussian blobs (standard deviation σ) in R^64, trains a 64-48-32-48-64 \
      tanh autoencoder on them with weight decay λ‖Θ‖² at each λ (full-batch L-BFGS to \
      ‖∇L_λ‖ ≤ 0.001 by default; the same data and initial weights for every λ) and prints, per \
      λ, how training ended and a table \
      of each weight matrix W_l: the relative tail τ_K = Σ_{j>K} s_j² / Σ s_j², the soft rank \
      rk(0.1), the relative stationarity residual ρ_l = ‖∇_W L_0 + 2λW‖_F / ‖2λW‖_F, the certified interval for the \
      total cluster variation TCV_K of the layer's input Z^{l-1} (spectral lower bound, k-means \
      upper bound), and both sides of the paper's Theorem 3.4 (the distance of W_l to the \
      rank-K matrices and its bound). As λ grows, rk(0.1) and τ_K fall: neural rank collapse.

      Writes demo.svg (spectra of every layer at each λ, rk and τ_K against λ, TCV and \
      Theorem 3.4) and report.json (every setting and measurement, the full Theorem 3.4 \
      reports) into the output folder, atomically and only after every λ has finished.

      Examples:
        rankcollapse demo
        rankcollapse demo --output /tmp/demo --seed 3 --threads 2
        rankcollapse demo --lambdas 1e-3,1e-2,3e-2 --sigma 0.2
        rankcollapse demo --optimizer gd --max-steps 5000   # the paper's gradient descent
        rankcollapse demo --points 400 --max-steps 500 --no-bounds   # a quicker look
      """
  )

  @Option(help: ArgumentHelp("The folder for demo.svg and report.json.", valueName: "dir"))
  var output: String = "rankcollapse-demo"

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "The weight-decay strengths λ > 0, at most 1000000, comma-separated "
        + "(default: 1e-3,3e-3,1e-2,3e-2,1e-1).",
      valueName: "list"))
  var lambdas: String?

  @Option(
    parsing: .unconditional,
    help: "σ, the blobs' standard deviation per coordinate, 0…1000000.")
  var sigma: Double = Experiments.Demonstration.standard.sigma

  @Option(parsing: .unconditional, help: "N, the number of points, 10…1000000.")
  var points: Int = Experiments.Demonstration.standard.experiment.points

  @Option(
    parsing: .unconditional,
    help: "The most full-batch training steps (L-BFGS: iterations) per λ, 0…10000000.")
  var maxSteps: Int = Experiments.Demonstration.standard.experiment.maximumSteps

  @Option(
    help: ArgumentHelp(
      "The update rule: lbfgs (quasi-Newton, the fastest to a stationary point), gd (gradient descent with momentum 0.9, the paper's method) or adam.",
      valueName: "rule"))
  var optimizer: String = "lbfgs"

  @Option(parsing: .unconditional, help: "Converged when ‖∇L_λ‖ ≤ this, 0…1000000.")
  var gradientTolerance: Double =
    Experiments.Demonstration.standard.experiment.gradientTolerance
    ?? 1e-3

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Also require max_l ρ_l ≤ this, ρ_l = ‖∇_W L_0 + 2λW‖/‖2λW‖ the relative stationarity residual (> 0 and ≤ 1000000; default: not required).",
      valueName: "rho"))
  var stationarityTolerance: Double?

  @Flag(
    name: .customLong("bounds"), inversion: .prefixedNo,
    help: "Evaluate Theorem 3.4 for every layer (the slowest measurement).")
  var evaluatesBounds = true

  @Option(
    parsing: .unconditional,
    help: "Seed of the data, the initial weights, k-means and the bound's sample, 0…2^64−1.")
  var seed: UInt64 = Experiments.Demonstration.standard.experiment.seed

  @Option(
    parsing: .unconditional,
    help: "Number of threads, 1…1024 (default: OPENBLAS_NUM_THREADS, else one per core).")
  var threads: Int?

  /// The λ values of `--lambdas`, or the default ones.
  private func lambdaValues() throws -> [Double] {
    guard let lambdas else { return Experiments.Demonstration.standard.lambdas }
    return try lambdas.split(separator: ",", omittingEmptySubsequences: false).map { item in
      let text = item.trimmingCharacters(in: .whitespaces)
      guard let value = Double(text) else {
        throw ValidationError("--lambdas: '\(text)' is not a number (give e.g. 1e-4,1e-3,1e-2).")
      }
      return value
    }
  }

  /// The demonstration the options describe.
  private func demonstration() throws -> Experiments.Demonstration {
    var demo = Experiments.Demonstration.standard
    demo.lambdas = try lambdaValues()
    demo.sigma = sigma
    demo.experiment.points = points
    demo.experiment.maximumSteps = maxSteps
    guard let rule = OptimizerChoice(name: optimizer) else {
      throw ValidationError(
        "--optimizer must be one of \(OptimizerChoice.names.joined(separator: ", ")), got '\(optimizer)'."
      )
    }
    demo.experiment.optimizer = rule
    demo.experiment.gradientTolerance = gradientTolerance
    demo.experiment.stationarityTolerance = stationarityTolerance
    demo.experiment.evaluatesBounds = evaluatesBounds
    demo.experiment.seed = seed
    return demo
  }

  func validate() throws {
    try validateOutputFolder(output, option: "--output")
    // Upper bounds first, before anything is sized from these numbers.
    let error = ValidationError.init
    try checkOption(sigma, in: 0...1e6, option: "--sigma", error: error)
    try checkOption(points, in: 10...1_000_000, option: "--points", error: error)
    try checkOption(maxSteps, in: 0...10_000_000, option: "--max-steps", error: error)
    try checkOption(gradientTolerance, in: 0...1e6, option: "--gradient-tolerance", error: error)
    try checkOption(
      stationarityTolerance, in: OptionRange.positive, option: "--stationarity-tolerance",
      error: error)
    try checkOption(threads, in: 1...OptionRange.threadLimit, option: "--threads", error: error)
    try checkOption(try lambdaValues(), in: OptionRange.positive, option: "--lambdas", error: error)
    let demo = try demonstration()
    do {
      try demo.validate()
    } catch {
      guard case .invalidParameter(let parameter) = error else {
        throw ValidationError("\(error)")
      }
      let (name, value, requirement) = (parameter.name, parameter.value, parameter.requirement)
      let option = [
        "lambdas": "--lambdas", "sigma": "--sigma", "max-steps": "--max-steps",
        "gradient-tolerance": "--gradient-tolerance",
        "stationarity-tolerance": "--stationarity-tolerance",
      ][name, default: name == "points" ? "--points" : name]
      throw ValidationError("\(option) '\(value)' is invalid: it must be \(requirement).")
    }
    guard demo.lambdas == demo.lambdas.sorted(), Set(demo.lambdas).count == demo.lambdas.count
    else {
      throw ValidationError("--lambdas must be increasing and distinct, got \(lambdas ?? "").")
    }
  }

  func run() throws {
    if let threads { BLAS.threadCount = threads }
    let demo = try demonstration()
    let experiment = demo.experiment
    let widths = experiment.widths.map(String.init).joined(separator: "-")
    let lambdaList = demo.lambdas.map(SweepValue.format).joined(separator: ", ")
    print(
      """
      Neural rank collapse demo: a \(widths) tanh autoencoder (linear output layer),
      \(experiment.points) points from \(experiment.clusters) Gaussian blobs in \
      R^\(experiment.dimension) with σ = \(SweepValue.format(demo.sigma)), λ = \(lambdaList).
      Loss (1/N) Σ ‖f(x_i) − x_i‖² + λ‖Θ‖² (weights and biases);
      \(trainingLine(experiment)).
      Seed \(experiment.seed), \(BLAS.threadCount) thread(s); K = \(experiment.clusters) for τ_K, \
      TCV_K and Theorem 3.4.

      """)
    var results: [BlobsAutoencoderResult] = []
    var seconds: [Double] = []
    for lambda in demo.lambdas {
      let start = DispatchTime.now().uptimeNanoseconds
      let result: BlobsAutoencoderResult
      do {
        result = try experiment.run(lambda: lambda, sigma: demo.sigma)
      } catch {
        throw CommandFailure("λ = \(SweepValue.format(lambda)): \(error)")
      }
      let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      results.append(result)
      seconds.append(elapsed)
      print(describe(result, seconds: elapsed, epsilon: experiment.softRankEpsilon))
    }
    print(demo.rankSummary(results))

    // Render both files before creating anything, then write each atomically.
    let figure = demo.figure(results)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let json = try encoder.encode(demo.report(results, seconds: seconds))
    let figurePath = try writeFigure(figure, named: "demo.svg", in: output)
    let reportPath = (output.hasSuffix("/") ? output : output + "/") + "report.json"
    do {
      try AtomicFile.write(Array(json) + [UInt8(ascii: "\n")], to: reportPath)
    } catch {
      throw CommandFailure("\(error)")
    }
    print("\nWrote \(figurePath) and \(reportPath).")
  }

  /// The update rule and the stopping rules, in words.
  private func trainingLine(_ experiment: BlobsAutoencoderExperiment) -> String {
    var criteria: [String] = []
    if let tolerance = experiment.gradientTolerance {
      criteria.append("‖∇L_λ‖ ≤ \(SweepValue.format(tolerance))")
    }
    if let tolerance = experiment.stationarityTolerance {
      criteria.append("max ρ_l ≤ \(SweepValue.format(tolerance))")
    }
    var rule = "\(experiment.optimizer)"
    if experiment.optimizer.usesLearningRate {
      rule += ", η = \(SweepValue.format(experiment.learningRate)) with cosine decay"
    }
    let unit = experiment.optimizer.usesLearningRate ? "steps" : "iterations"
    return rule + ", full batch, until " + criteria.joined(separator: " and ")
      + " or \(experiment.maximumSteps) \(unit)"
  }

  /// The block printed for one λ: how training ended, the per-layer table, Theorem 3.4.
  private func describe(
    _ result: BlobsAutoencoderResult, seconds: Double, epsilon: Double
  ) -> String {
    let training = result.training
    let unit = result.training.evaluations > result.training.steps + 1 ? "iterations" : "steps"
    let rho = training.stationarity.map { ", max ρ_l = \(short($0))" } ?? ""
    var lines = [
      "λ = \(SweepValue.format(result.lambda)): \(training.steps) \(unit) "
        + "(\(training.evaluations) evaluations), \(training.reason.phrase), "
        + "L_0 = \(short(training.loss)), λ‖Θ‖² = \(short(training.penalty)), "
        + "‖∇L_λ‖ = \(short(training.gradientNorm))\(rho), \(short(seconds)) s",
      result.table,
    ]
    if !result.theorem34.isEmpty {
      lines.append(Self.theorem34Line(result.theorem34))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The Theorem 3.4 summary line: which layers hold, are undecided at this precision (within
  /// the rounding allowance) or fail beyond it, with the largest allowance, and a note when a
  /// hypothesis is not met (a ReLU network is not C²).
  static func theorem34Line(_ reports: [BoundReport]) -> String {
    func layers(_ verdict: BoundReport.Verdict) -> [String] {
      reports.enumerated().filter { $0.element.verdict == verdict }.map { "W\($0.offset + 1)" }
    }
    var parts: [String] = []
    for (verdict, word) in [
      (BoundReport.Verdict.holds, "holds"), (.undecided, "undecided at this precision"),
      (.fails, "FAILS"),
    ] {
      let names = layers(verdict)
      if !names.isEmpty { parts.append("\(word) for \(names.joined(separator: ", "))") }
    }
    let allowance = reports.map(\.largestAllowance).max() ?? 0
    var line = "Theorem 3.4 (‖W_l − [W_l]_K‖_F ≤ bound, each link of the proof): "
    line += parts.joined(separator: "; ")
    line += " (rounding allowance ≤ \(String(format: "%.2g", allowance)))"
    if let unmet = reports.first?.unmetAssumptions, !unmet.isEmpty {
      line += "\n  * numbers only: " + unmet.joined(separator: "; ")
    }
    return line
  }

  /// Three significant digits.
  private func short(_ value: Double) -> String {
    String(format: "%.3g", value)
  }
}
