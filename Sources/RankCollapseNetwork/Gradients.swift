import RankCollapseTensor

/// Gradients of a scalar objective with respect to every parameter of a ``Network`` and,
/// on request, with respect to hidden embeddings.
///
/// `weights[l − 1]` is ∇_{W_l} (d_l × d_{l−1}) and `biases[l − 1]` is ∇_{b_l} (1 × d_l), laid out
/// like the network's own parameters.
public struct Gradients<Scalar: MatrixScalar>: Sendable, Equatable {
  /// ∇_{W_l} for l = 1…L.
  public var weights: [Matrix<Scalar>]
  /// ∇_{b_l} for l = 1…L, as 1 × d_l row vectors.
  public var biases: [Matrix<Scalar>]
  /// ∂L/∂Z^j (N × d_j) for the embeddings j that were asked for, keyed by j (0 = the input).
  ///
  /// Paper eq. (5) needs the loss seen from layer j: these are the gradients of the *mean* loss,
  /// so a sample's row is (1/N) ∂ℓ_i/∂z_i^j.
  public var embeddings: [Int: Matrix<Scalar>]

  /// Zero gradients shaped like `network`'s parameters.
  ///
  /// - Parameter network: The network whose parameter shapes to copy.
  public init(zeroingParametersOf network: Network<Scalar>) {
    weights = network.layers.map { .zeros(rows: $0.weight.rows, columns: $0.weight.columns) }
    biases = network.layers.map { .zeros(rows: 1, columns: $0.outputSize) }
    embeddings = [:]
  }

  /// Σ_l ‖∇W_l‖² (+ Σ_l ‖∇b_l‖² with `includingBiases`), accumulated in `Double`.
  ///
  /// - Parameter includingBiases: Whether bias gradients count.
  /// - Returns: The squared Euclidean norm of the gradient.
  @inlinable
  public func squaredNorm(includingBiases: Bool = true) -> Double {
    var total = 0.0
    for w in weights { total += Network.squaredNorm(w) }
    if includingBiases { for b in biases { total += Network.squaredNorm(b) } }
    return total
  }

  /// Whether every entry is finite.
  public var isFinite: Bool {
    weights.allSatisfy(\.isFinite) && biases.allSatisfy(\.isFinite)
  }
}
