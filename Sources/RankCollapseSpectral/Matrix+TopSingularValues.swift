import RankCollapseTensor

extension Matrix {
  /// The leading singular values of a large matrix, `τ_K` and the distance to rank `K`, with a
  /// computed bound on their error: a randomised range finder with power iterations (Halko,
  /// Martinsson & Tropp 2011, Algorithms 4.3–4.4 and 5.1) in an adaptive loop.
  ///
  /// ## Method
  ///
  /// Write `A` for the matrix (or its transpose, whichever is taller), `M = AᵀA` with
  /// eigenvalues `λ_j = s_j²`. A Gaussian test matrix of `l = k + p` columns gives a subspace
  /// `Q` (orthonormal columns), refined by power iterations `Q ← orth(A orth(AᵀQ))`. The SVD of
  /// `B = QᵀA` gives Ritz values `θ_j = σ_j(B)²` and Ritz vectors `v̂_j`; `θ_j ≤ λ_j` (Cauchy
  /// interlacing). The tail is estimated as `T̂ = ‖A‖_F² − Σ_{j≤K} ‖A v̂_j‖²`, with `‖A‖_F²`
  /// summed from the entries; by Ky Fan's maximum principle `T̂ ≥ T`. When `T̂` is below
  /// `10⁻³ ‖A‖_F²` (where the subtraction would lose digits), it is computed instead from the
  /// explicit residual `‖A − A V̂_K V̂_Kᵀ‖_F²` (the same quantity without cancellation; one more
  /// pass over the matrix, in blocks of rows, so no copy of it).
  ///
  /// The error bound `Δ ≥ T̂ − T` uses the residuals `R_s = M V̂_s − V̂_s Θ_s` of the top `s`
  /// Ritz pairs (`K ≤ s ≤ l`) and the quadratic residual bound for Hermitian matrices
  /// (C.-K. Li & R.-C. Li 2005, "A note on eigenvalues of perturbed Hermitian matrices"):
  /// `λ_j − θ_j ≤ ‖R_s‖₂² / δ_s` for `j ≤ s`, where `δ_s = θ_s − b_s > 0` separates the Ritz
  /// values from the spectrum `≤ b_s` of `M` on the complement of `V̂_s`. With `E = (I − QQᵀ)A`,
  /// `η ≥ ‖E‖₂` and `ρ_s = ‖E V̂_{s+1…l}‖_F`, that spectrum is bounded by the largest eigenvalue
  /// of `[[θ_{s+1} + ρ_s², ρ_s η], [ρ_s η, η²]]` (`b_l = η²`). Then
  /// `Δ = min(K η², min_s Σ_{j≤K} ‖R_s‖₂² / (θ_j − b_s))` (the first term is Weyl's bound,
  /// `M = BᵀB + EᵀE`).
  /// `η` is estimated from `(EᵀE)²` applied to 10 fresh Gaussian vectors with Halko et al.'s
  /// Lemma 4.1 (`α = 4`): it is an upper bound except with probability `4⁻¹⁰ < 10⁻⁶`
  /// (``TopSingularValues/failureProbability``).
  ///
  /// The loop runs ``TopSingularValuesOptions/initialPowerIterations`` power iterations and
  /// checks the bound (a check reads the matrix five times and leaves the next iteration's range
  /// behind); then it runs plain iterations, tracking `Σ_{j≤K} θ_j`, until its geometric
  /// convergence predicts the accuracy (or the budget leaves room for one last check), checks
  /// again, and grows the subspace by half when the Ritz values are not separated (up to
  /// `l = mn / (24(m + n))`, so that its blocks take at most about a quarter of the matrix's
  /// memory), until `Δ ≤ accuracy · (T̂ − Δ)` (so that `|τ̂_K − τ_K| ≤ accuracy · τ_K`) or
  /// the work reaches about two thirds of that of a full SVD; then
  /// ``TopSingularValues/meetsAccuracy`` is `false` and a
  /// caller wanting the accuracy computes the full spectrum.
  ///
  /// The bound holds in exact arithmetic. Rounding adds about `ε · ‖A‖_F² / T` to the relative
  /// error of `T̂` (`ε` of `Scalar`), the same as for the full SVD's
  /// ``Spectrum/relativeTail(afterRank:)``, and less on the explicit-residual path.
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
  /// SVD (``TopSingularValues/isExact``). The heavy work is BLAS `?gemm` with `Scalar`
  /// arithmetic; the small factorisations and the bound are in `Double`.
  ///
  /// - Parameters:
  ///   - count: The number of leading singular values to return, `≥ 0` (the result has
  ///     `max(count, rank)` values, at most `min(m, n)`).
  ///   - rank: `K ≥ 0` for `τ_K` and the distance to rank `K`.
  ///   - options: Accuracy, oversampling, initial power iterations and seed.
  /// - Returns: The leading singular values and the tail with its error bound.
  /// - Throws: `LinearAlgebraError/nonFiniteInput(operation:)` if an element is infinite or
  ///   `NaN`; `LinearAlgebraError/noConvergence(routine:info:)` from LAPACK.
  /// - Complexity: O(m·n·l·(q + 3)) for `l` columns and `q` power iterations, against
  ///   O(m·n·min(m, n)) for ``spectrum()``.
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

/// The adaptive randomised range finder behind `Matrix.topSingularValues`.
///
/// `a` is the matrix as given; `transposed` says whether the algorithm works with `Aᵀ` (for a
/// wide matrix), so that `A` below always has at least as many rows as columns.
struct TopSingularValuesEngine<Scalar: MatrixScalar> {
  let a: Matrix<Scalar>
  let transposed: Bool
  let options: TopSingularValuesOptions
  var generator: SeededGenerator
  /// Rows and columns of `A` (the tall orientation).
  let m: Int
  let n: Int

  /// The number `r` of Gaussian probes for the residual norm.
  ///
  /// Halko et al.'s Lemma 4.1: `P(‖X‖ > α sqrt(2/π) max_i ‖X ω_i‖) ≤ α^(−r)`; with `α = 4`
  /// and `r = 10`, `9.5 · 10⁻⁷`. Products with thin blocks are limited by reading the matrix,
  /// so ten probes cost little more than one.
  static var probes: Int { 10 }
  static var alpha: Double { 4 }
  /// The power `p` of `(EᵀE)^p` in the residual norm estimate.
  ///
  /// The bound on `‖E‖²` is the estimate times `(α sqrt(2/π))^(1/p)`, 1.79 for `p = 2`. With `p = 1` the estimate
  /// `‖EᵀE ω‖ ≈ sqrt(Σ σ_j(E)⁴)` overstates `‖E‖²` for a slowly decaying tail (by 2.6 for
  /// `s_j ∝ 1/j`), and the Ritz values no longer looked separated on such a spectrum.
  static var normPower: Int { 2 }

  init(matrix: Matrix<Scalar>, options: TopSingularValuesOptions) {
    a = matrix
    transposed = matrix.rows < matrix.columns
    m = Swift.max(matrix.rows, matrix.columns)
    n = Swift.min(matrix.rows, matrix.columns)
    self.options = options
    generator = SeededGenerator(seed: options.seed)
  }

  /// `A X` for `X` with `n` rows.
  func applyA(_ x: Matrix<Scalar>) -> Matrix<Scalar> {
    a.matmul(x, transposeSelf: transposed)
  }

  /// `Aᵀ Y` for `Y` with `m` rows.
  func applyAT(_ y: Matrix<Scalar>) -> Matrix<Scalar> {
    a.matmul(y, transposeSelf: !transposed)
  }

  /// The left singular vectors of `y` with non-negligible singular values: an orthonormal basis
  /// of its range (thin SVD; QR is not in the LAPACK shim).
  static func orthonormalBasis(_ y: Matrix<Scalar>) throws(LinearAlgebraError) -> Matrix<Scalar> {
    try orthonormalBasisAndValues(y).basis
  }

  /// ``orthonormalBasis(_:)`` and the singular values of `y`.
  static func orthonormalBasisAndValues(
    _ y: Matrix<Scalar>
  ) throws(LinearAlgebraError) -> (basis: Matrix<Scalar>, values: [Scalar]) {
    let svd = try y.singularValueDecomposition()
    let top = svd.singularValues.first ?? 0
    guard top > 0 else { return (.zeros(rows: y.rows, columns: 0), svd.singularValues) }
    let tolerance = top * Scalar(Swift.max(y.rows, y.columns)) * Scalar.ulpOfOne
    let kept = svd.singularValues.prefix { $0 > tolerance }.count
    return (kept == svd.u.columns ? svd.u : svd.u.columns(0..<kept), svd.singularValues)
  }

  func gaussian(rows: Int, columns: Int, generator: inout SeededGenerator) -> Matrix<Scalar> {
    .randomNormal(rows: rows, columns: columns, using: &generator)
  }

  /// One power iteration `Q ← orth(A orth(AᵀQ))`.
  func powerIteration(_ q: Matrix<Scalar>) throws(LinearAlgebraError) -> Matrix<Scalar> {
    try powerIterationWithRitzValues(q, rank: 0).basis
  }

  /// One power iteration, and `Σ_{j≤K} θ_j` of the subspace it started from (the squared
  /// singular values of `AᵀQ`, which the iteration factors anyway).
  func powerIterationWithRitzValues(
    _ q: Matrix<Scalar>, rank: Int
  ) throws(LinearAlgebraError) -> (basis: Matrix<Scalar>, captured: Double) {
    let (z, values) = try Self.orthonormalBasisAndValues(applyAT(q))
    let captured = values.prefix(rank).reduce(0.0) { $0 + Double($1) * Double($1) }
    return (try Self.orthonormalBasis(applyA(z)), captured)
  }

  /// Squared column norms, in `Double`.
  static func columnSquares(_ x: Matrix<Scalar>) -> [Double] {
    var result = [Double](repeating: 0, count: x.columns)
    x.withUnsafeBufferPointer { buffer in
      for i in 0..<x.rows {
        for j in 0..<x.columns {
          let value = Double(buffer[i * x.columns + j])
          result[j] += value * value
        }
      }
    }
    return result
  }

  /// `y ← (I − QQᵀ) y`.
  static func project(_ y: inout Matrix<Scalar>, awayFrom q: Matrix<Scalar>) {
    guard q.columns > 0 else { return }
    let coefficients = q.matmul(y, transposeSelf: true)
    y.gemm(q, coefficients, alpha: -1, beta: 1)
  }

  /// An upper bound of `‖E‖₂² = ‖(I − QQᵀ)A‖₂²`, except with probability `α^(−r)`, from
  /// `x = EᵀE Ω` for Gaussian probes `Ω` (the first step, which the caller computes together
  /// with its own products); runs the remaining `p − 1` steps of `(EᵀE)^p Ω`.
  func residualNormSquaredBound(
    _ q: Matrix<Scalar>, firstStep: Matrix<Scalar>, passes: inout Int
  ) -> Double {
    var x = firstStep
    var logScale = 0.0
    for step in 0..<Self.normPower {
      if step > 0 {
        var y = applyA(x)
        Self.project(&y, awayFrom: q)
        x = applyAT(y)
        passes += 2
      }
      let largest = Self.columnSquares(x).max() ?? 0
      guard largest > 0 else { return 0 }
      let norm = largest.squareRoot()
      x *= Scalar(1 / norm)
      logScale += Double.log(norm)
    }
    // ‖(EᵀE)^p‖ = ‖E‖^{2p} ≤ α sqrt(2/π) max_i ‖(EᵀE)^p ω_i‖ = α sqrt(2/π) · exp(logScale).
    let factor = Self.alpha * (2 / Double.pi).squareRoot()
    return Double.exp((logScale + Double.log(factor)) / Double(Self.normPower))
  }

  /// The state after a check of the bound.
  struct Check {
    var values: [Double]
    var tail: Double
    var bound: Double
    /// Whether some `s` had separated Ritz values (`δ_s > 0`).
    var separated: Bool
    /// `A V̂`: its range is that of one more power iteration, `A orth(AᵀQ)`.
    var nextRange: Matrix<Scalar>
  }

  /// Ritz values, the tail estimate and its bound for the subspace `q`.
  mutating func check(
    _ q: Matrix<Scalar>, rank: Int, squaredNorm: Double, passes: inout Int
  ) throws(LinearAlgebraError) -> Check {
    let l = q.columns
    guard l > 0 else {
      return Check(values: [], tail: squaredNorm, bound: 0, separated: true, nextRange: q)
    }
    let bt = applyAT(q)  // Bᵀ = AᵀQ, n × l
    let svd = try bt.singularValueDecomposition()
    let sigma = svd.singularValues.map(Double.init)
    let v = svd.u  // n × l', right Ritz vectors of A
    let width = v.columns
    let uHat = q.matmul(svd.vt, transposeOther: true)  // m × l', left Ritz vectors
    // One pass over A for A V̂ and the residual norm probes A Ω (thin products are limited by
    // reading A, so the extra columns cost little).
    let probes = gaussian(rows: n, columns: Self.probes, generator: &generator)
    let forward = applyA(Matrix(horizontallyStacking: [v, probes]))
    let av = forward.columns(0..<width)  // m × l'
    var probed = forward.columns(width..<forward.columns)
    Self.project(&probed, awayFrom: q)
    var f = av  // E V̂ = A V̂ − Û Σ
    f.withUnsafeMutableBufferPointer { pf in
      uHat.withUnsafeBufferPointer { pu in
        for i in 0..<m {
          for j in 0..<width { pf[i * width + j] -= pu[i * width + j] * Scalar(sigma[j]) }
        }
      }
    }
    // One pass for R = Aᵀ E V̂ = M V̂ − V̂ Θ and EᵀE Ω.
    let backward = applyAT(Matrix(horizontallyStacking: [f, probed]))
    let g = backward.columns(0..<width)
    passes += 3
    let leakSquares = Self.columnSquares(f)
    let avSquares = Self.columnSquares(av)
    let theta = sigma.map { $0 * $0 }
    let eta2 = residualNormSquaredBound(
      q, firstStep: backward.columns(width..<backward.columns), passes: &passes)
    let kTop = Swift.min(rank, width)
    // Weyl: Σ_{j≤K} λ_j(BᵀB + EᵀE) ≤ Σ_{j≤K} θ_j + K η².
    let missing = Double(Swift.min(rank, n) - kTop) * eta2
    var bound = Double(Swift.min(rank, n)) * eta2
    var separated = false
    if kTop > 0 {
      var rest = leakSquares.dropFirst(kTop).reduce(0, +)
      for s in kTop...width {
        if s > kTop { rest -= leakSquares[s - 1] }
        let b: Double
        if s == width {
          b = eta2
        } else {
          let rho2 = Swift.max(rest, 0)
          let top = theta[s] + rho2
          let off2 = rho2 * eta2
          // Largest eigenvalue of [[top, ρη], [ρη, η²]].
          b = 0.5 * (top + eta2) + (0.25 * (top - eta2) * (top - eta2) + off2).squareRoot()
        }
        guard theta[s - 1] - b > 0 else { continue }
        separated = true
        // ‖R_s‖₂² from the singular values of the n × s block (cheap: s ≤ l columns).
        let block = s == width ? g : g.columns(0..<s)
        let top = Double(try block.singularValues().first ?? 0)
        let r2 = top * top
        // Li & Li: λ_j − θ_j ≤ ‖R_s‖₂² / (θ_j − b_s) for each j ≤ s.
        var candidate = missing
        for j in 0..<kTop { candidate += r2 / (theta[j] - b) }
        bound = Swift.min(bound, candidate)
      }
    } else {
      bound = 0
      separated = true
    }
    let captured = avSquares.prefix(kTop).reduce(0, +)
    var tail = Swift.max(squaredNorm - captured, 0)
    if tail < 1e-3 * squaredNorm && kTop > 0 {
      tail = explicitTail(v: v.columns(0..<kTop), av: av.columns(0..<kTop))
    }
    return Check(
      values: sigma, tail: tail, bound: Swift.min(bound, tail), separated: separated,
      nextRange: av)
  }

  /// `‖A − A V̂ V̂ᵀ‖_F²`, in the orientation of the stored matrix.
  ///
  /// Computed over blocks of rows of the stored matrix (at most about 4 MB each), so that the
  /// residual never needs a second copy of the whole matrix: the memory of `analyze` stays the
  /// matrix plus thin blocks (issue 15's bound of 2.5 times a `Float` file).
  func explicitTail(v: Matrix<Scalar>, av: Matrix<Scalar>) -> Double {
    // Stored matrix S = A: S − (A V̂) V̂ᵀ; stored S = Aᵀ: S − V̂ (A V̂)ᵀ. Row block r of S minus
    // row block r of the left factor times the right factor transposed.
    let (left, right) = transposed ? (v, av) : (av, v)
    let blockRows = Swift.max(1, (1 << 19) / Swift.max(a.columns, 1))
    var total = 0.0
    var start = 0
    while start < a.rows {
      let range = start..<Swift.min(start + blockRows, a.rows)
      var residual = a.rows(range)
      residual.gemm(left.rows(range), right, transposeB: true, alpha: -1, beta: 1)
      total += residual.squaredFrobeniusNorm
      start = range.upperBound
    }
    return total
  }

  /// The largest subspace dimension the range finder may grow to: its blocks (the basis, the
  /// products with `A` and `Aᵀ`, their factorisations; about six `m × l` blocks) stay within a
  /// quarter of the matrix's own size, but never below the starting `k + p`.
  func maximumSubspace(starting l: Int) -> Int {
    Swift.max(l, Swift.min(n, (m * n) / (24 * (m + n))))
  }

  mutating func run(
    wanted: Int, rank: Int, squaredNorm: Double
  ) throws(LinearAlgebraError) -> TopSingularValues {
    var l = Swift.min(wanted + options.oversampling, n)
    let l0 = l
    var q = try Self.orthonormalBasis(applyA(gaussian(rows: n, columns: l, generator: &generator)))
    var iterations = 0
    // Cost model: a product of A with a thin block reads A once ("a pass"); a full SVD (values
    // only, ?gesdd) took about 19 passes on a 30522 × 384 matrix (0.75 s against 40 ms) and
    // grows like 2mn² + 2n³ flops against 2mn·l for a pass. Give up past two thirds of it.
    let fullCost = Swift.max(19 * Double(n) / 384 * (1 + Double(n) / Double(m)), 12)
    let budget = 2 * fullCost / 3
    var passes = 2  // ‖A‖_F² and A Ω
    while iterations < options.initialPowerIterations {
      q = try powerIteration(q)
      iterations += 1
      passes += 2
    }
    // Checks cost 5 passes; between them, plain iterations (2 passes) track the captured energy
    // S_t = Σ_{j≤K} θ_j, which converges geometrically: a check is run when the predicted rest
    // δ_t·r/(1 − r) (δ_t = S_t − S_{t−1}, r = δ_t/δ_{t−1}) is below the accuracy, or when the
    // budget leaves room for one last check. The prediction only decides when to check; what
    // is returned is always bounded by the check.
    var history: [Double] = []
    var checkNow = true
    while true {
      if !checkNow {
        let step = try powerIterationWithRitzValues(q, rank: rank)
        q = step.basis
        iterations += 1
        passes += 2
        history.append(step.captured)
        let count = history.count
        var predicted = Double.infinity
        if count >= 3 {
          let delta = history[count - 1] - history[count - 2]
          let previous = history[count - 2] - history[count - 3]
          if delta <= 0 {
            predicted = 0
          } else if previous > 0 && delta < previous {
            let ratio = delta / previous
            predicted = delta * ratio / (1 - ratio)
          }
        }
        let rest = squaredNorm - (history.last ?? 0)
        checkNow =
          predicted <= 0.5 * options.relativeAccuracy * rest
          || Double(passes + 2 + 5) > budget
        continue
      }
      checkNow = false
      let result = try check(q, rank: rank, squaredNorm: squaredNorm, passes: &passes)
      let meets = result.bound <= options.relativeAccuracy * (result.tail - result.bound)
      let zeroTail = result.tail == 0 && result.bound == 0
      // Ritz values that are not separated in a subspace that may not grow any more (a flat
      // spectrum, such as noise) will not give a bound: stop and leave it to the full SVD.
      let stuck = !result.separated && l >= maximumSubspace(starting: l0)
      if meets || zeroTail || stuck || Double(passes + 5) > budget || q.columns < l {
        return TopSingularValues(
          rows: a.rows, columns: a.columns, singularValues: Array(result.values.prefix(wanted)),
          rank: rank, frobeniusNorm: squaredNorm.squareRoot(), tailSquares: result.tail,
          tailSquaresErrorBound: result.bound, subspaceDimension: q.columns,
          powerIterations: iterations, meetsAccuracy: meets || zeroTail || q.columns < l,
          isExact: false, failureProbability: Double.pow(Self.alpha, -Double(Self.probes)))
      }
      history.append(result.values.prefix(rank).reduce(0) { $0 + $1 * $1 })
      // The check computed A orth(AᵀQ) already: one power iteration for the price of a QR.
      q = try Self.orthonormalBasis(result.nextRange)
      iterations += 1
      if !result.separated {
        // Grow the subspace by half: new Gaussian directions, refined with the rest.
        let extra = Swift.min(Swift.max(l / 2, 4), maximumSubspace(starting: l0) - l)
        guard extra > 0 else { continue }
        let fresh = applyA(gaussian(rows: n, columns: extra, generator: &generator))
        q = try Self.orthonormalBasis(Matrix(horizontallyStacking: [q, fresh]))
        l = q.columns
        passes += 1
        history.removeAll()
      }
    }
  }
}
