extension Matrix {
  /// Solves the square linear system `self · X = B` by LU factorisation with partial pivoting
  /// (LAPACK `?gesv`).
  ///
  /// - Parameter rightHandSide: `B`, with as many rows as `self`.
  /// - Returns: `X`, of the shape of `B`.
  /// - Throws: ``LinearAlgebraError/notSquare(rows:columns:)``,
  ///   ``LinearAlgebraError/nonFiniteInput(operation:)``, or
  ///   ``LinearAlgebraError/singularMatrix(pivot:)`` when `self` is exactly singular.
  /// - Complexity: O(n³ + n²·nrhs).
  @inlinable
  public func solve(_ rightHandSide: Matrix) throws(LinearAlgebraError) -> Matrix {
    try solveSystem(rightHandSide, operation: "solve", routine: "gesv", call: Scalar.lapackGESV) {
      .singularMatrix(pivot: $0)
    }
  }

  /// Solves `self · X = B` for a symmetric positive-definite `self` by Cholesky (LAPACK `?posv`).
  ///
  /// Only the lower triangle of `self` is read.
  ///
  /// - Parameter rightHandSide: `B`, with as many rows as `self`.
  /// - Returns: `X`, of the shape of `B`.
  /// - Throws: ``LinearAlgebraError/notPositiveDefinite(order:)`` when the Cholesky factorisation
  ///   breaks down; ``LinearAlgebraError/notSquare(rows:columns:)`` or
  ///   ``LinearAlgebraError/nonFiniteInput(operation:)`` for unusable input.
  /// - Complexity: O(n³/3 + n²·nrhs).
  @inlinable
  public func choleskySolve(_ rightHandSide: Matrix) throws(LinearAlgebraError) -> Matrix {
    try solveSystem(
      rightHandSide, operation: "choleskySolve", routine: "posv", call: Scalar.lapackPOSV
    ) { .notPositiveDefinite(order: $0) }
  }

  /// Checks a square system and solves it with a LAPACK driver that overwrites a copy of `self`
  /// and of the right-hand side; `failure` maps a positive `info` to the error to throw.
  @inlinable
  internal func solveSystem(
    _ rightHandSide: Matrix, operation: String, routine: String,
    call: (Int, Int, UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Int,
    failure: (Int) -> LinearAlgebraError
  ) throws(LinearAlgebraError) -> Matrix {
    guard isSquare else { throw .notSquare(rows: rows, columns: columns) }
    precondition(
      rightHandSide.rows == rows,
      "\(operation): a \(shapeDescription) system with a \(rightHandSide.shapeDescription) "
        + "right-hand side")
    guard isFinite, rightHandSide.isFinite else { throw .nonFiniteInput(operation: operation) }
    guard rows > 0, rightHandSide.columns > 0 else { return rightHandSide }
    var factor = self
    var x = rightHandSide
    let info = factor.withUnsafeMutableBufferPointer { a in
      x.withUnsafeMutableBufferPointer { b in
        call(
          rows, rightHandSide.columns, a.baseAddress.unsafelyUnwrapped,
          b.baseAddress.unsafelyUnwrapped)
      }
    }
    if info > 0 { throw failure(info) }
    if info < 0 { throw .illegalArgument(routine: routine, info: info) }
    return x
  }

  /// The eigendecomposition `A = V diag(λ) Vᵀ` of a symmetric matrix (LAPACK `?syevd`).
  ///
  /// Divide and conquer; only the lower triangle is read.
  ///
  /// - Returns: The eigenvalues in **ascending** order and the orthonormal eigenvectors as the
  ///   **columns** of `vectors`, column `i` belonging to `values[i]`.
  /// - Throws: ``LinearAlgebraError/noConvergence(routine:info:)``, or
  ///   ``LinearAlgebraError/notSquare(rows:columns:)`` /
  ///   ``LinearAlgebraError/nonFiniteInput(operation:)`` for unusable input.
  /// - Complexity: O(n³).
  @inlinable
  public func symmetricEigendecomposition() throws(LinearAlgebraError) -> (
    values: [Scalar], vectors: Matrix
  ) {
    try runSYEVD(vectors: true, operation: "symmetricEigendecomposition")
  }

  /// The eigenvalues of a symmetric matrix in ascending order (LAPACK `?syevd`, no vectors).
  ///
  /// Only the lower triangle is read.
  ///
  /// - Returns: The `n` eigenvalues, smallest first.
  /// - Throws: As ``symmetricEigendecomposition()``.
  @inlinable
  public func symmetricEigenvalues() throws(LinearAlgebraError) -> [Scalar] {
    try runSYEVD(vectors: false, operation: "symmetricEigenvalues").values
  }

  /// Runs `?syevd` on a copy of `self`; with `vectors`, the copy holds the eigenvectors after.
  @inlinable
  internal func runSYEVD(vectors: Bool, operation: String) throws(LinearAlgebraError) -> (
    values: [Scalar], vectors: Matrix
  ) {
    guard isSquare else { throw .notSquare(rows: rows, columns: columns) }
    guard isFinite else { throw .nonFiniteInput(operation: operation) }
    var work = self
    var values = [Scalar](repeating: 0, count: rows)
    guard rows > 0 else { return (values, work) }
    let info = work.withUnsafeMutableBufferPointer { a in
      values.withUnsafeMutableBufferPointer { w in
        Scalar.lapackSYEVD(
          vectors: vectors, n: rows, a: a.baseAddress.unsafelyUnwrapped,
          w: w.baseAddress.unsafelyUnwrapped)
      }
    }
    if info > 0 { throw .noConvergence(routine: "syevd", info: info) }
    if info < 0 { throw .illegalArgument(routine: "syevd", info: info) }
    return (values, work)
  }

  /// The inverse square root `A^{-1/2} = V diag(λ^{-1/2}) Vᵀ` of a symmetric positive-definite
  /// matrix, by its eigendecomposition.
  ///
  /// The paper's section 5 needs it for `Q = Y Xᵀ (X Xᵀ)^{-1/2}` (Theorem 5.1).
  ///
  /// - Parameter relativeTolerance: Eigenvalues at most `relativeTolerance · λ_max` count as not
  ///   positive. The default, `n · ε` of the scalar type, is the usual numerical-rank threshold.
  /// - Returns: The symmetric matrix `A^{-1/2}`.
  /// - Throws: ``LinearAlgebraError/notPositiveDefinite(order:)`` (with `order` the number of
  ///   eigenvalues below the tolerance) when `A` is not numerically positive definite, and the
  ///   errors of ``symmetricEigendecomposition()``.
  @inlinable
  public func inverseSquareRoot(relativeTolerance: Scalar? = nil) throws(LinearAlgebraError)
    -> Matrix
  {
    let (values, vectors) = try symmetricEigendecomposition()
    guard let largest = values.last else { return self }
    let tolerance = (relativeTolerance ?? Scalar(rows) * .ulpOfOne) * Swift.max(largest, 0)
    let bad = values.filter { $0 <= tolerance }.count
    if bad > 0 || largest <= 0 { throw .notPositiveDefinite(order: Swift.max(bad, 1)) }
    // V diag(λ^{-1/2}) Vᵀ = (V D) Vᵀ with D = diag(λ^{-1/2}) scaling the columns of V.
    var scaled = vectors
    let n = rows
    let factors = values.map { 1 / $0.squareRoot() }
    scaled.withUnsafeMutableBufferPointer { buffer in
      for i in 0..<n {
        for j in 0..<n { buffer[i * n + j] *= factors[j] }
      }
    }
    return scaled.matmul(vectors, transposeOther: true)
  }
}
