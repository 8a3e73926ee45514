// Figure 2 of "Neural Rank Collapse": a deep linear autoencoder trained on the full and on the
// centroid-based loss; the distance between the end-to-end products against λ and σ.
import ArgumentParser
import ExampleSupport
import Foundation
import RankCollapse
import RankCollapseExperiments
import RankCollapseSweep

/// Reproduces Figure 2 (thin command: the experiment is `Experiments.DeepLinearCentroids`).
@main
struct DeepLinearCentroids: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "DeepLinearCentroids",
    abstract: "Reproduce Figure 2: full vs centroid-based loss of a deep linear autoencoder.",
    discussion: """
      Trains the deep linear autoencoder f(x) = W_L⋯W_1 x on a mixture of K isotropic \
      Gaussians, once on the full loss and once on the centroid-based loss (every sample \
      replaced by its component's mean), with the penalty λ‖W_L⋯W_1‖² of eq. (19), for every \
      (λ, σ) of a grid, and compares the end-to-end products with the closed forms of eq. (21) \
      and with Theorem 5.3's bound.

      Writes figure2.csv (tidy: one row per quantity and grid point), figure2.svg, \
      summary.json (log-log slopes in σ, monotonicity in λ, bound check) and \
      hyperparameters.json to the output folder. Every finished grid point is stored at once \
      in OUTPUT/points: run the same command again to resume after an interruption. While \
      points are missing, figure2-partial.svg shows the finished ones.

      The default scale (d = 96, widths 96-48-36-48-96, N = 3000, 5 × 5 grid) takes a few \
      minutes on one core in a release build. --paper uses the paper's sizes (d = 784, widths \
      784-400-300-400-784, N = 10000): hours per grid point, so spread it with --shard (one \
      process per core, or a SLURM job array with the task id as the shard number).

      Shared options: --seed seeds the means, the noise and the initial network (default 1); \
      --threads (BLAS threads per process) defaults to 1, the fastest at the default scale \
      (use --shard to use more cores); --output (created; reused to resume) defaults to \
      deep-linear-centroids; --shard i/n computes only part i of n of the grid.

      Examples:
        DeepLinearCentroids
        DeepLinearCentroids --seed 7 --output runs/fig2-seed7
        DeepLinearCentroids --shard 1/2 & DeepLinearCentroids --shard 2/2 & wait
        DeepLinearCentroids --paper --shard "$SLURM_ARRAY_TASK_ID/25" --output fig2
      """)

  @OptionGroup var common: CommonOptions

  @OptionGroup var sharding: ShardOption

  @Flag(help: "The paper's sizes: d = 784, widths 784-400-300-400-784, N = 10000.")
  var paper = false

  @Option(
    help: ArgumentHelp(
      "The update rule: lbfgs (default: full-batch L-BFGS, the fastest to a stationary point) or gd (gradient descent with --learning-rate and --momentum, the paper's method).",
      valueName: "rule"))
  var optimizer: String = "lbfgs"

  @Option(
    help: ArgumentHelp(
      "The weight decay: end-to-end (default: λ‖W_L⋯W_1‖², eq. 19, whose minimisers are the closed forms of eq. 21) or per-layer (λ Σ‖W_l‖², eq. 3, how networks are trained).",
      valueName: "form"))
  var penalty: Experiments.DeepLinearCentroids.Configuration.PenaltyForm = .endToEnd

  /// The help of the update-rule options.
  enum Defaults: OptimizerOptionDefaults {
    static let historyHelp = "Curvature pairs kept by --optimizer lbfgs (1…1000, default 10)."
    static let learningRateHelp =
      "Learning rate η of gradient descent, > 0 and ≤ 1000000 (default 0.3)."
    static let gradientToleranceHelp = "Stop when ‖∇L_λ‖ ≤ this, 0…1000000 (default 1e-6)."
  }

  @OptionGroup var optimization: OptimizerOptions<Defaults>

  @Option(
    parsing: .unconditional, help: "Heavy-ball momentum μ ∈ [0, 1) (default 0.9).")
  var momentum: Double?

  @Option(
    parsing: .unconditional,
    help: "Step budget per training, 1…100000000 (default 20000; 50000 with --paper).")
  var maximumSteps: Int?

  func validate() throws {
    try checkOption(
      maximumSteps, in: 1...100_000_000, option: "--maximum-steps", error: ValidationError.init)
    if let momentum, !(momentum >= 0 && momentum < 1) {
      throw ValidationError("--momentum must be in [0, 1), got \(momentum).")
    }
    guard optimizer == "lbfgs" || optimizer == "gd" else {
      throw ValidationError("--optimizer must be lbfgs or gd, got '\(optimizer)'.")
    }
  }

  func run() throws {
    let threads = common.applyThreads(default: 1)
    let output = common.outputFolder(default: "deep-linear-centroids")
    typealias Figure2 = Experiments.DeepLinearCentroids
    var configuration: Figure2.Configuration =
      paper ? .paper(seed: common.seed) : .standard(seed: common.seed)
    configuration.quasiNewtonHistory = optimizer == "lbfgs" ? optimization.history : nil
    configuration.penalty = penalty
    if let learningRate = optimization.learningRate { configuration.learningRate = learningRate }
    if let momentum { configuration.momentum = momentum }
    if let tolerance = optimization.gradientTolerance {
      configuration.gradientTolerance = tolerance
    }
    if let maximumSteps { configuration.maximumSteps = maximumSteps }
    let shard = try sharding.parsed()

    print("Figure 2, \(paper ? "paper" : "default") scale; hyperparameters:")
    print(configuration.hyperparameters)
    print("grid: λ ∈ \(configuration.lambdas), σ ∈ \(configuration.sigmas)")

    fflush(nil)
    let experiment = try Figure2(configuration: configuration)
    let sweep = try Sweep(
      folder: output, experiment: Figure2.experimentName,
      hyperparameters: configuration.hyperparameters,
      environment: ["threads": .integer(threads), "shard": .text(shard.description)],
      grid: try Figure2.grid(configuration), measurementColumns: Figure2.measurementColumns)
    let total = shard.select(sweep.grid).count
    var done = 0
    let summary = try sweep.run(
      shard: shard,
      compute: { point in
        let (lambda, sigma) = try Figure2.coordinates(of: point)
        let measurement = try experiment.run(lambda: lambda, sigma: sigma)
        print(
          "  λ = \(SweepValue.format(lambda)), σ = \(SweepValue.format(sigma)): trained "
            + "\(format(measurement.trainedDistance)), closed form \(format(measurement.closedFormDistance)), "
            + "bound \(format(measurement.bound)); steps \(measurement.full.steps) "
            + "(\(measurement.full.stopReason.rawValue)) / \(measurement.centroid.steps) "
            + "(\(measurement.centroid.stopReason.rawValue))")
        return measurement.rows
      },
      report: { point, status in
        defer { fflush(nil) }  // progress appears at once also when redirected to a file
        done += 1
        switch status {
        case .skipped: print("[\(done)/\(total)] \(point): already stored, skipped")
        case .computed(let seconds):
          print("[\(done)/\(total)] \(point): \(String(format: "%.1f", seconds)) s")
        }
      })
    print("computed \(summary.computed), skipped \(summary.skipped) (shard \(shard))")

    switch try sweep.merge(to: output + "/figure2.csv") {
    case .incomplete(let missing):
      print(
        "\(missing.count) grid points are not finished yet (other shards, or run again to "
          + "resume); the CSV and figure are written when the grid is complete.")
      let records = try Figure2.Record.records(from: try sweep.finishedTable())
      if !records.isEmpty {
        try Figure2.figure(
          records,
          title:
            "Figure 2 so far (\(records.count) of \(sweep.grid.count) points): ‖Θ*,C − Θ*‖, "
            + "d = \(configuration.dimension), \(configuration.penalty.rawValue) weight decay",
          closedForm: configuration.penalty == .perLayer ? "(per-layer)" : "(21)"
        ).write(to: output + "/figure2-partial.svg")
        print("wrote \(output)/figure2-partial.svg from the finished points")
      }
    case .complete(let table):
      let records = try Figure2.Record.records(from: table)
      let result = Figure2.Summary(records)
      printTable(records, closedForm: configuration.penalty == .perLayer ? "per-layer" : "(21)")
      printSummary(result, closedForm: configuration.penalty == .perLayer ? "per-layer" : "(21)")
      try Figure2.figure(
        records,
        title:
          "Figure 2: ‖Θ*,C − Θ*‖ of a deep linear autoencoder (d = \(configuration.dimension), "
          + "N = \(configuration.samples), K = \(configuration.components), "
          + "\(configuration.penalty.rawValue) weight decay)",
        closedForm: configuration.penalty == .perLayer ? "(per-layer)" : "(21)"
      ).write(to: output + "/figure2.svg")
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      let json = String(decoding: try encoder.encode(result), as: UTF8.self)
      try AtomicFile.write(json + "\n", to: output + "/summary.json")
      print("wrote \(output)/figure2.csv, figure2.svg, summary.json, hyperparameters.json")
    }
    print("output folder: \(output)")
  }

  func printTable(_ records: [Experiments.DeepLinearCentroids.Record], closedForm: String) {
    print("")
    print(
      "     λ        σ   trained ‖Θ*,C−Θ*‖ " + pad("closed form \(closedForm)", 21)
        + "   rank-r closed   Thm 5.3 bound")
    for r in records {
      print(
        pad(SweepValue.format(r.lambda), 6) + pad(SweepValue.format(r.sigma), 9)
          + pad(format(r.trainedDistance), 20) + pad(format(r.closedFormDistance), 19)
          + pad(format(r.rankConstrainedDistance), 16) + pad(format(r.bound), 16))
    }
  }

  func printSummary(_ s: Experiments.DeepLinearCentroids.Summary, closedForm: String) {
    print("")
    let slopes = s.trainedSlopes.map { "λ=\(SweepValue.format($0.lambda)): \(format($0.slope))" }
    print(
      "log-log slope of the trained distance in σ (2 = quadratic): \(slopes.joined(separator: ", "))"
    )
    print(
      "  mean \(format(s.trainedSlope)); closed form \(closedForm): mean \(format(s.closedFormSlope))"
    )
    print(
      "trained distance decreasing in λ for \(s.decreasingInLambda) of \(s.sigmaCount) σ values")
    print(
      "below Theorem 5.3's bound: \(s.belowBound) of \(s.pointCount) points "
        + "(largest trained/bound ratio \(format(s.largestBoundRatio)))")
    print("trainings that met the gradient tolerance: \(s.converged) of \(2 * s.pointCount)")
    if s.atRounding > 0 {
      print(
        "points whose trained distance is below 1e-12, rounding (both products zero: the decay "
          + "removed every direction; left out of the slopes and the figure): \(s.atRounding)")
    }
  }
}

/// Four significant digits.
func format(_ value: Double) -> String { String(format: "%.4g", value) }

/// `text` right-aligned in `width` characters.
func pad(_ text: String, _ width: Int) -> String {
  String(repeating: " ", count: Swift.max(width - text.count, 0)) + text
}

/// `--penalty end-to-end|per-layer`: ArgumentParser parses the raw values and names both in its
/// error for anything else.
extension Experiments.DeepLinearCentroids.Configuration.PenaltyForm: ExpressibleByArgument {}
