import RankCollapseTensor

extension Matrix {
  /// The singular values `s_1 ≥ s_2 ≥ … ≥ s_k ≥ 0`, `k = min(rows, columns)`, without singular
  /// vectors: the fast path (LAPACK `?gesdd` with `jobz = 'N'`).
  ///
  /// LAPACK sees row-major storage as the column-major transpose, which has the same singular
  /// values. A matrix with more rows than columns is transposed first (one copy, which the
  /// in-place routine needs anyway), so that LAPACK always sees a column-major matrix at least
  /// as tall as it is wide and factors it by QR with contiguous columns: its LQ path on the
  /// transpose reads rows with a stride and took 2.2 times as long for a 30522 × 384 word
  /// embedding matrix (Debian's OpenBLAS 0.3.21).
  ///
  /// - Returns: `min(rows, columns)` values in decreasing order.
  /// - Throws: `LinearAlgebraError/nonFiniteInput(operation:)` if an element is infinite or
  ///   `NaN` (LAPACK would return meaningless numbers), or
  ///   `LinearAlgebraError/noConvergence(routine:info:)`.
  /// - Complexity: O(m·n·min(m, n)).
  @inlinable
  public func singularValues() throws(LinearAlgebraError) -> [Scalar] {
    guard isFinite else { throw .nonFiniteInput(operation: "singularValues") }
    var work = rows > columns ? transposed() : self
    return try Matrix.singularValues(destroying: &work)
  }

  /// The singular values of `work`, overwriting it (LAPACK `?gesdd`, `jobz = 'N'`): no copy
  /// when `work` is uniquely referenced and has no more rows than columns.
  @inlinable
  static func singularValues(destroying work: inout Matrix) throws(LinearAlgebraError) -> [Scalar] {
    if work.rows > work.columns { work = work.transposed() }
    let k = Swift.min(work.rows, work.columns)
    guard k > 0 else { return [] }
    let (m, n) = (work.columns, work.rows)
    var values = [Scalar](repeating: 0, count: k)
    var unused: (Scalar, Scalar) = (0, 0)
    let info = work.withUnsafeMutableBufferPointer { a in
      values.withUnsafeMutableBufferPointer { s in
        withUnsafeMutablePointer(to: &unused.0) { u in
          withUnsafeMutablePointer(to: &unused.1) { vt in
            // Row-major storage of `work` is its column-major transpose, m ≥ n.
            Scalar.lapackGESDD(
              vectors: false, m: m, n: n, a: a.baseAddress.unsafelyUnwrapped,
              s: s.baseAddress.unsafelyUnwrapped, u: u, vt: vt)
          }
        }
      }
    }
    try Matrix.checkGESDD(info)
    return values
  }

  /// The singular values of `work` times a power of two `factor`, overwriting `work`.
  ///
  /// `factor` is 1 unless the largest entry times
  /// `sqrt(rows · columns)` (a bound on `s_1`) could exceed the largest finite `Scalar`; then
  /// the matrix is scaled by `factor` (exactly) before the factorisation. LAPACK scales tiny
  /// matrices itself, so no factor above 1 is needed.
  @inlinable
  static func scaledSingularValues(
    destroying work: inout Matrix
  ) throws(LinearAlgebraError) -> (values: [Scalar], factor: Scalar) {
    let largest = work.maxAbsoluteValue
    let bound = Scalar.greatestFiniteMagnitude / (2 * Scalar(work.count).squareRoot())
    guard largest > bound else { return (try singularValues(destroying: &work), 1) }
    // largest · factor in [1/2, 1).
    let factor = Scalar(sign: .plus, exponent: -(largest.exponent + 1), significand: 1)
    work *= factor
    return (try singularValues(destroying: &work), factor)
  }

  /// The thin singular value decomposition `A = U diag(s) Vᵀ` (LAPACK `?gesdd`, divide and
  /// conquer).
  ///
  /// - Returns: `U` (`rows × k`) and `Vᵀ` (`k × columns`) with orthonormal columns and rows, and
  ///   the `k = min(rows, columns)` singular values in decreasing order.
  /// - Throws: As ``singularValues()``.
  /// - Complexity: O(m·n·min(m, n)).
  @inlinable
  public func singularValueDecomposition() throws(LinearAlgebraError)
    -> SingularValueDecomposition<Scalar>
  {
    guard isFinite else { throw .nonFiniteInput(operation: "singularValueDecomposition") }
    let k = Swift.min(rows, columns)
    guard k > 0 else {
      return SingularValueDecomposition(
        u: .zeros(rows: rows, columns: 0), singularValues: [],
        vt: .zeros(rows: 0, columns: columns))
    }
    // LAPACK sees the column-major transpose Aᵀ = U' S V'ᵀ (n×m). Then A = V' S U'ᵀ, and read back
    // row-major: LAPACK's column-major V'ᵀ (k×m) is the row-major m×k matrix V' = U, and its
    // column-major U' (n×k) is the row-major k×n matrix U'ᵀ = Vᵀ. No transposition is needed.
    var work = self
    var values = [Scalar](repeating: 0, count: k)
    // gesdd writes every element of both factors, so they need no zero fill.
    var u = Matrix(rows: rows, columns: k) { _ in }
    var vt = Matrix(rows: k, columns: columns) { _ in }
    let info = work.withUnsafeMutableBufferPointer { a in
      values.withUnsafeMutableBufferPointer { s in
        u.withUnsafeMutableBufferPointer { pu in
          vt.withUnsafeMutableBufferPointer { pvt in
            Scalar.lapackGESDD(
              vectors: true, m: columns, n: rows, a: a.baseAddress.unsafelyUnwrapped,
              s: s.baseAddress.unsafelyUnwrapped, u: pvt.baseAddress.unsafelyUnwrapped,
              vt: pu.baseAddress.unsafelyUnwrapped)
          }
        }
      }
    }
    try Matrix.checkGESDD(info)
    return SingularValueDecomposition(u: u, singularValues: values, vt: vt)
  }

  /// The best approximation of rank at most `rank` in Frobenius and spectral norm,
  /// `A_K = U_K diag(s_1…s_K) V_Kᵀ` (Eckart–Young–Mirsky).
  ///
  /// Its distance to `A` is ``Spectrum/distanceToRank(_:)``, `sqrt(Σ_{j>K} s_j²)`, the left side
  /// of the paper's Theorem 3.4.
  ///
  /// - Parameter rank: The largest rank allowed, `K ≥ 0`.
  /// - Returns: A matrix of the same shape with rank at most `rank`.
  /// - Throws: As ``singularValues()``.
  @inlinable
  public func bestRankApproximation(_ rank: Int) throws(LinearAlgebraError) -> Matrix {
    precondition(rank >= 0, "bestRankApproximation: rank must be ≥ 0, got \(rank)")
    return try singularValueDecomposition().reconstruction(rank: rank)
  }

  /// The singular values wrapped in a ``Spectrum``, ready for every spectral measurement.
  ///
  /// - Returns: The spectrum of this matrix.
  /// - Throws: As ``singularValues()``.
  @inlinable
  public func spectrum() throws(LinearAlgebraError) -> Spectrum<Scalar> {
    guard isFinite else { throw .nonFiniteInput(operation: "singularValues") }
    var work = rows > columns ? transposed() : self
    let (values, factor) = try Matrix.scaledSingularValues(destroying: &work)
    return Spectrum(sortedSingularValues: values, factor: factor, rows: rows, columns: columns)
  }

  /// The spectrum of a matrix the caller gives up: like ``spectrum()``, but the factorisation
  /// overwrites the matrix's own storage when it is uniquely referenced and has no more rows
  /// than columns, so no second copy of a large matrix is made.
  ///
  /// - Parameter matrix: The matrix; its contents are consumed.
  /// - Returns: The spectrum of `matrix`.
  /// - Throws: As ``singularValues()``.
  @inlinable
  public static func spectrum(consuming matrix: consuming Matrix) throws(LinearAlgebraError)
    -> Spectrum<Scalar>
  {
    guard matrix.isFinite else { throw .nonFiniteInput(operation: "singularValues") }
    let (rows, columns) = (matrix.rows, matrix.columns)
    var work = consume matrix
    let (values, factor) = try Matrix.scaledSingularValues(destroying: &work)
    return Spectrum(sortedSingularValues: values, factor: factor, rows: rows, columns: columns)
  }

  @usableFromInline
  static func checkGESDD(_ info: Int) throws(LinearAlgebraError) {
    if info > 0 { throw .noConvergence(routine: "gesdd", info: info) }
    if info < 0 { throw .illegalArgument(routine: "gesdd", info: info) }
  }
}
