import RankCollapseTensor

/// k-means clustering: k-means++ seeding, Lloyd iterations accelerated with Hamerly's bounds,
/// empty-cluster repair, several seeded restarts keeping the best.
///
/// k-means minimises the inertia `Σ_i ‖x_i − c_{a(i)}‖²` over assignments `a` and centroids
/// `c_1, …, c_K`; divided by `N` it is the within-cluster sum of squares of paper equation (6) of the
/// partition it finds, so the best restart's value is an **upper bound** on the total cluster
/// variation `TCV_{K,l}` of equation (7) (see ``TotalClusterVariation``).
///
/// ```swift
/// var generator = SeededGenerator(seed: 42)
/// let result = try KMeans(clusterCount: 10, restarts: 4).fit(points, using: &generator)
/// result.partition.count  // ≤ 10
/// result.inertia / Double(points.rows)  // WCSS of equation (6)
/// ```
///
/// ## Algorithm
///
/// - Seeding: greedy k-means++ (Arthur & Vassilvitskii 2007, with the greedy refinement
///   scikit-learn uses): the first centre is a uniformly random point; each further centre is the
///   best, by resulting potential `Σ_i min_j ‖x_i − c_j‖²`, of `2 + ⌊ln K⌋` candidates drawn with
///   probability proportional to the current squared distance.
/// - Iterations: an assignment step then a centroid (mean) step. The squared distances of a
///   point to all centroids are `‖x‖² − 2 x·c + ‖c‖²`, with the row norms `‖x_i‖²` computed
///   once per fit. A full assignment pass reads every point once: for `Float` data on
///   processors with AVX2 and FMA one fused kernel computes the products of each pair of rows
///   with all centroids, picks the nearest and adds the rows to their cluster's sum (prefetching
///   the rows ahead); otherwise one BLAS product per block of 256 rows feeds the same argmin
///   and accumulation loop.
///   ``Algorithm/hamerly`` (Hamerly 2010) keeps for every point an upper bound on the distance to
///   its centroid and a lower bound on the distance to the second closest, and recomputes
///   distances only for points whose bounds no longer prove the assignment; it gives the same
///   iterations as ``Algorithm/lloyd`` up to floating-point rounding.
/// - Stopping (as scikit-learn): when no assignment changes, or when the total squared centroid
///   shift `Σ_k ‖c_k^{new} − c_k‖²` is at most `tolerance × (mean per-coordinate variance of X)`;
///   then a last assignment step makes the labels consistent with the final centroids.
/// - Empty clusters: a cluster left without points takes the point farthest from its centroid.
///
/// Threads: the points are split into `BLAS`'s thread count of contiguous
/// blocks, each processed with single-threaded BLAS calls. The same seed and thread count give
/// the same result; different thread counts can differ in the last bits.
public struct KMeans: Sendable, Hashable {
  /// The iteration scheme.
  public enum Algorithm: String, Sendable, Hashable, CaseIterable {
    /// Plain Lloyd iterations: every distance is recomputed in every iteration.
    case lloyd
    /// Lloyd iterations that skip distance work proven unnecessary by Hamerly's
    /// triangle-inequality bounds (the default).
    case hamerly
  }

  /// The number of clusters `K` (at least 1, at most the number of points).
  public var clusterCount: Int

  /// How many independently seeded runs to make; the run with the smallest inertia is kept.
  public var restarts: Int

  /// The most iterations one run may make.
  public var maximumIterations: Int

  /// The relative tolerance on the squared centroid shift (scikit-learn's `tol`).
  public var tolerance: Double

  /// The iteration scheme.
  public var algorithm: Algorithm

  /// A k-means configuration.
  ///
  /// - Parameters:
  ///   - clusterCount: `K ≥ 1`.
  ///   - restarts: Independent seeded runs, at least 1.
  ///   - maximumIterations: The iteration cap per run, at least 1.
  ///   - tolerance: The relative centroid-shift tolerance, at least 0.
  ///   - algorithm: ``Algorithm/hamerly`` (default) or ``Algorithm/lloyd``.
  public init(
    clusterCount: Int, restarts: Int = 1, maximumIterations: Int = 300,
    tolerance: Double = 1e-4, algorithm: Algorithm = .hamerly
  ) {
    self.clusterCount = clusterCount
    self.restarts = restarts
    self.maximumIterations = maximumIterations
    self.tolerance = tolerance
    self.algorithm = algorithm
  }

  /// Checks the configuration against `N` points.
  func validate(points: Int) throws(ClusteringError) {
    try validateClusterCount(clusterCount, points: points)
    guard restarts >= 1 else {
      throw .invalidParameter(name: "restarts", value: "\(restarts)", requirement: "at least 1")
    }
    guard maximumIterations >= 1 else {
      throw .invalidParameter(
        name: "maximumIterations", value: "\(maximumIterations)", requirement: "at least 1")
    }
    guard tolerance.isFinite, tolerance >= 0 else {
      throw .invalidParameter(
        name: "tolerance", value: "\(tolerance)", requirement: "a finite number ≥ 0")
    }
  }
}

/// The outcome of a k-means run (the best of its restarts).
public struct KMeansResult<Scalar: MatrixScalar>: Sendable {
  /// The cluster of each point, in `0..<K`.
  public var assignment: [Int]

  /// The `K × d` centroids, one per row.
  public var centroids: Matrix<Scalar>

  /// The inertia `Σ_i ‖x_i − c_{a(i)}‖²` (not divided by `N`), computed in `Double` from the
  /// differences.
  public var inertia: Double

  /// The iterations (assignment + centroid steps) the kept run made.
  public var iterations: Int

  /// Whether the kept run stopped by its tolerance rather than its iteration cap.
  public var converged: Bool

  /// The partition of the points into the non-empty clusters.
  public var partition: Partition { Partition(assignment: assignment) }

  /// Creates a result.
  ///
  /// - Parameters:
  ///   - assignment: The cluster of each point.
  ///   - centroids: The centroids, one per row.
  ///   - inertia: `Σ_i ‖x_i − c_{a(i)}‖²`.
  ///   - iterations: The iterations made.
  ///   - converged: Whether the tolerance was met.
  public init(
    assignment: [Int], centroids: Matrix<Scalar>, inertia: Double, iterations: Int,
    converged: Bool
  ) {
    self.assignment = assignment
    self.centroids = centroids
    self.inertia = inertia
    self.iterations = iterations
    self.converged = converged
  }
}

extension KMeans {
  /// Clusters the rows of `points`, seeding every restart with k-means++.
  ///
  /// Restart `r` uses a `SeededGenerator` seeded with the `r`-th value
  /// drawn from `generator`, so the result depends only on `generator`'s state and the thread
  /// count.
  ///
  /// - Parameters:
  ///   - points: `N × d`, one point per row.
  ///   - generator: The source of randomness.
  /// - Returns: The run with the smallest inertia (the first one among equals).
  /// - Throws: ``ClusteringError`` for empty or non-finite data, `K < 1` or `K > N`, or an
  ///   invalid configuration.
  /// - Complexity: Per restart O(N d K (2 + ln K)) for seeding and O(N d K) per iteration at
  ///   worst (Hamerly's bounds usually skip most of it after the first iterations).
  public func fit<Scalar: MatrixScalar>(
    _ points: Matrix<Scalar>, using generator: inout some RandomNumberGenerator
  ) throws(ClusteringError) -> KMeansResult<Scalar> {
    // One seed per restart, then concrete calls so that the optimiser specialises the whole
    // call tree (the generator's type would otherwise keep it generic).
    let seeds = (0..<Swift.max(restarts, 0)).map { _ in generator.next() }
    if let points = points as? Matrix<Float> {
      return unsafeBitCast(
        try fitImplementation(points, seeds: seeds), to: KMeansResult<Scalar>.self)
    }
    if let points = points as? Matrix<Double> {
      return unsafeBitCast(
        try fitImplementation(points, seeds: seeds), to: KMeansResult<Scalar>.self)
    }
    return try fitImplementation(points, seeds: seeds)
  }

  /// ``fit(_:using:)`` for a concrete scalar type.
  func fitImplementation<Scalar: MatrixScalar>(
    _ points: Matrix<Scalar>, seeds: [UInt64]
  ) throws(ClusteringError) -> KMeansResult<Scalar> {
    try validatePoints(points, targets: nil)
    try validate(points: points.rows)
    let norms = KMeans.squaredRowNormsImplementation(points)
    var best: KMeansResult<Scalar>?
    for seed in seeds {
      var runGenerator = SeededGenerator(seed: seed)
      let initial = KMeans.plusPlusCentroids(
        points, squaredNorms: norms, count: clusterCount, using: &runGenerator)
      let result = run(points, squaredNorms: norms, initialCentroids: initial)
      if best == nil || result.inertia < best.unsafelyUnwrapped.inertia { best = result }
    }
    return best.unsafelyUnwrapped
  }

  /// Clusters the rows of `points` from the given initial centroids (one run; ``restarts`` is
  /// not used).
  ///
  /// - Parameters:
  ///   - points: `N × d`, one point per row.
  ///   - initialCentroids: `K × d` starting centroids with `K` = ``clusterCount``.
  /// - Returns: The run's result.
  /// - Throws: ``ClusteringError`` for empty or non-finite data or centroids, `K < 1`, `K > N`,
  ///   or an invalid configuration.
  /// - Precondition: `initialCentroids` is `K × d`.
  public func fit<Scalar: MatrixScalar>(
    _ points: Matrix<Scalar>, initialCentroids: Matrix<Scalar>
  ) throws(ClusteringError) -> KMeansResult<Scalar> {
    if let points = points as? Matrix<Float>, let start = initialCentroids as? Matrix<Float> {
      return unsafeBitCast(
        try fitImplementation(points, initialCentroids: start), to: KMeansResult<Scalar>.self)
    }
    if let points = points as? Matrix<Double>, let start = initialCentroids as? Matrix<Double> {
      return unsafeBitCast(
        try fitImplementation(points, initialCentroids: start), to: KMeansResult<Scalar>.self)
    }
    return try fitImplementation(points, initialCentroids: initialCentroids)
  }

  /// ``fit(_:initialCentroids:)`` for a concrete scalar type.
  func fitImplementation<Scalar: MatrixScalar>(
    _ points: Matrix<Scalar>, initialCentroids: Matrix<Scalar>
  ) throws(ClusteringError) -> KMeansResult<Scalar> {
    try validatePoints(points, targets: nil)
    try validate(points: points.rows)
    precondition(
      initialCentroids.rows == clusterCount && initialCentroids.columns == points.columns,
      "k-means: initial centroids \(initialCentroids.shapeDescription) do not match K = "
        + "\(clusterCount) clusters of \(points.shapeDescription) points")
    try initialCentroids.checkFinite()
    return run(
      points, squaredNorms: KMeans.squaredRowNormsImplementation(points),
      initialCentroids: initialCentroids)
  }

  /// The squared norms `‖x_i‖²` of the rows, computed once per fit.
  ///
  /// - Parameter points: `N × d`.
  /// - Returns: `N` values.
  /// - Complexity: O(N d), split across threads.
  public static func squaredRowNorms<Scalar: MatrixScalar>(_ points: Matrix<Scalar>) -> [Scalar] {
    if let points = points as? Matrix<Float> {
      return unsafeBitCast(squaredRowNormsImplementation(points), to: [Scalar].self)
    }
    if let points = points as? Matrix<Double> {
      return unsafeBitCast(squaredRowNormsImplementation(points), to: [Scalar].self)
    }
    return squaredRowNormsImplementation(points)
  }

  /// ``squaredRowNorms(_:)`` for a concrete scalar type.
  static func squaredRowNormsImplementation<Scalar: MatrixScalar>(
    _ points: Matrix<Scalar>
  ) -> [Scalar] {
    let n = points.rows
    let d = points.columns
    var norms = [Scalar](repeating: 0, count: n)
    let parts = Kernels.partCount(rows: n)
    points.withUnsafeBufferPointer { x in
      guard let base = x.baseAddress else { return }
      let x = UncheckedSendable(base)
      norms.withUnsafeMutableBufferPointer { out in
        let out = UncheckedSendable(out.baseAddress.unsafelyUnwrapped)
        Kernels.forEachPart(parts) { part in
          for i in Kernels.range(part: part, of: parts, count: n) {
            out.value[i] = Scalar(Kernels.sumOfSquares(x.value + i * d, count: d))
          }
        }
      }
    }
    return norms
  }
}
