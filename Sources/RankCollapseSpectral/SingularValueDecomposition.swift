import RankCollapseTensor

/// A thin singular value decomposition `A = U diag(s) Vᵀ` of an `m × n` matrix, `k = min(m, n)`.
public struct SingularValueDecomposition<Scalar: MatrixScalar>: Sendable {
  /// The left singular vectors as the columns of an `m × k` matrix.
  public var u: Matrix<Scalar>

  /// The singular values in decreasing order.
  public var singularValues: [Scalar]

  /// The right singular vectors as the rows of a `k × n` matrix.
  public var vt: Matrix<Scalar>

  /// Creates a decomposition from its factors.
  ///
  /// - Parameters:
  ///   - u: The `m × k` left factor.
  ///   - singularValues: `k` values in decreasing order.
  ///   - vt: The `k × n` right factor.
  @inlinable
  public init(u: Matrix<Scalar>, singularValues: [Scalar], vt: Matrix<Scalar>) {
    precondition(
      u.columns == singularValues.count && vt.rows == singularValues.count,
      "SVD factors U \(u.shapeDescription), \(singularValues.count) values, Vᵀ \(vt.shapeDescription) do not fit"
    )
    self.u = u
    self.singularValues = singularValues
    self.vt = vt
  }

  /// The product of the leading `rank` terms, `U_K diag(s_1…s_K) V_Kᵀ`.
  ///
  /// - Parameter rank: How many singular triplets to keep; values beyond `k` keep all of them.
  /// - Returns: The `m × n` matrix of rank at most `rank`.
  @inlinable
  public func reconstruction(rank: Int? = nil) -> Matrix<Scalar> {
    let kept = Swift.min(rank ?? singularValues.count, singularValues.count)
    precondition(kept >= 0, "reconstruction: rank must be ≥ 0, got \(kept)")
    guard kept > 0 else { return .zeros(rows: u.rows, columns: vt.columns) }
    // (U_K diag(s)) V_Kᵀ: scale the kept columns of U, then one GEMM.
    var scaled = u.columns(0..<kept)
    let values = Array(singularValues.prefix(kept))
    let rows = u.rows
    scaled.withUnsafeMutableBufferPointer { buffer in
      for i in 0..<rows {
        for j in 0..<kept { buffer[i * kept + j] *= values[j] }
      }
    }
    return scaled.matmul(vt.rows(0..<kept))
  }
}
