/// A network description or input that cannot be used, with a message that names the problem.
public enum NetworkError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A network needs at least an input and an output width.
  case tooFewWidths(count: Int)
  /// Every width must be at least 1.
  case invalidWidth(layer: Int, width: Int)
  /// One activation per layer, or one for the hidden layers plus one for the output.
  case activationCountMismatch(layers: Int, activations: Int)
  /// A leaky ReLU slope outside [0, 1).
  case invalidSlope(layer: Int, slope: Double)
  /// Data whose number of columns is not the network's input width.
  case inputWidthMismatch(expected: Int, got: Int)
  /// Targets whose shape does not fit the inputs and the network's output.
  case targetShapeMismatch(expected: String, got: String)
  /// A class label outside `0 ..< classes`.
  case labelOutOfRange(index: Int, label: Int, classes: Int)
  /// An empty data set.
  case emptyData
  /// A layer index outside the network.
  case layerOutOfRange(layer: Int, depth: Int)
  /// Weight matrices whose shapes do not chain (W_{l+1} must have d_l columns).
  case shapesDoNotChain(layer: Int, expected: Int, got: Int)
  /// A bias whose length is not its layer's output width.
  case biasShapeMismatch(layer: Int, expected: Int, got: Int)
  /// A replacement weight whose shape is not the one it replaces (a network's shapes are fixed
  /// when it is made).
  case weightShapeMismatch(layer: Int, expected: String, got: String)
  /// A non-zero bias for a layer without a trainable bias.
  case biasOnBiaslessLayer(layer: Int)

  /// A description a user can act on.
  public var description: String {
    switch self {
    case .tooFewWidths(let count):
      "a network needs at least two widths (input and output), got \(count)"
    case .invalidWidth(let layer, let width):
      "width \(layer) must be at least 1, got \(width)"
    case .activationCountMismatch(let layers, let activations):
      "a network of \(layers) layers needs \(layers) activations, got \(activations)"
    case .invalidSlope(let layer, let slope):
      "layer \(layer): leaky ReLU slope must lie in [0, 1), got \(slope)"
    case .inputWidthMismatch(let expected, let got):
      "the network takes inputs of width \(expected), the data has \(got) columns"
    case .targetShapeMismatch(let expected, let got):
      "targets must be \(expected), got \(got)"
    case .labelOutOfRange(let index, let label, let classes):
      "label \(label) of sample \(index) is outside 0..<\(classes)"
    case .emptyData:
      "the data set is empty"
    case .layerOutOfRange(let layer, let depth):
      "layer \(layer) is outside 1...\(depth)"
    case .shapesDoNotChain(let layer, let expected, let got):
      "layer \(layer) must take \(expected) inputs (the previous layer's width), its weight has \(got) columns"
    case .biasShapeMismatch(let layer, let expected, let got):
      "layer \(layer): bias must have \(expected) entries, got \(got)"
    case .weightShapeMismatch(let layer, let expected, let got):
      "layer \(layer): the weight must stay \(expected), got \(got) (make a new Network to change its widths)"
    case .biasOnBiaslessLayer(let layer):
      "layer \(layer) has no trainable bias: its bias must stay zero"
    }
  }
}
