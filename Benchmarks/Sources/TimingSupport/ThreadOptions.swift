import ArgumentParser
import RankCollapse

/// The `--threads N` option of the timing executables: the number of threads BLAS products use.
///
/// Include it with `@OptionGroup var threadOptions: ThreadOptions`; ArgumentParser calls
/// ``validate()`` while parsing. Call ``apply()`` first thing in `run()`, and print
/// `BLAS.threadCount` (what is in effect) rather than the option.
public struct ThreadOptions: ParsableArguments {
  /// The thread count given on the command line, or `nil` for the library's default.
  @Option(help: "BLAS threads (default: OPENBLAS_NUM_THREADS, else one per core).")
  public var threads: Int?

  /// Creates the options with no thread count given.
  public init() {}

  /// Rejects a thread count below 1.
  ///
  /// - Throws: `ValidationError` naming `--threads`.
  public func validate() throws { try Self.validate(threads) }

  /// Sets `BLAS.threadCount` to the given count; leaves the default when none was given.
  public func apply() {
    if let threads { BLAS.threadCount = threads }
  }

  /// Rejects a thread count below 1, for tools whose `--threads` has a default of its own.
  ///
  /// - Parameter threads: The count given, or `nil`.
  /// - Throws: `ValidationError` naming `--threads`.
  public static func validate(_ threads: Int?) throws {
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
  }
}
