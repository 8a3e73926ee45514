import RankCollapseTensor

extension Matrix {
  /// Throws ``ClusteringError/nonFiniteValue(row:column:)`` for the first `NaN` or infinity.
  ///
  /// The fast vectorised check runs first; the location is searched only on failure.
  func checkFinite(rowOffset: Int = 0, columnOffset: Int = 0) throws(ClusteringError) {
    guard !isFinite else { return }
    let index = withUnsafeBufferPointer { buffer in
      buffer.firstIndex { !$0.isFinite } ?? 0
    }
    throw .nonFiniteValue(
      row: rowOffset + index / Swift.max(columns, 1),
      column: columnOffset + index % Swift.max(columns, 1))
  }
}

/// Checks the points `z_i` (rows of `points`) and optional targets `y_i` of paper equation (6).
///
/// - Throws: ``ClusteringError/emptyData(points:dimension:)`` when there is no point or no
///   coordinate, ``ClusteringError/targetCountMismatch(targets:points:)`` when the targets have
///   a different number of rows, ``ClusteringError/nonFiniteValue(row:column:)`` for `NaN` or
///   infinity (target columns are numbered after the point columns, as in the concatenation).
func validatePoints<S: MatrixScalar>(
  _ points: Matrix<S>, targets: Matrix<S>?
) throws(ClusteringError) {
  // Concrete calls, so that the finiteness scan is specialised even from generic callers.
  if let points = points as? Matrix<Float> {
    return try validateConcretePoints(points, targets: targets.map { $0 as? Matrix<Float> } ?? nil)
  }
  if let points = points as? Matrix<Double> {
    return try validateConcretePoints(
      points, targets: targets.map { $0 as? Matrix<Double> } ?? nil)
  }
  try validateConcretePoints(points, targets: targets)
}

/// ``validatePoints(_:targets:)`` for a concrete scalar type.
func validateConcretePoints<S: MatrixScalar>(
  _ points: Matrix<S>, targets: Matrix<S>?
) throws(ClusteringError) {
  let dimension = points.columns + (targets?.columns ?? 0)
  guard points.rows > 0, dimension > 0 else {
    throw .emptyData(points: points.rows, dimension: dimension)
  }
  try points.checkFinite()
  if let targets {
    guard targets.rows == points.rows else {
      throw .targetCountMismatch(targets: targets.rows, points: points.rows)
    }
    try targets.checkFinite(columnOffset: points.columns)
  }
}

/// Checks a cluster count `K` against the number of points `N`: `1 ≤ K ≤ N`.
func validateClusterCount(_ clusters: Int, points: Int) throws(ClusteringError) {
  guard clusters >= 1, clusters <= points else {
    throw .invalidClusterCount(clusters: clusters, points: points)
  }
}

/// The points `(z_i, y_i)` of paper equation (6): the rows of `points` followed by those of `targets`.
func concatenated<S: MatrixScalar>(_ points: Matrix<S>, _ targets: Matrix<S>?) -> Matrix<S> {
  guard let targets, targets.columns > 0 else { return points }
  return Matrix(horizontallyStacking: [points, targets])
}
