import RankCollapseTensor

extension Matrix {
  /// The leading singular values of a large matrix, `τ_K` and the distance to rank `K`, with a
  /// computed bound on their error: randomised subspace iteration (Halko, Martinsson & Tropp
  /// 2011, Algorithms 4.3–4.4) on the Gram matrix in an adaptive loop, with a posteriori
  /// Rayleigh–Ritz checks in `Double`.
  ///
  /// ## Method
  ///
  /// Write `A` for the matrix (or its transpose, whichever is taller, `m × n`), `M = AᵀA` with
  /// eigenvalues `λ_j = s_j²`. A Gaussian test matrix of `l = k + p` columns, orthonormalised,
  /// is refined by iterations `V ← orth(Aᵀ(A V))` (two products with the matrix, in `Scalar`:
  /// a `Float` matrix iterates in `Float` BLAS, twice as fast as `Double`, and is never widened
  /// as a whole).
  ///
  /// A check runs in `Double` whatever `Scalar` is: `V` is re-orthonormalised in `Double`, and
  /// one pass over `A` in blocks of rows (each block converted to `Double` and used twice while
  /// it is in cache) gives `Y = A V`, `Z = M V` and `‖A‖_F²` summed in `Double`. The
  /// eigendecomposition of `YᵀY` gives Ritz values `θ_j` (`θ_j ≤ λ_j`, Cauchy interlacing) and
  /// vectors `V̂ = V W`. The tail is estimated as `T̂ = ‖A‖_F² − Σ_{j≤K} θ_j`; by Ky Fan's
  /// maximum principle `T̂ ≥ T`. When `T̂` is below `10⁻³ ‖A‖_F²` (where the subtraction would
  /// lose digits), it is computed instead from the explicit residual `‖A − A V̂_K V̂_Kᵀ‖_F²` (one
  /// more blocked pass, so no copy of the matrix).
  ///
  /// The error bound `Δ ≥ T̂ − T` uses the residuals `R = M V̂ − V̂ Θ` and the quadratic residual
  /// bound for Hermitian matrices (C.-K. Li & R.-C. Li 2005, "A note on eigenvalues of perturbed
  /// Hermitian matrices"): `λ_j − θ_j ≤ ‖R_s‖₂² / (θ_j − b_s)` for `j ≤ s` (`K ≤ s ≤ l`), where
  /// `b_s` bounds the spectrum of `M` compressed to the complement of `V̂_s`. With
  /// `P⊥ = I − VVᵀ`, `C = P⊥ M P⊥` and `η² ≥ ‖C‖₂`, that compression is
  /// `[[Θ_{s+1…l}, R_{s+1…l}ᵀ], [R_{s+1…l}, C]]`, so `b_s` is the larger eigenvalue of
  /// `[[θ_{s+1}, ρ_s], [ρ_s, η²]]` with `ρ_s = ‖R_{s+1…l}‖_F` (`b_l = η²`), and
  /// `Δ = min_s Σ_{j≤K} ‖R_s‖₂² / (θ_j − b_s)` over the `s` with `θ_s > b_s` (`Δ = T̂` when
  /// there is none). `η²` is estimated from `C²` applied to 10 Gaussian vectors (the first
  /// application shares the check's pass, the second takes one more) with Halko et al.'s
  /// Lemma 4.1 (`α = 4`): it is an upper bound except with probability `4⁻¹⁰ < 10⁻⁶`
  /// (``TopSingularValues/failureProbability``).
  ///
  /// The loop runs ``TopSingularValuesOptions/initialPowerIterations`` iterations, then
  /// iterations that track `Σ_{j≤K} θ_j` of their subspace, which converges geometrically; it
  /// checks when the predicted rest `δ_t·r/(1 − r)` (`δ_t` the last change, `r` the ratio of
  /// the last two) is below the accuracy, when the change is below the rounding of `Scalar`
  /// products (`8 ε_Scalar Σ θ_j`: in `Float` the iteration cannot see its progress further),
  /// or when the budget leaves room for one last check. A check that fails leaves one free
  /// iteration behind (`Z = M V`), and grows the subspace by half when the Ritz values are not
  /// separated (up to `l = mn / (24(m + n))`, so that its blocks take at most about a quarter
  /// of the matrix's memory), until `Δ ≤ accuracy · (T̂ − Δ)` (so that
  /// `|τ̂_K − τ_K| ≤ accuracy · τ_K`), or `T̂` is at the rounding level `n ε ‖A‖_F²` (an
  /// exactly low-rank matrix), or the work reaches about two thirds of that of a full SVD; then
  /// ``TopSingularValues/meetsAccuracy`` is `false` and a caller wanting the accuracy computes
  /// the full spectrum.
  ///
  /// The bound holds in exact arithmetic. Rounding adds about `ε · ‖A‖_F² / T` to the relative
  /// error of `T̂` with `ε` of `Double` for both `Float` and `Double` matrices (the same as for
  /// the full SVD's ``Spectrum/relativeTail(afterRank:)`` of the widened matrix), and less on
  /// the explicit-residual path: `Float` iterations only choose the subspace, and Ritz values
  /// are accurate to the square of its angle.
  ///
  /// ## Thin matrices
  ///
  /// When `n = min(m, n) ≤ 24 (k + p)` (``TopSingularValuesOptions/Method/automatic``), or with
  /// ``TopSingularValuesOptions/Method/gram``, the values come instead from the eigenvalues of the
  /// Gram matrix `AᵀA` of the thinner side, formed in `Double` by one `?syrk` (`m·n²`
  /// operations, a `Float` matrix widened a block of rows at a time) and diagonalised by
  /// `?syevd`: on a slowly decaying spectrum such as a word embedding's this is several times
  /// cheaper than the range finder, and deterministic. Its bound is the rounding error:
  /// `K (γ_m ‖A‖_F² + 3n u λ̂_1) + γ_{m+n} ‖A‖_F²` (`u = 2⁻⁵³`, `γ_k = ku/(1 − ku)`; Weyl's
  /// inequality, the entrywise error of a sum of products, and `p(n) = 3n` for `?syevd`'s
  /// backward error), with ``TopSingularValues/failureProbability`` 0.
  ///
  /// A matrix with `k + p ≥ min(m, n) / 2`, or with at most one row or column, gets the full
  /// SVD (``TopSingularValues/isExact``). The iterations are BLAS `?gemm` with `Scalar`
  /// arithmetic; the checks, the small factorisations and the bound are in `Double`.
  ///
  /// - Parameters:
  ///   - count: The number of leading singular values to return, `≥ 0` (the result has
  ///     `max(count, rank)` values, at most `min(m, n)`).
  ///   - rank: `K ≥ 0` for `τ_K` and the distance to rank `K`.
  ///   - options: Accuracy, oversampling, initial power iterations and seed.
  /// - Returns: The leading singular values and the tail with its error bound.
  /// - Throws: `LinearAlgebraError/nonFiniteInput(operation:)` if an element is infinite or
  ///   `NaN`; `LinearAlgebraError/noConvergence(routine:info:)` from LAPACK.
  /// - Complexity: O(m·n·l·(2q + 4c)) for `l` columns, `q` iterations and `c` checks, against
  ///   O(m·n·min(m, n)) for ``spectrum()``. Memory: the matrix plus about `(l + 10)(m + n)`
  ///   `Double` values and one block of `2²⁰`.
  public func topSingularValues(
    _ count: Int, tailAfterRank rank: Int, options: TopSingularValuesOptions = .init()
  ) throws(LinearAlgebraError) -> TopSingularValues {
    // The work is in the module's own generic code: dispatch to the two concrete types, whose
    // specialisations the optimiser builds here (unspecialised, the element loops took 40 % of
    // the time on a 30522 × 384 matrix).
    if let matrix = self as? Matrix<Double> {
      return try matrix.specialisedTopSingularValues(count, tailAfterRank: rank, options: options)
    }
    if let matrix = self as? Matrix<Float> {
      return try matrix.specialisedTopSingularValues(count, tailAfterRank: rank, options: options)
    }
    return try specialisedTopSingularValues(count, tailAfterRank: rank, options: options)
  }

  /// The implementation of ``topSingularValues(_:tailAfterRank:options:)``.
  func specialisedTopSingularValues(
    _ count: Int, tailAfterRank rank: Int, options: TopSingularValuesOptions
  ) throws(LinearAlgebraError) -> TopSingularValues {
    precondition(count >= 0, "topSingularValues: count must be ≥ 0, got \(count)")
    precondition(rank >= 0, "topSingularValues: rank K must be ≥ 0, got \(rank)")
    // One pass for ‖A‖_F² (in Double); it is finite and in range for every finite matrix
    // whose entries are not extreme, so isFinite is only read when it is not.
    let squaredNorm = squaredFrobeniusNorm
    let extreme =
      !squaredNorm.isFinite || squaredNorm > 0x1p800 || (squaredNorm > 0 && squaredNorm < 0x1p-800)
    if extreme {
      guard isFinite else { throw .nonFiniteInput(operation: "topSingularValues") }
    }
    let smaller = Swift.min(rows, columns)
    let wanted = Swift.min(Swift.max(count, rank), smaller)
    if smaller <= 1 || 2 * (wanted + options.oversampling) >= smaller || extreme {
      return try exactTopSingularValues(wanted, rank: rank)
    }
    let gram: Bool
    switch options.method {
    case .automatic: gram = Self.prefersGram(n: smaller, subspace: wanted + options.oversampling)
    case .gram: gram = true
    case .rangeFinder: gram = false
    }
    if gram {
      return try gramTopSingularValues(wanted, rank: rank, accuracy: options.relativeAccuracy)
    }
    var engine = TopSingularValuesEngine(matrix: self, options: options)
    return try engine.run(wanted: wanted, rank: rank, squaredNorm: squaredNorm)
  }

  /// The result of a full SVD in the shape of a top-`k` result (bound 0).
  func exactTopSingularValues(
    _ wanted: Int, rank: Int
  ) throws(LinearAlgebraError) -> TopSingularValues {
    let spectrum = try Matrix<Double>(self).spectrum()
    return TopSingularValues(
      rows: rows, columns: columns, singularValues: Array(spectrum.singularValues.prefix(wanted)),
      rank: rank, frobeniusNorm: spectrum.frobeniusNorm,
      tailSquares: spectrum.distanceToRank(rank) * spectrum.distanceToRank(rank),
      tailSquaresErrorBound: 0, subspaceDimension: spectrum.count, powerIterations: 0,
      meetsAccuracy: true, isExact: true, failureProbability: 0)
  }
}
