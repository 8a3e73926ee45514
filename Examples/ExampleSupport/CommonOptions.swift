import ArgumentParser
import RankCollapseExperiments
import RankCollapseSweep
import RankCollapseTensor

/// The options every example program shares: `--seed`, `--threads` and `--output`.
///
/// Each program keeps its own defaults for the thread count and the output folder: the group
/// leaves both unset and the program applies its default at use
/// (``threadCount(default:)``, ``outputFolder(default:)``) and states it in its discussion.
public struct CommonOptions: ParsableArguments {
  /// The random seed of the run (what it seeds is in each program's description).
  @Option(
    parsing: .unconditional,
    help: "Random seed, 0…2^64−1; the same seed repeats the run exactly.")
  public var seed: UInt64 = 1

  /// The BLAS thread count, or `nil` for the program's default.
  @Option(
    parsing: .unconditional,
    help: "BLAS threads, 1…\(OptionRange.threadLimit) (default: see the program's description).")
  public var threads: Int?

  /// The output folder, or `nil` for the program's default.
  @Option(help: "Output folder, created if missing (default: see the program's description).")
  public var output: String?

  /// Creates the options at their defaults (ArgumentParser fills them from the command line).
  public init() {}

  /// Checks `--threads` against its range and that `--output` is not empty.
  ///
  /// - Throws: `ValidationError` (exit status 64) naming the option.
  public func validate() throws {
    try checkOption(
      threads, in: 1...OptionRange.threadLimit, option: "--threads", error: ValidationError.init)
    if let output, output.isEmpty {
      throw ValidationError("--output must not be empty.")
    }
  }

  /// The thread count to use.
  ///
  /// - Parameter defaultCount: The program's default when `--threads` is not given.
  /// - Returns: `--threads` if given, else `defaultCount`.
  public func threadCount(default defaultCount: Int) -> Int { threads ?? defaultCount }

  /// Sets `BLAS.threadCount` to the thread count to use.
  ///
  /// - Parameter defaultCount: The program's default when `--threads` is not given.
  /// - Returns: The count set, ``threadCount(default:)``.
  @discardableResult
  public func applyThreads(default defaultCount: Int) -> Int {
    let count = threadCount(default: defaultCount)
    BLAS.threadCount = count
    return count
  }

  /// The output folder to use.
  ///
  /// - Parameter defaultFolder: The program's default when `--output` is not given.
  /// - Returns: `--output` if given, else `defaultFolder`.
  public func outputFolder(default defaultFolder: String) -> String { output ?? defaultFolder }
}

/// `--shard i/n` for the programs that can split their grid over several processes.
public struct ShardOption: ParsableArguments {
  /// The shard as typed, `i/n` (1-based).
  @Option(
    help: "Compute only part i of n of the grid (1-based), e.g. $SLURM_ARRAY_TASK_ID/16.")
  public var shard: String = "1/1"

  /// Creates the option at its default (ArgumentParser fills it from the command line).
  public init() {}

  /// Checks that `--shard` reads as `i/n` with 1 ≤ i ≤ n.
  ///
  /// - Throws: `ValidationError` (exit status 64) naming `--shard`.
  public func validate() throws { _ = try parsed() }

  /// The shard to compute.
  ///
  /// - Returns: The parsed shard.
  /// - Throws: `ValidationError` naming `--shard` when the text is not a valid shard.
  public func parsed() throws(ValidationError) -> Shard {
    do { return try Shard(parsing: shard) } catch {
      throw ValidationError("\(error)")  // SweepError names --shard
    }
  }
}

/// Parses a comma-separated list option (`--lambdas 1e-4,1e-3`) of distinct values in a range.
///
/// Spaces around the values are ignored; an empty element, a value that does not parse, a
/// value outside `range` or a repeated value is a usage error naming the option.
///
/// - Parameters:
///   - text: The option's text, or `nil` when it was not given.
///   - option: The option's spelling, e.g. `--lambdas`.
///   - range: The allowed values of each element.
/// - Returns: The values in the order given, or `nil` when `text` is `nil`.
/// - Throws: `ValidationError` (exit status 64) naming the option.
public func parseList<T: LosslessStringConvertible & Hashable & Comparable>(
  _ text: String?, option: String, in range: ClosedRange<T>
) throws(ValidationError) -> [T]? {
  guard let text else { return nil }
  let parts = text.split(separator: ",", omittingEmptySubsequences: false)
  let values = parts.compactMap { part in
    T(String(part.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()))
  }
  guard values.count == parts.count else {
    throw ValidationError(
      "\(option) must be comma-separated values, each in \(OptionRange.describe(range)), "
        + "got '\(text)'.")
  }
  try checkOption(values, in: range, option: option, error: ValidationError.init)
  guard Set(values).count == values.count else {
    throw ValidationError("\(option) repeats a value: '\(text)'.")
  }
  return values
}
