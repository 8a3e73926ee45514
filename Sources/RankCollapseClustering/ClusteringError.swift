import RankCollapseTensor

/// A problem with the data or the parameters handed to a clustering routine.
///
/// Every routine of RankCollapseClustering that takes user data (points, labels, targets,
/// cluster counts) validates it and throws one of these cases, with a description a user can act
/// on. Shape mismatches between arguments built by the program itself (for example centroids of
/// the wrong width) are programmer errors and stop with a `precondition` naming both shapes.
public enum ClusteringError: Error, Equatable, Sendable, CustomStringConvertible {
  /// There are no points (`N = 0`) or the points have no coordinates (`d = 0`).
  case emptyData(points: Int, dimension: Int)
  /// The number of clusters `K` is below 1 or above the number of points `N`.
  case invalidClusterCount(clusters: Int, points: Int)
  /// A point (or target) holds `NaN` or an infinity at the given row and column.
  case nonFiniteValue(row: Int, column: Int)
  /// The labels do not give exactly one label per point.
  case labelCountMismatch(labels: Int, points: Int)
  /// The targets `y_i` do not give exactly one row per point `z_i`.
  case targetCountMismatch(targets: Int, points: Int)
  /// A metric needs at least two classes, the labels name fewer.
  case tooFewClasses(found: Int)
  /// Exhaustive search over all partitions is limited to at most `limit` points.
  case tooManyPointsForExhaustiveSearch(points: Int, limit: Int)
  /// A numeric parameter is outside its allowed range.
  case invalidParameter(ParameterError)

  /// A parameter outside its range: the ``invalidParameter(_:)`` case with a `ParameterError`
  /// of these fields.
  ///
  /// - Parameters:
  ///   - name: The parameter's name.
  ///   - value: The value given, as text.
  ///   - requirement: What the value must be.
  /// - Returns: The error.
  public static func invalidParameter(name: String, value: String, requirement: String)
    -> ClusteringError
  {
    .invalidParameter(ParameterError(name: name, value: value, requirement: requirement))
  }
  /// An eigenvalue computation failed (LAPACK did not converge).
  case eigenvalueFailure(LinearAlgebraError)

  /// A description naming the problem.
  public var description: String {
    switch self {
    case .emptyData(let points, let dimension):
      return "the data is empty: \(points) points of dimension \(dimension)"
    case .invalidClusterCount(let clusters, let points):
      return "the number of clusters K must satisfy 1 ≤ K ≤ N = \(points), got K = \(clusters)"
    case .nonFiniteValue(let row, let column):
      return "non-finite value (NaN or infinity) at row \(row), column \(column)"
    case .labelCountMismatch(let labels, let points):
      return "\(labels) labels for \(points) points: give exactly one label per point"
    case .targetCountMismatch(let targets, let points):
      return "\(targets) target rows for \(points) points: give exactly one target row per point"
    case .tooFewClasses(let found):
      return "the labels name \(found) class\(found == 1 ? "" : "es"); at least 2 are needed"
    case .tooManyPointsForExhaustiveSearch(let points, let limit):
      return "exhaustive search over partitions is limited to \(limit) points, got \(points)"
    case .invalidParameter(let parameter):
      return "\(parameter.name) must be \(parameter.requirement), got \(parameter.value)"
    case .eigenvalueFailure(let error):
      return "eigenvalue computation failed: \(error)"
    }
  }
}
