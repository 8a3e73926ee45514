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
  /// 3. the right side, `WCSS_0(C)/λ · (d/(Nλ)‖Ȳ‖‖X̄‖ + √d)`, with
  ///    `WCSS_0(C) = (‖X − X̄‖² + ‖Y − Ȳ‖²)/N` recomputed from the same centroids. It equals the
  ///    second line of eq. 34, which is therefore a term, not a link: a link between two
  ///    expressions equal in exact arithmetic could only ever be decided by rounding.
  ///
  /// ## Rounding allowance
  ///
  /// Each link's allowance (``BoundReport/allowances``) bounds the rounding error of the
  /// difference of its two computed sides, from these forward error bounds (`u = 2⁻⁵³`,
  /// `γ_n = nu/(1 − nu)`, `s_X = ‖X‖_F`, `s_Y = ‖Y‖_F`):
  /// - `Θ* = B A⁻¹` with `A = X Xᵀ + NλI`, `B = Y Xᵀ`: the computed Gram matrix is within
  ///   `γ_N s_X²` of `X Xᵀ` (any summation order), `B` within `γ_N s_X s_Y`, and the Cholesky solve
  ///   is exact for `A + ΔA` with `‖ΔA‖₂ ≤ γ_{4d+1} Tr(A)` (Higham, *Accuracy and Stability of
  ///   Numerical Algorithms*, Thm 10.4, with `‖|R̂ᵀ||R̂|‖₂ ≤ ‖R̂‖_F² ≈ Tr A`). Since
  ///   `A(Θ̂ − Θ)ᵀ = ΔB − ΔA Θ̂ᵀ` exactly and `‖A⁻¹‖₂ ≤ 1/(Nλ)` whatever the data,
  ///   `‖Θ̂* − Θ*‖_F ≤ (‖ΔB‖_F + ‖ΔA‖₂‖Θ̂*‖_F)/(Nλ)`: the condition number of `A` enters through
  ///   `Tr(A)/(Nλ)`, a rigorous upper bound on it that costs nothing.
  /// - `Θ*,C`: with `K < d` it is computed as `Y_sᵀ(X_sX_sᵀ + NλI_K)⁻¹X_s` from the `√N_k`-scaled
  ///   centroids (a `K × K` solve: cheaper, and it factors where the rank-`K` `X̄ᵀX̄ + NλI` under a
  ///   tiny `Nλ` does not), otherwise like `Θ*`; the same analysis applies with the rounding of
  ///   the centroids, `‖X̄̂ − X̄‖_F ≤ γ_{N+3}(‖X − X_first‖_F + ‖X̄̂‖_F)` (see `classMeans`; 0 for
  ///   exact duplicates, whose mean is exact), carried through the products. When every set
  ///   holds identical points the centroid problem is the problem itself and `Θ*,C = Θ*` exactly.
  /// - the left side: the two errors above plus `γ_{cd+3}` relative for the difference's norm;
  /// - every norm: `γ_{n+2}` relative for a sum of `n` squares, plus the centroids' error for
  ///   `‖X̄‖` and `‖X − X̄‖`; these are then carried through the formulas of the links by
  ///   interval-style error propagation (one rounding per operation).
  ///
  /// A zero bound (every point its own set, or sets of identical points) meets a left side that
  /// is only rounding: the verdict is then ``BoundReport/Verdict/undecided`` (or holds when the
  /// computed left side is exactly 0), never "fails".
  ///
  /// - Parameters:
  ///   - lambda: `λ > 0`.
  ///   - estimator: The partition and TCV estimate to use.
  /// - Returns: The report (all norms Frobenius), with every term, the allowances and the
  ///   partition used (``BoundReport/partition``).
  /// - Throws: ``DeepLinearError`` for invalid `λ`, a partition not covering the samples, or a
  ///   failed estimator or factorisation.
  /// - Complexity: One Cholesky solve, O(d³/3), one of order min(K, d), and O(N·(d + c)) for the
  ///   centroids and norms (the Gram matrix `X Xᵀ` is computed once, in
  ///   ``init(inputs:targets:)``); plus the estimator.
  public func theorem53(lambda: Double, estimator: LinearTCVEstimator) throws(DeepLinearError)
    -> BoundReport
  {
    try Self.validate(lambda: lambda, positive: true)
    let (estimate, partition, how) = try estimator.estimate(points: inputs, targets: targets)
    let (centroid, xSpread, ySpread, scaled) = try centroidParts(partition: partition)
    let full = try minimizer(lambda: lambda)
    typealias B = RoundingBound
    let (nCount, dCount, cCount) = (sampleCount, inputDimension, outputDimension)
    let n = Double(normalization)
    let d = Double(dCount)
    let shift = n * lambda
    let kCount = partition.count

    // Sizes of the data and of the centroid matrices (computed norms, with their errors).
    // ‖X‖_F² = Tr(XᵀX) from the Gram matrix (each diagonal entry within γ_N, their sum γ_d);
    // ‖Y‖_F² from init. Both inflated to upper bounds.
    let sx = trace(gram).squareRoot() * (1 + B.gamma(nCount + dCount))
    let sy = targetEnergy.squareRoot() * (1 + B.gamma(nCount * cCount + 2))
    let xBarNorm = trace(centroid.gram).squareRoot()
    let yBarNorm = centroid.targetEnergy.squareRoot()
    let centroidGamma = B.gamma(nCount + 3)
    let xCentroidError = centroidGamma * (xSpread + xBarNorm)
    let yCentroidError = centroidGamma * (ySpread + yBarNorm)
    // Their squares are K-term sums of √N_k-scaled centroids (γ_{K+2} + γ_2 relative).
    let xBar = B.norm(
      squaredSum: xBarNorm * xBarNorm, terms: nCount * dCount + kCount + 8,
      normError: xCentroidError)
    let yBar = B.norm(
      squaredSum: centroid.targetEnergy, terms: nCount * cCount + kCount + 8,
      normError: yCentroidError)

    // ‖Θ̂ − Θ‖_F ≤ (‖ΔB‖_F + ‖ΔA‖₂‖Θ̂‖_F)/(Nλ) for both minimisers.
    let fullNorm = squaredNorm(full).squareRoot()
    func solveError(gram: Double, gramError: Double, crossError: Double, theta: Double) -> Double {
      let trace = gram + d * shift
      let choleskyError = B.gamma(4 * dCount + 1) * trace / (1 - B.gamma(4 * dCount + 1))
      let shiftError = B.unit * (gram + 2 * shift)
      return (crossError + (gramError + shiftError + choleskyError) * theta) / shift
    }
    let fullError = solveError(
      gram: sx * sx, gramError: B.gamma(nCount) * sx * sx,
      crossError: B.gamma(nCount) * sx * sy, theta: fullNorm)
    // The √N_k-scaled centroids are within e' = e + γ_2‖X̄̂‖ of the exact ones; their Gram and
    // cross products add (2‖X̄‖ + e')e' and the γ_K of the K-term sums.
    let ex = xCentroidError + B.gamma(2) * xBarNorm
    let ey = yCentroidError + B.gamma(2) * yBarNorm
    let (xb, yb) = (xBarNorm + ex, yBarNorm + ey)
    let reduced: Matrix<Double>
    let reducedError: Double
    if let (xs, ys) = scaled, kCount < dCount {
      // Push-through: Θ*,C = Y_sᵀ (X_s X_sᵀ + NλI_K)⁻¹ X_s, a K × K solve. The d × d
      // X̄ᵀX̄ + NλI has rank-K data under a tiny Nλ and can fail to factor where this one does
      // not; the same rounding analysis with Z = (X_s X_sᵀ + NλI_K)⁻¹ Y_s, then Θᵀ = X_sᵀ Z.
      var small = xs.matmul(xs, transposeOther: true)
      for i in 0..<kCount { small[i, i] += shift }
      let z: Matrix<Double>
      do {
        z = try small.choleskySolve(ys)
      } catch .notPositiveDefinite {
        throw .singularGram
      } catch {
        throw .linearAlgebra(error)
      }
      reduced = xs.matmul(z, transposeSelf: true).transposed()
      let zNorm = squaredNorm(z).squareRoot()
      let trace = xb * xb + Double(kCount) * shift
      let gammaCholesky = B.gamma(4 * kCount + 1)
      let smallError =
        (2 * xb + ex) * ex + B.gamma(dCount) * xb * xb + B.unit * (xb * xb + 2 * shift)
        + gammaCholesky * trace / (1 - gammaCholesky)
      let zError = (ey + smallError * zNorm) / shift
      reducedError = xb * zError + ex * (zNorm + zError) + B.gamma(kCount + 2) * xb * zNorm
    } else {
      reduced = try centroid.minimizer(lambda: lambda)
      reducedError = solveError(
        gram: xb * xb, gramError: (2 * xb + ex) * ex + B.gamma(kCount) * xb * xb,
        crossError: xb * ey + yb * ex + ex * ey + B.gamma(kCount) * xb * yb,
        theta: squaredNorm(reduced).squareRoot())
    }
    let reducedNorm = squaredNorm(reduced).squareRoot()
    let leftValue = squaredNorm(full - reduced).squareRoot()
    let left = B(
      leftValue,
      error: fullError + reducedError + B.gamma(cCount * dCount + 3) * leftValue)

    let xDev = B.norm(
      squaredSum: squaredDistance(inputs, centroid.inputs), terms: nCount * dCount,
      normError: xCentroidError)
    let yDev = B.norm(
      squaredSum: squaredDistance(targets, centroid.targets), terms: nCount * cCount,
      normError: yCentroidError)
    let (bd, bn, bl) = (B.exact(d), B.exact(n), B.exact(lambda))
    let ln = bl * bn
    let first = bd * yBar * xBar * xDev.squared / (ln * ln)
    let second = B.root(d) * xDev * yDev / ln
    let link2 = first + second
    let both = xDev.squared + yDev.squared
    let wcss = both / bn
    let right = wcss / bl * (bd / (bn * bl) * yBar * xBar + B.root(d))
    let link3 =
      bd * yBar * xBar * both / (ln * ln) + B.root(d) * both / (B.exact(2) * ln)
    return BoundReport(
      statement: "Theorem 5.3", leftName: "‖Θ* − Θ*,C‖_F", leftSide: left.value,
      rightName: "WCSS_0(C)/λ·(d/(Nλ)‖Ȳ‖‖X̄‖ + √d)", rightSide: right.value,
      chain: [
        .init(
          "d‖Ȳ‖‖X̄‖‖X−X̄‖²/(λN)² + √d‖X−X̄‖‖Y−Ȳ‖/(λN)", link2.value, note: "eq. 32 + 33")
      ],
      terms: [
        .init("λ", lambda), .init("N", n), .init("d", d), .init("c", Double(cCount)),
        .init("K", Double(kCount), note: "sets in the partition used"),
        .init("TCV_{K,0}", estimate.value, note: "\(estimate.kind.rawValue) estimate"),
        .init(
          "WCSS_0(C)", wcss.value,
          note: "(‖X−X̄‖² + ‖Y−Ȳ‖²)/N, the value in the right side"),
        .init(
          "eq. 34, second line", link3.value,
          note: "d‖Ȳ‖‖X̄‖(‖X−X̄‖²+‖Y−Ȳ‖²)/(λN)² + √d(‖X−X̄‖²+‖Y−Ȳ‖²)/(2λN): the right side"),
        .init("‖X̄‖_F", xBar.value), .init("‖Ȳ‖_F", yBar.value),
        .init("‖X−X̄‖_F", xDev.value), .init("‖Y−Ȳ‖_F", yDev.value),
        .init("eq. 32 term", first.value), .init("eq. 33 term", second.value),
        .init("‖Θ*‖_F", fullNorm), .init("‖Θ*,C‖_F", reducedNorm),
        .init("error bound ‖Θ̂* − Θ*‖_F", fullError),
        .init("error bound ‖Θ̂*,C − Θ*,C‖_F", reducedError),
      ],
      estimators: ["TCV_{K,0}": how],
      allowances: B.allowances([left, link2, right]),
      partition: partition.assignment)
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
  /// 5. the right side `d·min(d, c)/λ · WCSS(C)` (eq. 43, with `Σ_{j>K} σ_j(Y)² ≤ ‖Y − Ȳ‖²`),
  ///    `WCSS(C) = ‖Y − Ȳ‖²/N` of the estimator's partition recomputed from its centroids: an
  ///    upper bound on `TCV_K(Y)`.
  ///
  /// The left side is computed as `‖(Q_λ − Q_λ^K)(X_λX_λᵀ)^{-1/2}‖_F²` with
  /// `Q_λ − Q_λ^K = Σ_{j>K} σ_j u_j v_jᵀ` (eq. 35–37: this IS `Θ* − Θ*,K`), so that it is exactly 0
  /// when `Q_λ` has rank ≤ K instead of a rounding residue; the direct difference of the
  /// Cholesky `Θ*` and `Θ*,K` is reported as a term beside it.
  ///
  /// `Σ_{j>K} σ_j(Y)²` comes from the eigenvalues of `YᵀY` only when their certified error,
  /// `(c − K)(γ_N‖Y‖_F² + p(c)u‖YᵀY‖_F)`, is below `10⁻⁸` of the tail (then the Gram matrix, which
  /// the problem already holds, loses nothing that matters and costs nothing more); otherwise,
  /// and always when the tail is near rounding level (targets with exactly `K` distinct rows,
  /// duplicates), from the singular values of `Y` itself (LAPACK `gesdd`), whose tail is accurate
  /// to `p(N)u‖Y‖_F` in norm (Mirsky) instead of `p u‖Y‖_F²` in square.
  ///
  /// ## Rounding allowance
  ///
  /// With `u`, `γ_n`, `s_X`, `s_Y` as in ``theorem53(lambda:estimator:)`` and `p(n)u` the
  /// backward error of a LAPACK eigen- or singular value decomposition (`p(n) = 10n`, see the
  /// DocC article "Deep linear bounds"):
  /// - `A = XXᵀ + NλI` is computed within `E_A = γ_N s_X² + u(s_X² + 2Nλ) + p(d)u Tr A`; while
  ///   `E_A < Nλ/2`, `M = A^{-1/2}` is within `e_M = ½(Nλ/2)^{-3/2} E_A + (dγ_{d+3} + 3p(d)u)‖M̂‖_F`
  ///   (the derivative of `x^{-1/2}` on `[Nλ/2, ∞)`, Daleckii–Krein, plus the reconstruction
  ///   `V D Vᵀ`), otherwise the allowances are infinite;
  /// - `Q = B M` within `E_Q = ‖ΔB‖_F(Nλ/2)^{-1/2} + ‖B‖_F e_M + γ_d‖B‖_F‖M̂‖_F + p(d)u‖Q̂‖_F`;
  /// - `‖Q − Q_K‖_F` within `E_Q` (Mirsky); the subspace of the tail within
  ///   `‖Δ(Q − Q_K)‖_F ≤ E_Q(1 + 2σ̂_1/δ)` with `δ = σ̂_K − σ̂_{K+1} − 2E_Q` (Wedin's sin Θ theorem;
  ///   infinite when `δ ≤ 0`, a tie at `K` where `Θ*,K` is not unique);
  /// - the left side, the links and the right side by error propagation through their formulas.
  ///
  /// - Parameters:
  ///   - rank: `K ≥ 1`, at most `min(c, d)`.
  ///   - lambda: `λ > 0`.
  ///   - estimator: The TCV estimate of the targets (labels with at most `K` classes, or k-means).
  /// - Returns: The report, with every term, the allowances and the partition used.
  /// - Throws: ``DeepLinearError`` for invalid `K` or `λ`, a labels partition with more than `K`
  ///   sets, or a failed estimator or factorisation.
  /// - Complexity: O(d³) (eigendecomposition of `X Xᵀ + Nλ I`) + O(N·c²) for `Y Yᵀ` (nothing
  ///   when the targets equal the inputs) and, when the Gram route cannot certify the tail, the
  ///   singular values of `Y` (O(N·c²)); plus the estimator.
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
    let sigma = parts.svd.singularValues
    let tailIndices = Array(rank..<sigma.count)
    let leftValue = squaredNorm(
      criticalPoint(parts, indices: tailIndices, lambda: lambda).parameters)

    typealias B = RoundingBound
    let (nCount, dCount, cCount) = (sampleCount, inputDimension, outputDimension)
    let n = Double(normalization)
    let d = Double(dCount)
    let c = Double(cCount)
    let shift = n * lambda
    let factor = d * Swift.min(d, c)
    let sx = trace(gram).squareRoot() * (1 + B.gamma(nCount + dCount))
    let sy = targetEnergy.squareRoot() * (1 + B.gamma(nCount * cCount + 2))

    // Errors of M = A^{-1/2}, of Q = B M and of the tail of Q's SVD.
    let trace = sx * sx + d * shift
    let gramError =
      B.gamma(nCount) * sx * sx + B.unit * (sx * sx + 2 * shift)
      + B.decompositionError(dCount) * trace
    let rootNorm2 = squaredNorm(parts.inverseRoot)
    let rootNorm = rootNorm2.squareRoot()
    let rootError =
      gramError < shift / 2
      ? 0.5 * gramError / ((shift / 2) * (shift / 2).squareRoot())
        + (d * B.gamma(dCount + 3) + 3 * B.decompositionError(dCount)) * rootNorm
      : .infinity
    let crossNorm = squaredNorm(crossProduct).squareRoot()
    let crossError = B.gamma(nCount) * sx * sy
    let qNorm = sigma.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let qError =
      crossError / (shift / 2).squareRoot() + crossNorm * rootError
      + B.gamma(dCount) * crossNorm * rootNorm + B.decompositionError(Swift.max(cCount, dCount))
      * qNorm
    let qTailValue = sigma.dropFirst(rank).reduce(0) { $0 + $1 * $1 }
    let qTailNorm = B.norm(
      squaredSum: qTailValue, terms: sigma.count, normError: qError)
    let left: B
    if tailIndices.isEmpty {
      left = .exact(0)
    } else {
      let gap = sigma[rank - 1] - sigma[rank] - 2 * qError
      let tailMatrixError =
        gap > 0 ? qError * (1 + 2 * (sigma[0] + qError) / gap) : .infinity
      let tailMatrixNorm = qTailNorm.value + tailMatrixError
      let rootSpectralBound = 1 / (shift / 2).squareRoot()
      let productError =
        tailMatrixError * rootSpectralBound + tailMatrixNorm * rootError
        + B.gamma(dCount + 2 * cCount) * tailMatrixNorm * rootNorm
      left =
        B.norm(
          squaredSum: leftValue, terms: cCount * dCount, normError: productError
        ).squared
    }
    let rootNormBound = B.norm(
      squaredSum: rootNorm2, terms: dCount * dCount, normError: rootError)
    let (bn, bl) = (B.exact(n), B.exact(lambda))
    let link2 = qTailNorm.squared * rootNormBound.squared
    let link3 = B.exact(d) / (bn * bl) * qTailNorm.squared

    let (yTail, yRoute) = try targetTail(rank: rank, targetNorm: sy)
    let link4 = B.exact(factor) / (bn * bl) * yTail

    let (yMeans, ySpread) = classMeans(targets, partition)
    let yBarNorm = (0..<partition.count).reduce(0.0) { total, k in
      total + Double(partition.sizes[k]) * squaredNorm(yMeans.rows(k..<(k + 1)))
    }.squareRoot()
    let yDev = B.norm(
      squaredSum: squaredDeviation(targets, yMeans, partition.assignment),
      terms: nCount * cCount,
      normError: B.gamma(nCount + 3) * (ySpread.squareRoot() + yBarNorm))
    let wcss = yDev.squared / bn
    let right = B.exact(factor) / bl * wcss
    return BoundReport(
      statement: "Theorem 5.4", leftName: "‖Θ* − Θ*,K‖_F²", leftSide: left.value,
      rightName: "d·min(d,c)/λ·WCSS(C) of Y", rightSide: right.value,
      chain: [
        .init("‖Q_λ − Q_λ^K‖²‖(X_λX_λᵀ)^{-1/2}‖²", link2.value, note: "eq. 37"),
        .init("d/(Nλ)‖Q_λ − Q_λ^K‖²", link3.value, note: "eq. 39"),
        .init("d·min(d,c)/(Nλ)Σ_{j>K}σ_j(Y)²", link4.value, note: "eq. 42"),
      ],
      terms: [
        .init("λ", lambda), .init("N", n), .init("d", d), .init("c", c),
        .init("K", Double(rank)),
        .init("TCV_K(Y)", estimate.value, note: "\(estimate.kind.rawValue) estimate"),
        .init(
          "WCSS(C) of Y", wcss.value,
          note: "‖Y − Ȳ‖²/N of the partition used, the value in the right side"),
        .init("Σ_{j>K}σ_j(Q_λ)²", qTailNorm.squared.value),
        .init("‖(X_λX_λᵀ)^{-1/2}‖_F²", rootNorm2),
        .init("Σ_{j>K}σ_j(Y)²", yTail.value, note: yRoute),
        .init("L_λ(Θ*,K)", constrained.loss, note: "Theorem 5.1 via Remark 5.2"),
        .init(
          "‖Θ* − Θ*,K‖_F² (direct)", direct,
          note: "Θ* by Cholesky (eq. 21) minus Θ*,K; equals the left side up to rounding"),
        .init("error bound of Q_λ", qError, note: "‖Q̂_λ − Q_λ‖_F, with the SVD's backward error"),
        .init(
          "max(c,d) ≤ N", Swift.max(c, d) <= n ? 1 : 0,
          note: "the theorem's assumption (1 = holds); the chain does not use it"),
      ],
      estimators: ["TCV_K(Y)": how],
      allowances: B.allowances([left, link2, link3, link4, right]),
      partition: partition.assignment)
  }

  /// `Σ_{j>K} σ_j(Y)²` with its error bound: from the eigenvalues of `YᵀY` when their certified
  /// error is below `10⁻⁸` of the tail, else from the singular values of `Y`.
  func targetTail(rank: Int, targetNorm sy: Double) throws(DeepLinearError) -> (
    RoundingBound, String
  ) {
    typealias B = RoundingBound
    let (nCount, cCount) = (sampleCount, outputDimension)
    do {
      let gram = targetGram
      let values = try gram.symmetricEigenvalues()
      let tail = values.dropLast(rank).reduce(0) { $0 + Swift.max($1, 0) }
      let gramNorm = squaredNorm(gram).squareRoot()
      let perValue = B.gamma(nCount) * sy * sy + B.decompositionError(cCount) * gramNorm
      let gramError = Double(Swift.max(values.count - rank, 0)) * perValue * (1 + B.gamma(cCount))
      if gramError <= 1e-8 * tail {
        return (B(tail, error: gramError), "eigenvalues of YᵀY, certified to 1e-8 of the tail")
      }
      let singular = try targets.singularValues()
      let tailSquares = singular.dropFirst(rank).reduce(0) { $0 + $1 * $1 }
      let bound = B.norm(
        squaredSum: tailSquares, terms: singular.count,
        normError: B.decompositionError(Swift.max(nCount, cCount)) * sy
      ).squared
      return (bound, "singular values of Y (the Gram eigenvalues could not certify it)")
    } catch {
      throw .linearAlgebra(error)
    }
  }
}
