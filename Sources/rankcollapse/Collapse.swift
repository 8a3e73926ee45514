import ArgumentParser
import Foundation
import RankCollapse
import RankCollapseExperiments

/// `rankcollapse collapse`: the within-class variability report of one layer's features.
struct Collapse: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Report within-class variability (WCSS, certified TCV interval, neural collapse).",
    discussion: """
      EMBEDDINGS is an N×d array of features z_i (float32 or float64; one row per point), for \
      example a layer's activations saved with numpy. --labels gives one integer class label \
      per point (a 1-D integer array of length N); --targets gives N×c targets y_i that are \
      joined to the points as in the paper's eq. (6), so every WCSS/TCV value below is taken \
      on the points (z_i, y_i) and "dimension" is d + c.

      Each FILE is a .npy file, or an array inside a .npz archive written as ARCHIVE.npz:NAME; \
      a bare ARCHIVE.npz is accepted when it holds exactly one array.

      Reported (all WCSS/TCV values with the 1/N of eq. 6):
        wcssByLabels       WCSS of the partition by class labels (null without labels)
        tcvLowerBound      spectral lower bound on TCV_K (Ding & He 2004)
        tcvUpperBound      WCSS of the best k-means partition: an upper bound on TCV_K
        kmeansIterations   iterations of the best k-means restart
        nc1, cdnv, nc2Equinorm, nc2Equiangularity, nccAccuracy
                           neural-collapse metrics of the embeddings alone (targets not
                           included; null without labels, with a single class, or where a
                           metric is undefined, e.g. CDNV of two classes with equal means)
      K (--clusters) defaults to the number of distinct labels. Computations run in the \
      precision of EMBEDDINGS; the same --seed and --threads give the same numbers.

      Examples:
        rankcollapse collapse features.npy --labels labels.npy
        rankcollapse collapse layers.npz:fc2 --labels layers.npz:labels --format json
        rankcollapse collapse z.npy --targets y.npy --clusters 10 --restarts 8 --seed 3
      """
  )

  @Argument(help: "The N×d features: FILE.npy, ARCHIVE.npz:NAME or a one-array ARCHIVE.npz.")
  var embeddings: String

  @Option(help: "Integer class labels, one per point (same file forms as EMBEDDINGS).")
  var labels: String?

  @Option(help: "N×c targets y_i joined to the points as in eq. (6).")
  var targets: String?

  @Option(
    name: [.customShort("k"), .long], parsing: .unconditional,
    help: "K, the number of clusters, 1…1000000 and at most N (default: the number of labels).")
  var clusters: Int?

  @Option(parsing: .unconditional, help: "k-means restarts, 1…10000; the best is kept.")
  var restarts: Int = 4

  @Option(parsing: .unconditional, help: "Seed of the k-means initialisation, 0…2^64−1.")
  var seed: UInt64 = 0

  @Option(help: "Output format: table, json or csv.")
  var format: OutputFormat = .table

  @Option(
    parsing: .unconditional,
    help: "Number of threads, 1…1024 (default: OPENBLAS_NUM_THREADS, else one per core).")
  var threads: Int?

  @OptionGroup var memory: MemoryBudgetOption

  /// The largest `--clusters` and `--restarts`.
  static let clusterLimit = 1_000_000
  static let restartLimit = 10_000

  func validate() throws {
    try checkOption(
      clusters, in: 1...Self.clusterLimit, option: "--clusters", error: ValidationError.init)
    guard clusters != nil || labels != nil else {
      throw ValidationError("Give --clusters K, or --labels so that K can default to the classes.")
    }
    try checkOption(
      restarts, in: 1...Self.restartLimit, option: "--restarts", error: ValidationError.init)
    try checkOption(
      threads, in: 1...OptionRange.threadLimit, option: "--threads", error: ValidationError.init)
  }

  func run() throws {
    memory.apply()
    if let threads { BLAS.threadCount = threads }
    let points = try loadArray(embeddings, role: "embeddings")
    guard points.shape.count == 2 else {
      throw CommandFailure(
        "\(embeddings): embeddings must be a 2-D N×d array, got shape \(shapeText(points.shape))")
    }
    let labelValues = try labels.map { try loadLabels($0) }
    let targetArray = try targets.map { try loadArray($0, role: "targets") }
    if let targetArray, targetArray.shape.count > 2 {
      throw CommandFailure(
        "\(targets ?? ""): targets must be 1-D or 2-D, got shape \(shapeText(targetArray.shape))")
    }
    let report: CollapseReport
    do {
      if points.dataType == .float64 {
        report = try measure(
          points.matrix(as: Double.self), labels: labelValues,
          targets: targetArray.map { targetMatrix($0, as: Double.self) })
      } else {
        report = try measure(
          points.matrix(as: Float.self), labels: labelValues,
          targets: targetArray.map { targetMatrix($0, as: Float.self) })
      }
    } catch {
      throw CommandFailure("\(embeddings): \(error)")
    }
    FileHandle.standardOutput.write(Data(report.render(as: format).utf8))
  }

  /// Targets as an `N × c` matrix: a 1-D array of length `N` is one column.
  private func targetMatrix<S: MatrixScalar>(_ array: NumPyArray, as type: S.Type) -> Matrix<S> {
    let matrix = array.matrix(as: type)
    return array.shape.count == 1 ? matrix.reshaped(rows: matrix.columns, columns: 1) : matrix
  }

  /// Computes the report in the precision `S` of the embeddings.
  private func measure<S: MatrixScalar>(
    _ points: Matrix<S>, labels: [Int]?, targets: Matrix<S>?
  ) throws(ClusteringError) -> CollapseReport {
    if let labels, labels.count != points.rows {
      throw .labelCountMismatch(labels: labels.count, points: points.rows)
    }
    let classes = labels.map { Set($0).count }
    let k = clusters ?? classes ?? 1
    let lower = try TotalClusterVariation.spectralLowerBound(
      points: points, targets: targets, clusters: k)
    var generator = SeededGenerator(seed: seed)
    let upper = try TotalClusterVariation.kMeansUpperBound(
      points: points, targets: targets, clusters: k, restarts: restarts, using: &generator)
    var report = CollapseReport(
      points: points.rows, dimension: points.columns + (targets?.columns ?? 0), clusters: k,
      tcvLowerBound: lower.value, tcvUpperBound: upper.estimate.value,
      kmeansIterations: upper.result.iterations)
    if let labels {
      report.wcssByLabels = try TotalClusterVariation.byLabels(
        points: points, targets: targets, labels: labels
      ).value
      if let classes, classes >= 2 {
        let metrics = try NeuralCollapseMetrics(features: points, labels: labels)
        report.nc1 = metrics.nc1
        report.cdnv = metrics.cdnv
        report.nc2Equinorm = metrics.nc2Equinorm
        report.nc2Equiangularity = metrics.nc2Equiangularity
        report.nccAccuracy = metrics.nearestClassCentreAccuracy
      } else {
        printToStandardError("note: the labels name a single class; neural-collapse metrics need 2")
      }
    }
    return report
  }

  /// Integer labels: a 1-D integer array, or a 2-D array with one column.
  private func loadLabels(_ specification: String) throws -> [Int] {
    let array = try loadArray(specification, role: "labels")
    guard array.shape.count == 1 || (array.shape.count == 2 && array.shape[1] == 1) else {
      throw CommandFailure(
        "\(specification): labels must be a 1-D array of N integers, got shape "
          + shapeText(array.shape))
    }
    do {
      return try array.integers()
    } catch {
      throw CommandFailure("\(specification): labels: \(error)")
    }
  }
}

/// Reads the array a command-line file argument names: `FILE.npy`, `ARCHIVE.npz:NAME`, or an
/// `ARCHIVE.npz` holding exactly one array.
///
/// - Parameters:
///   - specification: The argument.
///   - role: What the array is for, used in messages.
/// - Returns: The array.
/// - Throws: ``CommandFailure`` naming the file and the problem.
func loadArray(_ specification: String, role: String) throws -> NumPyArray {
  var path = specification
  var member: String?
  if !specification.lowercased().hasSuffix(".npz"),
    let colon = specification.lastIndex(of: ":"),
    specification[..<colon].lowercased().hasSuffix(".npz")
  {
    path = String(specification[..<colon])
    member = String(specification[specification.index(after: colon)...])
  }
  do {
    guard path.lowercased().hasSuffix(".npz") else {
      return try NumPy.read(contentsOf: path)
    }
    let archive = try NumPy.readArchive(contentsOf: path)
    let names = archive.elements.map(\.name)
    if let member {
      guard let array = archive[member] else {
        throw CommandFailure(
          "\(path): no array named '\(member)' for the \(role); the archive holds "
            + quotedNames(names))
      }
      return array
    }
    guard names.count == 1, let only = archive.elements.first else {
      throw CommandFailure(
        "\(path): the archive holds \(names.count) arrays ("
          + quotedNames(names)
          + "); name the \(role) as \(path):NAME")
    }
    return only.array
  } catch let error as NumPyError {
    throw CommandFailure(error.path == nil ? "\(path): \(error)" : "\(error)")
  }
}

/// A shape as `60000×784`.
func shapeText(_ shape: [Int]) -> String {
  shape.isEmpty ? "() (a scalar)" : shape.map(String.init).joined(separator: "×")
}

/// The `collapse` report; its JSON keys are exactly the stored properties' names.
struct CollapseReport {
  var points: Int
  var dimension: Int
  var clusters: Int
  var wcssByLabels: Double?
  var tcvLowerBound: Double
  var tcvUpperBound: Double
  var kmeansIterations: Int
  var nc1: Double?
  var cdnv: Double?
  var nc2Equinorm: Double?
  var nc2Equiangularity: Double?
  var nccAccuracy: Double?

  init(
    points: Int, dimension: Int, clusters: Int, tcvLowerBound: Double, tcvUpperBound: Double,
    kmeansIterations: Int
  ) {
    self.points = points
    self.dimension = dimension
    self.clusters = clusters
    self.tcvLowerBound = tcvLowerBound
    self.tcvUpperBound = tcvUpperBound
    self.kmeansIterations = kmeansIterations
  }

  /// The fields in output order, values as JSON literals (non-finite numbers and absent
  /// values are `null`).
  var fields: [(key: String, value: String)] {
    func number(_ value: Double?) -> String {
      guard let value, value.isFinite else { return "null" }
      return "\(value)"
    }
    return [
      ("points", "\(points)"), ("dimension", "\(dimension)"), ("clusters", "\(clusters)"),
      ("wcssByLabels", number(wcssByLabels)), ("tcvLowerBound", number(tcvLowerBound)),
      ("tcvUpperBound", number(tcvUpperBound)), ("kmeansIterations", "\(kmeansIterations)"),
      ("nc1", number(nc1)), ("cdnv", number(cdnv)), ("nc2Equinorm", number(nc2Equinorm)),
      ("nc2Equiangularity", number(nc2Equiangularity)), ("nccAccuracy", number(nccAccuracy)),
    ]
  }

  func render(as format: OutputFormat) -> String {
    switch format {
    case .json:
      return "{" + fields.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}\n"
    case .csv:
      return fields.map(\.key).joined(separator: ",") + "\n"
        + fields.map { $0.value == "null" ? "" : $0.value }.joined(separator: ",") + "\n"
    case .table:
      let width = fields.map(\.key.count).max() ?? 0
      return fields.map { field in
        field.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
          + (field.value == "null" ? "-" : field.value)
      }.joined(separator: "\n") + "\n"
    }
  }
}
