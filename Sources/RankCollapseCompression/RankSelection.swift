import RankCollapseSpectral
import RankCollapseTensor

/// How the rank r of one layer's factorisation W_l ≈ U V is chosen from its singular values
/// s_1 ≥ s_2 ≥ … ≥ s_k, k = min(m, n).
///
/// Every criterion yields a count r of kept singular values, 0 ≤ r ≤ k; the layer then holds the
/// truncated SVD W_r = Σ_{i≤r} s_i u_i v_iᵀ (Eckart–Young: the best rank-r approximation, with
/// ‖W − W_r‖_F = sqrt(Σ_{i>r} s_i²)).
public enum RankSelection: Sendable, Hashable, CustomStringConvertible {
  /// Keep the layer dense and unchanged.
  case dense
  /// Keep exactly r singular values (a rank larger than k is clamped to k).
  case rank(Int)
  /// Keep the fewest values whose discarded tail has tail error at most ε (paper equation 22):
  /// `r = rk(ε) = min{r ≥ 0 : e(r + 1) ≤ ε}`.
  ///
  /// Mind the off-by-one: e(r) = Σ_{i≥r} s_i / Σ_i s_i starts its sum at i = r, so keeping r
  /// values leaves the error e(r + 1), not e(r). ε = 0 keeps every non-zero singular value;
  /// ε ≥ 1 keeps none (r = 0), as does the zero matrix.
  case tailError(Double)
  /// Keep the fewest values K whose relative spectral tail is at most ε (paper, Figure 1):
  /// `r = min{K ≥ 0 : τ_K ≤ ε}`, τ_K = Σ_{j>K} s_j² / Σ_j s_j² = ‖W − W_K‖_F² / ‖W‖_F².
  case relativeTail(Double)

  /// `dense`, `rank r`, `e(r+1) ≤ ε` or `τ_r ≤ ε`.
  public var description: String {
    switch self {
    case .dense: "dense"
    case .rank(let r): "rank \(r)"
    case .tailError(let epsilon): "e(r+1) ≤ \(epsilon)"
    case .relativeTail(let epsilon): "τ_r ≤ \(epsilon)"
    }
  }

  /// Checks the parameter: a rank ≥ 0, an ε that is finite and ≥ 0.
  ///
  /// - Parameter layer: The 1-based layer, for the message.
  /// - Throws: ``CompressionError/invalidSelection(layer:reason:)``.
  public func validate(layer: Int) throws(CompressionError) {
    switch self {
    case .dense: return
    case .rank(let r):
      guard r >= 0 else { throw .invalidSelection(layer: layer, reason: "rank \(r) is negative") }
    case .tailError(let epsilon), .relativeTail(let epsilon):
      guard epsilon.isFinite, epsilon >= 0 else {
        throw .invalidSelection(layer: layer, reason: "ε must be finite and ≥ 0, got \(epsilon)")
      }
    }
  }

  /// The number of singular values this criterion keeps for a spectrum.
  ///
  /// - Parameter spectrum: The singular values of W_l.
  /// - Returns: r in 0…k, or `nil` for ``dense``.
  /// - Complexity: O(k).
  public func rank<Scalar: MatrixScalar>(for spectrum: Spectrum<Scalar>) -> Int? {
    switch self {
    case .dense: return nil
    case .rank(let r): return Swift.min(Swift.max(r, 0), spectrum.count)
    case .tailError(let epsilon):
      return spectrum.softRank(epsilon: Scalar(Swift.max(epsilon, 0)))
    case .relativeTail(let epsilon):
      let bound = Scalar(Swift.max(epsilon, 0))
      for k in 0...spectrum.count where spectrum.relativeTail(afterRank: k) <= bound {
        return k
      }
      return spectrum.count
    }
  }
}
