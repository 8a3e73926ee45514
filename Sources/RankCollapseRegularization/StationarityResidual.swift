import RankCollapseNetwork
import RankCollapseTensor

/// How far a layer is from the stationarity condition of weight-decay training.
///
/// At a critical point of L_λ = L_0 + λ‖Θ‖², ∇_{W_l}L_0 + 2λW_l = 0 (paper equation 4, with the factor
/// 2 of this library's convention written out). The residual measures the violation relative to
/// the size of the decay term:
///
///     ρ_l = ‖∇_{W_l}L_0 + 2λ_l W_l‖_F / ‖2λ_l W_l‖_F
///
/// ρ_l = 0 at a stationary point; ρ_l ≈ 1 means the data gradient is nowhere near balancing the
/// decay. When λ_l = 0 or W_l = 0 the ratio is undefined and ``relative`` is `nil`.
public struct StationarityResidual: Sendable, Hashable, Codable {
  /// l ∈ 1…L.
  public var layer: Int
  /// λ_l.
  public var lambda: Double
  /// ‖∇_{W_l}L_0‖_F.
  public var dataGradientNorm: Double
  /// ‖2λ_l W_l‖_F.
  public var decayNorm: Double
  /// ‖∇_{W_l}L_0 + 2λ_l W_l‖_F.
  public var residualNorm: Double
  /// ρ_l = residualNorm / decayNorm, `nil` when decayNorm is 0.
  public var relative: Double? { decayNorm > 0 ? residualNorm / decayNorm : nil }

  /// A residual from its parts.
  ///
  /// - Parameters:
  ///   - layer: l.
  ///   - lambda: λ_l.
  ///   - dataGradientNorm: ‖∇_{W_l}L_0‖_F.
  ///   - decayNorm: ‖2λ_l W_l‖_F.
  ///   - residualNorm: ‖∇_{W_l}L_0 + 2λ_l W_l‖_F.
  public init(
    layer: Int, lambda: Double, dataGradientNorm: Double, decayNorm: Double, residualNorm: Double
  ) {
    self.layer = layer
    self.lambda = lambda
    self.dataGradientNorm = dataGradientNorm
    self.decayNorm = decayNorm
    self.residualNorm = residualNorm
  }
}

extension WeightDecay {
  /// The stationarity residual of every layer's weight from given data gradients.
  ///
  /// - Parameters:
  ///   - network: Θ.
  ///   - dataGradients: ∇L_0 at Θ (without the penalty), e.g. from
  ///     `network.gradients(inputs:targets:loss:)` on the full data set.
  /// - Returns: One residual per layer, l = 1…L.
  public func stationarityResiduals(
    of network: Network<Scalar>, dataGradients: Gradients<Scalar>
  ) -> [StationarityResidual] {
    precondition(
      dataGradients.weights.count == network.depth,
      "stationarityResiduals: \(dataGradients.weights.count) gradients for \(network.depth) layers")
    return network.layers.enumerated().map { index, layer in
      let lambda = lambda(layer: index + 1)
      let g = dataGradients.weights[index]
      precondition(
        g.rows == layer.weight.rows && g.columns == layer.weight.columns,
        "stationarityResiduals: gradient \(g.shapeDescription) for weight \(layer.weight.shapeDescription)"
      )
      var gradient = 0.0
      var decay = 0.0
      var residual = 0.0
      layer.weight.withUnsafeBufferPointer { w in
        g.withUnsafeBufferPointer { g in
          for i in 0..<w.count {
            let d = 2 * lambda * Double(w[i])
            let r = Double(g[i]) + d
            gradient += Double(g[i]) * Double(g[i])
            decay += d * d
            residual += r * r
          }
        }
      }
      return StationarityResidual(
        layer: index + 1, lambda: lambda, dataGradientNorm: gradient.squareRoot(),
        decayNorm: decay.squareRoot(), residualNorm: residual.squareRoot())
    }
  }

  /// The stationarity residual of every layer, computing ∇L_0 on the whole data set.
  ///
  /// - Parameters:
  ///   - network: Θ.
  ///   - inputs: X, N × d_0.
  ///   - targets: N targets.
  ///   - loss: ℓ.
  /// - Returns: One residual per layer.
  /// - Throws: `NetworkError` when the data does not fit the network.
  public func stationarityResiduals(
    of network: Network<Scalar>, inputs: Matrix<Scalar>, targets: Targets<Scalar>, loss: Loss
  ) throws(NetworkError) -> [StationarityResidual] {
    let (_, gradients) = try network.gradients(inputs: inputs, targets: targets, loss: loss)
    return stationarityResiduals(of: network, dataGradients: gradients)
  }
}
