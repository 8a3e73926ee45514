import ArgumentParser
import RankCollapse
import RankCollapseExperiments

/// The options `analyze`, `diff` and `evolution` share: which matrices, `K`, `ε`, threads, the
/// memory budget and the progress display.
struct SpectralOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Use only matrices whose name contains a match of this regular expression.",
      discussion: "The name is the member or tensor name inside a .npz or .safetensors file, "
        + "and the path of a .npy file.",
      valueName: "regex"))
  var filter: String?

  @Option(
    name: [.customShort("k"), .long], parsing: .unconditional,
    help: "K for the relative tail τ_K and the distance to rank K (0…2147483647).")
  var rank: Int = 10

  @Option(
    parsing: .unconditional,
    help: "ε for the soft rank rk(ε), a finite number ≥ 0 (rk(ε) = 0 for ε ≥ 1).")
  var epsilon: Double = 0.1

  @Option(
    parsing: .unconditional,
    help: "Number of BLAS threads, 1…1024 (default: OPENBLAS_NUM_THREADS, else one per core).")
  var threads: Int?

  @OptionGroup var memory: MemoryBudgetOption

  @Flag(help: "Do not print the progress of long singular value computations on standard error.")
  var quiet = false

  func validate() throws {
    try Self.check(filter: filter, rank: rank, epsilon: epsilon, threads: threads)
  }

  /// The checks of `--filter`, `--rank`, `--epsilon` and `--threads`.
  static func check(filter: String?, rank: Int, epsilon: Double, threads: Int?) throws {
    if let filter {
      do { _ = try Regex(filter) } catch {
        throw ValidationError("--filter '\(filter)' is not a valid regular expression: \(error)")
      }
    }
    try checkOption(
      rank, in: 0...OptionRange.countLimit, option: "--rank", error: ValidationError.init)
    try checkOption(
      epsilon, in: 0...Double.greatestFiniteMagnitude, option: "--epsilon",
      error: ValidationError.init)
    try checkOption(
      threads, in: 1...OptionRange.threadLimit, option: "--threads", error: ValidationError.init)
  }

  /// Applies the memory budget and the thread count.
  ///
  /// - Returns: The compiled `--filter`.
  func apply() throws -> Regex<AnyRegexOutput>? {
    memory.apply()
    if let threads { BLAS.threadCount = threads }
    return try filter.map { try Regex($0) }
  }

  /// The progress display, `nil` with `--quiet`.
  func progress() -> SVDProgress? { quiet ? nil : SVDProgress() }

  /// The report of a spectrum at these `K` and `ε`.
  func report(_ name: String, _ spectrum: Spectrum<Double>) -> SpectralReport {
    SpectralReport(name: name, spectrum: spectrum, rank: rank, epsilon: epsilon)
  }
}
