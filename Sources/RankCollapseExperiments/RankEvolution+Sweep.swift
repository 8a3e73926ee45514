import Foundation
import RankCollapse
import RankCollapseSweep

extension Experiments.RankEvolution: LambdaSweepExperiment {
  /// The experiment's name in the sweep's files.
  public static let experimentName = "mnist-rank-evolution"

  /// Everything the numbers depend on: the shared configuration (without λ, which is the grid's
  /// axis), the data's size, pooling and fingerprint.
  ///
  /// - Parameter data: The images.
  /// - Returns: The sidecar's hyperparameters.
  public func hyperparameters(data: Experiments.ClassifierData) -> Hyperparameters {
    var result = configuration.hyperparameters
    result["lambda"] = nil
    return result.merging(data.sweepHyperparameters)
  }

  /// Trains the λ of `shard` that are not finished yet, each resumable from its state file in
  /// `sweep.folder/state`, and stores each λ's rows as a grid point.
  ///
  /// - Parameters:
  ///   - sweep: The sweep from ``sweep(folder:data:environment:)``.
  ///   - shard: The part of the λ values this process trains.
  ///   - data: The images.
  ///   - progress: The trainer's progress output.
  ///   - onSnapshot: Called with λ and each new snapshot.
  ///   - report: Called after each λ of the shard.
  /// - Returns: How many λ were trained and skipped.
  /// - Throws: ``ClassifierError`` or `SweepError`.
  @discardableResult
  public func run(
    _ sweep: Sweep, shard: Shard = .all, data: Experiments.ClassifierData,
    progress: ProgressStyle = .silent,
    onSnapshot: ((Double, Experiments.ClassifierSnapshot) -> Void)? = nil,
    report: ((GridPoint, SweepPointStatus) -> Void)? = nil
  ) throws -> SweepRunSummary {
    try runLambdas(sweep, shard: shard, report: report) { lambda, statePath in
      let experiment = Experiments.ClassifierExperiment(
        configuration: configuration(lambda: lambda))
      let run = try experiment.run(
        on: data, statePath: statePath, progress: progress,
        onSnapshot: { onSnapshot?(lambda, $0) })
      return Self.rows(of: run)
    }
  }

  /// The trajectories of a merged table (columns `lambda` then ``measurementColumns``), in the
  /// order of ``lambdas``.
  ///
  /// - Parameter table: The table `Sweep.merge(to:)` returned.
  /// - Returns: One trajectory per λ.
  /// - Throws: ``ClassifierError/invalidData(_:)`` for rows that do not parse.
  public func trajectories(
    from table: TidyTable
  ) throws(Experiments.ClassifierError) -> [Trajectory] {
    var byLambda: [Double: [[String]]] = [:]
    for row in table.rows {
      guard row.count == 1 + Self.measurementColumns.count, let lambda = Double(row[0]) else {
        throw .invalidData("a row of the Figure 3 table does not parse: \(row)")
      }
      byLambda[lambda, default: []].append(Array(row.dropFirst()))
    }
    var result: [Trajectory] = []
    for lambda in lambdas {
      result.append(try Trajectory(lambda: lambda, rows: byLambda[lambda] ?? []))
    }
    return result
  }
}
