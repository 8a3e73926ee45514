import RankCollapseClustering
import RankCollapseTensor

/// How the deep linear evaluators estimate a total cluster variation.
///
/// The minimum over partitions in eq. 7 is NP-hard; the estimator also fixes the partition `C`
/// the evaluators use.
public enum LinearTCVEstimator: Sendable, Hashable {
  /// The partition by class labels (`TotalClusterVariation.byLabels`): the WCSS of this
  /// partition, an upper bound on the TCV for at most `K` classes.
  case labels([Int])
  /// The best of `restarts` k-means runs with `clusters` sets, seeded
  /// (`TotalClusterVariation.kMeansUpperBound`): the WCSS of that partition, an upper bound.
  case kMeans(clusters: Int, restarts: Int, seed: UInt64)

  /// The estimate on `points` (with optional `targets` joined as in equation 6), its partition.
  func estimate(points: Matrix<Double>, targets: Matrix<Double>?) throws(DeepLinearError) -> (
    TCVEstimate, Partition, String
  ) {
    do {
      switch self {
      case .labels(let labels):
        let estimate = try TotalClusterVariation.byLabels(
          points: points, targets: targets, labels: labels)
        return (
          estimate, try Partition(labels: labels),
          "WCSS of the partition by the given labels (\(estimate.clusters) classes): an upper bound"
        )
      case .kMeans(let clusters, let restarts, let seed):
        var generator = SeededGenerator(seed: seed)
        let (estimate, result) = try TotalClusterVariation.kMeansUpperBound(
          points: points, targets: targets, clusters: clusters, restarts: restarts,
          using: &generator)
        return (
          estimate, result.partition,
          "WCSS of the best of \(restarts) k-means run(s) with K = \(clusters), seed \(seed): "
            + "an upper bound"
        )
      }
    } catch {
      throw .clustering(error)
    }
  }
}

extension DeepLinearProblem {
  /// Theorem 5.3: the minimisers of the full and the centroid-based loss are close.
  ///
  /// For clustered data,
  ///
  ///     ‖Θ* − Θ*,C‖_F ≤ TCV_{K,0}/λ · (d/(Nλ) ‖Ȳ‖_F ‖X̄‖_F + √d),
  ///
  /// with `Θ*` and `Θ*,C` of eq. (21) and `X̄`, `Ȳ` the centroid matrices of eq. (20).
  ///
  /// The theorem takes a partition realising `TCV_{K,0}`; the proof (eq. 34) holds for ANY
  /// partition `C` with `WCSS_0(C)` in place of `TCV_{K,0}`, and `X̄`, `Ȳ` of that `C`. The
  /// evaluator uses the partition of `estimator` and its `WCSS_0(C)` (eq. 6, inputs and targets
  /// joined), an upper bound on `TCV_{K,0}`; ``BoundReport/estimators`` says which.
  ///
  /// Convention: eq. (19) normalises exactly as the library does (`(1/N)‖Y − ΘX‖² + λ‖Θ‖²`,
  /// no `½`), so the paper's constants stand; the weight-decay factor 2 cancels in eq. (21).
  ///
  /// The chain reported (the links of eq. 34):
  /// 1. `‖Θ* − Θ*,C‖_F`;
  /// 2. `d ‖Ȳ‖‖X̄‖ ‖X − X̄‖²/(λ²N²) + √d ‖X − X̄‖‖Y − Ȳ‖/(λN)` (eq. 32 + 33);
  /// 3. `d ‖Ȳ‖‖X̄‖ (‖X − X̄‖² + ‖Y − Ȳ‖²)/(λ²N²) + √d (‖X − X̄‖² + ‖Y − Ȳ‖²)/(2λN)`;
  /// 4. the right side, `WCSS_0(C)/λ · (d/(Nλ)‖Ȳ‖‖X̄‖ + √d)`.
  ///
  /// - Parameters:
  ///   - lambda: `λ > 0`.
  ///   - estimator: The partition and TCV estimate to use.
  /// - Returns: The report (all norms Frobenius), with every term; its
  ///   ``BoundReport/absoluteTolerance`` is `1e-12·max(‖Θ*‖_F, ‖Θ*,C‖_F)`, the rounding of the
  ///   two solves, so that a zero bound (every point its own cluster) holds when Θ*,C = Θ* up to
  ///   rounding.
  /// - Throws: ``DeepLinearError`` for invalid `λ`, a partition not covering the samples, or a
  ///   failed estimator or factorisation.
  /// - Complexity: Two Cholesky solves, O(d³/3) each, and O(N·(d + c)) for the centroids (the
  ///   Gram matrix `X Xᵀ` is computed once, in ``init(inputs:targets:)``); plus the estimator.
  public func theorem53(lambda: Double, estimator: LinearTCVEstimator) throws(DeepLinearError)
    -> BoundReport
  {
    try Self.validate(lambda: lambda, positive: true)
    let (estimate, partition, how) = try estimator.estimate(points: inputs, targets: targets)
    let centroid = try centroidProblem(partition: partition)
    let full = try minimizer(lambda: lambda)
    let reduced = try centroid.minimizer(lambda: lambda)
    let left = squaredNorm(full - reduced).squareRoot()

    let n = Double(normalization)
    let d = Double(inputDimension)
    let xBar = squaredNorm(centroid.inputs).squareRoot()
    let yBar = centroid.targetEnergy.squareRoot()
    let xDev2 = squaredNorm(inputs - centroid.inputs)
    let yDev2 = squaredNorm(targets - centroid.targets)
    let first = d * yBar * xBar * xDev2 / (lambda * lambda * n * n)
    let second = d.squareRoot() * (xDev2 * yDev2).squareRoot() / (lambda * n)
    let both = xDev2 + yDev2
    let link3 =
      d * yBar * xBar * both / (lambda * lambda * n * n) + d.squareRoot() * both / (2 * lambda * n)
    let tcv = estimate.value
    let right = tcv / lambda * (d / (n * lambda) * yBar * xBar + d.squareRoot())
    let fullNorm = squaredNorm(full).squareRoot()
    let reducedNorm = squaredNorm(reduced).squareRoot()
    return BoundReport(
      statement: "Theorem 5.3", leftName: "‖Θ* − Θ*,C‖_F", leftSide: left,
      rightName: "TCV_{K,0}/λ·(d/(Nλ)‖Ȳ‖‖X̄‖ + √d)", rightSide: right,
      chain: [
        .init("d‖Ȳ‖‖X̄‖‖X−X̄‖²/(λN)² + √d‖X−X̄‖‖Y−Ȳ‖/(λN)", first + second, note: "eq. 32 + 33"),
        .init(
          "d‖Ȳ‖‖X̄‖(‖X−X̄‖²+‖Y−Ȳ‖²)/(λN)² + √d(‖X−X̄‖²+‖Y−Ȳ‖²)/(2λN)", link3,
          note: "eq. 34, second line"),
      ],
      terms: [
        .init("λ", lambda), .init("N", n), .init("d", d), .init("c", Double(outputDimension)),
        .init("K", Double(partition.count), note: "sets in the partition used"),
        .init("TCV_{K,0}", tcv, note: "\(estimate.kind.rawValue) estimate"),
        .init("WCSS_0(C)", both / n, note: "recomputed from ‖X−X̄‖² + ‖Y−Ȳ‖²"),
        .init("‖X̄‖_F", xBar), .init("‖Ȳ‖_F", yBar),
        .init("‖X−X̄‖_F", xDev2.squareRoot()), .init("‖Y−Ȳ‖_F", yDev2.squareRoot()),
        .init("eq. 32 term", first), .init("eq. 33 term", second),
        .init("‖Θ*‖_F", fullNorm),
        .init("‖Θ*,C‖_F", reducedNorm),
      ],
      estimators: ["TCV_{K,0}": how],
      // A partition into singletons gives TCV = 0, a zero bound and Θ*,C = Θ* up to the
      // rounding of two Cholesky solves: allow that residue relative to the minimisers' size.
      absoluteTolerance: 1e-12 * Swift.max(fullNorm, reducedNorm))
  }

  /// Theorem 5.4: the minimisers of `L_λ` on all matrices and on the rank-`K` ones are close.
  ///
  /// For clustered labels,
  ///
  ///     ‖Θ* − Θ*,K‖_F² ≤ d·min(d, c)/λ · TCV_K(Y),
  ///
  /// with `Θ*` of eq. (21) and `Θ*,K` from Theorem 5.1 applied to `(X_λ, Y_λ)` (eq. 35,
  /// ``rankConstrainedMinimizer(rank:lambda:)``). `TCV_K(Y)` is the labels-only TCV (the targets
  /// `y_i` alone, `1/N` normalised), estimated by `estimator` on the targets: an upper bound.
  ///
  /// Convention: the same as the paper's eq. (19), so its constants stand. The theorem assumes
  /// `max(c, d) ≤ N`; the proof's chain does not use it, and the report records it as a term.
  ///
  /// The chain reported (the links of the proof, eqs. 37–43):
  /// 1. `‖Θ* − Θ*,K‖_F²`;
  /// 2. `‖Q_λ − Q_λ^K‖_F² ‖(X_λX_λᵀ)^{-1/2}‖_F²` (eq. 37);
  /// 3. `d/(Nλ) ‖Q_λ − Q_λ^K‖_F²` (eq. 39);
  /// 4. `d·min(d, c)/(Nλ) Σ_{j>K} σ_j(Y)²` (eq. 42);
  /// 5. the right side `d·min(d, c)/λ · TCV_K(Y)` (eq. 43, with `Σ_{j>K} σ_j(Y)² ≤ ‖Y − Ȳ‖²`).
  ///
  /// The left side is computed as `‖(Q_λ − Q_λ^K)(X_λX_λᵀ)^{-1/2}‖_F²` with
  /// `Q_λ − Q_λ^K = Σ_{j>K} σ_j u_j v_jᵀ` (eq. 35–37: this IS `Θ* − Θ*,K`), so that it is exactly 0
  /// when `Q_λ` has rank ≤ K instead of a rounding residue; the direct difference of the
  /// Cholesky `Θ*` and `Θ*,K` is reported as a term beside it. When the estimate of `TCV_K(Y)`
  /// is exactly 0 but `Q_λ`'s trailing singular values are rounding-level, the report's relative
  /// tolerance cannot absorb them; compare ``BoundReport/leftSide`` with an absolute tolerance.
  ///
  /// - Parameters:
  ///   - rank: `K ≥ 1`, at most `min(c, d)`.
  ///   - lambda: `λ > 0`.
  ///   - estimator: The TCV estimate of the targets (labels with at most `K` classes, or k-means).
  /// - Returns: The report, with every term.
  /// - Throws: ``DeepLinearError`` for invalid `K` or `λ`, a labels partition with more than `K`
  ///   sets, or a failed estimator or factorisation.
  /// - Complexity: O(d³) (eigendecomposition of `X Xᵀ + Nλ I`) + O(N·c²) for `Y Yᵀ` (nothing
  ///   when the targets equal the inputs), plus the estimator.
  public func theorem54(rank: Int, lambda: Double, estimator: LinearTCVEstimator)
    throws(DeepLinearError) -> BoundReport
  {
    let available = Swift.min(outputDimension, inputDimension)
    guard (1...Swift.max(available, 1)).contains(rank), rank <= available else {
      throw .invalidRank(rank, requirement: "in 1...min(c, d) = 1...\(available)")
    }
    try Self.validate(lambda: lambda, positive: true)
    let (estimate, partition, how) = try estimator.estimate(points: targets, targets: nil)
    guard partition.count <= rank else {
      throw .tooManyClusters(clusters: partition.count, rank: rank)
    }
    let parts = try factorization(lambda: lambda)
    let constrained = criticalPoint(parts, indices: Array(0..<rank), lambda: lambda)
    let full = try minimizer(lambda: lambda)
    let direct = squaredNorm(full - constrained.parameters)
    // Θ* − Θ*,K = (Q_λ − Q_λ^K)(X_λX_λᵀ)^{-1/2} (eq. 35) with Q_λ − Q_λ^K = Σ_{j>K} σ_j u_j v_jᵀ:
    // the same matrix without the cancellation of subtracting two computed minimisers.
    let tailIndices = Array(rank..<parts.svd.singularValues.count)
    let left = squaredNorm(criticalPoint(parts, indices: tailIndices, lambda: lambda).parameters)

    let n = Double(normalization)
    let d = Double(inputDimension)
    let c = Double(outputDimension)
    let factor = d * Swift.min(d, c)
    let qTail = parts.svd.singularValues.dropFirst(rank).reduce(0) { $0 + $1 * $1 }
    let rootNorm2 = squaredNorm(parts.inverseRoot)
    // Σ_{j>K} σ_j(Y)²: the smallest c − K eigenvalues of YᵀY (rows), summed directly.
    let yTail: Double
    do {
      let values = try targetGram.symmetricEigenvalues()
      yTail = values.dropLast(rank).reduce(0) { $0 + Swift.max($1, 0) }
    } catch {
      throw .linearAlgebra(error)
    }
    let tcv = estimate.value
    return BoundReport(
      statement: "Theorem 5.4", leftName: "‖Θ* − Θ*,K‖_F²", leftSide: left,
      rightName: "d·min(d,c)/λ·TCV_K(Y)", rightSide: factor / lambda * tcv,
      chain: [
        .init("‖Q_λ − Q_λ^K‖²‖(X_λX_λᵀ)^{-1/2}‖²", qTail * rootNorm2, note: "eq. 37"),
        .init("d/(Nλ)‖Q_λ − Q_λ^K‖²", d / (n * lambda) * qTail, note: "eq. 39"),
        .init("d·min(d,c)/(Nλ)Σ_{j>K}σ_j(Y)²", factor / (n * lambda) * yTail, note: "eq. 42"),
      ],
      terms: [
        .init("λ", lambda), .init("N", n), .init("d", d), .init("c", c),
        .init("K", Double(rank)),
        .init("TCV_K(Y)", tcv, note: "\(estimate.kind.rawValue) estimate"),
        .init("Σ_{j>K}σ_j(Q_λ)²", qTail), .init("‖(X_λX_λᵀ)^{-1/2}‖_F²", rootNorm2),
        .init("Σ_{j>K}σ_j(Y)²", yTail),
        .init("L_λ(Θ*,K)", constrained.loss, note: "Theorem 5.1 via Remark 5.2"),
        .init(
          "‖Θ* − Θ*,K‖_F² (direct)", direct,
          note: "Θ* by Cholesky (eq. 21) minus Θ*,K; equals the left side up to rounding"),
        .init(
          "max(c,d) ≤ N", Swift.max(c, d) <= n ? 1 : 0,
          note: "the theorem's assumption (1 = holds); the chain does not use it"),
      ],
      estimators: ["TCV_K(Y)": how])
  }
}
