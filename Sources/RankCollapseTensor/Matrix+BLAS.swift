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
