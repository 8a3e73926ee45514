import RankCollapseTensor

/// An estimate of the total cluster variation `TCV_{K,l}` of paper equation (7) that says what it is.
///
/// `TCV_{K,l} = min over partitions C into at most K sets of WCSS_l(C)` (equation 6 and 7) is an
/// NP-hard minimum. Each estimator of ``TotalClusterVariation`` returns a value together with
/// its ``kind``: an exact value, an upper bound (the WCSS of some partition into at most `K`
/// sets) or a lower bound.
public struct TCVEstimate: Sendable, Hashable {
  /// How an estimate relates to the true `TCV_{K,l}`.
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// `WCSS_l` of the partition by class labels (paper Figure 3); an upper bound on
    /// `TCV_{K,l}` when there are at most `K` classes.
    case classLabels
    /// `WCSS_l` of the best k-means partition: an upper bound.
    case kMeansUpperBound
    /// The minimum over all partitions: the exact value.
    case exhaustive
    /// The spectral relaxation of Ding & He (2004): a lower bound.
    case spectralLowerBound
  }

  /// The value, with the `1/N` normalisation of equation (6).
  public var value: Double
  /// What the value is.
  public var kind: Kind
  /// The number of sets `K` the estimate is for.
  public var clusters: Int

  /// Whether the value is at least the true `TCV_{K,l}` (for ``Kind/classLabels`` only when the
  /// labels name at most ``clusters`` classes).
  public var isUpperBound: Bool { kind != .spectralLowerBound }
  /// Whether the value is at most the true `TCV_{K,l}`.
  public var isLowerBound: Bool { kind == .spectralLowerBound || kind == .exhaustive }

  /// Creates an estimate.
  ///
  /// - Parameters:
  ///   - value: The value.
  ///   - kind: What it is.
  ///   - clusters: `K`.
  public init(value: Double, kind: Kind, clusters: Int) {
    self.value = value
    self.kind = kind
    self.clusters = clusters
  }
}

/// Estimators of the total cluster variation `TCV_{K,l}` of paper equation (7).
///
/// All work on points `(z_i, y_i)`: the rows of `points` (a layer's features) joined by the rows
/// of optional `targets`, exactly as in equation (6). Together, ``spectralLowerBound(points:targets:clusters:)``
/// and ``kMeansUpperBound(points:targets:clusters:restarts:using:)`` give a certified interval
/// `[lower, upper] ∋ TCV_{K,l}` (up to floating-point rounding); ``exhaustive(points:targets:clusters:)``
/// gives the exact value for tiny `N`.
public enum TotalClusterVariation {
  /// The largest `N` ``exhaustive(points:targets:clusters:)`` accepts.
  public static let exhaustiveLimit = 12

  /// `WCSS_l` of the partition by class labels (equation 6; the estimate of the paper's Figure 3).
  ///
  /// - Parameters:
  ///   - points: `N × d` features `z_i`.
  ///   - targets: `N × c` targets `y_i` or `nil`.
  ///   - labels: One integer label per point.
  /// - Returns: The estimate, with ``TCVEstimate/clusters`` the number of distinct labels.
  /// - Throws: ``ClusteringError`` for empty or non-finite data or a label count that is not `N`.
  public static func byLabels<S: MatrixScalar>(
    points: Matrix<S>, targets: Matrix<S>? = nil, labels: [Int]
  ) throws(ClusteringError) -> TCVEstimate {
    try validatePoints(points, targets: targets)
    guard labels.count == points.rows else {
      throw .labelCountMismatch(labels: labels.count, points: points.rows)
    }
    let partition = try Partition(labels: labels)
    let value = try partition.withinClusterSumOfSquares(points: points, targets: targets)
    return TCVEstimate(value: value, kind: .classLabels, clusters: partition.count)
  }

  /// An upper bound: `WCSS_l` (equation 6) of the best partition k-means finds in `restarts` runs.
  ///
  /// The value is recomputed from the partition itself (each set's own mean), so it is exactly
  /// the WCSS of a partition into at most `K` sets, hence `≥ TCV_{K,l}`.
  ///
  /// - Parameters:
  ///   - points: `N × d` features `z_i`.
  ///   - targets: `N × c` targets `y_i` or `nil`.
  ///   - clusters: `K`, with `1 ≤ K ≤ N`.
  ///   - restarts: k-means runs, at least 1.
  ///   - generator: The source of randomness.
  /// - Returns: The estimate and the k-means result it came from.
  /// - Throws: ``ClusteringError`` for invalid data or parameters.
  public static func kMeansUpperBound<S: MatrixScalar>(
    points: Matrix<S>, targets: Matrix<S>? = nil, clusters: Int, restarts: Int = 1,
    using generator: inout some RandomNumberGenerator
  ) throws(ClusteringError) -> (estimate: TCVEstimate, result: KMeansResult<S>) {
    try validatePoints(points, targets: targets)
    let joined = concatenated(points, targets)
    let result = try KMeans(clusterCount: clusters, restarts: restarts).fit(
      joined, using: &generator)
    let value = try result.partition.withinClusterSumOfSquares(points: joined)
    return (TCVEstimate(value: value, kind: .kMeansUpperBound, clusters: clusters), result)
  }

  /// The exact `TCV_{K,l}`: the minimum of equation (6) over every partition into at most `K` sets.
  ///
  /// Enumerates set partitions as restricted growth strings (Bell(N) of them at most), so it is
  /// limited to ``exhaustiveLimit`` points; meant for tests and tiny examples.
  ///
  /// - Parameters:
  ///   - points: `N × d` features `z_i`, `N ≤` ``exhaustiveLimit``.
  ///   - targets: `N × c` targets `y_i` or `nil`.
  ///   - clusters: `K`, with `1 ≤ K ≤ N`.
  /// - Returns: The exact value and a partition attaining it.
  /// - Throws: ``ClusteringError/tooManyPointsForExhaustiveSearch(points:limit:)`` and the errors
  ///   of invalid data or `K`.
  /// - Complexity: O(Bell(N) · N (d + c)).
  public static func exhaustive<S: MatrixScalar>(
    points: Matrix<S>, targets: Matrix<S>? = nil, clusters: Int
  ) throws(ClusteringError) -> (estimate: TCVEstimate, partition: Partition) {
    try validatePoints(points, targets: targets)
    try validateClusterCount(clusters, points: points.rows)
    let n = points.rows
    guard n <= exhaustiveLimit else {
      throw .tooManyPointsForExhaustiveSearch(points: n, limit: exhaustiveLimit)
    }
    let joined = Matrix<Double>(concatenated(points, targets))
    let d = joined.columns
    let x = joined.elements
    var best = Double.infinity
    var bestAssignment = [Int](repeating: 0, count: n)
    var assignment = [Int](repeating: 0, count: n)
    var sums = [Double](repeating: 0, count: clusters * d)
    var sizes = [Int](repeating: 0, count: clusters)
    // Restricted growth strings: a[0] = 0, a[i] ≤ 1 + max(a[0..<i]), and a[i] < K.
    func visit(_ i: Int, used: Int) {
      if i == n {
        // Σ_k Σ_{i∈C_k} ‖x_i − x̄_k‖² = Σ_i ‖x_i‖² − Σ_k ‖S_k‖² / N_k.
        var value = 0.0
        for k in 0..<used {
          for t in 0..<d {
            let mean = sums[k * d + t] / Double(sizes[k])
            var s = 0.0
            for p in 0..<n where assignment[p] == k {
              let difference = x[p * d + t] - mean
              s += difference * difference
            }
            value += s
          }
        }
        if value < best {
          best = value
          bestAssignment = assignment
        }
        return
      }
      for k in 0..<Swift.min(used + 1, clusters) {
        assignment[i] = k
        sizes[k] += 1
        for t in 0..<d { sums[k * d + t] += x[i * d + t] }
        visit(i + 1, used: Swift.max(used, k + 1))
        for t in 0..<d { sums[k * d + t] -= x[i * d + t] }
        sizes[k] -= 1
      }
    }
    visit(0, used: 0)
    return (
      TCVEstimate(value: best / Double(n), kind: .exhaustive, clusters: clusters),
      Partition(assignment: bestAssignment)
    )
  }

  /// A lower bound from the spectral relaxation of k-means (Ding & He 2004, Theorem 3.2).
  ///
  ///     N · TCV_{K,l} ≥ Σ_{j ≥ K} λ_j(S),   S = Σ_i (x_i − x̄)(x_i − x̄)ᵀ,
  ///
  /// the sum of all but the `K − 1` largest eigenvalues `λ_1 ≥ λ_2 ≥ …` of the centred scatter
  /// matrix of the points `x_i = (z_i, y_i)`. (The k-means objective equals
  /// `Tr S − Tr(Hᵀ XᵀX H)` for a normalised indicator matrix `H`; relaxing `H` to any
  /// orthonormal matrix gives the bound, by Ky Fan's theorem.) It is computed as
  /// `(Tr S − Σ_{j<K} λ_j) / N`, clamped at 0.
  ///
  /// `S` is `(d + c) × (d + c)`, accumulated block by block from centred rows with matrix
  /// products; no `N × N` matrix is formed. The trace is accumulated in `Double`; the
  /// eigenvalues of `S` (formed in the data's scalar type, promoted to `Double`) come from
  /// LAPACK `?syevd`. Rounding can move the bound by about `(K − 1) ε ‖S‖₂ / N` for the
  /// scalar type's `ε`.
  ///
  /// - Parameters:
  ///   - points: `N × d` features `z_i`.
  ///   - targets: `N × c` targets `y_i` or `nil`.
  ///   - clusters: `K`, with `1 ≤ K ≤ N`.
  /// - Returns: The lower bound with the `1/N` normalisation of equation (6).
  /// - Throws: ``ClusteringError`` for invalid data or `K`, or an eigenvalue failure.
  /// - Complexity: O(N (d + c)²) for the scatter matrix plus O((d + c)³) for its eigenvalues.
  public static func spectralLowerBound<S: MatrixScalar>(
    points: Matrix<S>, targets: Matrix<S>? = nil, clusters: Int
  ) throws(ClusteringError) -> TCVEstimate {
    try validatePoints(points, targets: targets)
    try validateClusterCount(clusters, points: points.rows)
    // Every point its own set: TCV is exactly 0.
    guard clusters < points.rows else {
      return TCVEstimate(value: 0, kind: .spectralLowerBound, clusters: clusters)
    }
    let (scatter, trace): (Matrix<Double>, Double)
    if let points = points as? Matrix<Float> {
      (scatter, trace) = centredScatterInDouble(
        points: points, targets: targets.map { $0 as? Matrix<Float> } ?? nil)
    } else if let points = points as? Matrix<Double> {
      (scatter, trace) = centredScatterInDouble(
        points: points, targets: targets.map { $0 as? Matrix<Double> } ?? nil)
    } else {
      (scatter, trace) = centredScatterInDouble(points: points, targets: targets)
    }
    let eigenvalues: [Double]
    do {
      eigenvalues = try scatter.symmetricEigenvalues()
    } catch {
      throw .eigenvalueFailure(error)
    }
    let top = eigenvalues.reversed().prefix(clusters - 1).reduce(0, +)
    let value = Swift.max(0, trace - top) / Double(points.rows)
    return TCVEstimate(value: value, kind: .spectralLowerBound, clusters: clusters)
  }

  /// The certified interval `[spectral lower bound, k-means upper bound]` for `TCV_{K,l}`.
  ///
  /// - Parameters:
  ///   - points: `N × d` features `z_i`.
  ///   - targets: `N × c` targets `y_i` or `nil`.
  ///   - clusters: `K`, with `1 ≤ K ≤ N`.
  ///   - restarts: k-means runs, at least 1.
  ///   - generator: The source of randomness.
  /// - Returns: `lower ≤ TCV_{K,l} ≤ upper` (up to rounding).
  /// - Throws: ``ClusteringError`` for invalid data or parameters.
  public static func interval<S: MatrixScalar>(
    points: Matrix<S>, targets: Matrix<S>? = nil, clusters: Int, restarts: Int = 1,
    using generator: inout some RandomNumberGenerator
  ) throws(ClusteringError) -> (lower: TCVEstimate, upper: TCVEstimate) {
    let lower = try spectralLowerBound(points: points, targets: targets, clusters: clusters)
    let upper = try kMeansUpperBound(
      points: points, targets: targets, clusters: clusters, restarts: restarts,
      using: &generator
    ).estimate
    return (lower, upper)
  }

  /// The centred scatter of the joined points, promoted to `Double`, and its trace.
  static func centredScatterInDouble<S: MatrixScalar>(
    points: Matrix<S>, targets: Matrix<S>?
  ) -> (scatter: Matrix<Double>, trace: Double) {
    let (scatter, trace) = centredScatter(points: points, targets: targets)
    return (Matrix<Double>(scatter), trace)
  }

  /// The centred scatter `Σ_i (x_i − x̄)(x_i − x̄)ᵀ` of the joined points, in the data's scalar
  /// type, and its trace in `Double`; blocks of centred rows `B` are accumulated by
  /// `S ← S + BᵀB` with `Matrix.syrk` (one triangle, half the operations of a GEMM).
  static func centredScatter<S: MatrixScalar>(
    points: Matrix<S>, targets: Matrix<S>?
  ) -> (scatter: Matrix<S>, trace: Double) {
    let n = points.rows
    let dz = points.columns
    let dy = targets?.columns ?? 0
    let d = dz + dy
    var mean = [Double](repeating: 0, count: d)
    points.withUnsafeBufferPointer { z in
      for i in 0..<n {
        Kernels.accumulate(z.baseAddress.unsafelyUnwrapped + i * dz, into: &mean, count: dz)
      }
    }
    if let targets, dy > 0 {
      targets.withUnsafeBufferPointer { y in
        mean.withUnsafeMutableBufferPointer { m in
          for i in 0..<n {
            Kernels.accumulate(
              y.baseAddress.unsafelyUnwrapped + i * dy, into: m.baseAddress.unsafelyUnwrapped + dz,
              count: dy)
          }
        }
      }
    }
    for t in 0..<d { mean[t] /= Double(n) }
    // Centring in the data's own type (one rounding per element), rows split across threads.
    let centre = mean.map { S($0) }
    let blockRows = Swift.max(64, Swift.min(4096, (1 << 22) / Swift.max(d, 1)))
    var scatter = Matrix<S>.zeros(rows: d, columns: d)
    var block = Matrix<S>.zeros(rows: Swift.min(blockRows, n), columns: d)
    var trace = 0.0
    var start = 0
    let emptyTargets = Matrix<S>.zeros(rows: 0, columns: 0)
    while start < n {
      let rows = Swift.min(blockRows, n - start)
      if rows != block.rows { block = Matrix<S>.zeros(rows: rows, columns: d) }
      let parts = Kernels.partCount(rows: rows)
      let first = start
      var partial = [Double](repeating: 0, count: parts)
      block.withUnsafeMutableBufferPointer { b in
        let b = UncheckedSendable(b.baseAddress.unsafelyUnwrapped)
        points.withUnsafeBufferPointer { z in
          let z = UncheckedSendable(z.baseAddress.unsafelyUnwrapped)
          (targets ?? emptyTargets).withUnsafeBufferPointer { y in
            let y = y.baseAddress.map { UncheckedSendable($0) }
            centre.withUnsafeBufferPointer { m in
              let m = UncheckedSendable(m.baseAddress.unsafelyUnwrapped)
              partial.withUnsafeMutableBufferPointer { partial in
                let partial = UncheckedSendable(partial.baseAddress.unsafelyUnwrapped)
                Kernels.forEachPart(parts) { part in
                  var sum = 0.0
                  for r in Kernels.range(part: part, of: parts, count: rows) {
                    let row = b.value + r * d
                    let source = z.value + (first + r) * dz
                    for t in 0..<dz { row[t] = source[t] - m.value[t] }
                    if let y, dy > 0 {
                      let target = y.value + (first + r) * dy
                      for t in 0..<dy { row[dz + t] = target[t] - m.value[dz + t] }
                    }
                    sum += Kernels.sumOfSquares(UnsafePointer(row), count: d)
                  }
                  partial.value[part] = sum
                }
              }
            }
          }
        }
      }
      trace += partial.reduce(0, +)
      scatter.syrk(block, transposeA: true, beta: 1)
      start += rows
    }
    return (scatter, trace)
  }
}
