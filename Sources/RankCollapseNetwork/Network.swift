import RankCollapseTensor

/// A fully connected feed-forward network f(Θ, x) = z^L with z^l = σ_l(W_l z^{l−1} + b_l) and
/// z^0 = x (paper equation 1).
///
/// Layers are numbered 1…L as in the paper and stored 0-based: `layers[l − 1]` holds W_l, b_l
/// and σ_l. Data is one sample per row: a batch X (N × d_0) gives Z^l = σ_l(Z^{l−1} W_lᵀ + 1 b_lᵀ).
///
/// ```swift
/// var generator = SeededGenerator(seed: 1)
/// let autoencoder = try Network<Float>(
///   widths: [784, 400, 300, 400, 784], activation: .tanh, outputActivation: .identity,
///   using: &generator)
/// let reconstruction = autoencoder(images)   // N × 784
/// ```
///
/// Training (``Trainer``), gradients (``gradients(inputs:targets:loss:workspace:into:embeddingGradients:)``)
/// and embeddings (``embeddings(of:batchSize:)``) are in extensions.
public struct Network<Scalar: MatrixScalar>: Sendable, Equatable {
  /// The layers, `layers[l − 1]` being layer l of the paper.
  ///
  /// Read-only: every buffer a network hands to BLAS takes its size from these shapes, so they
  /// change only through checked calls (``setWeight(_:layer:)``, ``setBias(_:layer:)``,
  /// ``replaceLayer(_:with:)``).
  @inlinable public var layers: [Dense<Scalar>] { storedLayers }

  @usableFromInline var storedLayers: [Dense<Scalar>]

  /// A network from its layers.
  ///
  /// - Parameter layers: The layers in order; each must take the previous one's outputs.
  /// - Throws: ``NetworkError`` when the shapes do not chain, a bias has the wrong length, a
  ///   leaky ReLU slope is outside [0, 1), or there are no layers.
  public init(layers: [Dense<Scalar>]) throws(NetworkError) {
    guard !layers.isEmpty else { throw .tooFewWidths(count: layers.isEmpty ? 0 : 1) }
    for (index, layer) in layers.enumerated() {
      if index > 0, layer.inputSize != layers[index - 1].outputSize {
        throw .shapesDoNotChain(
          layer: index + 1, expected: layers[index - 1].outputSize, got: layer.inputSize)
      }
      if layer.bias.rows != 1 || layer.bias.columns != layer.outputSize {
        throw .biasShapeMismatch(
          layer: index + 1, expected: layer.outputSize, got: layer.bias.count)
      }
      if case .leakyReLU(let slope) = layer.activation, !(slope >= 0 && slope < 1) {
        throw .invalidSlope(layer: index + 1, slope: slope)
      }
    }
    self.storedLayers = layers
  }

  /// Replaces layer `layer` (1-based, as in the paper) by one of the same shape.
  ///
  /// The activation and whether the layer has a bias may change; the widths may not, because
  /// workspaces, gradients and optimizer states made for this network take their sizes from them.
  ///
  /// - Parameters:
  ///   - layer: l in 1…L.
  ///   - replacement: The new layer, with W_l's shape.
  /// - Throws: ``NetworkError/layerOutOfRange(layer:depth:)``,
  ///   ``NetworkError/weightShapeMismatch(layer:expected:got:)`` or
  ///   ``NetworkError/invalidSlope(layer:slope:)``.
  public mutating func replaceLayer(_ layer: Int, with replacement: Dense<Scalar>)
    throws(NetworkError)
  {
    let current = try self.layer(layer).weight
    guard replacement.weight.rows == current.rows, replacement.weight.columns == current.columns
    else {
      throw .weightShapeMismatch(
        layer: layer, expected: current.shapeDescription,
        got: replacement.weight.shapeDescription)
    }
    if case .leakyReLU(let slope) = replacement.activation, !(slope >= 0 && slope < 1) {
      throw .invalidSlope(layer: layer, slope: slope)
    }
    storedLayers[layer - 1] = replacement
  }

  /// Sets W_l, which must keep its shape.
  ///
  /// - Parameters:
  ///   - weight: The new W_l, d_l × d_{l−1}.
  ///   - layer: l in 1…L.
  /// - Throws: ``NetworkError/layerOutOfRange(layer:depth:)`` or
  ///   ``NetworkError/weightShapeMismatch(layer:expected:got:)``.
  public mutating func setWeight(_ weight: Matrix<Scalar>, layer: Int) throws(NetworkError) {
    let current = try self.layer(layer).weight
    guard weight.rows == current.rows, weight.columns == current.columns else {
      throw .weightShapeMismatch(
        layer: layer, expected: current.shapeDescription, got: weight.shapeDescription)
    }
    storedLayers[layer - 1].storedWeight = weight
  }

  /// Sets b_l, a 1 × d_l row vector; zero for a layer without a trainable bias.
  ///
  /// - Parameters:
  ///   - bias: The new b_l.
  ///   - layer: l in 1…L.
  /// - Throws: ``NetworkError/layerOutOfRange(layer:depth:)``,
  ///   ``NetworkError/biasShapeMismatch(layer:expected:got:)`` or
  ///   ``NetworkError/biasOnBiaslessLayer(layer:)``.
  public mutating func setBias(_ bias: Matrix<Scalar>, layer: Int) throws(NetworkError) {
    let current = try self.layer(layer)
    guard bias.rows == 1, bias.columns == current.outputSize else {
      throw .biasShapeMismatch(layer: layer, expected: current.outputSize, got: bias.count)
    }
    guard current.hasBias || bias.maxAbsoluteValue == 0 else {
      throw .biasOnBiaslessLayer(layer: layer)
    }
    storedLayers[layer - 1].storedBias = bias
  }

  /// Layer l (1-based, as in the paper).
  ///
  /// - Parameter layer: l in 1…L.
  /// - Returns: `layers[l − 1]`.
  /// - Throws: ``NetworkError/layerOutOfRange(layer:depth:)``.
  public func layer(_ layer: Int) throws(NetworkError) -> Dense<Scalar> {
    guard layer >= 1 && layer <= depth else { throw .layerOutOfRange(layer: layer, depth: depth) }
    return storedLayers[layer - 1]
  }

  /// A network with the given widths d_0, d_1, …, d_L and one activation per layer.
  ///
  /// - Parameters:
  ///   - widths: d_0 (the input) through d_L (the output): L + 1 numbers, all ≥ 1.
  ///   - activations: σ_1 … σ_L, one per layer.
  ///   - initializer: How each weight is drawn (biases start at zero).
  ///   - biases: Whether the layers have trainable biases.
  ///   - generator: The source of randomness.
  /// - Throws: ``NetworkError`` for fewer than two widths, a width below 1, a wrong number of
  ///   activations or an invalid leaky ReLU slope.
  public init(
    widths: [Int], activations: [Activation], initializer: Initializer = .glorotUniform,
    biases: Bool = true, using generator: inout some RandomNumberGenerator
  ) throws(NetworkError) {
    guard widths.count >= 2 else { throw .tooFewWidths(count: widths.count) }
    for (index, width) in widths.enumerated() where width < 1 {
      throw .invalidWidth(layer: index, width: width)
    }
    guard activations.count == widths.count - 1 else {
      throw .activationCountMismatch(layers: widths.count - 1, activations: activations.count)
    }
    var layers: [Dense<Scalar>] = []
    for l in 1..<widths.count {
      layers.append(
        Dense(
          inputSize: widths[l - 1], outputSize: widths[l], activation: activations[l - 1],
          initializer: initializer, hasBias: biases, using: &generator))
    }
    try self.init(layers: layers)
  }

  /// A network whose hidden layers share one activation, with a separate output activation.
  ///
  /// - Parameters:
  ///   - widths: d_0 through d_L.
  ///   - activation: σ_1 … σ_{L−1}.
  ///   - outputActivation: σ_L (identity by default: regression outputs, or logits for
  ///     cross-entropy).
  ///   - initializer: How each weight is drawn.
  ///   - biases: Whether the layers have trainable biases.
  ///   - generator: The source of randomness.
  /// - Throws: ``NetworkError`` as ``init(widths:activations:initializer:biases:using:)``.
  public init(
    widths: [Int], activation: Activation, outputActivation: Activation = .identity,
    initializer: Initializer = .glorotUniform, biases: Bool = true,
    using generator: inout some RandomNumberGenerator
  ) throws(NetworkError) {
    let layerCount = Swift.max(widths.count - 1, 0)
    let activations =
      layerCount == 0
      ? [] : Array(repeating: activation, count: layerCount - 1) + [outputActivation]
    try self.init(
      widths: widths, activations: activations, initializer: initializer, biases: biases,
      using: &generator)
  }

  /// L, the number of layers.
  @inlinable public var depth: Int { layers.count }

  /// d_0 … d_L.
  public var widths: [Int] { [layers[0].inputSize] + layers.map(\.outputSize) }

  /// d_0, the input width.
  @inlinable public var inputSize: Int { layers[0].inputSize }

  /// d_L, the output width.
  @inlinable public var outputSize: Int { layers[layers.count - 1].outputSize }

  /// The number of trainable scalars, weights and biases.
  public var parameterCount: Int { layers.reduce(0) { $0 + $1.weight.count + $1.bias.count } }

  /// W_1 … W_L.
  public var weights: [Matrix<Scalar>] { layers.map(\.weight) }

  /// The squared norm ‖Θ‖² of the parameters: Σ_l ‖W_l‖_F² plus, with `includingBiases`,
  /// Σ_l ‖b_l‖² (paper equation 3).
  ///
  /// - Parameter includingBiases: Whether the biases count.
  /// - Returns: ‖Θ‖², accumulated in `Double`.
  @inlinable
  public func squaredNorm(includingBiases: Bool = true) -> Double {
    var total = 0.0
    for layer in layers {
      total += Network.squaredNorm(layer.weight)
      if includingBiases { total += Network.squaredNorm(layer.bias) }
    }
    return total
  }

  @inlinable
  static func squaredNorm(_ matrix: Matrix<Scalar>) -> Double {
    matrix.squaredFrobeniusNorm
  }

  /// The network's output f(Θ, X) for a batch.
  ///
  /// Inference runs in blocks of rows that pass through all layers while their activations are
  /// in cache, with the bias and activation fused into one pass per block, and splits the rows
  /// across `BLAS.threadCount` threads; only the N × d_L result is allocated at full size. Row i
  /// of the result depends only on x_i. For the activations of every layer, use
  /// ``embeddings(of:batchSize:)``.
  ///
  /// - Parameter input: N × d_0, one sample per row.
  /// - Returns: N × d_L.
  /// - Precondition: `input.columns == inputSize`.
  /// - Complexity: 2 Σ_l d_l d_{l−1} FLOPs per sample; O(T · block · max d_l) scratch memory for
  ///   T threads.
  @inlinable
  public func callAsFunction(_ input: Matrix<Scalar>) -> Matrix<Scalar> {
    precondition(
      input.columns == inputSize,
      "Network: input \(input.shapeDescription) does not fit \(inputSize) inputs")
    var output = Matrix<Scalar>.zeros(rows: input.rows, columns: outputSize)
    inferUnchecked(input, into: &output)
    return output
  }

  /// Checks that a data matrix fits the network.
  @usableFromInline
  func validate(inputs: Matrix<Scalar>) throws(NetworkError) {
    guard inputs.rows > 0 else { throw .emptyData }
    guard inputs.columns == inputSize else {
      throw .inputWidthMismatch(expected: inputSize, got: inputs.columns)
    }
  }
}

extension Network {
  /// The same network in another precision: every weight and bias converted (`Double` to
  /// `Float` rounds to nearest), activations and bias flags kept.
  ///
  /// ```swift
  /// let exact = Network<Double>(trained)   // trained: Network<Float>
  /// ```
  ///
  /// - Parameter other: The network to convert.
  public init<Other: MatrixScalar>(_ other: Network<Other>) {
    storedLayers = other.layers.map {
      Dense(
        weight: Matrix<Scalar>($0.weight), bias: Matrix<Scalar>($0.bias),
        activation: $0.activation, hasBias: $0.hasBias)
    }
  }
}
