import RankCollapseTensor

/// The spectral report of one matrix: every quantity of ``Spectrum`` at a chosen rank `K` and
/// tolerance `ε`, computed in `Double`, ready to print or to encode as JSON.
///
/// The JSON keys are a stable interface (the `rankcollapse analyze` command writes them):
/// `name`, `shape`, `singularValues`, `frobeniusNorm`, `spectralNorm`, `nuclearNorm`,
/// `stableRank`, `effectiveRank`, `numericalRank`, `relativeTail`, `rankDistance`, `softRank`,
/// `tailError`, and `notes` when a value is undefined; `noiseBaseline` when a noise baseline
/// was computed and `topK` when the values come from the top-k mode (see ``TopKEstimate``: then
/// `nuclearNorm`, `effectiveRank`, `numericalRank` and `softRank` are `null` and `tailError` is
/// empty, since they need every singular value).
///
/// Every ratio and rank is finite for a finite matrix (``Spectrum`` computes with scaled
/// values); only a norm or singular value beyond the largest finite `Double` (a matrix with
/// entries near `1.8e308`) is not a number. Such a value is `+infinity` here, encoded as JSON
/// `null`, and ``notes`` says which quantity it is and why.
public struct SpectralReport: Codable, Sendable, Equatable {
  /// What the matrix is called (a file name, or `file:tensor`).
  public var name: String

  /// `[rows, columns]`.
  public var shape: [Int]

  /// The singular values in decreasing order.
  public var singularValues: [Double]

  /// `‖W‖_F`.
  public var frobeniusNorm: Double

  /// `‖W‖_2 = s_1`.
  public var spectralNorm: Double

  /// `‖W‖_* = Σ s_i`.
  public var nuclearNorm: Double

  /// `‖W‖_F² / ‖W‖_2²`.
  public var stableRank: Double

  /// Roy & Vetterli's effective rank.
  public var effectiveRank: Double

  /// `#{s_i > s_1 · max(m, n) · ε}` with the machine epsilon of the precision the singular
  /// values are computed in (NumPy's and PyTorch's `matrix_rank` default): `Double`'s, whatever
  /// type the matrix was stored in (see ``Spectrum/numericalRank(tolerance:)``).
  public var numericalRank: Int

  /// `τ_K` at the report's rank `K`.
  public var relativeTail: Double

  /// `sqrt(Σ_{j>K} s_j²)` at the report's rank `K`.
  public var rankDistance: Double

  /// `rk(ε)` at the report's `ε`: the number of singular values kept.
  public var softRank: Int

  /// The tail errors `[e(1), …, e(k)]` of equation (22).
  public var tailError: [Double]

  /// The Marchenko–Pastur fit and shuffle comparison, when requested.
  public var noiseBaseline: NoiseBaseline?

  /// How the top-k mode computed the values and their error bounds; `nil` for a full SVD.
  public var topK: TopKEstimate?

  /// One sentence per quantity that is not a finite number (empty when all are).
  public var notes: [String] {
    var notes: [String] = []
    let scalars: [(String, Double)] = [
      ("frobeniusNorm", frobeniusNorm), ("spectralNorm", spectralNorm),
      ("nuclearNorm", nuclearNorm), ("stableRank", stableRank), ("effectiveRank", effectiveRank),
      ("relativeTail", relativeTail), ("rankDistance", rankDistance),
    ]
    if topK != nil {
      notes.append(
        "nuclearNorm, effectiveRank, numericalRank, softRank and tailError need every singular "
          + "value: not computed in top-k mode")
    }
    if let topK, !topK.meetsAccuracy {
      notes.append(
        "top-k: the error bound of relativeTail and rankDistance did not reach the requested "
          + "accuracy (see topK.relativeErrorBound)")
    }
    for (key, value) in scalars where !value.isFinite && !value.isNaN {
      notes.append("\(key) is undefined: it exceeds the largest finite double (about 1.8e308)")
    }
    let large = singularValues.filter { !$0.isFinite }.count
    if large > 0 {
      notes.append(
        "singularValues: \(large) value(s) exceed the largest finite double (about 1.8e308)")
    }
    if tailError.contains(where: { !$0.isFinite }) {
      notes.append("tailError is undefined for some r")
    }
    return notes
  }

  /// Creates the report of a spectrum.
  ///
  /// - Parameters:
  ///   - name: What the matrix is called.
  ///   - spectrum: Its singular values.
  ///   - rank: `K` for ``relativeTail`` and ``rankDistance``.
  ///   - epsilon: `ε` for ``softRank``.
  ///   - machineEpsilon: The `ε` of ``numericalRank``'s tolerance: by default `Double`'s, the
  ///     precision the spectrum was computed in, also for `float32`, `float16` or `bfloat16`
  ///     data converted to `Double` (the storage type's epsilon would give `bfloat16` matrices
  ///     with a dimension of 128 or more a numerical rank of 0).
  public init(
    name: String, spectrum: Spectrum<Double>, rank: Int, epsilon: Double,
    machineEpsilon: Double = .ulpOfOne
  ) {
    self.name = name
    self.shape = [spectrum.rows, spectrum.columns]
    self.singularValues = spectrum.singularValues
    self.frobeniusNorm = spectrum.frobeniusNorm
    self.spectralNorm = spectrum.spectralNorm
    self.nuclearNorm = spectrum.nuclearNorm
    self.stableRank = spectrum.stableRank
    self.effectiveRank = spectrum.effectiveRank
    self.numericalRank = spectrum.numericalRank(
      tolerance: .numpyDefault(machineEpsilon: machineEpsilon))
    self.relativeTail = spectrum.relativeTail(afterRank: rank)
    self.rankDistance = spectrum.distanceToRank(rank)
    self.softRank = spectrum.softRank(epsilon: epsilon)
    self.tailError = spectrum.tailErrors
  }

  private enum CodingKeys: String, CodingKey {
    case name, shape, singularValues, frobeniusNorm, spectralNorm, nuclearNorm, stableRank
    case effectiveRank, numericalRank, relativeTail, rankDistance, softRank, tailError, notes
    case noiseBaseline, topK
  }

  /// Encodes the report; a value that is not a finite number is `null`, and `notes` lists them.
  ///
  /// - Parameter encoder: The encoder.
  /// - Throws: What the encoder throws.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    func number(_ value: Double) -> Double? { value.isFinite ? value : nil }
    try container.encode(name, forKey: .name)
    try container.encode(shape, forKey: .shape)
    try container.encode(singularValues.map(number), forKey: .singularValues)
    try container.encode(number(frobeniusNorm), forKey: .frobeniusNorm)
    try container.encode(number(spectralNorm), forKey: .spectralNorm)
    try container.encode(number(nuclearNorm), forKey: .nuclearNorm)
    try container.encode(number(stableRank), forKey: .stableRank)
    try container.encode(number(effectiveRank), forKey: .effectiveRank)
    try container.encode(topK == nil ? numericalRank : nil, forKey: .numericalRank)
    try container.encode(number(relativeTail), forKey: .relativeTail)
    try container.encode(number(rankDistance), forKey: .rankDistance)
    try container.encode(topK == nil ? softRank : nil, forKey: .softRank)
    try container.encode(tailError.map(number), forKey: .tailError)
    let notes = self.notes
    if !notes.isEmpty { try container.encode(notes, forKey: .notes) }
    try container.encodeIfPresent(noiseBaseline, forKey: .noiseBaseline)
    try container.encodeIfPresent(topK, forKey: .topK)
  }

  /// Decodes a report written by ``encode(to:)``; `null` numbers become `+infinity`.
  ///
  /// - Parameter decoder: The decoder.
  /// - Throws: `DecodingError` if a key is missing or has the wrong type.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    func number(_ key: CodingKeys) throws -> Double {
      try container.decodeIfPresent(Double.self, forKey: key) ?? .infinity
    }
    name = try container.decode(String.self, forKey: .name)
    shape = try container.decode([Int].self, forKey: .shape)
    singularValues = try container.decode([Double?].self, forKey: .singularValues).map {
      $0 ?? .infinity
    }
    frobeniusNorm = try number(.frobeniusNorm)
    spectralNorm = try number(.spectralNorm)
    nuclearNorm = try number(.nuclearNorm)
    stableRank = try number(.stableRank)
    effectiveRank = try number(.effectiveRank)
    numericalRank = try container.decodeIfPresent(Int.self, forKey: .numericalRank) ?? 0
    relativeTail = try number(.relativeTail)
    rankDistance = try number(.rankDistance)
    softRank = try container.decodeIfPresent(Int.self, forKey: .softRank) ?? 0
    tailError = try container.decode([Double?].self, forKey: .tailError).map { $0 ?? .infinity }
    noiseBaseline = try container.decodeIfPresent(NoiseBaseline.self, forKey: .noiseBaseline)
    topK = try container.decodeIfPresent(TopKEstimate.self, forKey: .topK)
    if topK != nil {
      nuclearNorm = .nan
      effectiveRank = .nan
    }
  }
}
