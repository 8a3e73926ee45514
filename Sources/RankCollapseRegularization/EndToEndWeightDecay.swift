import RankCollapseNetwork
import RankCollapseTensor

/// Weight decay on the end-to-end product of a deep linear network: R(Θ) = λ ‖W_L ⋯ W_1‖_F².
///
/// Section 5 of the paper studies the deep linear network `f(x) = W_L ⋯ W_1 x` (eq. 14) through
/// its product `Θ = W_L ⋯ W_1` and the regularised objective of eq. (19),
///
///     L_λ(Θ) = (1/N) ‖Y − Θ X‖_F² + λ ‖Θ‖_F²,
///
/// whose minimisers are the closed forms `Θ*` and `Θ*,C` of eq. (21) and, on the rank-`r` matrices
/// a bottleneck of width `r` allows, Theorem 5.1 applied to Remark 5.2's `(X_λ, Y_λ)`. Training the
/// layers with this penalty makes the network's product minimise exactly that objective, so the
/// trained product can be compared with the closed forms. (Ordinary weight decay `λ Σ_l ‖W_l‖²`,
/// paper eq. 3, penalises the product's Schatten-`2/L` quasi-norm instead, which has other
/// minimisers.)
///
/// With `A_l = W_L ⋯ W_{l+1}` and `B_l = W_{l−1} ⋯ W_1` (identities at the ends), the gradient is
///
///     ∇_{W_l} R = 2λ A_lᵀ Θ B_lᵀ.
///
/// Biases are not penalised (the deep linear networks of section 5 have none); a network with
/// biases still works, its biases are simply left out of `Θ` and of `R`.
public struct EndToEndWeightDecay<Scalar: MatrixScalar>: Penalty {
  /// The same λ for `Double` parameters.
  ///
  /// - Returns: `EndToEndWeightDecay<Double>` with this λ.
  public func inDoublePrecision() -> (any Penalty<Double>)? {
    EndToEndWeightDecay<Double>(lambda: lambda)
  }

  /// λ ≥ 0.
  public let lambda: Double

  /// A penalty `λ ‖W_L ⋯ W_1‖_F²`.
  ///
  /// - Parameter lambda: λ, finite and ≥ 0.
  /// - Precondition: λ is finite and ≥ 0.
  public init(lambda: Double) {
    precondition(lambda.isFinite && lambda >= 0, "EndToEndWeightDecay: λ = \(lambda) must be ≥ 0")
    self.lambda = lambda
  }

  /// The end-to-end product `Θ = W_L ⋯ W_1` (`d_L × d_0`) of a network's weights.
  ///
  /// - Parameter network: The network (its biases are ignored).
  /// - Returns: `Θ`.
  /// - Complexity: O(Σ_l d_l d_{l−1} d_0).
  public static func product(of network: Network<Scalar>) -> Matrix<Scalar> {
    var result = network.layers[0].weight
    for layer in network.layers.dropFirst() {
      result = layer.weight.matmul(result)
    }
    return result
  }

  /// `λ ‖W_L ⋯ W_1‖_F²`.
  ///
  /// - Parameter network: The parameters.
  /// - Returns: R(Θ).
  /// - Complexity: O(Σ_l d_l d_{l−1} d_0).
  public func value(of network: Network<Scalar>) -> Double {
    lambda * Self.product(of: network).squaredFrobeniusNorm
  }

  /// Adds `2λ A_lᵀ Θ B_lᵀ` to each weight gradient.
  ///
  /// - Parameters:
  ///   - network: The parameters.
  ///   - gradients: ∇L_0, becomes ∇L_λ.
  /// - Complexity: O(L · Σ_l d_l d_{l−1} max(d_0, d_L)).
  public func addGradient(of network: Network<Scalar>, to gradients: inout Gradients<Scalar>) {
    _ = valueAddingGradient(of: network, to: &gradients)
  }

  /// Adds the gradient and returns `λ ‖Θ‖²`, computing the product once.
  ///
  /// - Parameters:
  ///   - network: The parameters.
  ///   - gradients: ∇L_0, becomes ∇L_λ.
  /// - Returns: R(Θ).
  public func valueAddingGradient(
    of network: Network<Scalar>, to gradients: inout Gradients<Scalar>
  ) -> Double {
    let layers = network.layers
    let depth = layers.count
    // prefixes[l] = B_{l+1} = W_l ⋯ W_1 for l ≥ 1 (0-based layer l + 1 sees prefixes[l]).
    var prefixes: [Matrix<Scalar>] = [layers[0].weight]
    for l in 1..<depth { prefixes.append(layers[l].weight.matmul(prefixes[l - 1])) }
    let theta = prefixes[depth - 1]
    let value = lambda * theta.squaredFrobeniusNorm
    guard lambda != 0 else { return value }
    let factor = Scalar(2 * lambda)
    // left = A_lᵀ Θ, from A_Lᵀ Θ = Θ down through W_{l+1}ᵀ.
    var left = theta
    for l in stride(from: depth - 1, through: 0, by: -1) {
      // 0-based layer l is the paper's W_{l+1}: gradient 2λ (A_{l+1}ᵀ Θ) B_{l+1}ᵀ.
      if l == 0 {
        gradients.weights[0] += factor * left
      } else {
        gradients.weights[l].gemm(left, prefixes[l - 1], transposeB: true, alpha: factor, beta: 1)
        left = layers[l].weight.matmul(left, transposeSelf: true)
      }
    }
    return value
  }

  /// Zero: the penalty acts through the gradient.
  ///
  /// - Parameters:
  ///   - layer: Ignored.
  ///   - isBias: Ignored.
  /// - Returns: 0.
  public func decoupledRate(layer: Int, isBias: Bool) -> Scalar { 0 }
}
