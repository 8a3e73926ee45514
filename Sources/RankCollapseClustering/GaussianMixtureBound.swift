import RankCollapseTensor

/// The upper bound of paper Proposition 4.1 on the total cluster variation of Gaussian mixtures.
///
/// For data drawn from a mixture of `K` Gaussians `x_i^k = μ_k + Σ_k^{1/2} v_i^k`,
/// `v_i^k ∼ N(0, I)`, the proposition states
///
///     TCV_{K,0} ≤ Σ_k π_k ( Tr(Σ_k) + ‖Σ_k‖_F / √N_k ),   π_k = N_k / N,
///
/// which holds with probability at least `1 − 2 Σ_k exp(−C min(N_k, √(N_k s(Σ_k))))` for a
/// universal constant `C` (`s` the stable rank). It bounds in particular `WCSS_0` of the
/// partition into the mixture's components (equation 6 without targets), the partition the proof
/// uses. The bound does not depend on the means `μ_k`.
public enum GaussianMixtureBound {
  /// Proposition 4.1 from each component's size `N_k`, `Tr(Σ_k)` and `‖Σ_k‖_F`.
  ///
  /// - Parameters:
  ///   - componentSizes: `N_k ≥ 1` for each component (`N = Σ_k N_k`).
  ///   - covarianceTraces: `Tr(Σ_k) ≥ 0` for each component.
  ///   - covarianceFrobeniusNorms: `‖Σ_k‖_F ≥ 0` for each component.
  /// - Returns: `Σ_k (N_k/N) (Tr Σ_k + ‖Σ_k‖_F / √N_k)`.
  /// - Throws: ``ClusteringError/invalidParameter(name:value:requirement:)`` for an empty or
  ///   mismatched list, a size below 1, or a negative or non-finite trace or norm.
  public static func proposition41(
    componentSizes: [Int], covarianceTraces: [Double], covarianceFrobeniusNorms: [Double]
  ) throws(ClusteringError) -> Double {
    guard !componentSizes.isEmpty,
      covarianceTraces.count == componentSizes.count,
      covarianceFrobeniusNorms.count == componentSizes.count
    else {
      throw .invalidParameter(
        name: "component lists",
        value: "\(componentSizes.count), \(covarianceTraces.count), "
          + "\(covarianceFrobeniusNorms.count) entries",
        requirement: "non-empty and of equal length")
    }
    guard let smallest = componentSizes.min(), smallest >= 1 else {
      throw .invalidParameter(
        name: "componentSizes", value: "\(componentSizes.min() ?? 0)", requirement: "at least 1")
    }
    for value in covarianceTraces + covarianceFrobeniusNorms where !(value.isFinite && value >= 0) {
      throw .invalidParameter(
        name: "covariance trace or norm", value: "\(value)", requirement: "finite and ≥ 0")
    }
    let total = Double(componentSizes.reduce(0, +))
    var bound = 0.0
    for k in componentSizes.indices {
      let size = Double(componentSizes[k])
      bound +=
        size / total
        * (covarianceTraces[k] + covarianceFrobeniusNorms[k] / size.squareRoot())
    }
    return bound
  }

  /// Proposition 4.1 from each component's size and covariance matrix `Σ_k`.
  ///
  /// - Parameters:
  ///   - componentSizes: `N_k ≥ 1` for each component.
  ///   - covariances: The `d × d` covariance `Σ_k` of each component.
  /// - Returns: `Σ_k (N_k/N) (Tr Σ_k + ‖Σ_k‖_F / √N_k)`.
  /// - Throws: As ``proposition41(componentSizes:covarianceTraces:covarianceFrobeniusNorms:)``.
  /// - Precondition: Every covariance is square.
  public static func proposition41<S: MatrixScalar>(
    componentSizes: [Int], covariances: [Matrix<S>]
  ) throws(ClusteringError) -> Double {
    var traces: [Double] = []
    for covariance in covariances {
      precondition(
        covariance.isSquare,
        "proposition41: covariance \(covariance.shapeDescription) is not square")
      traces.append((0..<covariance.rows).reduce(0.0) { $0 + Double(covariance[$1, $1]) })
    }
    return try proposition41(
      componentSizes: componentSizes, covarianceTraces: traces,
      covarianceFrobeniusNorms: covariances.map { Double($0.frobeniusNorm) })
  }

  /// Proposition 4.1 for a balanced isotropic mixture (`N_k = N/K`, `Σ_k = σ² I_d`).
  ///
  /// The bound reads
  ///
  ///     TCV_{K,0} ≤ √d σ² (√d + √(K/N)).
  ///
  /// - Parameters:
  ///   - dimension: `d ≥ 1`.
  ///   - standardDeviation: `σ ≥ 0`.
  ///   - components: `K ≥ 1`.
  ///   - points: `N ≥ K`.
  /// - Returns: `√d σ² (√d + √(K/N))`.
  /// - Throws: ``ClusteringError/invalidParameter(name:value:requirement:)`` for values out of
  ///   range.
  public static func balancedIsotropic(
    dimension: Int, standardDeviation: Double, components: Int, points: Int
  ) throws(ClusteringError) -> Double {
    guard dimension >= 1 else {
      throw .invalidParameter(name: "dimension", value: "\(dimension)", requirement: "at least 1")
    }
    guard standardDeviation.isFinite, standardDeviation >= 0 else {
      throw .invalidParameter(
        name: "standardDeviation", value: "\(standardDeviation)", requirement: "finite and ≥ 0")
    }
    guard components >= 1, points >= components else {
      throw .invalidClusterCount(clusters: components, points: points)
    }
    let d = Double(dimension)
    let variance = standardDeviation * standardDeviation
    return d.squareRoot() * variance
      * (d.squareRoot() + (Double(components) / Double(points)).squareRoot())
  }
}
