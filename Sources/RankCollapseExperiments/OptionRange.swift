/// Checks a numeric command-line option against its documented range, before anything is
/// allocated from it: one seed per restart, one row per point, one step per epoch.
///
/// Every numeric option of `rankcollapse` and of the example programs states its range in its
/// help; a value outside it (or a `NaN`) is a usage error naming the option, thrown as the
/// caller's own error type (`ArgumentParser.ValidationError`, which exits with status 64).
///
/// - Parameters:
///   - value: The parsed value; `nil` (an option left at its default) passes.
///   - range: The allowed values.
///   - option: The option's spelling, e.g. `--restarts`.
///   - error: Makes the caller's error from the message.
/// - Throws: `error(message)` when `value` is outside `range`.
public func checkOption<T: Comparable, E: Error>(
  _ value: T?, in range: ClosedRange<T>, option: String, error: (String) -> E
) throws(E) {
  guard let value, !range.contains(value) else { return }
  throw error(
    "\(option) must be in \(OptionRange.describe(range)), got \(OptionRange.describe(value)).")
}

/// Checks every element of a list option (`--lambdas 1e-4,1e-3`) against its range.
///
/// - Parameters:
///   - values: The parsed list.
///   - range: The allowed values of each element.
///   - option: The option's spelling.
///   - error: Makes the caller's error from the message.
/// - Throws: `error(message)` naming the first element outside `range`.
public func checkOption<T: Comparable, E: Error>(
  _ values: [T], in range: ClosedRange<T>, option: String, error: (String) -> E
) throws(E) {
  for value in values { try checkOption(value, in: range, option: option, error: error) }
}

/// Text for option ranges and values in messages and help.
public enum OptionRange {
  /// A range as `1…10000`, `0…∞` or `(0, 1000000]` for help and messages.
  ///
  /// - Parameter range: The range; a `Double` bound of `greatestFiniteMagnitude` prints as `∞`.
  /// - Returns: `lower…upper`.
  public static func describe<T: Comparable>(_ range: ClosedRange<T>) -> String {
    if let lower = range.lowerBound as? Double, lower == .leastNonzeroMagnitude {
      return "(0, \(describe(range.upperBound))]"
    }
    return "\(describe(range.lowerBound))…\(describe(range.upperBound))"
  }

  /// A value as a message shows it (`∞` for the largest finite `Double`).
  ///
  /// - Parameter value: The value.
  /// - Returns: Its text.
  public static func describe<T>(_ value: T) -> String {
    if let double = value as? Double {
      if double == .greatestFiniteMagnitude { return "∞" }
      if double == -.greatestFiniteMagnitude { return "-∞" }
      if double.rounded() == double, abs(double) < 1e15 { return "\(Int(double))" }
    }
    return "\(value)"
  }

  /// The largest value of a count option that allocates per unit (points, restarts, steps):
  /// 2³¹ − 1, far above any real use and far below an overflow of the sizes derived from it.
  public static let countLimit = Int(Int32.max)

  /// The range of a positive real option (a learning rate): above 0, at most 10⁶.
  public static let positive = Double.leastNonzeroMagnitude...1e6

  /// The largest thread count accepted by `--threads`.
  public static let threadLimit = 1024
}
