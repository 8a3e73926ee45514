/// How a ``SpectralReport`` in top-k mode was computed, and the error bounds of its `τ_K` and
/// distance to rank `K` (JSON key `topK`).
///
/// The reported ``SpectralReport/relativeTail`` and ``SpectralReport/rankDistance`` are upper
/// bounds of the exact values, and lie within ``relativeTailErrorBound`` and
/// ``rankDistanceErrorBound`` of them (see ``TopSingularValues``).
public struct TopKEstimate: Codable, Sendable, Equatable {
  /// The number of leading singular values computed.
  public var valueCount: Int

  /// The range finder's subspace dimension.
  public var subspaceDimension: Int

  /// The power iterations run.
  public var powerIterations: Int

  /// A bound on `|τ̂_K − τ_K|`.
  public var relativeTailErrorBound: Double

  /// A bound on `|d̂ − d|` for the distance to rank `K`.
  public var rankDistanceErrorBound: Double

  /// A bound on the relative error of `τ̂_K` (and of the squared distance).
  public var relativeErrorBound: Double

  /// Whether the bound met the requested accuracy.
  public var meetsAccuracy: Bool

  /// The probability that the bounds fail (randomised residual norm estimate).
  public var failureProbability: Double

  /// The estimate's description of a result of
  /// ``RankCollapseTensor/Matrix/topSingularValues(_:tailAfterRank:options:)``.
  ///
  /// - Parameter result: The top-k result.
  public init(_ result: TopSingularValues) {
    valueCount = result.singularValues.count
    subspaceDimension = result.subspaceDimension
    powerIterations = result.powerIterations
    relativeTailErrorBound = result.relativeTailErrorBound
    rankDistanceErrorBound = result.distanceErrorBound
    relativeErrorBound = result.relativeErrorBound
    meetsAccuracy = result.meetsAccuracy
    failureProbability = result.failureProbability
  }

  private enum CodingKeys: String, CodingKey {
    case valueCount, subspaceDimension, powerIterations, relativeTailErrorBound
    case rankDistanceErrorBound, relativeErrorBound, meetsAccuracy, failureProbability
  }

  /// Encodes the estimate; an infinite relative bound (a tail of 0 not resolved) is `null`.
  ///
  /// - Parameter encoder: The encoder.
  /// - Throws: What the encoder throws.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(valueCount, forKey: .valueCount)
    try container.encode(subspaceDimension, forKey: .subspaceDimension)
    try container.encode(powerIterations, forKey: .powerIterations)
    try container.encode(relativeTailErrorBound, forKey: .relativeTailErrorBound)
    try container.encode(rankDistanceErrorBound, forKey: .rankDistanceErrorBound)
    try container.encode(
      relativeErrorBound.isFinite ? relativeErrorBound : nil, forKey: .relativeErrorBound)
    try container.encode(meetsAccuracy, forKey: .meetsAccuracy)
    try container.encode(failureProbability, forKey: .failureProbability)
  }

  /// Decodes an estimate written by ``encode(to:)``.
  ///
  /// - Parameter decoder: The decoder.
  /// - Throws: `DecodingError` if a key is missing or has the wrong type.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    valueCount = try container.decode(Int.self, forKey: .valueCount)
    subspaceDimension = try container.decode(Int.self, forKey: .subspaceDimension)
    powerIterations = try container.decode(Int.self, forKey: .powerIterations)
    relativeTailErrorBound = try container.decode(Double.self, forKey: .relativeTailErrorBound)
    rankDistanceErrorBound = try container.decode(Double.self, forKey: .rankDistanceErrorBound)
    relativeErrorBound =
      try container.decodeIfPresent(Double.self, forKey: .relativeErrorBound) ?? .infinity
    meetsAccuracy = try container.decode(Bool.self, forKey: .meetsAccuracy)
    failureProbability = try container.decode(Double.self, forKey: .failureProbability)
  }
}

extension SpectralReport {
  /// Creates the report of a top-k result: the norms, stable rank, `τ_K` and distance to rank
  /// `K` from it, with ``topK`` describing their error bounds.
  ///
  /// ``nuclearNorm`` and ``effectiveRank`` are `NaN` (JSON `null`), ``tailError`` is empty and
  /// ``softRank`` is 0 (JSON `null`): they need every singular value. ``numericalRank`` counts
  /// the computed values above the tolerance, a lower count of the true one (JSON `null`).
  ///
  /// - Parameters:
  ///   - name: What the matrix is called.
  ///   - topSingularValues: The top-k result; its rank is the report's `K`.
  ///   - machineEpsilon: The `ε` of ``numericalRank``'s tolerance, `Double`'s by default (as
  ///     for ``init(name:spectrum:rank:epsilon:machineEpsilon:)``).
  public init(
    name: String, topSingularValues: TopSingularValues, machineEpsilon: Double = .ulpOfOne
  ) {
    let result = topSingularValues
    self.name = name
    shape = [result.rows, result.columns]
    singularValues = result.singularValues
    frobeniusNorm = result.frobeniusNorm
    spectralNorm = result.spectralNorm
    nuclearNorm = .nan
    stableRank = result.stableRank
    effectiveRank = .nan
    let tolerance =
      result.spectralNorm * Double(Swift.max(result.rows, result.columns)) * machineEpsilon
    numericalRank = result.singularValues.prefix { $0 > tolerance }.count
    relativeTail = result.relativeTail
    rankDistance = result.distanceToRank
    softRank = 0
    tailError = []
    noiseBaseline = nil
    topK = TopKEstimate(result)
  }
}
