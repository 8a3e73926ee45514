import RankCollapseClustering
import RankCollapseTensor

/// Why an evaluation of the deep linear case (paper section 5) was rejected.
///
/// Every input that comes from a user (data, `λ`, ranks, indices, partitions) is validated and
/// rejected with one of these cases, never with a crash.
public enum DeepLinearError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The inputs have no rows or no columns, or the targets no columns.
  case emptyData(samples: Int, inputDimension: Int, outputDimension: Int)
  /// The inputs and targets have different numbers of rows (samples).
  case sampleCountMismatch(inputs: Int, targets: Int)
  /// An input or target is infinite or `NaN`.
  case nonFiniteData
  /// The weight-decay coefficient `λ` is not allowed here (negative, not finite, or 0 where the
  /// statement needs `λ > 0`).
  case invalidLambda(Double, requirement: String)
  /// A rank `r` or `K` outside `0...min(c, d)` (or `≥ 1` where required).
  case invalidRank(Int, requirement: String)
  /// Singular-value indices of Theorem 5.1 that are repeated or outside `0..<min(c, d)`.
  case invalidIndices([Int], available: Int)
  /// `X Xᵀ + Nλ I` (paper notation; `XᵀX + Nλ I` for row samples) is not numerically positive
  /// definite: with `λ = 0`, the inputs do not span `ℝ^d` (Theorem 5.1 assumes full rank).
  case singularGram
  /// A partition that does not cover exactly the `N` samples.
  case partitionMismatch(partition: Int, samples: Int)
  /// A partition of the targets into more sets than the rank `K` of Theorem 5.4 allows.
  case tooManyClusters(clusters: Int, rank: Int)
  /// A factorisation failed for another reason.
  case linearAlgebra(LinearAlgebraError)
  /// A total-cluster-variation estimator rejected its input.
  case clustering(ClusteringError)

  /// A sentence saying what went wrong.
  public var description: String {
    switch self {
    case .emptyData(let n, let d, let c):
      "the data are empty: \(n) samples, input dimension \(d), output dimension \(c)"
    case .sampleCountMismatch(let inputs, let targets):
      "inputs have \(inputs) rows (samples) but targets have \(targets)"
    case .nonFiniteData:
      "the inputs or targets contain an infinite or NaN value"
    case .invalidLambda(let value, let requirement):
      "λ = \(value) is invalid: it must be \(requirement)"
    case .invalidRank(let value, let requirement):
      "rank \(value) is invalid: it must be \(requirement)"
    case .invalidIndices(let indices, let available):
      "singular-value indices \(indices) must be distinct and in 0..<\(available)"
    case .singularGram:
      "XᵀX + Nλ I is not numerically positive definite (with λ = 0 the inputs must span ℝ^d)"
    case .partitionMismatch(let partition, let samples):
      "the partition covers \(partition) points but there are \(samples) samples"
    case .tooManyClusters(let clusters, let rank):
      "the partition has \(clusters) sets, more than the rank K = \(rank)"
    case .linearAlgebra(let error):
      "linear algebra failed: \(error)"
    case .clustering(let error):
      "the TCV estimator failed: \(error)"
    }
  }
}
