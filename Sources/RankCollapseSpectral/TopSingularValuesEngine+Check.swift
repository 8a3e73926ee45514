import RankCollapseTensor

extension TopSingularValuesEngine {
  /// The state after a check of the bound.
  struct Check {
    /// The Ritz values' square roots `sqrt(θ_j)`, decreasing.
    var values: [Double]
    var tail: Double
    var bound: Double
    /// Whether some `s` had separated Ritz values (`θ_s > b_s`).
    var separated: Bool
    /// `M V` for the checked basis `V`: its range is that of one more iteration.
    var nextRange: Matrix<Double>
  }

  /// Ritz values, the tail estimate and its bound for the subspace spanned by `basis`, all in
  /// `Double` (one pass over the matrix for the Rayleigh–Ritz step and the first step of the
  /// residual norm estimate, one more for its second step).
  ///
  /// Rayleigh–Ritz on the right: `V` (the basis re-orthonormalised in `Double`), `Y = A V`,
  /// `Z = M V = Aᵀ Y` in one blocked pass; `θ_j, W` from the eigendecomposition of `YᵀY`,
  /// Ritz vectors `V̂ = V W`, residuals `R = Z W − V̂ Θ`. With `P⊥ = I − VVᵀ` and
  /// `C = P⊥ M P⊥`, `M` in the basis `[V̂_s, complement]` has the off-diagonal block `R_s`
  /// (`V̂ᵀR = 0`, so `P⊥R = R`), and its compression to the complement of `V̂_s` has largest
  /// eigenvalue at most `b_s`, the larger eigenvalue of `[[θ_{s+1}, ρ_s], [ρ_s, η²]]` with
  /// `ρ_s = ‖R_{s+1…l}‖_F` and `η² ≥ ‖C‖` (`b_l = η²`).
  mutating func check(
    _ basis: Matrix<Scalar>, rank: Int, passes: inout Int
  ) throws(LinearAlgebraError) -> Check {
    let v = try Self.orthonormalBasis(Matrix<Double>(basis))
    let l = v.columns
    var omega = Matrix<Double>.randomNormal(rows: n, columns: Self.probes, using: &generator)
    Self.project(&omega, awayFrom: v)
    let sweep = doubleGramProducts(
      Matrix(horizontallyStacking: [v, omega]), keepProduct: l > 0)
    passes += 2
    let squaredNorm = exactSquaredNorm ?? sweep.squaredNorm
    exactSquaredNorm = squaredNorm
    guard l > 0 else {
      return Check(
        values: [], tail: squaredNorm, bound: 0, separated: true,
        nextRange: .zeros(rows: n, columns: 0))
    }
    let y = sweep.ax.columns(0..<l)
    let z = sweep.mx.columns(0..<l)
    // Rayleigh–Ritz: YᵀY = Vᵀ M V, eigenvalues in decreasing order.
    let (ascending, vectors) = try y.gram(transposeSelf: true).symmetricEigendecomposition()
    let theta = ascending.reversed().map { Swift.max($0, 0) }
    let w = Matrix<Double>(rows: l, columns: l) { buffer in
      vectors.withUnsafeBufferPointer { source in
        for i in 0..<l {
          for j in 0..<l { buffer.initializeElement(at: i * l + j, to: source[i * l + l - 1 - j]) }
        }
      }
    }
    let vHat = v.matmul(w)
    var r = z.matmul(w)  // M V̂
    r.withUnsafeMutableBufferPointer { pr in
      vHat.withUnsafeBufferPointer { pv in
        for i in 0..<n {
          for j in 0..<l { pr[i * l + j] -= pv[i * l + j] * theta[j] }
        }
      }
    }
    let residualSquares = Self.columnSquares(r)
    var firstStep = sweep.mx.columns(l..<sweep.mx.columns)
    Self.project(&firstStep, awayFrom: v)
    let eta2 = residualNormSquaredBound(v, firstStep: firstStep, passes: &passes)
    let kTop = Swift.min(rank, l)
    // Eigenvalues of M beyond the l-th are at most the compression's largest, ≤ η²
    // (Courant–Fischer), for K larger than the subspace (a matrix of lower rank).
    let missing = Double(Swift.min(rank, n) - kTop) * eta2
    let captured = theta.prefix(kTop).reduce(0, +)
    var tail = Swift.max(squaredNorm - captured, 0)
    if tail < 1e-3 * squaredNorm && kTop > 0 {
      let av = y.matmul(w.columns(0..<kTop))
      tail = explicitTail(v: vHat.columns(0..<kTop), av: av)
    }
    var bound = tail  // T ∈ [0, T̂] always
    var separated = false
    if kTop > 0 {
      var rest = residualSquares.dropFirst(kTop).reduce(0, +)
      for s in kTop...l {
        if s > kTop { rest -= residualSquares[s - 1] }
        let b: Double
        if s == l {
          b = eta2
        } else {
          let rho2 = Swift.max(rest, 0)
          let top = theta[s]
          b = 0.5 * (top + eta2) + (0.25 * (top - eta2) * (top - eta2) + rho2).squareRoot()
        }
        guard theta[s - 1] - b > 0 else { continue }
        separated = true
        // ‖R_s‖₂² from the singular values of the n × s block (cheap: s ≤ l columns).
        let block = s == l ? r : r.columns(0..<s)
        let top = try block.singularValues().first ?? 0
        // Li & Li: λ_j − θ_j ≤ ‖R_s‖₂² / (θ_j − b_s) for each j ≤ s.
        var candidate = missing
        for j in 0..<kTop { candidate += top * top / (theta[j] - b) }
        bound = Swift.min(bound, candidate)
      }
    } else {
      bound = 0
      separated = true
    }
    return Check(
      values: theta.map { $0.squareRoot() }, tail: tail, bound: Swift.min(bound, tail),
      separated: separated, nextRange: z)
  }

  /// An upper bound of `‖C‖₂ = ‖P⊥ M P⊥‖₂`, except with probability `α^(−r)`, from
  /// `x = C Ω` for Gaussian probes `Ω` (the first step, which the caller computes together
  /// with its own products); runs the remaining `p − 1` steps of `C^p Ω`, in `Double`.
  func residualNormSquaredBound(
    _ v: Matrix<Double>, firstStep: Matrix<Double>, passes: inout Int
  ) -> Double {
    var x = firstStep
    var logScale = 0.0
    for step in 0..<Self.normPower {
      if step > 0 {
        x = doubleGramProducts(x, keepProduct: false).mx
        Self.project(&x, awayFrom: v)
        passes += 2
      }
      let largest = Self.columnSquares(x).max() ?? 0
      guard largest > 0 else { return 0 }
      let norm = largest.squareRoot()
      x *= 1 / norm
      logScale += Double.log(norm)
    }
    // ‖C^p‖ = ‖C‖^p ≤ α sqrt(2/π) max_i ‖C^p ω_i‖ = α sqrt(2/π) · exp(logScale).
    let factor = Self.alpha * (2 / Double.pi).squareRoot()
    return Double.exp((logScale + Double.log(factor)) / Double(Self.normPower))
  }

  /// `‖A − A V̂ V̂ᵀ‖_F²` in `Double`, in the orientation of the stored matrix.
  ///
  /// Computed over blocks of rows (converted to `Double` one at a time), so that the residual
  /// never needs a second copy of the whole matrix: the memory of `analyze` stays the matrix
  /// plus thin blocks (issue 15's bound of 2.5 times a `Float` file).
  func explicitTail(v: Matrix<Double>, av: Matrix<Double>) -> Double {
    var total = 0.0
    var residual = Matrix<Double>.zeros(rows: 0, columns: 0)
    var start = 0
    while start < m {
      let range = start..<Swift.min(m, start + blockRows)
      panel(&residual, rows: range)
      // Stored A: panel − (A V̂)_r V̂ᵀ; stored Aᵀ: panel − V̂ (A V̂)_rᵀ.
      if transposed {
        residual.gemm(v, av.rows(range), transposeB: true, alpha: -1, beta: 1)
      } else {
        residual.gemm(av.rows(range), v, transposeB: true, alpha: -1, beta: 1)
      }
      total += residual.squaredFrobeniusNorm
      start = range.upperBound
    }
    return total
  }
}
