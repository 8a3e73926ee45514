import RankCollapseData
import RankCollapseTensor

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A grid sweep stored in an output folder: every finished grid point is one file, written
/// atomically, so a run can be interrupted at any moment, resumed, or split across processes.
///
/// The folder holds
/// - `hyperparameters.json` (the sidecar): the experiment's name, every hyperparameter
///   (including the grid's axes) and the environment (thread count …) of the run that created it;
/// - `points/point-NNNNN.json`: one file per finished point: its coordinates, the measurement
///   rows (cells as text), the seconds it took, and a fingerprint of the hyperparameters;
/// - the tidy CSV written by ``merge(to:)`` once every point is finished.
///
/// Guarantees:
/// - A point file appears by an atomic rename only after it is complete and flushed, so a killed
///   run leaves complete point files (and perhaps a hidden `.point-NNNNN.json.PID-N.tmp`, which
///   is never read) and the next run recomputes only the points without a file.
/// - Opening a folder whose sidecar differs from the requested hyperparameters in any key throws
///   ``SweepError/hyperparameterMismatch(key:stored:requested:path:)`` naming the first differing
///   key. The environment (thread count) is recorded but not compared: it changes results only in
///   the last bits.
/// - A point file that does not decode, or belongs to another point, sweep or experiment (its
///   fingerprint differs), is never merged or overwritten: ``run(shard:compute:report:)`` and
///   ``merge(to:)`` throw ``SweepError/corruptPoint(path:reason:cause:)``; deleting the file makes the
///   next run recompute that point.
/// - The CSV is always assembled from the point files, so an interrupted and resumed sweep writes
///   the same bytes as an uninterrupted one.
///
/// ```swift
/// let grid = try GridPoint.grid([
///   SweepAxis("lambda", numbers: [1e-4, 1e-3]), SweepAxis("sigma", numbers: [0.1, 0.5]),
/// ])
/// let sweep = try Sweep(
///   folder: "blobs-output", experiment: "gaussian-blobs-autoencoder",
///   hyperparameters: ["seed": 1, "learning_rate": 0.001], environment: ["threads": 2],
///   grid: grid, measurementColumns: ["layer", "metric", "value"])
/// try sweep.run(shard: Shard(parsing: "1/4")) { point in
///   [[1, "tau_K", 0.25]]   // one row per measurement
/// }
/// switch try sweep.merge(to: "blobs-output/figure1.csv") {
/// case .complete(let table): print(table.rows.count, "rows")
/// case .incomplete(let missing): print(missing.count, "points still missing")
/// }
/// ```
public struct Sweep: Sendable {
  /// The output folder.
  public let folder: String
  /// The experiment's name, stored in the sidecar and every point file.
  public let experiment: String
  /// What the numbers depend on, compared on resume.
  ///
  /// Includes `grid.<axis>` for every axis.
  public let hyperparameters: Hyperparameters
  /// Recorded, not compared (thread count, …).
  public let environment: Hyperparameters
  /// Every grid point.
  public let grid: [GridPoint]
  /// The columns of a measurement row, after the grid's coordinate columns.
  public let measurementColumns: [String]
  /// Identifies the hyperparameters in every point file.
  let fingerprint: String

  /// The sidecar's file name.
  public static let sidecarName = "hyperparameters.json"

  /// Opens (creating if needed) a sweep in `folder`.
  ///
  /// Creates the folder and `points/` inside it, and writes the sidecar if there is none; if there
  /// is one, checks that it was written by the same experiment with the same hyperparameters.
  ///
  /// - Parameters:
  ///   - folder: The output folder (created with its parents if missing).
  ///   - experiment: The experiment's name.
  ///   - hyperparameters: Everything the numbers depend on.
  ///   - environment: Recorded but not compared, such as the thread count.
  ///   - grid: The grid (from ``GridPoint/grid(_:)``); its axes are added to the
  ///     hyperparameters as `grid.<name>`.
  ///   - measurementColumns: The columns of each measurement row (distinct from the axis
  ///     names).
  /// - Throws: ``SweepError/hyperparameterMismatch(key:stored:requested:path:)``,
  ///   ``SweepError/experimentMismatch(stored:requested:path:)``,
  ///   ``SweepError/unreadableSidecar(path:reason:cause:)``, ``SweepError/invalidGrid(_:)`` or
  ///   ``SweepError/file(_:)``.
  public init(
    folder: String, experiment: String, hyperparameters: Hyperparameters,
    environment: Hyperparameters = [:], grid: [GridPoint], measurementColumns: [String]
  ) throws(SweepError) {
    guard let first = grid.first else { throw .invalidGrid("the grid has no points") }
    guard
      grid.enumerated().allSatisfy({
        $0.offset == $0.element.index && $0.element.names == first.names
      })
    else { throw .invalidGrid("points must be numbered 0… in order and share their axes") }
    let columns = first.names + measurementColumns
    guard !measurementColumns.isEmpty, Set(columns).count == columns.count else {
      throw .invalidGrid(
        "measurement columns \(measurementColumns) must be non-empty and "
          + "distinct from the axes \(first.names)")
    }
    var all = hyperparameters
    for (position, name) in first.names.enumerated() {
      var seen = Set<String>()
      let values = grid.map { $0.values[position] }.filter { seen.insert($0.description).inserted }
      all["grid.\(name)"] = .list(values)
    }
    self.folder = folder
    self.experiment = experiment
    self.hyperparameters = all
    self.environment = environment
    self.grid = grid
    self.measurementColumns = measurementColumns
    self.fingerprint = SweepJSON.fingerprint(SweepJSON.encode(all.dictionary))
    try Self.createFolder(pointsFolder)
    try openSidecar()
  }

  /// `folder/points`.
  public var pointsFolder: String { folder + "/points" }

  /// `folder/hyperparameters.json`.
  public var sidecarPath: String { folder + "/" + Self.sidecarName }

  /// The file of a grid point: `folder/points/point-NNNNN.json`.
  ///
  /// - Parameter point: A point of ``grid``.
  /// - Returns: Its path.
  public func pointPath(_ point: GridPoint) -> String {
    let number = String(point.index)
    let padded = String(repeating: "0", count: max(0, 5 - number.count)) + number
    return pointsFolder + "/point-" + padded + ".json"
  }

  // MARK: Points

  /// The stored measurement rows of a point, or `nil` when it is not finished.
  ///
  /// - Parameter point: A point of ``grid``.
  /// - Returns: The rows (cells as text, ``measurementColumns`` order), or `nil`.
  /// - Throws: ``SweepError/corruptPoint(path:reason:cause:)`` for a file that is not a complete point
  ///   of this sweep, ``SweepError/file(_:)`` when it cannot be read.
  public func storedRows(for point: GridPoint) throws(SweepError) -> [[String]]? {
    let path = pointPath(point)
    let bytes: [UInt8]
    do {
      bytes = try AtomicFile.read(path)
    } catch {
      if case .fileNotFound = error { return nil }
      throw .file(error)
    }
    let file: PointFile
    switch SweepJSON.decode(PointFile.self, from: bytes) {
    case .success(let decoded): file = decoded
    case .failure(let failure):
      throw .corruptPoint(path: path, reason: failure.reason, cause: failure.cause)
    }
    func check(_ condition: Bool, _ reason: @autoclosure () -> String) throws(SweepError) {
      if !condition { throw .corruptPoint(path: path, reason: reason()) }
    }
    try check(file.format == PointFile.formatName, "format '\(file.format)'")
    try check(file.version == PointFile.currentVersion, "version \(file.version)")
    try check(
      file.experiment == experiment,
      "written by the experiment '\(file.experiment)', not '\(experiment)'")
    try check(
      file.fingerprint == fingerprint,
      "written with other hyperparameters (fingerprint \(file.fingerprint), this sweep's is \(fingerprint))"
    )
    try check(file.index == point.index, "holds point #\(file.index), not #\(point.index)")
    try check(
      file.names == point.names && file.values == point.values.map(\.description),
      "coordinates \(file.values) differ from the grid's \(point.values.map(\.description))")
    try check(
      file.columns == measurementColumns,
      "columns \(file.columns) differ from \(measurementColumns)")
    for (number, row) in file.rows.enumerated() {
      try check(
        row.count == measurementColumns.count,
        "row \(number + 1) has \(row.count) cells for \(measurementColumns.count) columns")
    }
    return file.rows
  }

  /// Stores a finished point's measurement rows atomically.
  ///
  /// - Parameters:
  ///   - rows: One row per measurement, ``measurementColumns`` order (a precondition names the
  ///     counts).
  ///   - point: A point of ``grid``.
  ///   - seconds: How long the point took (recorded).
  /// - Throws: ``SweepError/file(_:)`` when the file cannot be written (nothing is left behind).
  public func store(_ rows: [[SweepValue]], for point: GridPoint, seconds: Double = 0)
    throws(SweepError)
  {
    for row in rows {
      precondition(
        row.count == measurementColumns.count,
        "Sweep.store: a row of \(row.count) values for columns \(measurementColumns)")
    }
    let file = PointFile(
      format: PointFile.formatName, version: PointFile.currentVersion, experiment: experiment,
      fingerprint: fingerprint, index: point.index, names: point.names,
      values: point.values.map(\.description), columns: measurementColumns,
      rows: rows.map { $0.map(\.description) }, seconds: seconds.isFinite ? seconds : 0,
      environment: environment.dictionary)
    do {
      try AtomicFile.write(SweepJSON.encode(file), to: pointPath(point))
    } catch {
      throw .file(error)
    }
  }

  /// The points of ``grid`` without a point file.
  ///
  /// - Returns: The missing points, in grid order.
  /// - Throws: ``SweepError/corruptPoint(path:reason:cause:)`` or ``SweepError/file(_:)``.
  public func missingPoints() throws(SweepError) -> [GridPoint] {
    var missing: [GridPoint] = []
    for point in grid {
      if try storedRows(for: point) == nil { missing.append(point) }
    }
    return missing
  }

  // MARK: Running and merging

  /// Computes and stores every point of `shard` that has no point file yet.
  ///
  /// Points are visited in grid order. A point with a valid file is skipped (reported as
  /// ``SweepPointStatus/skipped``); the others are computed by `compute` and stored atomically
  /// before the next one starts.
  ///
  /// - Parameters:
  ///   - shard: The part of the grid this process covers (``Shard/all`` by default).
  ///   - compute: Measures one point: one row per measurement, ``measurementColumns`` order.
  ///   - report: Called after each point of the shard.
  /// - Returns: How many points were computed and skipped.
  /// - Throws: `compute`'s errors (the points stored before stay stored), or ``SweepError``.
  @discardableResult
  public func run(
    shard: Shard = .all, compute: (GridPoint) throws -> [[SweepValue]],
    report: ((GridPoint, SweepPointStatus) -> Void)? = nil
  ) throws -> SweepRunSummary {
    var summary = SweepRunSummary(computed: 0, skipped: 0)
    let clock = ContinuousClock()
    for point in shard.select(grid) {
      if try storedRows(for: point) != nil {
        summary.skipped += 1
        report?(point, .skipped)
        continue
      }
      let start = clock.now
      let rows = try compute(point)
      let elapsed = clock.now - start
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      try store(rows, for: point, seconds: seconds)
      summary.computed += 1
      report?(point, .computed(seconds: seconds))
    }
    return summary
  }

  /// Assembles the tidy table of every point, and writes it as CSV if the grid is complete.
  ///
  /// The columns are the grid's axes followed by ``measurementColumns``; the rows are each
  /// point's stored rows in grid order, behind its coordinates. Nothing is written while a point
  /// is missing.
  ///
  /// - Parameter path: Where to write the CSV (atomically), or `nil` to only assemble it.
  /// - Returns: ``SweepMergeOutcome/complete(_:)`` with the table, or
  ///   ``SweepMergeOutcome/incomplete(missing:)`` with the points that have no file.
  /// - Throws: ``SweepError/corruptPoint(path:reason:cause:)`` or ``SweepError/file(_:)``.
  @discardableResult
  public func merge(to path: String?) throws(SweepError) -> SweepMergeOutcome {
    let (table, missing) = try assemble()
    guard missing.isEmpty else { return .incomplete(missing: missing) }
    if let path { try table.writeCSV(to: path) }
    return .complete(table)
  }

  /// The table of the points finished so far, in grid order (the layout of ``merge(to:)``),
  /// for a look at a sweep still in progress; nothing is written.
  ///
  /// - Returns: The finished points' rows (no rows when none is finished).
  /// - Throws: ``SweepError/corruptPoint(path:reason:cause:)`` or ``SweepError/file(_:)``.
  public func finishedTable() throws(SweepError) -> TidyTable {
    try assemble().table
  }

  /// The finished points' rows behind their coordinates, in grid order, and the points without
  /// a file.
  private func assemble() throws(SweepError) -> (table: TidyTable, missing: [GridPoint]) {
    var table = TidyTable(columns: grid[0].names + measurementColumns)
    var missing: [GridPoint] = []
    for point in grid {
      guard let rows = try storedRows(for: point) else {
        missing.append(point)
        continue
      }
      let coordinates = point.values.map(\.description)
      for row in rows { table.append(cells: coordinates + row) }
    }
    return (table, missing)
  }

  // MARK: Sidecar

  private func openSidecar() throws(SweepError) {
    let sidecar = Sidecar(
      format: Sidecar.formatName, version: Sidecar.currentVersion, experiment: experiment,
      hyperparameters: hyperparameters.dictionary, environment: environment.dictionary)
    let bytes: [UInt8]
    do {
      bytes = try AtomicFile.read(sidecarPath)
    } catch {
      guard case .fileNotFound = error else { throw .file(error) }
      do {
        try AtomicFile.write(SweepJSON.encode(sidecar), to: sidecarPath)
      } catch {
        throw .file(error)
      }
      return
    }
    let stored: StoredSidecar
    switch SweepJSON.decode(StoredSidecar.self, from: bytes) {
    case .success(let decoded): stored = decoded
    case .failure(let failure):
      throw .unreadableSidecar(path: sidecarPath, reason: failure.reason, cause: failure.cause)
    }
    guard stored.format == Sidecar.formatName else {
      throw .unreadableSidecar(path: sidecarPath, reason: "format '\(stored.format)'")
    }
    guard stored.experiment == experiment else {
      throw .experimentMismatch(
        stored: stored.experiment, requested: experiment, path: sidecarPath)
    }
    // Compare through the same JSON round trip, so 1 and 1.0 or key order do not matter.
    let requested: [String: JSONTree]
    switch SweepJSON.decode(
      [String: JSONTree].self, from: SweepJSON.encode(hyperparameters.dictionary))
    {
    case .success(let decoded): requested = decoded
    case .failure(let failure):
      preconditionFailure("Sweep: own hyperparameters: \(failure.reason)")
    }
    for key in Set(requested.keys).union(stored.hyperparameters.keys).sorted() {
      let old = stored.hyperparameters[key]
      let new = requested[key]
      if old != new {
        throw .hyperparameterMismatch(
          key: key, stored: old?.description ?? "(not set)",
          requested: new?.description ?? "(not set)", path: sidecarPath)
      }
    }
  }

  /// Creates a folder and its parents (an existing folder is fine).
  package static func createFolder(_ path: String) throws(SweepError) {
    var isFolder = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
      guard isFolder else {
        throw .file(.failed(path: path, message: "\(path) exists and is not a folder"))
      }
      return
    }
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw .file(
        .failed(
          path: path, message: "cannot create the folder \(path): \(error)",
          cause: UnderlyingError(error)))
    }
  }
}

/// What ``Sweep/run(shard:compute:report:)`` did with one point.
public enum SweepPointStatus: Sendable, Hashable {
  /// The point already had a valid file.
  case skipped
  /// The point was computed and stored, taking this long.
  case computed(seconds: Double)
}

/// How many points ``Sweep/run(shard:compute:report:)`` computed and skipped.
public struct SweepRunSummary: Sendable, Hashable {
  /// Points computed and stored by this run.
  public var computed: Int
  /// Points of the shard that were already stored.
  public var skipped: Int

  /// A summary.
  ///
  /// - Parameters:
  ///   - computed: Points computed.
  ///   - skipped: Points skipped.
  public init(computed: Int, skipped: Int) {
    self.computed = computed
    self.skipped = skipped
  }
}

/// The result of ``Sweep/merge(to:)``.
public enum SweepMergeOutcome: Sendable, Hashable {
  /// Every point is stored: the whole tidy table (written as CSV if a path was given).
  case complete(TidyTable)
  /// These points have no file yet (other shards still running, or an interrupted run).
  case incomplete(missing: [GridPoint])
}

/// A point file's contents.
struct PointFile: Codable {
  static let formatName = "rankcollapse-sweep-point"
  static let currentVersion = 1
  var format: String
  var version: Int
  var experiment: String
  var fingerprint: String
  var index: Int
  var names: [String]
  var values: [String]
  var columns: [String]
  var rows: [[String]]
  var seconds: Double
  var environment: [String: SweepValue]
}

/// The sidecar as written.
struct Sidecar: Encodable {
  static let formatName = "rankcollapse-sweep"
  static let currentVersion = 1
  var format: String
  var version: Int
  var experiment: String
  var hyperparameters: [String: SweepValue]
  var environment: [String: SweepValue]
}

/// The sidecar as read back, values kept as JSON for comparison.
struct StoredSidecar: Decodable {
  var format: String
  var experiment: String
  var hyperparameters: [String: JSONTree]
}
