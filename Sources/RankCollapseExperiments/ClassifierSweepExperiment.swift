import Foundation
import RankCollapse
import RankCollapseSweep

/// An experiment that trains the classifier of ``Experiments/ClassifierConfiguration`` on
/// MNIST-format images at several λ and stores its measurements as a resumable `Sweep`.
///
/// ``Experiments/RankEvolution`` (Figure 3), ``Experiments/WidthDepthSweep`` (Figures 4–5) and
/// ``Experiments/LowRankCompression`` share this shape: the protocol gives them one way to load
/// their images (``loadData(folder:)``), to open their sweep
/// (``sweep(folder:data:environment:)``) and to check their λ values (``validateLambdas()``).
public protocol ClassifierSweepExperiment: Sendable {
  /// The experiment's name in the sweep's files.
  static var experimentName: String { get }
  /// The columns of each grid point's rows.
  static var measurementColumns: [String] { get }
  /// The hyperparameters shared by every grid point (λ is replaced per point).
  var configuration: Experiments.ClassifierConfiguration { get set }
  /// The λ values of the penalty λ‖Θ‖² (paper eq. 3), one per line of the figure.
  var lambdas: [Double] { get set }
  /// Training images (the first ones), or `nil` for all.
  var trainingSamples: Int? { get set }
  /// Test images (the first ones), or `nil` for all.
  var testSamples: Int? { get }
  /// The average-pooling window applied to the images (1: none).
  var pooling: Int { get }
  /// The default scale: minutes on 2 cores in a release build.
  static var defaultScale: Self { get }
  /// The paper's (or the larger) scale.
  static var paperScale: Self { get }
  /// Checks every setting.
  ///
  /// - Throws: ``Experiments/ClassifierError/invalidConfiguration(_:)`` naming the bad value.
  func validate() throws(Experiments.ClassifierError)
  /// Everything the numbers depend on, for the sweep's sidecar.
  ///
  /// - Parameter data: The images.
  /// - Returns: The hyperparameters.
  func hyperparameters(data: Experiments.ClassifierData) -> Hyperparameters
  /// The sweep's grid for `data`.
  ///
  /// - Parameter data: The images (their input size can shape the grid).
  /// - Returns: The points.
  /// - Throws: `SweepError.invalidGrid(_:)` for repeated coordinates.
  func sweepGrid(data: Experiments.ClassifierData) throws(SweepError) -> [GridPoint]
}

extension ClassifierSweepExperiment {
  /// Opens (or resumes) the sweep in `folder`.
  ///
  /// - Parameters:
  ///   - folder: The output folder.
  ///   - data: The images.
  ///   - environment: Recorded, not compared (thread count …).
  /// - Returns: The sweep.
  /// - Throws: `SweepError` (a folder of another run among them).
  public func sweep(
    folder: String, data: Experiments.ClassifierData, environment: Hyperparameters = [:]
  ) throws(SweepError) -> Sweep {
    try Sweep(
      folder: folder, experiment: Self.experimentName, hyperparameters: hyperparameters(data: data),
      environment: environment, grid: sweepGrid(data: data),
      measurementColumns: Self.measurementColumns)
  }

  /// Reads the experiment's images: ``trainingSamples`` and ``testSamples`` of the MNIST-format
  /// files in `folder`, pooled by ``pooling``.
  ///
  /// - Parameter folder: The folder of the four IDX files.
  /// - Returns: The images and labels.
  /// - Throws: ``Experiments/ClassifierError`` when the files are missing or malformed.
  public func loadData(
    folder: String
  ) throws(Experiments.ClassifierError) -> Experiments.ClassifierData {
    try .mnist(
      folder: folder, trainingSamples: trainingSamples, testSamples: testSamples,
      pooling: pooling)
  }

  /// The configuration of one λ.
  ///
  /// - Parameter lambda: λ.
  /// - Returns: ``configuration`` with λ set.
  public func configuration(lambda: Double) -> Experiments.ClassifierConfiguration {
    var result = configuration
    result.lambda = lambda
    return result
  }

  /// Checks that there is at least one λ, that they differ and that the configuration is valid
  /// at each.
  ///
  /// - Throws: ``Experiments/ClassifierError/invalidConfiguration(_:)`` naming the bad value.
  public func validateLambdas() throws(Experiments.ClassifierError) {
    guard !lambdas.isEmpty else { throw .invalidConfiguration("give at least one λ") }
    for lambda in lambdas { try configuration(lambda: lambda).validate() }
    guard Set(lambdas).count == lambdas.count else {
      throw .invalidConfiguration("the λ values must differ, got \(lambdas)")
    }
  }

}

/// A ``ClassifierSweepExperiment`` whose grid is one point per λ, each trained to the end and
/// resumable from a state file: ``Experiments/RankEvolution`` and
/// ``Experiments/LowRankCompression``.
public protocol LambdaSweepExperiment: ClassifierSweepExperiment {}

extension LambdaSweepExperiment {
  /// The grid: one point per λ (axis `lambda`).
  ///
  /// - Returns: The points.
  /// - Throws: `SweepError.invalidGrid(_:)` for repeated λ.
  public func grid() throws(SweepError) -> [GridPoint] {
    try GridPoint.grid([SweepAxis("lambda", numbers: lambdas)])
  }

  /// The sweep's grid, ``grid()``.
  ///
  /// - Parameter data: The images (unused: the grid is one point per λ).
  /// - Returns: The points.
  /// - Throws: `SweepError.invalidGrid(_:)` for repeated λ.
  public func sweepGrid(data: Experiments.ClassifierData) throws(SweepError) -> [GridPoint] {
    try grid()
  }

  /// The state file of one λ in `folder`.
  ///
  /// - Parameters:
  ///   - folder: The state folder.
  ///   - lambda: λ.
  /// - Returns: `folder/lambda-<λ>.safetensors`.
  public static func statePath(folder: String, lambda: Double) -> String {
    folder + "/lambda-\(lambda).safetensors"
  }

  /// Checks the experiment, creates `sweep.folder/state` and computes the λ of `shard` that are
  /// not finished yet, storing each λ's rows as a grid point.
  ///
  /// - Parameters:
  ///   - sweep: A sweep whose grid has one point per λ (axis `lambda`).
  ///   - shard: The part of the λ values this process computes.
  ///   - report: Called after each λ of the shard.
  ///   - compute: Computes one λ's rows, given λ and its state file (``statePath(folder:lambda:)``).
  /// - Returns: How many λ were computed and skipped.
  /// - Throws: ``Experiments/ClassifierError``, `SweepError`, or what `compute` throws.
  func runLambdas(
    _ sweep: Sweep, shard: Shard, report: ((GridPoint, SweepPointStatus) -> Void)?,
    compute: (_ lambda: Double, _ statePath: String) throws -> [[SweepValue]]
  ) throws -> SweepRunSummary {
    try validate()
    let stateFolder = sweep.folder + "/state"
    try FileManager.default.createDirectory(
      atPath: stateFolder, withIntermediateDirectories: true)
    return try sweep.run(
      shard: shard,
      compute: { point in
        guard let lambda = point["lambda"]?.number else {
          throw Experiments.ClassifierError.invalidConfiguration("grid point \(point) has no λ")
        }
        return try compute(lambda, Self.statePath(folder: stateFolder, lambda: lambda))
      }, report: report)
  }
}
