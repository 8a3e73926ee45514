import RankCollapseTensor

extension Partition {
  /// The within-cluster sum of squares of paper equation (6).
  ///
  /// It is
  ///     WCSS_l(C) = (1/N) Σ_k Σ_{i∈C_k} ‖(z_i, y_i) − (z̄_k, ȳ_k)‖²,
  ///
  /// where `z_i` is row `i` of `points` (a layer's features `z_i^l`), `y_i` row `i` of `targets`
  /// (omitted when `nil`), and `(z̄_k, ȳ_k)` the mean of set `C_k`. The targets are part of each
  /// point: the distance is taken in the concatenated space `ℝ^{d+c}`.
  ///
  /// The means and the sum are accumulated in `Double` whatever the scalar type, and each
  /// squared distance is computed from the difference (not from `‖x‖² − 2x·x̄ + ‖x̄‖²`), so the
  /// result has no cancellation error.
  ///
  /// - Parameters:
  ///   - points: `N × d`, one point `z_i` per row.
  ///   - targets: `N × c` targets `y_i`, or `nil` (then `WCSS` is that of the `z_i` alone).
  /// - Returns: `WCSS_l(C) ≥ 0` with the `1/N` normalisation of equation (6).
  /// - Throws: ``ClusteringError/labelCountMismatch(labels:points:)`` when the partition does not
  ///   cover exactly the `N` points, and the errors of invalid points (empty, non-finite,
  ///   mismatched targets).
  /// - Complexity: Two passes over the points, O(N (d + c)).
  public func withinClusterSumOfSquares<S: MatrixScalar>(
    points: Matrix<S>, targets: Matrix<S>? = nil
  ) throws(ClusteringError) -> Double {
    if let points = points as? Matrix<Float> {
      return try wcssImplementation(points: points, targets: targets.map { $0 as? Matrix<Float> })
    }
    if let points = points as? Matrix<Double> {
      return try wcssImplementation(points: points, targets: targets.map { $0 as? Matrix<Double> })
    }
    return try wcssImplementation(points: points, targets: targets)
  }

  /// ``withinClusterSumOfSquares(points:targets:)`` for a concrete scalar type.
  func wcssImplementation<S: MatrixScalar>(
    points: Matrix<S>, targets: Matrix<S>??
  ) throws(ClusteringError) -> Double {
    let targets = targets.flatMap { $0 }
    try validatePoints(points, targets: targets)
    guard pointCount == points.rows else {
      throw .labelCountMismatch(labels: pointCount, points: points.rows)
    }
    let total = ClassStatistics(points: points, assignment: assignment, classCount: count)
      .sumOfSquaredDeviations
    guard let targets, targets.columns > 0 else { return total / Double(pointCount) }
    let targetTotal = ClassStatistics(points: targets, assignment: assignment, classCount: count)
      .sumOfSquaredDeviations
    return (total + targetTotal) / Double(pointCount)
  }
}

/// Per-class means and squared deviations of labelled points, accumulated in `Double`.
struct ClassStatistics {
  /// `N_k` for each class.
  var sizes: [Int]
  /// The class means, `classCount × d` row-major.
  var means: [Double]
  /// `Σ_{i∈C_k} ‖x_i − x̄_k‖²` for each class.
  var deviations: [Double]

  /// `Σ_k Σ_{i∈C_k} ‖x_i − x̄_k‖²`.
  var sumOfSquaredDeviations: Double { deviations.reduce(0, +) }

  /// Two passes: class sums, then squared distances to the class means.
  init<S: MatrixScalar>(points: Matrix<S>, assignment: [Int], classCount: Int) {
    let n = points.rows
    let d = points.columns
    var sizes = [Int](repeating: 0, count: classCount)
    var means = [Double](repeating: 0, count: classCount * d)
    var deviations = [Double](repeating: 0, count: classCount)
    points.withUnsafeBufferPointer { x in
      guard let x = x.baseAddress else { return }
      means.withUnsafeMutableBufferPointer { m in
        let m = m.baseAddress.unsafelyUnwrapped
        for i in 0..<n {
          let k = assignment[i]
          sizes[k] += 1
          Kernels.accumulate(x + i * d, into: m + k * d, count: d)
        }
        for k in 0..<classCount where sizes[k] > 0 {
          let scale = 1 / Double(sizes[k])
          for t in 0..<d { m[k * d + t] *= scale }
        }
        for i in 0..<n {
          let k = assignment[i]
          deviations[k] += Kernels.squaredDistance(x + i * d, m + k * d, count: d)
        }
      }
    }
    self.sizes = sizes
    self.means = means
    self.deviations = deviations
  }
}
