import Foundation
import RankCollapse
import RankCollapseSweep

extension Experiments.LowRankCompression: LambdaSweepExperiment {
  /// The experiment's name in the sweep's files.
  public static let experimentName = "low-rank-compression"

  /// The columns of each λ's rows: `rank` (an integer, or `dense` for the uncompressed
  /// network), `metric`, `value`.
  ///
  /// Metrics: `test_accuracy`, `test_loss` (mean cross-entropy), `parameters` (weights and
  /// biases stored), `flops` (floating-point operations per image of a forward pass),
  /// `inference_seconds` (fastest of the timed forward passes over the test images),
  /// `speedup` (dense time / this time, timed in interleaved rounds) and, with fine-tuning,
  /// `fine_tuned_test_accuracy` and `fine_tuned_test_loss`.
  public static let measurementColumns = ["rank", "metric", "value"]

  /// Everything the numbers depend on.
  ///
  /// The shared configuration (without λ, which is the grid's axis), the ranks, fine-tuning,
  /// timing, the data's size, pooling and fingerprint. The accuracy targets are not included:
  /// they only select from the table.
  ///
  /// - Parameter data: The images.
  /// - Returns: The sidecar's hyperparameters.
  public func hyperparameters(data: Experiments.ClassifierData) -> Hyperparameters {
    var result = configuration.hyperparameters
    result["lambda"] = nil
    result["ranks"] = .integers(ranks)
    result["compression"] = .text(
      "Compression.evaluate with RankSelection.rank(r) for every layer: balanced factors of the "
        + "best rank-min(r, d_l, d_(l-1)) approximation; a layer stays dense when r(m+n) >= mn")
    if fineTuningEpochs > 0 {
      result["fine_tuning"] = "Adam, the training learning rate and batch size, no penalty"
    }
    result["fine_tuning_epochs"] = .integer(fineTuningEpochs)
    result["timing_repetitions"] = .integer(timingRepetitions)
    return result.merging(data.sweepHyperparameters)
  }

  /// Trains the λ of `shard` that are not finished yet (each resumable from its state file in
  /// `sweep.folder/state`), compresses each trained network at every rank and stores each λ's
  /// rows as a grid point.
  ///
  /// - Parameters:
  ///   - sweep: The sweep from ``sweep(folder:data:environment:)``.
  ///   - shard: The part of the λ values this process handles.
  ///   - data: The images.
  ///   - progress: The trainer's progress output.
  ///   - onMeasurement: Called with λ and each compressed network's measurements.
  ///   - report: Called after each λ of the shard.
  /// - Returns: How many λ were computed and skipped.
  /// - Throws: ``ClassifierError`` or `SweepError`.
  @discardableResult
  public func run(
    _ sweep: Sweep, shard: Shard = .all, data: Experiments.ClassifierData,
    progress: ProgressStyle = .silent,
    onMeasurement: ((Double, Measurement) -> Void)? = nil,
    report: ((GridPoint, SweepPointStatus) -> Void)? = nil
  ) throws -> SweepRunSummary {
    try runLambdas(sweep, shard: shard, report: report) { lambda, statePath in
      let network = try trainedNetwork(
        lambda: lambda, data: data, statePath: statePath, progress: progress)
      let measurements = try measure(
        network, data: data, onMeasurement: { onMeasurement?(lambda, $0) })
      return measurements.flatMap(\.rows)
    }
  }

  /// Trains the classifier at `lambda` (resuming from `statePath`, or returning the network it
  /// holds when that run had finished).
  ///
  /// - Parameters:
  ///   - lambda: λ.
  ///   - data: The images.
  ///   - statePath: The classifier's state file.
  ///   - progress: The trainer's progress output.
  /// - Returns: The trained network.
  /// - Throws: ``ClassifierError``.
  public func trainedNetwork(
    lambda: Double, data: Experiments.ClassifierData, statePath: String,
    progress: ProgressStyle = .silent
  ) throws(Experiments.ClassifierError) -> Network<Float> {
    let experiment = Experiments.ClassifierExperiment(configuration: configuration(lambda: lambda))
    _ = try experiment.run(on: data, statePath: statePath, progress: progress)
    do {
      return try Checkpoint<Float>.read(from: statePath).network
    } catch {
      throw .incompatibleState(
        path: statePath, reason: error.description, cause: UnderlyingError(error))
    }
  }
}
