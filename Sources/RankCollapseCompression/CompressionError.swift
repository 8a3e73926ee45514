import RankCollapseNetwork
import RankCollapseTensor

/// Why a network could not be compressed, or a compressed network not be read or written.
public enum CompressionError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The number of per-layer selections does not match the number of layers.
  case selectionCountMismatch(layers: Int, selections: Int)
  /// A selection's parameter is out of range (1-based layer).
  case invalidSelection(layer: Int, reason: String)
  /// The SVD of a layer's weight failed (for example, non-finite weights): LAPACK's error.
  case decompositionFailed(layer: Int, cause: LinearAlgebraError)
  /// A network's layers do not form the factored layout described.
  case invalidLayout(String)
  /// Data does not fit the network: inputs of the wrong width, targets of the wrong shape, a
  /// label outside the network's outputs, or no samples.
  case invalidData(NetworkError)
  /// A checkpoint could not be read or written.
  case checkpoint(TrainingError)
  /// Fine-tuning a truncated network failed (for example, it diverged).
  case fineTuning(TrainingError)
  /// A setting out of range.
  case invalidParameter(ParameterError)

  /// A message a user can act on.
  public var description: String {
    switch self {
    case .selectionCountMismatch(let layers, let selections):
      "\(selections) rank selections for a network of \(layers) layers"
    case .invalidSelection(let layer, let reason): "layer \(layer): \(reason)"
    case .decompositionFailed(let layer, let cause): "layer \(layer): SVD failed: \(cause)"
    case .invalidLayout(let reason): "not a factored network: \(reason)"
    case .invalidData(let error): "the data does not fit the network: \(error)"
    case .checkpoint(let error): error.description
    case .fineTuning(let error): "fine-tuning failed: \(error)"
    case .invalidParameter(let parameter): parameter.description
    }
  }
}
