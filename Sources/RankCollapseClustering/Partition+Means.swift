import RankCollapseTensor

extension Partition {
  /// The mean of each set's rows and each set's share of the points.
  ///
  /// These are the centroids `x̄_k = (1/N_k) Σ_{i∈C_k} x_i` and weights `π_k = N_k / N` of the
  /// centroid-based loss (paper equations 8 and 20).
  ///
  /// Sums are accumulated in `Double` whatever the scalar type, as deviations from the set's
  /// first point `x_f`: `x̄_k = x_f + (Σ_{i∈C_k} (x_i − x_f)) / N_k`. The mean of identical
  /// points is therefore that point exactly (a plain `Σ x_i / N_k` is not: ten copies of 0.1
  /// sum to 0.9999999999999999), and the rounding of a mean is small relative to the set's
  /// spread rather than to its points' size.
  ///
  /// ```swift
  /// let partition = try Partition(labels: [0, 1, 0])
  /// let (centroids, weights) = partition.means(of: Matrix<Double>([[1, 2], [5, 6], [3, 4]]))
  /// // centroids [[2, 3], [5, 6]], weights [2/3, 1/3]
  /// ```
  ///
  /// - Parameter points: `N × d`, one point per row, `N` = ``pointCount``.
  /// - Returns: The `K × d` means (row `k` for set `k`) and `π_k`, `K` = ``count``.
  /// - Complexity: O(N·d).
  @inlinable
  public func means<S: MatrixScalar>(of points: Matrix<S>) -> (means: Matrix<S>, weights: [Double])
  {
    precondition(
      points.rows == pointCount,
      "Partition.means: \(points.rows) × \(points.columns) points for a partition of \(pointCount)")
    let k = count
    let d = points.columns
    var sums = [Double](repeating: 0, count: k * d)
    var counts = [Int](repeating: 0, count: k)
    var first = [Int](repeating: -1, count: k)
    points.withUnsafeBufferPointer { p in
      for (i, c) in assignment.enumerated() {
        counts[c] += 1
        guard first[c] >= 0 else {
          first[c] = i
          continue
        }
        let f = first[c]
        for t in 0..<d { sums[c * d + t] += Double(p[i * d + t]) - Double(p[f * d + t]) }
      }
    }
    let origins: [Double] = points.withUnsafeBufferPointer { p in
      (0..<(k * d)).map { index in
        let f = first[index / d]
        return f >= 0 ? Double(p[f * d + index % d]) : 0
      }
    }
    let means = Matrix<S>(
      rows: k, columns: d,
      elements: sums.indices.map {
        S(origins[$0] + sums[$0] / Double(Swift.max(counts[$0 / d], 1)))
      })
    let n = Double(pointCount)
    return (means, counts.map { Double($0) / n })
  }
}
