import ArgumentParser
import Foundation
import RankCollapse
import RankCollapseExperiments

/// The options of `analyze` that choose how singular values are computed (`--svd`, `--top-k`,
/// `--top-k-accuracy`) and which noise baseline is reported (`--noise-baseline`, `--seed`).
struct SpectralMethodOptions: ParsableArguments {
  /// How the singular values of a matrix are computed.
  enum Method: String, ExpressibleByArgument, CaseIterable {
    /// Every singular value (LAPACK `?gesdd`).
    case full
    /// The leading values, `τ_K` and the distance to rank `K` with an error bound.
    case topK = "top-k"
    /// Top-k for matrices with `min(m, n) ≥` ``SpectralMethodOptions/autoThreshold`` (falling
    /// back to the full SVD if the bound misses the accuracy), full otherwise.
    case auto
  }

  /// Which noise baseline to report.
  enum Baseline: String, ExpressibleByArgument, CaseIterable {
    case none, mp, shuffle, both
  }

  /// The smallest `min(m, n)` for which `--svd auto` uses the top-k mode.
  static let autoThreshold = 2048

  @Option(
    name: .customLong("svd"),
    help: ArgumentHelp(
      "How singular values are computed: full, top-k or auto.",
      discussion: "top-k computes the leading values with a randomised range finder and "
        + "bounds the error of τ_K and the distance to rank K; auto uses it for matrices with "
        + "min(m, n) ≥ \(autoThreshold) and falls back to the full SVD when the bound misses "
        + "--top-k-accuracy."))
  var method: Method = .auto

  @Option(
    name: .customLong("top-k"), parsing: .unconditional,
    help: "Leading singular values to compute in top-k mode, 1…2147483647 (default: --rank).")
  var valueCount: Int?

  @Option(
    name: .customLong("top-k-accuracy"), parsing: .unconditional,
    help: "Relative accuracy requested for τ_K and the distance in top-k mode, in (0, 1).")
  var accuracy: Double = 1e-6

  @Option(
    name: .customLong("noise-baseline"),
    help: ArgumentHelp(
      "Noise baseline per matrix: none, mp (Marchenko–Pastur fit), shuffle, or both.",
      discussion: "mp fits the Marchenko–Pastur law with σ from the median singular value "
        + "(Gavish & Donoho 2014) and counts the singular values above its bulk edge; shuffle "
        + "counts those above the largest singular value of the same entries shuffled "
        + "(seeded by --seed). Both need every singular value, so they use the full SVD."))
  var baseline: Baseline = .none

  @Option(
    parsing: .unconditional,
    help: "Seed of the shuffle baseline and of the top-k range finder, 0…18446744073709551615.")
  var seed: UInt64 = 0

  func validate() throws {
    try checkOption(
      valueCount, in: 1...OptionRange.countLimit, option: "--top-k", error: ValidationError.init)
    guard accuracy > 0 && accuracy < 1 else {
      throw ValidationError("--top-k-accuracy must be in (0, 1), got \(accuracy).")
    }
    if method == .topK && baseline != .none {
      throw ValidationError(
        "--noise-baseline \(baseline.rawValue) needs every singular value: use --svd full or "
          + "auto with it, not top-k.")
    }
  }

  /// Whether `input` is analysed in top-k mode.
  func usesTopK(_ input: MatrixInput) -> Bool {
    usesTopK(shape: input.shape)
  }

  /// Whether a matrix of shape `shape` is analysed in top-k mode.
  func usesTopK(shape: [Int]) -> Bool {
    switch method {
    case .full: return false
    case .topK: return true
    case .auto:
      return baseline == .none && shape.count == 2 && min(shape[0], shape[1]) >= Self.autoThreshold
    }
  }

  /// Whether the inputs need more than the full spectra of `Analyze.spectra(of:progress:)`.
  func needsOwnPath(_ inputs: [MatrixInput]) -> Bool {
    baseline != .none || inputs.contains(where: usesTopK)
  }

  /// The report of one matrix, with its full spectrum when one was computed.
  func analyse(
    _ input: MatrixInput, rank: Int, epsilon: Double
  ) throws -> (report: SpectralReport, spectrum: Spectrum<Double>?) {
    let options = TopSingularValuesOptions(relativeAccuracy: accuracy, seed: seed)
    /// The top-k report of `matrix`, or `nil` when `auto` falls back to the full SVD.
    func topK<Scalar: MatrixScalar>(_ matrix: Matrix<Scalar>) throws -> SpectralReport? {
      let result = try matrix.topSingularValues(
        valueCount ?? rank, tailAfterRank: rank, options: options)
      guard result.meetsAccuracy || method == .topK else {
        noteFallback(input, result)
        return nil
      }
      var report = SpectralReport(name: input.name, topSingularValues: result)
      if input.isTransposed { report.shape.reverse() }
      return report
    }
    // The float32 matrix lives only for this call: a fallback to the full SVD reads the file
    // again, widened, so that the two copies are never in memory together.
    if usesTopK(input), let single = input.singlePrecision,
      let report = try topK(input.finiteMatrix(single))
    {
      return (report, nil)
    }
    let matrix = try input.finiteMatrix()
    if usesTopK(input) && input.singlePrecision == nil, let report = try topK(matrix) {
      return (report, nil)
    }
    var spectrum: Spectrum<Double>
    var shuffle: ShuffleComparison?
    if baseline == .shuffle || baseline == .both {
      spectrum = try matrix.spectrum()
      shuffle = try matrix.shuffleComparison(spectrum: spectrum, seed: seed)
    } else {
      // `consume` ends `matrix` here, so the SVD overwrites the only copy in memory (a copy
      // would double the peak: issue 15's 2.5× the file size of a float32 matrix).
      spectrum = try Matrix.spectrum(consuming: consume matrix)
    }
    if input.isTransposed { spectrum = spectrum.transposed() }
    var report = SpectralReport(name: input.name, spectrum: spectrum, rank: rank, epsilon: epsilon)
    if baseline != .none {
      let fit = baseline == .mp || baseline == .both ? spectrum.marchenkoPasturFit() : nil
      report.noiseBaseline = NoiseBaseline(marchenkoPastur: fit, shuffle: shuffle)
    }
    return (report, spectrum)
  }

  /// Says on standard error that the top-k bound of `input` missed the accuracy.
  private func noteFallback(_ input: MatrixInput, _ result: TopSingularValues) {
    printToStandardError(
      "note: \(terminalSafe(input.name)): the top-k bound (relative \(result.relativeErrorBound)) "
        + "missed --top-k-accuracy \(accuracy) after \(result.powerIterations) power "
        + "iterations; computing the full SVD")
  }

  /// The reports of `inputs`, in order: the full-SVD matrices spread over the threads as
  /// `Analyze.spectra(of:progress:)` spreads them (largest first, inputs read on demand start
  /// only while ``MemoryGate`` lets them), the top-k ones one after another (their products use
  /// the BLAS threads).
  ///
  /// - Throws: ``CommandFailure`` naming the first matrix (in `inputs` order) that failed.
  func analyses(
    of inputs: [MatrixInput], rank: Int, epsilon: Double, progress: SVDProgress?
  ) throws -> [(report: SpectralReport, spectrum: Spectrum<Double>?)] {
    typealias Analysis = (report: SpectralReport, spectrum: Spectrum<Double>?)
    var results = [Result<Analysis, any Error>?](repeating: nil, count: inputs.count)
    let gate = MemoryGate(inputs)
    for index in inputs.indices where usesTopK(inputs[index]) {
      results[index] = Result {
        let bytes = gate.enter(inputs[index])
        defer { gate.leave(bytes) }
        let token = progress?.start(inputs[index])
        defer { token?.finish() }
        return try analyse(inputs[index], rank: rank, epsilon: epsilon)
      }
    }
    let rest = inputs.indices.filter { !usesTopK(inputs[$0]) }
    results.withUnsafeMutableBufferPointer { slots in
      // Each index is handed out once, so the calls write disjoint slots; the options are
      // plain values.
      let shared = UncheckedSendable((inputs, slots, self))
      Analyze.schedule(inputs, indices: rest, progress: progress) { index in
        let (inputs, slots, options) = shared.value
        slots[index] = Result { try options.analyse(inputs[index], rank: rank, epsilon: epsilon) }
      }
    }
    return try inputs.indices.map { try Analyze.outcome(of: results[$0], for: inputs[$0]) }
  }
}
