import RankCollapseTensor

extension Matrix {
  /// Whether ``topSingularValues(_:tailAfterRank:options:)`` takes the Gram path for a matrix
  /// with `m ≥ n` in its tall orientation and a subspace of `l` columns.
  ///
  /// The Gram matrix costs `m·n²` operations in one BLAS-3 call (`?syrk`), the range finder at
  /// least `2mnl` per pass over the matrix in thin, memory-bound products, and seven passes or
  /// more (two power iterations and a check); on a spectrum that decays slowly past `K` it
  /// needs many more (the MiniLM word embedding, 30522 × 384 with `τ_10 = 0.875`: about 60
  /// passes of 20 columns for 1e-6). Below `n = 24·l` the Gram matrix is the cheaper of the two.
  static func prefersGram(n: Int, subspace l: Int) -> Bool {
    n <= 24 * l
  }

  /// The leading singular values, `τ_K` and the distance to rank `K` from the eigenvalues of the
  /// Gram matrix `G = AᵀA` (`A` the tall orientation, `n × n`), formed in `Double`.
  ///
  /// A `Float` matrix is widened in blocks of rows (columns for a wide one) so that no `Double`
  /// copy of the whole matrix is made; products of `Float` values are exact in `Double`.
  ///
  /// Rounding bound: the computed `Ĝ` satisfies `|Ĝ − G| ≤ γ_m |A|ᵀ|A|` entrywise
  /// (`γ_m = m u / (1 − m u)`, `u = 2⁻⁵³`, any summation order), so
  /// `‖Ĝ − G‖₂ ≤ γ_m ‖A‖_F²`; LAPACK's `?syevd` returns eigenvalues of `Ĝ + E` with
  /// `‖E‖₂ ≤ p(n) u ‖Ĝ‖₂`, taken here as `p(n) = 3n`. By Weyl's inequality each `λ̂_j` is within
  /// `δ = γ_m ‖A‖_F² + 3n u λ̂_1` of `s_j²`, so `T̂ = trace(Ĝ) − Σ_{j≤K} λ̂_j` is within
  /// `K δ + γ_{m+n} ‖A‖_F²` of the tail (the last term for the trace: diagonal entries of `Ĝ`,
  /// each within `γ_m` relative, summed). The result
  /// reports `T̂` raised by that amount with twice it as the bound, so that the documented
  /// interval `[tailSquares − Δ, tailSquares]` holds, and singular values `sqrt(λ̂_j − δ)`
  /// (lower bounds). The subtraction loses digits when the tail is small against `‖A‖_F²`;
  /// the bound says so, and then ``TopSingularValues/meetsAccuracy`` is `false`.
  ///
  /// - Parameters:
  ///   - wanted: The number of leading singular values to return, `≤ n`.
  ///   - rank: `K`.
  ///   - accuracy: The requested relative accuracy of the tail.
  /// - Returns: The result, `subspaceDimension == n`, no power iterations, failure probability 0.
  /// - Throws: `LinearAlgebraError/noConvergence(routine:info:)` from `?syevd`.
  func gramTopSingularValues(
    _ wanted: Int, rank: Int, accuracy: Double
  ) throws(LinearAlgebraError) -> TopSingularValues {
    let transposed = rows < columns
    let m = Swift.max(rows, columns)
    let n = Swift.min(rows, columns)
    var gram = Matrix<Double>.zeros(rows: n, columns: n)
    if let double = self as? Matrix<Double> {
      gram.syrk(double, transposeA: !transposed)
    } else {
      // Widen about 4 MB of the matrix at a time, into one reused block (fresh blocks made the
      // kernel map and zero new pages for each).
      let block = Swift.max(1, (1 << 19) / Swift.max(n, 1))
      let columnCount = columns
      var part = Matrix<Double>.zeros(rows: 0, columns: 0)
      var start = 0
      while start < m {
        let range = start..<Swift.min(m, start + block)
        let shape = transposed ? (n, range.count) : (range.count, n)
        if part.rows != shape.0 || part.columns != shape.1 {
          part = .zeros(rows: shape.0, columns: shape.1)
        }
        withUnsafeBufferPointer { source in
          part.withUnsafeMutableBufferPointer { target in
            if transposed {
              // Stored Aᵀ is n × m: target[i, j] = stored[i, lower + j].
              for i in 0..<n {
                for j in 0..<range.count {
                  target[i * range.count + j] = Double(
                    source[i * columnCount + range.lowerBound + j])
                }
              }
            } else {
              let base = range.lowerBound * n
              for index in 0..<(range.count * n) { target[index] = Double(source[base + index]) }
            }
          }
        }
        gram.syrk(part, transposeA: !transposed, beta: start == 0 ? 0 : 1)
        start = range.upperBound
      }
    }
    // ‖A‖_F² as the trace of Ĝ: its diagonal is summed in Double, where the caller's sum of
    // squares accumulates in the matrix's own precision (blocks of Float for a Float matrix).
    var trace = 0.0
    for index in 0..<n { trace += gram[index, index] }
    let squaredNorm = trace
    let eigenvalues = try gram.symmetricEigenvalues().sorted(by: >)
    let u = Double.ulpOfOne / 2
    func gamma(_ count: Int) -> Double {
      let product = Double(count) * u
      return product / (1 - product)
    }
    let top = Swift.max(eigenvalues.first ?? 0, 0)
    let delta = gamma(m) * squaredNorm + 3 * Double(n) * u * top
    let kept = Swift.min(rank, n)
    let captured = eigenvalues.prefix(kept).reduce(0, +)
    let rounding = Double(kept) * delta + gamma(m + n) * squaredNorm
    let tail = Swift.max(squaredNorm - captured + rounding, 0)
    let bound = Swift.min(2 * rounding, tail)
    let lower = tail - bound
    let meets = bound == 0 || (lower > 0 && bound <= accuracy * lower)
    return TopSingularValues(
      rows: rows, columns: columns,
      singularValues: eigenvalues.prefix(wanted).map { Swift.max($0 - delta, 0).squareRoot() },
      rank: rank, frobeniusNorm: squaredNorm.squareRoot(), tailSquares: tail,
      tailSquaresErrorBound: bound, subspaceDimension: n, powerIterations: 0,
      meetsAccuracy: meets, isExact: false, failureProbability: 0)
  }
}
