import ArgumentParser
import RankCollapse
import RankCollapseExperiments

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Centroid warm-up (paper section 7, Lemma 3.3) against plain training from the same
/// initialisation: wall time and steps to the same regularised loss.
@main
struct CentroidWarmup: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Compare centroid warm-up training with plain training (time and steps to equal L_λ).",
    discussion: """
      Trains each setting twice per round from the same initial weights: plain full-batch \
      training, and a warm-up on the K class/blob centroids (equation 8 at j = 0) that switches \
      to the full data when the sampled Lemma 3.3 residual exceeds ρ times the centroid \
      gradient norm (or at --warmup-steps). Settings: the Gaussian-blob autoencoder at each σ, \
      and a Fashion-MNIST classifier (labels as the partition; skipped with --no-classifier). \
      Writes trajectories.csv (one row per recorded step), summary.csv (steps/seconds to the \
      target L* = plain final L_λ × (1 + slack), speed-up ratios per round), \
      hyperparameters.json and warmup.svg (L_λ vs wall time and vs steps).

      Examples:
        swift run -c release CentroidWarmup
        CentroidWarmup --sigmas 0.05,1 --no-classifier --output warmup-blobs
        CentroidWarmup --rho 0.25 --check-interval 5 --threads 2 --seed 3
        CentroidWarmup --data /path/to/mnist --classifier-samples 60000 --classifier-steps 600
      """)

  @Option(help: "Comma-separated σ values of the blob autoencoder.")
  var sigmas: String = "0.05,0.2,0.5,1"

  @Option(help: "λ of the penalty λ‖Θ‖² (both settings).")
  var lambda: Double = 1e-3

  @Option(help: "ρ: switch when the residual estimate exceeds ρ ‖∇L_λ^C‖.")
  var rho: Double = 0.5

  @Option(help: "Warm-up steps between residual estimates (m).")
  var checkInterval: Int = 10

  @Option(help: "Rows sampled for each residual estimate.")
  var sampleSize: Int = 512

  @Option(help: "Step cap of the warm-up phase.")
  var warmupSteps: Int = 1000

  @Option(help: "Full-data steps of the autoencoder.")
  var steps: Int = 1500

  @Option(help: "Blob points N.")
  var points: Int = 4000

  @Option(help: "Relative slack of the target L* = plain final L_λ × (1 + slack).")
  var targetSlack: Double = 0.01

  @Option(help: "Rounds of (plain, warm-up) pairs; the order alternates.")
  var rounds: Int = 2

  @Flag(inversion: .prefixedNo, help: "Run the Fashion-MNIST classifier comparison.")
  var classifier = true

  @Option(help: "Folder of the MNIST-format files (default: Debian's Fashion-MNIST folder).")
  var data: String = MNISTDataSet<Float>.fashionMNISTFolder

  @Option(help: "Fashion-MNIST training images used.")
  var classifierSamples: Int = 10_000

  @Option(help: "Full-data Adam steps of the classifier.")
  var classifierSteps: Int = 200

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

  func comparison() throws -> Experiments.WarmupComparison {
    let values = sigmas.split(separator: ",").map { Double($0.filter { $0 != " " }) }
    guard values.allSatisfy({ $0 != nil }) else {
      throw ValidationError("--sigmas must be comma-separated numbers, got '\(sigmas)'")
    }
    var autoencoder = Experiments.WarmupComparison.defaultAutoencoder
    autoencoder.seed = seed
    autoencoder.points = points
    autoencoder.maximumSteps = steps
    return Experiments.WarmupComparison(
      autoencoder: autoencoder, sigmas: values.compactMap { $0 }, lambda: lambda,
      includesClassifier: classifier, dataFolder: data, classifierSamples: classifierSamples,
      classifierSteps: classifierSteps, residualFraction: rho, checkInterval: checkInterval,
      sampleSize: sampleSize, warmupSteps: warmupSteps, targetSlack: targetSlack, rounds: rounds)
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
