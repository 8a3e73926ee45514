import RankCollapseClustering
import RankCollapseTensor

extension NetworkBounds {
  /// Proposition 4.1 beside the data: the WCSS_0 of the mixture's true partition (an upper bound
  /// of TCV_{K,0}, equation 7) against Σ_k π_k (Tr Σ_k + ‖Σ_k‖_F/√N_k).
  ///
  /// The proposition bounds TCV_{K,0} by bounding WCSS_0 of the true partition, with
  /// probability at least 1 − 2Σ_k exp(−C min(N_k, √(N_k s(Σ_k)))); the report's left side is
  /// that WCSS (targets are constant within a component, so they add nothing).
  ///
  /// - Parameters:
  ///   - points: The N × d samples x_i.
  ///   - partition: The true components (set k of the partition is component k).
  ///   - covariances: Σ_k, d × d, in partition order.
  /// - Returns: Left: WCSS_0(𝒞_true); right: the Proposition 4.1 bound.
  /// - Throws: ``NetworkBoundError`` for a partition that does not fit or invalid covariances.
  public static func proposition41<Scalar: MatrixScalar>(
    points: Matrix<Scalar>, partition: Partition, covariances: [Matrix<Scalar>]
  ) throws(NetworkBoundError) -> BoundReport {
    guard covariances.count == partition.count,
      covariances.allSatisfy({ $0.rows == points.columns && $0.columns == points.columns })
    else {
      throw .invalidParameter(
        name: "covariances", value: "\(covariances.count) matrices",
        requirement: "one \(points.columns) × \(points.columns) matrix per partition set")
    }
    let bound: Double
    do {
      bound = try GaussianMixtureBound.proposition41(
        componentSizes: partition.sizes, covariances: covariances)
    } catch { throw .clustering(error) }
    return try proposition41Report(points: points, partition: partition, bound: bound, terms: [])
  }

  /// Proposition 4.1 for an isotropic mixture (Σ_k = σ² I_d): WCSS_0 of the true partition
  /// against Σ_k π_k (dσ² + √d σ²/√N_k); also reports the balanced closed form
  /// √d σ² (√d + √(K/N)).
  ///
  /// - Parameters:
  ///   - points: The N × d samples.
  ///   - partition: The true components.
  ///   - standardDeviation: σ ≥ 0.
  /// - Returns: Left: WCSS_0(𝒞_true); right: the Proposition 4.1 bound.
  /// - Throws: ``NetworkBoundError`` for a partition that does not fit or σ out of range.
  public static func proposition41<Scalar: MatrixScalar>(
    points: Matrix<Scalar>, partition: Partition, standardDeviation: Double
  ) throws(NetworkBoundError) -> BoundReport {
    let d = Double(points.columns)
    let variance = standardDeviation * standardDeviation
    let bound: Double
    let balanced: Double
    do {
      bound = try GaussianMixtureBound.proposition41(
        componentSizes: partition.sizes,
        covarianceTraces: Array(repeating: d * variance, count: partition.count),
        covarianceFrobeniusNorms: Array(
          repeating: d.squareRoot() * variance, count: partition.count))
      balanced = try GaussianMixtureBound.balancedIsotropic(
        dimension: points.columns, standardDeviation: standardDeviation,
        components: partition.count, points: points.rows)
    } catch { throw .clustering(error) }
    return try proposition41Report(
      points: points, partition: partition, bound: bound,
      terms: [BoundReport.Term("balanced closed form √dσ²(√d + √(K/N))", balanced)])
  }

  static func proposition41Report<Scalar: MatrixScalar>(
    points: Matrix<Scalar>, partition: Partition, bound: Double, terms: [BoundReport.Term]
  ) throws(NetworkBoundError) -> BoundReport {
    guard partition.pointCount == points.rows else {
      throw .partitionMismatch(partitionPoints: partition.pointCount, points: points.rows)
    }
    let wcss: Double
    do { wcss = try partition.withinClusterSumOfSquares(points: points) } catch {
      throw .clustering(error)
    }
    return BoundReport(
      statement: "Proposition 4.1 (with high probability), K = \(partition.count)",
      leftName: "WCSS_0(true partition) ≥ TCV_{K,0}", leftSide: wcss,
      rightName: "Σ π_k (Tr Σ_k + ‖Σ_k‖_F/√N_k)", rightSide: bound, terms: terms,
      estimators: ["TCV_{K,0}": "WCSS_0 of the true mixture partition (an upper bound)"],
      tolerance: 0,
      // Both sides are sums of non-negative terms accumulated in Double: relative γ_{Nd+8}.
      allowances: [RoundingBound.gamma(points.rows * points.columns + 8) * (wcss + bound)],
      partition: partition.assignment)
  }
}
