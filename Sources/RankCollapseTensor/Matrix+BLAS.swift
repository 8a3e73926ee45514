extension Matrix {
  /// Accumulates a general matrix product into this matrix, in place:
  /// `self ← α op(A) op(B) + β self` (BLAS `?gemm`).
  ///
  /// No memory is allocated for the result when `self` is uniquely referenced, so a training loop
  /// can reuse one output buffer across steps. A large product may be split across threads; see
  /// ``BLAS/threading``.
  ///
  /// - Parameters:
  ///   - a: The left operand.
  ///   - b: The right operand.
  ///   - transposeA: Use `Aᵀ` for `op(A)`.
  ///   - transposeB: Use `Bᵀ` for `op(B)`.
  ///   - alpha: The factor on the product.
  ///   - beta: The factor on the current contents (0 overwrites them, even if they are `NaN`).
  /// - Complexity: O(m·n·k) floating-point operations for `op(A)` of shape `m × k`.
  @inlinable
  public mutating func gemm(
    _ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false,
    alpha: Scalar = 1, beta: Scalar = 0
  ) {
    let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
    let (kb, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
    precondition(
      k == kb && rows == m && columns == n,
      "gemm: op(A) \(m)×\(k) (A \(a.shapeDescription)\(transposeA ? "ᵀ" : "")) times op(B) \(kb)×\(n) "
        + "(B \(b.shapeDescription)\(transposeB ? "ᵀ" : "")) into a \(shapeDescription) matrix")
    Matrix.gemmUnchecked(
      a, b, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
      beta: beta, into: &self)
  }

  @inlinable
  internal static func gemmUnchecked(
    _ a: Matrix, _ b: Matrix, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Scalar, beta: Scalar, into c: inout Matrix
  ) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
      // An empty inner dimension: the product is zero.
      c.apply { beta == 0 ? 0 : beta * $0 }
      return
    }
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        c.withUnsafeMutableBufferPointer { pc in
          BLAS.gemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
            a: pa.baseAddress.unsafelyUnwrapped, lda: a.columns,
            b: pb.baseAddress.unsafelyUnwrapped, ldb: b.columns, beta: beta,
            c: pc.baseAddress.unsafelyUnwrapped, ldc: n)
        }
      }
    }
  }

  /// The matrix product `op(self) · op(other)` in a newly allocated matrix.
  ///
  /// ```swift
  /// let z = x.matmul(w, transposeOther: true)  // Z = X Wᵀ
  /// ```
  ///
  /// - Parameters:
  ///   - other: The right operand.
  ///   - transposeSelf: Use `selfᵀ` on the left.
  ///   - transposeOther: Use `otherᵀ` on the right.
  ///   - alpha: A factor on the product.
  /// - Returns: The `m × n` product.
  /// - Complexity: O(m·n·k) floating-point operations (BLAS `?gemm`, split across threads as
  ///   ``BLAS/threading`` says); one allocation for the result.
  @inlinable
  public func matmul(
    _ other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false, alpha: Scalar = 1
  ) -> Matrix {
    let m = transposeSelf ? columns : rows
    let n = transposeOther ? other.rows : other.columns
    let k = transposeSelf ? rows : columns
    let kb = transposeOther ? other.columns : other.rows
    precondition(
      k == kb,
      "matmul: \(shapeDescription)\(transposeSelf ? "ᵀ" : "") times "
        + "\(other.shapeDescription)\(transposeOther ? "ᵀ" : ""): inner dimensions \(k) and \(kb) differ"
    )
    // BLAS overwrites C when beta is 0, so the result needs no zero fill; with k == 0 it is
    // filled with zeros by `gemmUnchecked`.
    var result = Matrix(rows: m, columns: n) { buffer in
      if k == 0 { buffer.initialize(repeating: 0) }
    }
    Matrix.gemmUnchecked(
      self, other, transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
      alpha: alpha, beta: 0, into: &result)
    return result
  }

  /// Accumulates a symmetric rank-k product into this symmetric matrix, in place:
  /// `self ← α op(A) op(A)ᵀ + β self` (BLAS `?syrk`).
  ///
  /// The product is symmetric, so only its lower triangle is computed, with half the
  /// floating-point operations of ``gemm(_:_:transposeA:transposeB:alpha:beta:)`` on the same
  /// operands; the upper triangle is then copied from it. `self` must be symmetric when `beta`
  /// is not 0: only its lower triangle is read. Afterwards `self` is exactly symmetric
  /// (`self[i, j] == self[j, i]` bit for bit). Accumulating blocks of samples into one scatter
  /// matrix, `S ← S + Bᵀ B`, is `s.syrk(block, transposeA: true, beta: 1)`.
  ///
  /// No memory is allocated when `self` is uniquely referenced. A large product may be split
  /// across threads; see ``BLAS/threading``.
  ///
  /// - Parameters:
  ///   - a: The operand.
  ///   - transposeA: Use `Aᵀ` for `op(A)`, so that the product is `AᵀA`; otherwise `A Aᵀ`.
  ///   - alpha: The factor on the product.
  ///   - beta: The factor on the current contents (0 overwrites them, even if they are `NaN`).
  /// - Complexity: n²·k floating-point operations for `op(A)` of shape `n × k`, plus O(n²) to
  ///   fill the upper triangle.
  @inlinable
  public mutating func syrk(
    _ a: Matrix, transposeA: Bool = false, alpha: Scalar = 1, beta: Scalar = 0
  ) {
    let (n, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
    precondition(
      rows == n && columns == n,
      "syrk: op(A) \(n)×\(k) (A \(a.shapeDescription)\(transposeA ? "ᵀ" : "")) times its "
        + "transpose into a \(shapeDescription) matrix")
    Matrix.syrkUnchecked(
      a, transposeA: transposeA, n: n, k: k, alpha: alpha, beta: beta, into: &self)
  }

  @inlinable
  internal static func syrkUnchecked(
    _ a: Matrix, transposeA: Bool, n: Int, k: Int, alpha: Scalar, beta: Scalar,
    into c: inout Matrix
  ) {
    guard n > 0 else { return }
    guard k > 0 else {
      // An empty inner dimension: the product is zero; β scales the lower triangle, which then
      // fills the upper one as in the BLAS path.
      c.apply { beta == 0 ? 0 : beta * $0 }
      c.withUnsafeMutableBufferPointer { pc in
        BLAS.mirrorLowerTriangle(rows: 0..<n, c: pc.baseAddress.unsafelyUnwrapped, ldc: n)
      }
      return
    }
    a.withUnsafeBufferPointer { pa in
      c.withUnsafeMutableBufferPointer { pc in
        BLAS.syrk(
          transpose: transposeA, n: n, k: k, alpha: alpha, a: pa.baseAddress.unsafelyUnwrapped,
          lda: a.columns, beta: beta, c: pc.baseAddress.unsafelyUnwrapped, ldc: n)
      }
    }
  }

  /// The Gram matrix `op(self) · op(self)ᵀ` in a newly allocated matrix: `selfᵀ self` (inner
  /// products of the columns) with `transposeSelf`, `self selfᵀ` (of the rows) without.
  ///
  /// It equals `self.matmul(self, transposeSelf: true)` (respectively
  /// `self.matmul(self, transposeOther: true)`) up to rounding, at half the cost: BLAS `?syrk`
  /// computes the lower triangle and the upper triangle is copied from it, so the result is
  /// exactly symmetric. For data with one sample per row (`N × d`) the `d × d` matrix
  /// `X_rowsᵀ X_rows` is the paper's `X Xᵀ` (samples as columns):
  ///
  /// ```swift
  /// let gram = x.gram(transposeSelf: true)  // d × d, Σ_i x_i x_iᵀ
  /// ```
  ///
  /// - Parameters:
  ///   - transposeSelf: Use `selfᵀ` on the left: the `columns × columns` matrix `selfᵀ self`;
  ///     otherwise the `rows × rows` matrix `self selfᵀ`.
  ///   - alpha: A factor on the product.
  /// - Returns: The symmetric `n × n` product, `n` = `columns` with `transposeSelf`, else `rows`.
  /// - Complexity: n²·k floating-point operations for `op(self)` of shape `n × k` (BLAS `?syrk`,
  ///   split across threads as ``BLAS/threading`` says), half of the equivalent ``matmul(_:transposeSelf:transposeOther:alpha:)``;
  ///   one allocation for the result.
  @inlinable
  public func gram(transposeSelf: Bool = false, alpha: Scalar = 1) -> Matrix {
    let (n, k) = transposeSelf ? (columns, rows) : (rows, columns)
    // BLAS overwrites the lower triangle when beta is 0 and the upper one is copied from it, so
    // the result needs no zero fill; with k == 0 it is filled with zeros by `syrkUnchecked`.
    var result = Matrix(rows: n, columns: n) { buffer in
      if k == 0 { buffer.initialize(repeating: 0) }
    }
    Matrix.syrkUnchecked(
      self, transposeA: transposeSelf, n: n, k: k, alpha: alpha, beta: 0, into: &result)
    return result
  }

  /// The matrix–vector product `op(self) · x` (BLAS `?gemv`).
  ///
  /// - Parameters:
  ///   - vector: `columns` values (`rows` values when transposed).
  ///   - transpose: Use `selfᵀ`.
  /// - Returns: `rows` values (`columns` when transposed).
  @inlinable
  public func multiply(_ vector: [Scalar], transpose: Bool = false) -> [Scalar] {
    let inputCount = transpose ? rows : columns
    let outputCount = transpose ? columns : rows
    precondition(
      vector.count == inputCount,
      "gemv: \(shapeDescription)\(transpose ? "ᵀ" : "") times a vector of \(vector.count) elements")
    var result = [Scalar](repeating: 0, count: outputCount)
    guard inputCount > 0, outputCount > 0 else { return result }
    withUnsafeBufferPointer { a in
      vector.withUnsafeBufferPointer { x in
        result.withUnsafeMutableBufferPointer { y in
          Scalar.blasGEMV(
            transpose: transpose, m: rows, n: columns, alpha: 1, a: a.baseAddress.unsafelyUnwrapped,
            lda: columns, x: x.baseAddress.unsafelyUnwrapped, beta: 0,
            y: y.baseAddress.unsafelyUnwrapped)
        }
      }
    }
    return result
  }
}
