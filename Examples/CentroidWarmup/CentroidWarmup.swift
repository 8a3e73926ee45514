import ArgumentParser
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

      Examples:
        swift run -c release CentroidWarmup
        CentroidWarmup --sigmas 0.05,1 --no-classifier --output warmup-blobs
        CentroidWarmup --rhos 0.1,0.5,2 --no-classifier --rounds 1
        CentroidWarmup --sigmas 0.05 --batch-size 128 --minibatch-steps 2000 --threads 2
        CentroidWarmup --data /path/to/mnist --classifier-samples 60000 --classifier-steps 600
      """)

  @Option(help: "Comma-separated σ values of the blob autoencoder.")
  var sigmas: String = "0.05,0.2,0.5,1"

  @Option(help: "λ of the penalty λ‖Θ‖² (both settings).")
  var lambda: Double = 1e-3

  @Option(help: "Comma-separated ρ values: switch when the residual estimate exceeds ρ ‖∇L_λ^C‖.")
  var rhos: String = "0.5"

  @Option(help: "Warm-up steps between residual estimates (m).")
  var checkInterval: Int = 10

  @Option(help: "Rows sampled for each residual estimate.")
  var sampleSize: Int = 512

  @Option(help: "Step cap of the warm-up phase.")
  var warmupSteps: Int = 1000

  @Flag(inversion: .prefixedNo, help: "Also run the warm-up with partition refresh.")
  var refresh = true

  @Option(help: "Warm-up steps between partition refreshes (k-means on Z^j).")
  var refreshEvery: Int = 5

  @Option(help: "Autoencoder layer j clustered by the refresh (default: the bottleneck).")
  var refreshLayer: Int?

  @Option(help: "K of the refreshed partitions (default: the number of classes / blobs).")
  var refreshClusters: Int?

  @Option(help: "Full-data steps of the autoencoder.")
  var steps: Int = 1500

  @Option(help: "Blob points N.")
  var points: Int = 4000

  @Option(help: "Relative slack of the target L* = plain final L_λ × (1 + slack).")
  var targetSlack: Double = 0.01

  @Option(help: "Rounds of all methods; the order reverses every round.")
  var rounds: Int = 2

  @Flag(inversion: .prefixedNo, help: "Run the Fashion-MNIST classifier comparison.")
  var classifier = true

  @Option(help: "Folder of the MNIST-format files (default: Debian's Fashion-MNIST folder).")
  var data: String = MNISTDataSet<Float>.fashionMNISTFolder

  @Option(help: "Fashion-MNIST training images used.")
  var classifierSamples: Int = 10_000

  @Option(help: "Full-data Adam steps of the full-batch classifier.")
  var classifierSteps: Int = 200

  @Option(help: "Full-batch classifier steps between test-accuracy evaluations.")
  var evaluationInterval: Int = 5

  @Option(help: "Absolute slack of the accuracy target A* = plain final accuracy − slack.")
  var accuracySlack: Double = 0.005

  @Flag(inversion: .prefixedNo, help: "Run the minibatch classifier setting.")
  var minibatch = true

  @Option(help: "Minibatch size of the minibatch classifier setting.")
  var batchSize: Int = 256

  @Option(help: "Adam steps of the minibatch classifier setting.")
  var minibatchSteps: Int = 1000

  @Option(help: "Adam's learning rate in the minibatch setting.")
  var minibatchLearningRate: Double = 1e-3

  @Option(help: "Minibatch steps between evaluations (test accuracy, full-data L_λ).")
  var minibatchEvaluationInterval: Int = 25

  @Option(help: "Seed of the data, the initial weights and the residual samples.")
  var seed: UInt64 = 1

  @Option(help: "BLAS threads (default: OPENBLAS_NUM_THREADS, else one per core).")
  var threads: Int?

  @Option(help: "Output folder.")
  var output: String = "centroid-warmup-output"

  func validate() throws {
    if let threads, threads < 1 {
      throw ValidationError("--threads must be at least 1, got \(threads)")
    }
    do { try comparison().validate() } catch let error as ExperimentError {
      throw ValidationError(error.description)
    }
  }

  /// Comma-separated numbers, or a validation error naming the option.
  func numbers(_ text: String, option: String) throws -> [Double] {
    let values = text.split(separator: ",").map { Double($0.filter { $0 != " " }) }
    guard values.allSatisfy({ $0 != nil }) else {
      throw ValidationError("--\(option) must be comma-separated numbers, got '\(text)'")
    }
    return values.compactMap { $0 }
  }

  func comparison() throws -> Experiments.WarmupComparison {
    let values = try numbers(sigmas, option: "sigmas")
    let rhoValues = try numbers(rhos, option: "rhos")
    var autoencoder = Experiments.WarmupComparison.defaultAutoencoder
    autoencoder.seed = seed
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
    if let threads { BLAS.threadCount = threads }
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
