import RankCollapseTensor

/// The spectral report of one matrix: every quantity of ``Spectrum`` at a chosen rank `K` and
/// tolerance `ε`, computed in `Double`, ready to print or to encode as JSON.
///
/// The JSON keys are a stable interface (the `rankcollapse analyze` command writes them):
/// `name`, `shape`, `singularValues`, `frobeniusNorm`, `spectralNorm`, `nuclearNorm`,
/// `stableRank`, `effectiveRank`, `numericalRank`, `relativeTail`, `rankDistance`, `softRank`,
/// `tailError`.
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

  /// `#{s_i > s_1 · max(m, n) · ε}` with the machine epsilon of the data's own precision
  /// (NumPy's and PyTorch's `matrix_rank` default).
  public var numericalRank: Int

  /// `τ_K` at the report's rank `K`.
  public var relativeTail: Double

  /// `sqrt(Σ_{j>K} s_j²)` at the report's rank `K`.
  public var rankDistance: Double

  /// `rk(ε)` at the report's `ε`: the number of singular values kept.
  public var softRank: Int

  /// The tail errors `[e(1), …, e(k)]` of equation (22).
  public var tailError: [Double]

  /// Creates the report of a spectrum.
  ///
  /// - Parameters:
  ///   - name: What the matrix is called.
  ///   - spectrum: Its singular values.
  ///   - rank: `K` for ``relativeTail`` and ``rankDistance``.
  ///   - epsilon: `ε` for ``softRank``.
  ///   - machineEpsilon: The machine epsilon of the precision the matrix was stored in, for
  ///     ``numericalRank``; `Float.ulpOfOne` for `float32` data analysed in `Double`.
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
}
