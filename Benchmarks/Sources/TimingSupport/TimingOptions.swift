import ArgumentParser

/// The operations a timing executable can time, named as in its Python comparison script, with
/// the executable's repetition defaults.
public protocol TimedOperations: CaseIterable, ExpressibleByArgument, RawRepresentable
where RawValue == String {
  /// The default of `--reps`.
  static var defaultRepetitions: Int { get }
  /// The default of `--warmup`.
  static var defaultWarmup: Int { get }
}

/// The `--op`, `--reps` and `--warmup` options of the timing executables.
///
/// Include it with `@OptionGroup var timing: TimingOptions<Operation>`; ArgumentParser calls
/// ``validate()`` while parsing.
public struct TimingOptions<Operation: TimedOperations>: ParsableArguments {
  /// The operation to time.
  @Option(help: "The operation: \(Operation.allCases.map(\.rawValue).joined(separator: ", ")).")
  public var op: Operation

  /// Timed repetitions.
  @Option(help: "Timed repetitions.")
  public var reps: Int = Operation.defaultRepetitions

  /// Untimed repetitions before the timed ones.
  @Option(help: "Untimed repetitions before the timed ones.")
  public var warmup: Int = Operation.defaultWarmup

  /// Creates the options at their defaults (ArgumentParser fills them from the command line).
  public init() {}

  /// Rejects fewer than one timed or a negative number of untimed repetitions.
  ///
  /// - Throws: `ValidationError` naming `--reps` or `--warmup`.
  public func validate() throws {
    guard reps >= 1 else { throw ValidationError("--reps must be at least 1") }
    guard warmup >= 0 else { throw ValidationError("--warmup must be at least 0") }
  }
}
