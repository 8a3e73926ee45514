import RankCollapseClustering
import RankCollapseNetwork
import RankCollapseTensor

/// Why a ``CentroidWarmupTrainer`` could not start or stopped with a failure.
public enum WarmupError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A warm-up setting outside its range: its name, value and the rule it breaks.
  case invalidParameter(ParameterError)

  /// A parameter outside its range: the ``invalidParameter(_:)`` case with a `ParameterError`
  /// of these fields.
  ///
  /// - Parameters:
  ///   - name: The parameter's name.
  ///   - value: The value given, as text.
  ///   - requirement: What the value must be.
  /// - Returns: The error.
  public static func invalidParameter(name: String, value: String, requirement: String)
    -> WarmupError
  {
    .invalidParameter(ParameterError(name: name, value: value, requirement: requirement))
  }
  /// More clusters requested than there are samples (K > N).
  case tooManyClusters(clusters: Int, points: Int)
  /// The partition does not cover exactly the N samples.
  case partitionMismatch(partitionPoints: Int, points: Int)
  /// The partition source needs class labels but the targets are values.
  case labelsRequired
  /// The data does not fit the network.
  case invalidData(NetworkError)
  /// k-means (initial partition or a refresh) failed.
  case clustering(ClusteringError)
  /// The centroid objective or its gradient became NaN or infinite at warm-up step `step`; the
  /// network keeps the last parameters with finite values.
  case diverged(step: Int, objective: Double, gradientNorm: Double)
  /// The full-data phase (the library `Trainer`) failed; its configuration errors also land here.
  case training(TrainingError)

  /// A description a user can act on.
  public var description: String {
    switch self {
    case .invalidParameter(let parameter):
      "invalid warm-up setting \(parameter.name) = \(parameter.value): must be \(parameter.requirement)"
    case .tooManyClusters(let clusters, let points):
      "the warm-up asks for K = \(clusters) clusters but the data has only N = \(points) samples"
    case .partitionMismatch(let partitionPoints, let points):
      "the partition covers \(partitionPoints) samples but the data has \(points)"
    case .labelsRequired:
      "a partition by class labels needs integer label targets (use k-means for value targets)"
    case .invalidData(let error): "invalid training data: \(error)"
    case .clustering(let error): "k-means failed: \(error)"
    case .diverged(let step, let objective, let gradientNorm):
      "the centroid warm-up diverged at step \(step): objective \(objective), gradient norm "
        + "\(gradientNorm) (try a smaller learning rate)"
    case .training(let error): "full-data phase: \(error)"
    }
  }
}
