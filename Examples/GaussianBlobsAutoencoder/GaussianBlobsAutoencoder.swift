import ArgumentParser
import ExampleSupport
import RankCollapse
import RankCollapseExperiments
import RankCollapsePlots
import RankCollapseSweep

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Figure 1 of the paper: τ_10 of each weight matrix of a tanh autoencoder trained on K = 10
/// Gaussian blobs, over a grid of (λ, σ).
@main
struct GaussianBlobsAutoencoder: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Reproduce Figure 1: τ_10 of every weight matrix over a (λ, σ) grid.",
    discussion: """
      Trains one autoencoder per (λ, σ) on K = 10 Gaussian blobs and writes, to the output \
      folder: figure1.svg (one heatmap of τ_10 per layer), figure1.csv (tidy: lambda, sigma, \
      layer, metric, value), hyperparameters.json, and points/ (one file per finished grid \
      point). Running the same command again resumes: finished points are skipped.

      Shared options: --seed seeds the data, the initial weights and the analysis (default 1); \
      --threads defaults to OPENBLAS_NUM_THREADS, else one per core; --output defaults to \
      figure1-output (figure1-paper-output with --paper); --shard i/n computes only part i of \
      n of the grid.

      Examples:
        swift run -c release GaussianBlobsAutoencoder
        swift run -c release GaussianBlobsAutoencoder --paper --threads 2 --output fig1-paper
        GaussianBlobsAutoencoder --paper --shard 3/16 --output fig1-paper   # one of 16 processes
        GaussianBlobsAutoencoder --lambdas 1e-4,1e-2 --sigmas 0.1,1 --seed 7
      """)

  @Flag(help: "The paper's sizes: 784-400-300-400-784, N = 10000, a 6 × 6 grid (hours).")
  var paper = false

  @Option(
    parsing: .unconditional,
    help: "Comma-separated λ values, each > 0 and ≤ 1000000 (default: the scale's grid).")
  var lambdas: String?

  @Option(
    parsing: .unconditional,
    help: "Comma-separated σ values, each in 0…1000000 (default: the scale's grid).")
  var sigmas: String?

  @OptionGroup var common: CommonOptions

  @OptionGroup var sharding: ShardOption

  @Option(
    help: ArgumentHelp(
      "The update rule: lbfgs (default: full-batch L-BFGS, the fastest to a stationary point), gd (full-batch gradient descent with --momentum, the paper's method) or adam.",
      valueName: "rule"))
  var optimizer: String?

  /// The help of the update-rule options.
  enum Defaults: OptimizerOptionDefaults {
    static let historyHelp = "Curvature pairs kept by --optimizer lbfgs (1…1000)."
    static let learningRateHelp =
      "The initial learning rate, > 0 and ≤ 1000000 (default: the scale's)."
    static let gradientToleranceHelp =
      "Converged when the gradient norm falls to this, 0…1000000 (default: not required)."
  }

  @OptionGroup var optimization: OptimizerOptions<Defaults>

  @Option(
    parsing: .unconditional, help: "Heavy-ball momentum of --optimizer gd, in [0, 1).")
  var momentum: Double = 0.9

  @Flag(inversion: .prefixedNo, help: "Decay the learning rate along a cosine to 1/100 of it.")
  var decay: Bool?

  @Option(
    parsing: .unconditional,
    help:
      "Step budget per grid point, 0…100000000; 0 measures the initial network (default: the scale's)."
  )
  var maxSteps: Int?

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Converged when max_l ρ_l ≤ this, 0…1000000, ρ_l = ‖∇_W L_0 + 2λW‖/‖2λW‖ (paper eq. 4; "
        + "default 0.01).",
      valueName: "rho"))
  var stationarityTolerance: Double?

  @Flag(help: "Measure only the spectra (skip the TCV intervals and Theorem 3.4).")
  var spectraOnly = false

  @Flag(help: "Print training progress and a table of every grid point's measurements.")
  var verbose = false

  func validate() throws {
    try checkOption(
      maxSteps, in: 0...100_000_000, option: "--max-steps", error: ValidationError.init)
    try checkOption(
      stationarityTolerance, in: 0...1e6, option: "--stationarity-tolerance",
      error: ValidationError.init)
    do {
      try scale().experiment.validate()
    } catch let error as ExperimentError {
      throw ValidationError(error.description)
    }
  }

  /// The experiment and grid of the chosen scale with the overrides applied.
  func scale() throws -> (
    experiment: BlobsAutoencoderExperiment, lambdas: [Double], sigmas: [Double]
  ) {
    var scale = paper ? Figure1Scale.paper : Figure1Scale.small
    scale.experiment.seed = common.seed
    if let learningRate = optimization.learningRate { scale.experiment.learningRate = learningRate }
    if let decay { scale.experiment.decaysLearningRate = decay }
    if let optimizer {
      guard
        let rule = OptimizerChoice(
          name: optimizer, momentum: momentum, history: optimization.history)
      else {
        throw ValidationError(
          "--optimizer must be one of \(OptimizerChoice.names.joined(separator: ", ")), got '\(optimizer)'"
        )
      }
      scale.experiment.optimizer = rule
    }
    if let maxSteps { scale.experiment.maximumSteps = maxSteps }
    if let tolerance = optimization.gradientTolerance {
      scale.experiment.gradientTolerance = tolerance
    }
    if let stationarityTolerance {
      scale.experiment.stationarityTolerance = stationarityTolerance
    }
    if spectraOnly {
      scale.experiment.measuresClusterVariation = false
      scale.experiment.evaluatesBounds = false
    }
    if let values = try parseList(lambdas, option: "--lambdas", in: OptionRange.positive) {
      scale.lambdas = values
    }
    if let values = try parseList(sigmas, option: "--sigmas", in: 0...1e6) { scale.sigmas = values }
    return (scale.experiment, scale.lambdas, scale.sigmas)
  }

  func run() throws {
    if let threads = common.threads { BLAS.threadCount = threads }
    let (experiment, lambdas, sigmas) = try scale()
    let folder = common.outputFolder(default: paper ? "figure1-paper-output" : "figure1-output")
    let shard = try sharding.parsed()
    let figure = Figure1(experiment: experiment, lambdas: lambdas, sigmas: sigmas)
    let sweep = try figure.openSweep(folder: folder, threads: BLAS.threadCount)

    say("Figure 1: Gaussian-blobs autoencoder, \(lambdas.count) λ × \(sigmas.count) σ")
    say(sweep.hyperparameters.description)
    say("threads: \(BLAS.threadCount)")
    say("shard: \(shard)")
    let total = shard.select(sweep.grid).count
    var done = 0
    try sweep.run(
      shard: shard,
      compute: { point in
        let result = try figure.measure(
          point, progress: verbose ? .automatic(seconds: 2) : .silent)
        if verbose { say("\(point):\n\(result.table)") }
        return result.rows
      },
      report: { point, status in
        done += 1
        switch status {
        case .skipped: say("[\(done)/\(total)] \(point): already done")
        case .computed(let seconds):
          say(
            "[\(done)/\(total)] \(point): \(SweepValue.format((seconds * 10).rounded() / 10)) s")
        }
      })
    switch try figure.finish(sweep) {
    case .complete(let summary):
      say(summary)
      say("wrote \(folder)/figure1.svg, \(folder)/figure1.csv, \(folder)/hyperparameters.json")
    case .incomplete(let missing):
      say(
        "\(missing.count) of \(sweep.grid.count) grid points are not finished yet (other shards?); "
          + "run again with the same --output to finish and write the figure.")
    }
    say("output folder: \(folder)")
  }
}

/// Prints a line and flushes it, so that a log file (a SLURM job's output) follows the run.
func say(_ text: String) {
  print(text)
  fflush(nil)
}
