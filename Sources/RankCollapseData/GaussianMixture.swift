import RankCollapseTensor

/// A mixture of K Gaussian distributions in dimension d, the data model of paper section 4.
///
/// Component `k` has mean `μ_k`, covariance `Σ_k` and weight `π_k`; a point of component `k` is
///
///     x = μ_k + Σ_k^{1/2} v,   v ~ N(0, I)
///
/// (paper section 4). ``sample(points:using:)`` draws a data set with the component labels kept,
/// which is what Proposition 4.1 bounds: the within-cluster variation of the true partition,
/// `TCV_{K,0} ≤ Σ_k π_k (Tr(Σ_k) + ‖Σ_k‖_F / √N_k)` with high probability. The traces and
/// Frobenius norms it needs are ``covarianceTraces`` and ``covarianceFrobeniusNorms``.
///
/// ```swift
/// var generator = SeededGenerator(seed: 1)
/// // Figure 1's data: K = 10 blobs in d = 784, σ = 0.1, balanced.
/// let mixture = try GaussianMixture<Float>(
///   components: 10, dimension: 784, standardDeviation: 0.1, using: &generator)
/// let data = mixture.sample(points: 10_000, using: &generator)
/// // data.points: 10000 × 784, data.labels: [Int], data.autoencodingTargets == data.points
/// ```
public struct GaussianMixture<Scalar: MatrixScalar>: Sendable, Equatable {
  /// The covariance `Σ_k` of one component.
  public enum Covariance: Sendable, Equatable {
    /// `Σ = σ² I`: every coordinate has standard deviation `σ`, independently.
    case isotropic(standardDeviation: Scalar)
    /// `Σ = diag(σ_1², …, σ_d²)`: coordinate `j` has standard deviation `σ_j`, independently.
    case diagonal(standardDeviations: [Scalar])
    /// `Σ = A Aᵀ` for a `d × r` factor `A`: a point is `μ + A v` with `v ~ N(0, I_r)`.
    ///
    /// Any factor with `A Aᵀ = Σ` gives the same distribution as the symmetric root the paper
    /// writes, so a Cholesky factor or a low-rank factor (`r < d`, a degenerate Gaussian on an
    /// `r`-dimensional subspace) can be given directly.
    case factor(Matrix<Scalar>)
  }

  /// The means `μ_k`, one per row (`K × d`).
  public let means: Matrix<Scalar>

  /// The covariances `Σ_k`, one per component.
  public let covariances: [Covariance]

  /// The weights `π_k`: non-negative, summing to 1.
  public let weights: [Double]

  /// The number of components `K`.
  public var components: Int { means.rows }

  /// The dimension `d` of the points.
  public var dimension: Int { means.columns }

  /// Creates a mixture from its parameters.
  ///
  /// - Parameters:
  ///   - means: The means `μ_k`, one per row (`K × d`, `K ≥ 1`, `d ≥ 1`), all finite.
  ///   - covariances: `K` covariances (or one, shared by every component). Standard deviations
  ///     must be finite and `≥ 0`; a diagonal has `d` entries; a factor has `d` rows.
  ///   - weights: `K` non-negative weights with a positive sum, normalised to sum to 1; `nil`
  ///     (the default) for a balanced mixture, `π_k = 1/K`.
  /// - Throws: ``GaussianMixtureError/invalidParameter(name:value:requirement:)`` naming the
  ///   parameter that is wrong.
  public init(
    means: Matrix<Scalar>, covariances: [Covariance], weights: [Double]? = nil
  ) throws(GaussianMixtureError) {
    let k = means.rows
    let d = means.columns
    guard k >= 1, d >= 1 else {
      throw .invalidParameter(
        name: "means", value: "\(k)×\(d)", requirement: "at least one component and dimension 1")
    }
    guard means.isFinite else {
      throw .invalidParameter(name: "means", value: "not finite", requirement: "finite")
    }
    let covariances =
      covariances.count == 1 ? Array(repeating: covariances[0], count: k) : covariances
    guard covariances.count == k else {
      throw .invalidParameter(
        name: "covariances", value: "\(covariances.count) entries",
        requirement: "one per component (\(k)) or one shared")
    }
    for (index, covariance) in covariances.enumerated() {
      try Self.validate(covariance, dimension: d, index: index)
    }
    let weights = weights ?? Array(repeating: 1, count: k)
    guard weights.count == k else {
      throw .invalidParameter(
        name: "weights", value: "\(weights.count) entries", requirement: "one per component (\(k))")
    }
    guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
      throw .invalidParameter(
        name: "weights", value: "\(weights)", requirement: "finite and ≥ 0")
    }
    let total = weights.reduce(0, +)
    guard total > 0, total.isFinite else {
      throw .invalidParameter(name: "weights", value: "\(weights)", requirement: "a positive sum")
    }
    self.means = means
    self.covariances = covariances
    self.weights = weights.map { $0 / total }
  }

  /// Creates a mixture with random means and one isotropic covariance, the setting of paper
  /// section 6.1 (Figures 1 and 2).
  ///
  /// The means are drawn by ``randomMeans(components:dimension:scale:using:)``: every coordinate
  /// of every `μ_k` independently from `N(0, scale²/d)`, i.e. `μ_k ~ N(0, I/d)·scale`, so that
  /// `E‖μ_k‖² = scale²` and `E‖μ_k − μ_l‖² = 2·scale²` whatever `d`, while a point lies at
  /// expected squared distance `d·σ²` from its mean.
  ///
  /// - Parameters:
  ///   - components: `K ≥ 1`.
  ///   - dimension: `d ≥ 1`.
  ///   - standardDeviation: `σ ≥ 0`, so `Σ_k = σ² I`.
  ///   - meanScale: The scale of the means (default 1).
  ///   - weights: The component weights; `nil` (default) for balanced.
  ///   - generator: The source of randomness for the means.
  /// - Throws: ``GaussianMixtureError/invalidParameter(name:value:requirement:)``.
  public init(
    components: Int, dimension: Int, standardDeviation: Scalar, meanScale: Scalar = 1,
    weights: [Double]? = nil, using generator: inout some RandomNumberGenerator
  ) throws(GaussianMixtureError) {
    guard components >= 1 else {
      throw .invalidParameter(
        name: "components", value: "\(components)", requirement: "at least 1")
    }
    guard dimension >= 1 else {
      throw .invalidParameter(name: "dimension", value: "\(dimension)", requirement: "at least 1")
    }
    guard meanScale.isFinite, meanScale >= 0 else {
      throw .invalidParameter(
        name: "meanScale", value: "\(meanScale)", requirement: "finite and ≥ 0")
    }
    try self.init(
      means: Self.randomMeans(
        components: components, dimension: dimension, scale: meanScale, using: &generator),
      covariances: [.isotropic(standardDeviation: standardDeviation)], weights: weights)
  }

  /// Means drawn from `N(0, I/d)·scale`: every coordinate independently `N(0, scale²/d)`.
  ///
  /// - Parameters:
  ///   - components: `K`.
  ///   - dimension: `d`.
  ///   - scale: The scale (`E‖μ_k‖² = scale²`).
  ///   - generator: The source of randomness.
  /// - Returns: A `K × d` matrix, one mean per row.
  public static func randomMeans(
    components: Int, dimension: Int, scale: Scalar = 1,
    using generator: inout some RandomNumberGenerator
  ) -> Matrix<Scalar> {
    precondition(components >= 1 && dimension >= 1, "randomMeans needs K ≥ 1 and d ≥ 1")
    return Matrix.randomNormal(
      rows: components, columns: dimension,
      standardDeviation: scale / Scalar(dimension).squareRoot(), using: &generator)
  }

  private static func validate(
    _ covariance: Covariance, dimension d: Int, index: Int
  ) throws(GaussianMixtureError) {
    let name = "covariances[\(index)]"
    switch covariance {
    case .isotropic(let sigma):
      guard sigma.isFinite, sigma >= 0 else {
        throw .invalidParameter(name: name, value: "σ = \(sigma)", requirement: "finite and ≥ 0")
      }
    case .diagonal(let sigmas):
      guard sigmas.count == d else {
        throw .invalidParameter(
          name: name, value: "\(sigmas.count) standard deviations", requirement: "d = \(d)")
      }
      guard sigmas.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
        throw .invalidParameter(
          name: name, value: "a standard deviation that is negative or not finite",
          requirement: "finite and ≥ 0")
      }
    case .factor(let a):
      guard a.rows == d, a.columns >= 1 else {
        throw .invalidParameter(
          name: name, value: "a \(a.rows)×\(a.columns) factor", requirement: "d = \(d) rows")
      }
      guard a.isFinite else {
        throw .invalidParameter(
          name: name, value: "a factor that is not finite", requirement: "finite")
      }
    }
  }

  // MARK: Sizes and covariance summaries

  /// The number of points `N_k` of each component in a sample of `points` points.
  ///
  /// The counts are fixed, not random: `N_k` is `π_k·N` rounded by the largest-remainder rule
  /// (floors first, then one more point to the components with the largest fractional parts,
  /// ties to the lower index), so they sum to `N`, a balanced mixture gets `⌊N/K⌋` or `⌈N/K⌉`
  /// each, and Proposition 4.1's `N_k` are known exactly.
  ///
  /// - Parameter points: `N ≥ 0`.
  /// - Returns: `K` counts summing to `N`.
  public func componentCounts(points: Int) -> [Int] {
    precondition(points >= 0, "the number of points must be ≥ 0, got \(points)")
    let exact = weights.map { $0 * Double(points) }
    var counts = exact.map { Int($0.rounded(.down)) }
    var remaining = points - counts.reduce(0, +)
    let order = exact.indices.sorted {
      let a = exact[$0] - exact[$0].rounded(.down)
      let b = exact[$1] - exact[$1].rounded(.down)
      return a != b ? a > b : $0 < $1
    }
    var index = 0
    while remaining > 0 {
      counts[order[index % order.count]] += 1
      remaining -= 1
      index += 1
    }
    return counts
  }

  /// `Tr(Σ_k)` for each component: `d·σ²`, `Σ_j σ_j²` or `‖A‖_F²`.
  public var covarianceTraces: [Double] {
    covariances.map { covariance in
      switch covariance {
      case .isotropic(let sigma): Double(dimension) * Double(sigma) * Double(sigma)
      case .diagonal(let sigmas): sigmas.reduce(0) { $0 + Double($1) * Double($1) }
      case .factor(let a): a.elements.reduce(0) { $0 + Double($1) * Double($1) }
      }
    }
  }

  /// `‖Σ_k‖_F` for each component: `√d·σ²`, `√(Σ_j σ_j⁴)` or `‖AᵀA‖_F` (equal to `‖AAᵀ‖_F`).
  public var covarianceFrobeniusNorms: [Double] {
    covariances.map { covariance in
      switch covariance {
      case .isotropic(let sigma):
        Double(dimension).squareRoot() * Double(sigma) * Double(sigma)
      case .diagonal(let sigmas):
        sigmas.reduce(0) { $0 + Double($1) * Double($1) * Double($1) * Double($1) }.squareRoot()
      case .factor(let a):
        Double(Matrix<Double>(a).gram(transposeSelf: true).frobeniusNorm)
      }
    }
  }

  /// The covariance matrix `Σ_k` of one component (`d × d`).
  ///
  /// - Parameter component: `k` in `0..<K`.
  /// - Returns: `σ² I`, `diag(σ_j²)` or `A Aᵀ`.
  public func covarianceMatrix(component: Int) -> Matrix<Scalar> {
    precondition(
      (0..<components).contains(component),
      "component \(component) is outside 0..<\(components)")
    switch covariances[component] {
    case .isotropic(let sigma):
      return Matrix.diagonal(Array(repeating: sigma * sigma, count: dimension))
    case .diagonal(let sigmas):
      return Matrix.diagonal(sigmas.map { $0 * $0 })
    case .factor(let a):
      return a.gram()
    }
  }

  // MARK: Sampling

  /// Draws a labelled data set: `N_k` points of each component (``componentCounts(points:)``),
  /// grouped by component in order (component 0 first).
  ///
  /// - Parameters:
  ///   - points: `N ≥ 0`.
  ///   - generator: The source of randomness; the same seed gives the same data.
  /// - Returns: The points, their labels and the counts.
  /// - Complexity: O(N·d) for diagonal covariances, O(N·d·r) for a `d × r` factor.
  public func sample(
    points: Int, using generator: inout some RandomNumberGenerator
  ) -> GaussianMixtureSample<Scalar> {
    let counts = componentCounts(points: points)
    let d = dimension
    var data = Matrix<Scalar>.zeros(rows: points, columns: d)
    var labels: [Int] = []
    labels.reserveCapacity(points)
    var start = 0
    for (k, count) in counts.enumerated() where count > 0 {
      var block: Matrix<Scalar>
      switch covariances[k] {
      case .isotropic(let sigma):
        block = Matrix.randomNormal(
          rows: count, columns: d, standardDeviation: sigma, using: &generator)
      case .diagonal(let sigmas):
        block = Matrix.randomNormal(rows: count, columns: d, using: &generator)
        block.withUnsafeMutableBufferPointer { buffer in
          for i in 0..<count {
            for j in 0..<d { buffer[i &* d &+ j] *= sigmas[j] }
          }
        }
      case .factor(let a):
        // Rows v_iᵀ of V (count × r); the points are V Aᵀ.
        let v = Matrix<Scalar>.randomNormal(rows: count, columns: a.columns, using: &generator)
        block = v.matmul(a, transposeOther: true)
      }
      block.addRowVector(means.row(k))
      data.withUnsafeMutableBufferPointer { output in
        block.withUnsafeBufferPointer { input in
          _ = UnsafeMutableBufferPointer(rebasing: output[(start * d)..<((start + count) * d)])
            .update(fromContentsOf: input)
        }
      }
      labels += repeatElement(k, count: count)
      start += count
    }
    return GaussianMixtureSample(points: data, labels: labels, counts: counts)
  }
}
