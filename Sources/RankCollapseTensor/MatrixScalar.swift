import CLAPACKE
import COpenBLAS
import RealModule

/// A floating-point type that ``Matrix`` can hold: `Float` or `Double`.
///
/// The requirements are thin wrappers over single- and double-precision BLAS and LAPACK routines
/// (OpenBLAS and LAPACKE underneath). They work on raw pointers in **row-major** order, the one
/// storage order of ``Matrix``; call the ``Matrix`` methods instead of these wherever you can.
///
/// Every LAPACK wrapper returns LAPACK's `info` value unchanged: zero for success, negative for an
/// illegal argument, positive for a numerical failure whose meaning depends on the routine.
public protocol MatrixScalar: BinaryFloatingPoint, Real, Sendable, Codable, SIMDScalar
where Magnitude == Self {
  /// General matrix product `C ← α op(A) op(B) + β C` (BLAS `?gemm`), row-major.
  ///
  /// - Parameters:
  ///   - transposeA: Whether `op(A) = Aᵀ`.
  ///   - transposeB: Whether `op(B) = Bᵀ`.
  ///   - m: Rows of `op(A)` and `C`.
  ///   - n: Columns of `op(B)` and `C`.
  ///   - k: Columns of `op(A)`, rows of `op(B)`.
  ///   - alpha: The factor on the product.
  ///   - a: The first operand's elements.
  ///   - lda: The row stride of `A` as stored.
  ///   - b: The second operand's elements.
  ///   - ldb: The row stride of `B` as stored.
  ///   - beta: The factor on the old contents of `C`.
  ///   - c: The output's elements.
  ///   - ldc: The row stride of `C`.
  static func blasGEMM(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Self, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
    beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

  /// Symmetric rank-k update of a lower triangle, `C ← α op(A) op(A)ᵀ + β C` (BLAS `?syrk`),
  /// row-major.
  ///
  /// Only the lower triangle of `C` (diagonal included) is read and written; the strict upper
  /// triangle is left as it was. ``Matrix/syrk(_:transposeA:alpha:beta:)`` and
  /// ``Matrix/gram(transposeSelf:alpha:)`` fill it in.
  ///
  /// - Parameters:
  ///   - transpose: Whether `op(A) = Aᵀ` (then `A` is stored `k × n` and `C = α AᵀA + β C`);
  ///     otherwise `A` is stored `n × k` and `C = α A Aᵀ + β C`.
  ///   - n: The order of `C`, rows of `op(A)`.
  ///   - k: Columns of `op(A)`.
  ///   - alpha: The factor on the product.
  ///   - a: The operand's elements.
  ///   - lda: The row stride of `A` as stored.
  ///   - beta: The factor on the old lower triangle of `C` (0 overwrites it).
  ///   - c: The output's elements.
  ///   - ldc: The row stride of `C`.
  static func blasSYRK(
    transpose: Bool, n: Int, k: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
    beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

  /// Matrix–vector product `y ← α op(A) x + β y` (BLAS `?gemv`), row-major.
  ///
  /// - Parameters:
  ///   - transpose: Whether `op(A) = Aᵀ`.
  ///   - m: Rows of `A` as stored.
  ///   - n: Columns of `A` as stored.
  ///   - alpha: The factor on the product.
  ///   - a: The matrix's elements.
  ///   - lda: The row stride of `A`.
  ///   - x: The input vector.
  ///   - beta: The factor on the old contents of `y`.
  ///   - y: The output vector.
  static func blasGEMV(
    transpose: Bool, m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
    x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)

  /// The Euclidean norm of `count` contiguous values (BLAS `?nrm2`, safe against overflow).
  ///
  /// - Parameters:
  ///   - count: How many values.
  ///   - x: The values.
  /// - Returns: `sqrt(Σ xᵢ²)`.
  static func blasNorm2(count: Int, _ x: UnsafePointer<Self>) -> Self

  /// Singular values, and optionally the thin factors, of a **column-major** `m × n` matrix
  /// (LAPACK `?gesdd`, divide and conquer). The input is overwritten.
  ///
  /// - Parameters:
  ///   - vectors: Whether to compute the thin factors `U` (`m × min(m,n)`) and `Vᵀ`
  ///     (`min(m,n) × n`), both column-major.
  ///   - m: Rows.
  ///   - n: Columns.
  ///   - a: The matrix, column-major with leading dimension `m`; destroyed.
  ///   - s: Receives the `min(m,n)` singular values in decreasing order.
  ///   - u: Receives `U` when `vectors` is true; ignored otherwise (may be a 1-element buffer).
  ///   - vt: Receives `Vᵀ` when `vectors` is true; ignored otherwise (may be a 1-element buffer).
  /// - Returns: LAPACK's `info`.
  static func lapackGESDD(
    vectors: Bool, m: Int, n: Int, a: UnsafeMutablePointer<Self>, s: UnsafeMutablePointer<Self>,
    u: UnsafeMutablePointer<Self>, vt: UnsafeMutablePointer<Self>
  ) -> Int

  /// Solves `A X = B` for a square row-major `A` by LU with partial pivoting (LAPACK `?gesv`).
  ///
  /// - Parameters:
  ///   - n: The order of `A`.
  ///   - nrhs: The number of right-hand sides (columns of `B`).
  ///   - a: `A`, row-major; overwritten by its LU factors.
  ///   - b: `B`, row-major `n × nrhs`; overwritten by `X`.
  /// - Returns: LAPACK's `info` (positive: `U(info, info)` is exactly zero).
  static func lapackGESV(
    n: Int, nrhs: Int, a: UnsafeMutablePointer<Self>, b: UnsafeMutablePointer<Self>
  ) -> Int

  /// Solves `A X = B` for a symmetric positive-definite row-major `A` by Cholesky (LAPACK `?posv`).
  ///
  /// - Parameters:
  ///   - n: The order of `A`.
  ///   - nrhs: The number of right-hand sides (columns of `B`).
  ///   - a: `A`, row-major; its lower triangle is read and overwritten by the factor.
  ///   - b: `B`, row-major `n × nrhs`; overwritten by `X`.
  /// - Returns: LAPACK's `info` (positive: the leading minor of that order is not positive).
  static func lapackPOSV(
    n: Int, nrhs: Int, a: UnsafeMutablePointer<Self>, b: UnsafeMutablePointer<Self>
  ) -> Int

  /// Eigenvalues in ascending order, and optionally eigenvectors, of a symmetric row-major matrix
  /// (LAPACK `?syevd`).
  ///
  /// - Parameters:
  ///   - vectors: Whether to compute eigenvectors.
  ///   - n: The order of the matrix.
  ///   - a: The matrix, row-major (its lower triangle is read); with `vectors`, overwritten by the
  ///     eigenvectors as **columns**.
  ///   - w: Receives the `n` eigenvalues in ascending order.
  /// - Returns: LAPACK's `info` (positive: the algorithm did not converge).
  static func lapackSYEVD(
    vectors: Bool, n: Int, a: UnsafeMutablePointer<Self>, w: UnsafeMutablePointer<Self>
  ) -> Int

  /// eˣ computed without branches or calls, so that loops over buffers vectorise; accurate to a
  /// few units in the last place, `+∞` above and 0 below the representable range.
  static func branchFreeExp(_ x: Self) -> Self

  /// tanh(x) computed without branches or calls, so that loops over buffers vectorise; accurate
  /// to a few units in the last place.
  static func branchFreeTanh(_ x: Self) -> Self

  /// The logistic function 1 / (1 + e⁻ˣ) computed without branches or calls, so that loops over
  /// buffers vectorise.
  static func branchFreeLogistic(_ x: Self) -> Self
}

@inlinable
func cblasTranspose(_ transpose: Bool) -> CBLAS_TRANSPOSE {
  transpose ? CblasTrans : CblasNoTrans
}

extension Float: MatrixScalar {
  /// General matrix product via `cblas_sgemm`; see ``MatrixScalar/blasGEMM(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
  @inlinable
  public static func blasGEMM(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
      blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
      beta, c, blasint(ldc))
  }

  /// Symmetric rank-k update of the lower triangle via `cblas_ssyrk`; see ``MatrixScalar/blasSYRK(transpose:n:k:alpha:a:lda:beta:c:ldc:)``.
  @inlinable
  public static func blasSYRK(
    transpose: Bool, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_ssyrk(
      CblasRowMajor, CblasLower, cblasTranspose(transpose), blasint(n), blasint(k), alpha, a,
      blasint(lda), beta, c, blasint(ldc))
  }

  /// Matrix–vector product via `cblas_sgemv`; see ``MatrixScalar/blasGEMV(transpose:m:n:alpha:a:lda:x:beta:y:)``.
  @inlinable
  public static func blasGEMV(
    transpose: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
  ) {
    BLAS.prepare()
    cblas_sgemv(
      CblasRowMajor, cblasTranspose(transpose), blasint(m), blasint(n), alpha, a, blasint(lda),
      x, 1, beta, y, 1)
  }

  /// Euclidean norm via `cblas_snrm2`.
  @inlinable
  public static func blasNorm2(count: Int, _ x: UnsafePointer<Float>) -> Float {
    cblas_snrm2(blasint(count), x, 1)
  }

  /// Singular values via `LAPACKE_sgesdd` (column-major input).
  public static func lapackGESDD(
    vectors: Bool, m: Int, n: Int, a: UnsafeMutablePointer<Float>, s: UnsafeMutablePointer<Float>,
    u: UnsafeMutablePointer<Float>, vt: UnsafeMutablePointer<Float>
  ) -> Int {
    LAPACK.gesdd(LAPACKE_sgesdd, vectors: vectors, m: m, n: n, a: a, s: s, u: u, vt: vt)
  }

  /// Linear solve via `LAPACKE_sgesv`.
  public static func lapackGESV(
    n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>
  ) -> Int {
    LAPACK.gesv(LAPACKE_sgesv, n: n, nrhs: nrhs, a: a, b: b)
  }

  /// Cholesky solve via `LAPACKE_sposv`.
  public static func lapackPOSV(
    n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>
  ) -> Int {
    LAPACK.posv(LAPACKE_sposv, n: n, nrhs: nrhs, a: a, b: b)
  }

  /// Symmetric eigendecomposition via `LAPACKE_ssyevd`.
  public static func lapackSYEVD(
    vectors: Bool, n: Int, a: UnsafeMutablePointer<Float>, w: UnsafeMutablePointer<Float>
  ) -> Int {
    LAPACK.syevd(LAPACKE_ssyevd, vectors: vectors, n: n, a: a, w: w)
  }
}

extension Double: MatrixScalar {
  /// General matrix product via `cblas_dgemm`; see ``MatrixScalar/blasGEMM(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
  @inlinable
  public static func blasGEMM(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
      blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
      beta, c, blasint(ldc))
  }

  /// Symmetric rank-k update of the lower triangle via `cblas_dsyrk`; see ``MatrixScalar/blasSYRK(transpose:n:k:alpha:a:lda:beta:c:ldc:)``.
  @inlinable
  public static func blasSYRK(
    transpose: Bool, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dsyrk(
      CblasRowMajor, CblasLower, cblasTranspose(transpose), blasint(n), blasint(k), alpha, a,
      blasint(lda), beta, c, blasint(ldc))
  }

  /// Matrix–vector product via `cblas_dgemv`; see ``MatrixScalar/blasGEMV(transpose:m:n:alpha:a:lda:x:beta:y:)``.
  @inlinable
  public static func blasGEMV(
    transpose: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
    x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
  ) {
    BLAS.prepare()
    cblas_dgemv(
      CblasRowMajor, cblasTranspose(transpose), blasint(m), blasint(n), alpha, a, blasint(lda),
      x, 1, beta, y, 1)
  }

  /// Euclidean norm via `cblas_dnrm2`.
  @inlinable
  public static func blasNorm2(count: Int, _ x: UnsafePointer<Double>) -> Double {
    cblas_dnrm2(blasint(count), x, 1)
  }

  /// Singular values via `LAPACKE_dgesdd` (column-major input).
  public static func lapackGESDD(
    vectors: Bool, m: Int, n: Int, a: UnsafeMutablePointer<Double>, s: UnsafeMutablePointer<Double>,
    u: UnsafeMutablePointer<Double>, vt: UnsafeMutablePointer<Double>
  ) -> Int {
    LAPACK.gesdd(LAPACKE_dgesdd, vectors: vectors, m: m, n: n, a: a, s: s, u: u, vt: vt)
  }

  /// Linear solve via `LAPACKE_dgesv`.
  public static func lapackGESV(
    n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, b: UnsafeMutablePointer<Double>
  ) -> Int {
    LAPACK.gesv(LAPACKE_dgesv, n: n, nrhs: nrhs, a: a, b: b)
  }

  /// Cholesky solve via `LAPACKE_dposv`.
  public static func lapackPOSV(
    n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, b: UnsafeMutablePointer<Double>
  ) -> Int {
    LAPACK.posv(LAPACKE_dposv, n: n, nrhs: nrhs, a: a, b: b)
  }

  /// Symmetric eigendecomposition via `LAPACKE_dsyevd`.
  public static func lapackSYEVD(
    vectors: Bool, n: Int, a: UnsafeMutablePointer<Double>, w: UnsafeMutablePointer<Double>
  ) -> Int {
    LAPACK.syevd(LAPACKE_dsyevd, vectors: vectors, n: n, a: a, w: w)
  }
}

/// The argument plumbing of the LAPACKE calls, written once for both precisions: each function
/// takes the `s` or `d` routine and the arguments in RankCollapse's terms.
private enum LAPACK {
  static let jobNone = CChar(UInt8(ascii: "N"))
  static let lower = CChar(UInt8(ascii: "L"))

  static func gesdd<S>(
    _ routine: (
      Int32, CChar, rc_lapack_int, rc_lapack_int, UnsafeMutablePointer<S>?, rc_lapack_int,
      UnsafeMutablePointer<S>?, UnsafeMutablePointer<S>?, rc_lapack_int, UnsafeMutablePointer<S>?,
      rc_lapack_int
    ) -> rc_lapack_int,
    vectors: Bool, m: Int, n: Int, a: UnsafeMutablePointer<S>, s: UnsafeMutablePointer<S>,
    u: UnsafeMutablePointer<S>, vt: UnsafeMutablePointer<S>
  ) -> Int {
    BLAS.prepare()
    // jobz 'S': the thin factors. With 'N' LAPACK still wants leading dimensions ≥ 1.
    let k = Swift.min(m, n)
    return Int(
      routine(
        LAPACK_COL_MAJOR, vectors ? CChar(UInt8(ascii: "S")) : jobNone,
        rc_lapack_int(m), rc_lapack_int(n), a, rc_lapack_int(Swift.max(1, m)), s,
        u, rc_lapack_int(vectors ? Swift.max(1, m) : 1),
        vt, rc_lapack_int(vectors ? Swift.max(1, k) : 1)))
  }

  static func gesv<S>(
    _ routine: (
      Int32, rc_lapack_int, rc_lapack_int, UnsafeMutablePointer<S>?, rc_lapack_int,
      UnsafeMutablePointer<rc_lapack_int>?, UnsafeMutablePointer<S>?, rc_lapack_int
    ) -> rc_lapack_int,
    n: Int, nrhs: Int, a: UnsafeMutablePointer<S>, b: UnsafeMutablePointer<S>
  ) -> Int {
    BLAS.prepare()
    let pivots = UnsafeMutablePointer<rc_lapack_int>.allocate(capacity: Swift.max(1, n))
    defer { pivots.deallocate() }
    return Int(
      routine(
        LAPACK_ROW_MAJOR, rc_lapack_int(n), rc_lapack_int(nrhs), a, rc_lapack_int(Swift.max(1, n)),
        pivots, b, rc_lapack_int(Swift.max(1, nrhs))))
  }

  static func posv<S>(
    _ routine: (
      Int32, CChar, rc_lapack_int, rc_lapack_int, UnsafeMutablePointer<S>?, rc_lapack_int,
      UnsafeMutablePointer<S>?, rc_lapack_int
    ) -> rc_lapack_int,
    n: Int, nrhs: Int, a: UnsafeMutablePointer<S>, b: UnsafeMutablePointer<S>
  ) -> Int {
    BLAS.prepare()
    return Int(
      routine(
        LAPACK_ROW_MAJOR, lower, rc_lapack_int(n), rc_lapack_int(nrhs),
        a, rc_lapack_int(Swift.max(1, n)), b, rc_lapack_int(Swift.max(1, nrhs))))
  }

  static func syevd<S>(
    _ routine: (
      Int32, CChar, CChar, rc_lapack_int, UnsafeMutablePointer<S>?, rc_lapack_int,
      UnsafeMutablePointer<S>?
    ) -> rc_lapack_int,
    vectors: Bool, n: Int, a: UnsafeMutablePointer<S>, w: UnsafeMutablePointer<S>
  ) -> Int {
    BLAS.prepare()
    return Int(
      routine(
        LAPACK_ROW_MAJOR, vectors ? CChar(UInt8(ascii: "V")) : jobNone, lower, rc_lapack_int(n), a,
        rc_lapack_int(Swift.max(1, n)), w))
  }
}
