import RankCollapseTensor

/// Why training could not start, stopped early or could not save or load its state.
public enum TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A hyperparameter or option that cannot be used (the message names it).
  case invalidConfiguration(String)
  /// The data does not fit the network.
  case invalidData(NetworkError)
  /// The objective or its gradient became NaN or infinite at `step`; the network was left at the
  /// last parameters whose objective and gradient were finite.
  case diverged(step: Int, objective: Double, gradientNorm: Double)
  /// A checkpoint that does not belong to this network, optimizer or data: what does not fit,
  /// and the error that found it when there is one (e.g. the `NetworkError` of layers that do
  /// not chain).
  case incompatibleCheckpoint(String, cause: UnderlyingError? = nil)
  /// A checkpoint file that could not be written or read: the reason, and the file format's or
  /// the system's error that caused it when there is one.
  case checkpointFile(path: String, reason: String, cause: UnderlyingError? = nil)
  /// A setting out of range (an optimizer's momentum or history, fine-tuning settings).
  case invalidParameter(ParameterError)

  /// A description a user can act on.
  public var description: String {
    switch self {
    case .invalidConfiguration(let message):
      "invalid training configuration: \(message)"
    case .invalidData(let error):
      "invalid training data: \(error)"
    case .diverged(let step, let objective, let gradientNorm):
      "training diverged at step \(step): objective \(objective), gradient norm \(gradientNorm); "
        + "the network keeps the parameters of the last finite step (try a smaller learning rate)"
    case .incompatibleCheckpoint(let message, _):
      "checkpoint does not fit: \(message)"
    case .checkpointFile(let path, let reason, _):
      "checkpoint '\(path)': \(reason)"
    case .invalidParameter(let parameter):
      "invalid training setting: \(parameter)"
    }
  }
}
