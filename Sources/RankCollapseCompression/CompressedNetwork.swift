import RankCollapseNetwork
import RankCollapseTensor

/// A network some of whose layers are factored, W_l ≈ U_l V_l with U_l of shape m × r and V_l of
/// shape r × n (m = d_l, n = d_{l−1}).
///
/// Representation: a factored layer is two consecutive `Dense` layers of ``network`` — first V_l
/// (r × n, no bias, identity activation), then U_l (m × r, carrying the original bias b_l and
/// activation σ_l) — so a batch X gives σ_l((X V_lᵀ) U_lᵀ + 1 b_lᵀ) = σ_l(X (U_l V_l)ᵀ + 1 b_lᵀ).
/// The unchanged `Network` forward pass, backpropagation, `Trainer` (fine-tuning) and `Checkpoint`
/// files therefore all work on ``network``; ``isFactored`` records which original layers were
/// split, so reports count the original layers 1…L.
///
/// A forward pass costs 2r(m + n) instead of 2mn multiply-add FLOPs per sample for each
/// factored layer, which is why a layer is only factored when r(m + n) < mn.
public struct CompressedNetwork<Scalar: MatrixScalar>: Sendable, Equatable {
  /// The network that computes the output: dense layers and, for each factored layer, the pair
  /// (V_l, U_l).
  ///
  /// Fine-tuning may change its parameters but must keep its shapes, activations and bias flags
  /// (`Trainer` does).
  public var network: Network<Scalar>
  /// Whether original layer l (`isFactored[l − 1]`) is factored into two layers of ``network``.
  public let isFactored: [Bool]

  /// A compressed network from an expanded network and its layout.
  ///
  /// - Parameters:
  ///   - network: The expanded network.
  ///   - isFactored: One flag per original layer.
  /// - Throws: ``CompressionError/invalidLayout(_:)`` when the layer count does not match, or
  ///   the first layer of a factored pair has a bias, a non-identity activation or more rows
  ///   than its pair's outer sizes allow.
  public init(network: Network<Scalar>, isFactored: [Bool]) throws(CompressionError) {
    let expected = isFactored.reduce(0) { $0 + ($1 ? 2 : 1) }
    guard network.depth == expected, !isFactored.isEmpty else {
      throw .invalidLayout(
        "the layout describes \(expected) network layers, the network has \(network.depth)")
    }
    var index = 0
    for (l, factored) in isFactored.enumerated() {
      if factored {
        let v = network.layers[index]
        guard !v.hasBias, v.activation == .identity else {
          throw .invalidLayout(
            "layer \(l + 1): the first factor V must have no bias and the identity activation")
        }
        index += 2
      } else {
        index += 1
      }
    }
    self.network = network
    self.isFactored = isFactored
  }

  /// L, the number of original layers.
  public var depth: Int { isFactored.count }

  /// The indices in `network.layers` of original layer l's parts: one index for a dense layer,
  /// two (V_l, then U_l) for a factored one.
  ///
  /// - Parameter layer: l, 1-based.
  /// - Returns: The 0-based indices.
  public func networkLayers(ofLayer layer: Int) -> Range<Int> {
    precondition(layer >= 1 && layer <= depth, "layer \(layer) is not in 1…\(depth)")
    var start = 0
    for l in 0..<(layer - 1) { start += isFactored[l] ? 2 : 1 }
    return start..<(start + (isFactored[layer - 1] ? 2 : 1))
  }

  /// The rank r of a factored layer's factors, `nil` for a dense layer.
  ///
  /// - Parameter layer: l, 1-based.
  /// - Returns: r, the inner size of U_l V_l.
  public func rank(ofLayer layer: Int) -> Int? {
    let parts = networkLayers(ofLayer: layer)
    return parts.count == 2 ? network.layers[parts.lowerBound].outputSize : nil
  }

  /// The effective weight W_l (U_l V_l for a factored layer), d_l × d_{l−1}.
  ///
  /// - Parameter layer: l, 1-based.
  /// - Returns: The weight the layer applies.
  /// - Complexity: O(m n r) for a factored layer.
  public func weight(ofLayer layer: Int) -> Matrix<Scalar> {
    let parts = networkLayers(ofLayer: layer)
    if parts.count == 1 { return network.layers[parts.lowerBound].weight }
    let v = network.layers[parts.lowerBound].weight
    let u = network.layers[parts.lowerBound + 1].weight
    return u.matmul(v)
  }

  /// The dense network with the effective weights W_l = U_l V_l (same outputs up to rounding,
  /// more FLOPs): for comparisons and for tools that expect one layer per weight.
  public var denseEquivalent: Network<Scalar> {
    var layers: [Dense<Scalar>] = []
    for l in 1...depth {
      let outer = network.layers[networkLayers(ofLayer: l).upperBound - 1]
      layers.append(
        Dense(
          weight: weight(ofLayer: l), bias: outer.bias, activation: outer.activation,
          hasBias: outer.hasBias))
    }
    do {
      return try Network(layers: layers)
    } catch {
      preconditionFailure("the effective weights chain as the factors do: \(error)")
    }
  }

  /// The network's output for a batch, `network(input)`.
  ///
  /// The network's row-blocked inference applies a factored layer's first factor (no bias,
  /// identity activation) as a bare product X V_lᵀ without an elementwise pass, so the factored
  /// layer costs its two products and one bias-and-activation pass.
  ///
  /// - Parameter input: N × d_0.
  /// - Returns: N × d_L.
  /// - Precondition: `input.columns` is d_0.
  /// - Complexity: 2 r(m + n) multiply-adds per sample and factored layer, 2 m n per dense one.
  @inlinable
  public func callAsFunction(_ input: Matrix<Scalar>) -> Matrix<Scalar> {
    precondition(
      input.columns == network.inputSize,
      "CompressedNetwork: input \(input.rows)×\(input.columns) does not fit \(network.inputSize) inputs"
    )
    return network(input)
  }

  /// The number of stored scalars: weights, factors and the biases of layers that have one.
  public var parameterCount: Int {
    network.layers.reduce(0) { $0 + $1.weight.count + ($1.hasBias ? $1.bias.count : 0) }
  }

  /// Multiply-add FLOPs per sample of a forward pass: 2 per weight or factor entry plus one per
  /// bias entry (activations not counted).
  public var flopsPerSample: Int {
    network.layers.reduce(0) { $0 + 2 * $1.weight.count + ($1.hasBias ? $1.bias.count : 0) }
  }

  /// Fine-tunes the factors (and the dense layers and biases) with a library trainer.
  ///
  /// The trainer optimises U_l and V_l directly. With a `WeightDecay` penalty it therefore adds
  /// λ(‖U_l‖_F² + ‖V_l‖_F²), not λ‖U_l V_l‖_F²: since ‖U‖_F² + ‖V‖_F² ≥ 2‖U V‖_* with equality
  /// for balanced factors (the √s split made by ``Compression/compress(_:selections:)``), weight
  /// decay on the factors acts as a nuclear-norm penalty 2λ‖W_l‖_* on the product, which pushes
  /// the rank further down rather than reproducing the dense model's λ‖W_l‖_F². Use a small λ,
  /// or none, when the aim is to recover accuracy.
  ///
  /// - Parameters:
  ///   - trainer: A trainer whose optimizer has not been used on a network of another shape.
  ///   - inputs: X, N × d_0.
  ///   - targets: N targets.
  /// - Returns: The trainer's summary.
  /// - Throws: `TrainingError` as `Trainer.fit`.
  public mutating func fineTune<Rule: Optimizer, Regularizer: Penalty>(
    with trainer: inout Trainer<Scalar, Rule, Regularizer>, inputs: Matrix<Scalar>,
    targets: Targets<Scalar>
  ) throws(TrainingError) -> TrainingSummary
  where Rule.Scalar == Scalar, Regularizer.Scalar == Scalar {
    try trainer.fit(&network, inputs: inputs, targets: targets)
  }
}
