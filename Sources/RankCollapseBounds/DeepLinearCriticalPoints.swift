import RankCollapseSpectral
import RankCollapseTensor

/// A critical point of the squared loss on the rank-`r` matrices, from Theorem 5.1.
public struct LinearCriticalPoint: Sendable {
  /// The critical point `Θ = Σ_j σ_{i_j} u_{i_j} v_{i_j}ᵀ (X Xᵀ + Nλ I)^{-1/2}`, `c × d`.
  ///
  /// This is Theorem 5.1; eq. 17 for the top indices, eq. 35 with `λ > 0`.
  public var parameters: Matrix<Double>
  /// The 0-based indices `i_j` of the singular triplets of `Q` used (the paper's `i_j − 1`).
  public var indices: [Int]
  /// All singular values `σ_1 ≥ σ_2 ≥ …` of `Q`, decreasing.
  ///
  /// `Q = Y Xᵀ (X Xᵀ)^{-1/2}` (eq. 16), or
  /// `Q_λ = Y_λ X_λᵀ (X_λ X_λᵀ)^{-1/2} = Y Xᵀ (X Xᵀ + Nλ I)^{-1/2}` (eq. 36) when `λ > 0`.
  public var singularValues: [Double]
  /// Theorem 5.1's loss value in the library's normalisation.
  ///
  /// It is `(1/N)(Tr(Y Yᵀ) − Σ_j σ_{i_j}²)`: the paper's `½(…)` is for `½‖Y − ΘX‖²`; the library's loss
  /// is `(1/N)‖Y − ΘX‖²`. With `λ > 0` it is `L_λ(Θ)` (Remark 5.2: `Tr(Y_λ Y_λᵀ) = Tr(Y Yᵀ)`).
  public var loss: Double
  /// The `λ` of the problem (0 for Theorem 5.1 itself).
  public var lambda: Double
}

/// The factors Theorem 5.1 needs for one `λ`.
struct LinearFactorization {
  /// `(X Xᵀ + Nλ I)^{-1/2}`, `d × d`.
  var inverseRoot: Matrix<Double>
  /// `Q_λ = Y Xᵀ (X Xᵀ + Nλ I)^{-1/2}`, `c × d`.
  var q: Matrix<Double>
  /// The thin SVD of `Q_λ`.
  var svd: SingularValueDecomposition<Double>
}

extension DeepLinearProblem {
  /// The factors `(X Xᵀ + Nλ I)^{-1/2}`, `Q_λ` and its SVD (equations 16 and 36).
  func factorization(lambda: Double) throws(DeepLinearError) -> LinearFactorization {
    try Self.validate(lambda: lambda, positive: false)
    let root: Matrix<Double>
    do {
      root = try regularizedGram(lambda: lambda).inverseSquareRoot()
    } catch .notPositiveDefinite {
      throw .singularGram
    } catch {
      throw .linearAlgebra(error)
    }
    let q = crossProduct.matmul(root)
    do {
      return LinearFactorization(inverseRoot: root, q: q, svd: try q.singularValueDecomposition())
    } catch {
      throw .linearAlgebra(error)
    }
  }

  /// Theorem 5.1 (Theorem 32 of Bah et al., 2022): the critical point of `L_0` on the rank-`r`
  /// manifold `M_r` built from the singular triplets `indices` of
  /// `Q = Y Xᵀ (X Xᵀ)^{-1/2}` (eq. 16):
  ///
  ///     Θ = Σ_{j=1}^{r} σ_{i_j} u_{i_j} v_{i_j}ᵀ (X Xᵀ)^{-1/2},
  ///     L_0(Θ) = (1/N)(Tr(Y Yᵀ) − Σ_j σ_{i_j}²).
  ///
  /// The loss value is in the library's normalisation (`1/N`, no `½`; the paper writes
  /// `½(Tr(YYᵀ) − Σσ²)` for `½‖Y − ΘX‖²`). With `λ > 0`, Remark 5.2 applies Theorem 5.1 to
  /// `(X_λ, Y_λ)`: `X Xᵀ` becomes `X Xᵀ + Nλ I`, `Y Xᵀ` is unchanged (eq. 28), and the loss is
  /// `L_λ(Θ)`.
  ///
  /// In rows: `Q = Y_rowsᵀ X_rows (X_rowsᵀ X_rows + Nλ I)^{-1/2}` (``crossProduct`` times the
  /// inverse square root of ``gram`` shifted by `Nλ`).
  ///
  /// - Parameters:
  ///   - indices: Distinct 0-based indices into the decreasing singular values of `Q`, each
  ///     `< min(c, d)` (the paper's `i_j − 1`). Indices of zero singular values add nothing, so
  ///     `Θ` then has rank below `indices.count`.
  ///   - lambda: `λ ≥ 0` (default 0, Theorem 5.1 itself; it needs `X Xᵀ` of full rank).
  /// - Returns: The critical point, its loss value and all singular values of `Q`.
  /// - Throws: ``DeepLinearError/invalidIndices(_:available:)``,
  ///   ``DeepLinearError/invalidLambda(_:requirement:)``, ``DeepLinearError/singularGram``.
  /// - Complexity: O(d³) for the eigendecomposition and O(c·d·min(c, d)) for the SVD.
  public func criticalPoint(indices: [Int], lambda: Double = 0) throws(DeepLinearError)
    -> LinearCriticalPoint
  {
    let available = Swift.min(outputDimension, inputDimension)
    guard Set(indices).count == indices.count, indices.allSatisfy({ (0..<available).contains($0) })
    else { throw .invalidIndices(indices, available: available) }
    let parts = try factorization(lambda: lambda)
    return criticalPoint(parts, indices: indices, lambda: lambda)
  }

  /// The global minimiser of `L_λ` on the matrices of rank at most `r`.
  ///
  /// This is eq. 17 (eq. 35 with `λ > 0`, the paper's `Θ*,K` for `r = K`): Theorem 5.1 with the
  /// `r` largest singular values of `Q_λ`.
  ///
  /// Every other critical point is a strict saddle (Proposition 33 of Bah et al.). When
  /// `σ_r = σ_{r+1}` the minimiser is not unique and this is one of them.
  ///
  /// - Parameters:
  ///   - rank: `r` with `0 ≤ r ≤ min(c, d)`.
  ///   - lambda: `λ ≥ 0`.
  /// - Returns: The minimiser (rank ≤ `r`) and its loss `L_λ`.
  /// - Throws: ``DeepLinearError/invalidRank(_:requirement:)`` and the errors of
  ///   ``criticalPoint(indices:lambda:)``.
  /// - Complexity: As ``criticalPoint(indices:lambda:)``.
  public func rankConstrainedMinimizer(rank: Int, lambda: Double) throws(DeepLinearError)
    -> LinearCriticalPoint
  {
    let available = Swift.min(outputDimension, inputDimension)
    guard (0...available).contains(rank) else {
      throw .invalidRank(rank, requirement: "in 0...min(c, d) = 0...\(available)")
    }
    return try criticalPoint(indices: Array(0..<rank), lambda: lambda)
  }

  /// Theorem 5.1's formula from precomputed factors.
  func criticalPoint(_ parts: LinearFactorization, indices: [Int], lambda: Double)
    -> LinearCriticalPoint
  {
    let values = parts.svd.singularValues
    let kept = indices.map { values[$0] }
    let loss = (targetEnergy - kept.reduce(0) { $0 + $1 * $1 }) / Double(normalization)
    guard !indices.isEmpty else {
      return LinearCriticalPoint(
        parameters: .zeros(rows: outputDimension, columns: inputDimension), indices: indices,
        singularValues: values, loss: loss, lambda: lambda)
    }
    // Σ_j σ_{i_j} u_{i_j} v_{i_j}ᵀ = (diag(σ_I) U_Iᵀ)ᵀ V_Iᵀ, then times (X Xᵀ + Nλ I)^{-1/2}.
    let leftFactor = scaleRows(parts.svd.u.transposed().rows(at: indices), kept)
    let truncated = leftFactor.matmul(parts.svd.vt.rows(at: indices), transposeSelf: true)
    return LinearCriticalPoint(
      parameters: truncated.matmul(parts.inverseRoot), indices: indices, singularValues: values,
      loss: loss, lambda: lambda)
  }
}
