import ArgumentParser
import ExampleSupport
import RankCollapse
import RankCollapseExperiments

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Centroid warm-up (paper section 7, Lemma 3.3) against plain training from the same
/// initialisation: wall time and steps to the same regularised loss or test accuracy.
@main
struct CentroidWarmup: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Compare centroid warm-up training with plain training (time and steps to equal L_λ or "
      + "test accuracy).",
    discussion: """
      Trains each setting several times per round from the same initial weights: plain \
      training (the library Trainer), a warm-up on the K class/blob centroids (equation 8 at \
      j = 0) that switches to the full data when the sampled Lemma 3.3 residual exceeds ρ times \
      the centroid gradient norm (or at --warmup-steps), and the same warm-up with its partition \
      refreshed by k-means on a hidden layer every --refresh-every steps (skip with \
      --no-refresh); each warm-up at every ρ of --rhos. Settings: the Gaussian-blob autoencoder \
      at each σ, a Fashion-MNIST classifier trained full batch and with minibatches of \
      --batch-size (labels as the partition; skipped with --no-classifier / --no-minibatch). \
      Targets: L* = plain final L_λ × (1 + slack) and, for the classifier, test accuracy \
      A* = plain final accuracy − --accuracy-slack, evaluated every few steps on held-out \
      images (evaluation time is not counted). The order of the methods reverses every round. \
      Writes trajectories.csv (one row per recorded step or evaluation), summary.csv (steps and \
      seconds to each target per run), speedups.csv (plain ÷ warm-up per round), \
      hyperparameters.json and warmup.svg.

      Shared options: --seed seeds the data, the initial weights and the residual samples \
      (default 1); --threads defaults to OPENBLAS_NUM_THREADS, else one per core; --output \
      defaults to centroid-warmup-output.

      Examples:
        swift run -c release CentroidWarmup
        CentroidWarmup --sigmas 0.05,1 --no-classifier --output warmup-blobs
        CentroidWarmup --rhos 0.1,0.5,2 --no-classifier --rounds 1
        CentroidWarmup --sigmas 0.05 --batch-size 128 --minibatch-steps 2000 --threads 2
        CentroidWarmup --data /path/to/mnist --classifier-samples 60000 --classifier-steps 600
      """)

  @Option(
    parsing: .unconditional,
    help: "Comma-separated σ values of the blob autoencoder, each in 0…1000000.")
  var sigmas: String = "0.05,0.2,0.5,1"

  @Option(
    parsing: .unconditional, help: "λ of the penalty λ‖Θ‖², 0…1000000 (both settings).")
  var lambda: Double = 1e-3

  @Option(
    parsing: .unconditional,
    help:
      "Comma-separated ρ values: switch when the residual estimate exceeds ρ ‖∇L_λ^C‖, each > 0.")
  var rhos: String = "0.5"

  @Option(
    parsing: .unconditional, help: "Warm-up steps between residual estimates, 1…1000000 (m).")
  var checkInterval: Int = 10

  @Option(
    parsing: .unconditional, help: "Rows sampled for each residual estimate, 1…1000000.")
  var sampleSize: Int = 512

  @Option(
    parsing: .unconditional, help: "Step cap of the warm-up phase, 0…100000000.")
  var warmupSteps: Int = 1000

  @Flag(inversion: .prefixedNo, help: "Also run the warm-up with partition refresh.")
  var refresh = true

  @Option(
    parsing: .unconditional,
    help: "Warm-up steps between partition refreshes, 1…1000000 (k-means on Z^j).")
  var refreshEvery: Int = 5

  @Option(
    parsing: .unconditional,
    help:
      "Autoencoder layer j clustered by the refresh, 1…1000 and at most the depth (default: the bottleneck)."
  )
  var refreshLayer: Int?

  @Option(
    parsing: .unconditional,
    help: "K of the refreshed partitions, 1…1000000 (default: the number of classes / blobs).")
  var refreshClusters: Int?

  @Option(
    parsing: .unconditional, help: "Full-data steps of the autoencoder, 0…100000000.")
  var steps: Int = 1500

  @Option(
    parsing: .unconditional, help: "Blob points N, 1…1000000.")
  var points: Int = 4000

  @Option(
    parsing: .unconditional,
    help: "Relative slack of the target L* = plain final L_λ ×, 0…1000000 (1 + slack).")
  var targetSlack: Double = 0.01

  @Option(
    parsing: .unconditional, help: "Rounds of all methods; the order reverses every round, 1…1000.")
  var rounds: Int = 2

  @Flag(inversion: .prefixedNo, help: "Run the Fashion-MNIST classifier comparison.")
  var classifier = true

  @Option(help: "Folder of the MNIST-format files (default: Debian's Fashion-MNIST folder).")
  var data: String = MNIST.fashionMNISTFolder

  @Option(
    parsing: .unconditional, help: "Fashion-MNIST training images used, 1…2147483647.")
  var classifierSamples: Int = 10_000

  @Option(
    parsing: .unconditional, help: "Full-data Adam steps of the full-batch classifier, 0…100000000."
  )
  var classifierSteps: Int = 200

  @Option(
    parsing: .unconditional,
    help: "Full-batch classifier steps between test-accuracy evaluations, 1…100000000.")
  var evaluationInterval: Int = 5

  @Option(
    parsing: .unconditional,
    help: "Absolute slack of the accuracy target A* = plain final accuracy − slack, 0…1.")
  var accuracySlack: Double = 0.005

  @Flag(inversion: .prefixedNo, help: "Run the minibatch classifier setting.")
  var minibatch = true

  @Option(
    parsing: .unconditional, help: "Minibatch size of the minibatch classifier setting, 1…1000000.")
  var batchSize: Int = 256

  @Option(
    parsing: .unconditional, help: "Adam steps of the minibatch classifier setting, 0…100000000.")
  var minibatchSteps: Int = 1000

  @Option(
    parsing: .unconditional,
    help: "Adam's learning rate in the minibatch setting, > 0 and ≤ 1000000.")
  var minibatchLearningRate: Double = 1e-3

  @Option(
    parsing: .unconditional,
    help: "Minibatch steps between evaluations, 1…100000000 (test accuracy, full-data L_λ).")
  var minibatchEvaluationInterval: Int = 25

  @OptionGroup var common: CommonOptions

  func validate() throws {
    try checkOption(lambda, in: 0...1e6, option: "--lambda", error: ValidationError.init)
    try checkOption(
      checkInterval, in: 1...1_000_000, option: "--check-interval", error: ValidationError.init)
    try checkOption(
      sampleSize, in: 1...1_000_000, option: "--sample-size", error: ValidationError.init)
    try checkOption(
      warmupSteps, in: 0...100_000_000, option: "--warmup-steps", error: ValidationError.init)
    try checkOption(
      refreshEvery, in: 1...1_000_000, option: "--refresh-every", error: ValidationError.init)
    try checkOption(
      refreshLayer, in: 1...1000, option: "--refresh-layer", error: ValidationError.init)
    try checkOption(
      refreshClusters, in: 1...1_000_000, option: "--refresh-clusters", error: ValidationError.init)
    try checkOption(steps, in: 0...100_000_000, option: "--steps", error: ValidationError.init)
    try checkOption(points, in: 1...1_000_000, option: "--points", error: ValidationError.init)
    try checkOption(targetSlack, in: 0...1e6, option: "--target-slack", error: ValidationError.init)
    try checkOption(rounds, in: 1...1000, option: "--rounds", error: ValidationError.init)
    try checkOption(
      classifierSamples, in: 1...OptionRange.countLimit, option: "--classifier-samples",
      error: ValidationError.init)
    try checkOption(
      classifierSteps, in: 0...100_000_000, option: "--classifier-steps",
      error: ValidationError.init)
    try checkOption(
      evaluationInterval, in: 1...100_000_000, option: "--evaluation-interval",
      error: ValidationError.init)
    try checkOption(
      accuracySlack, in: 0...1, option: "--accuracy-slack", error: ValidationError.init)
    try checkOption(
      batchSize, in: 1...1_000_000, option: "--batch-size", error: ValidationError.init)
    try checkOption(
      minibatchSteps, in: 0...100_000_000, option: "--minibatch-steps", error: ValidationError.init)
    try checkOption(
      minibatchLearningRate, in: OptionRange.positive, option: "--minibatch-learning-rate",
      error: ValidationError.init)
    try checkOption(
      minibatchEvaluationInterval, in: 1...100_000_000, option: "--minibatch-evaluation-interval",
      error: ValidationError.init)
    do { try comparison().validate() } catch let error as ExperimentError {
      throw ValidationError(error.description)
    }
  }

  func comparison() throws -> Experiments.WarmupComparison {
    let values = try parseList(sigmas, option: "--sigmas", in: 0...1e6) ?? []
    let rhoValues =
      try parseList(
        rhos, option: "--rhos", in: Double.leastNonzeroMagnitude...Double.greatestFiniteMagnitude)
      ?? []
    var autoencoder = Experiments.WarmupComparison.defaultAutoencoder
    autoencoder.seed = common.seed
    autoencoder.points = points
    autoencoder.maximumSteps = steps
    return Experiments.WarmupComparison(
      autoencoder: autoencoder, sigmas: values, lambda: lambda, includesClassifier: classifier,
      dataFolder: data, classifierSamples: classifierSamples, classifierSteps: classifierSteps,
      minibatchSize: minibatch ? batchSize : nil, minibatchSteps: minibatchSteps,
      minibatchLearningRate: minibatchLearningRate, evaluationInterval: evaluationInterval,
      minibatchEvaluationInterval: minibatchEvaluationInterval, accuracySlack: accuracySlack,
      residualFractions: rhoValues, checkInterval: checkInterval, sampleSize: sampleSize,
      warmupSteps: warmupSteps, includesRefresh: refresh, refreshEvery: refreshEvery,
      refreshLayer: refreshLayer, refreshClusters: refreshClusters, targetSlack: targetSlack,
      rounds: rounds)
  }

  func run() throws {
    if let threads = common.threads { BLAS.threadCount = threads }
    let output = common.outputFolder(default: "centroid-warmup-output")
    let comparison = try comparison()
    say("Centroid warm-up vs plain training")
    say(comparison.hyperparameters.description)
    say("threads: \(BLAS.threadCount)")
    let settings = try comparison.run(report: say)
    say(Experiments.WarmupComparison.summaryText(settings))
    let paths = try comparison.write(
      settings, to: output, environment: ["threads": .integer(BLAS.threadCount)])
    say("wrote " + paths.joined(separator: ", "))
    say("output folder: \(output)")
  }
}

/// Prints a line and flushes it, so that a log file follows the run.
func say(_ text: String) {
  print(text)
  fflush(nil)
}
