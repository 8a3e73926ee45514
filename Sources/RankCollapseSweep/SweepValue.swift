/// One value of a sweep: a hyperparameter, a grid coordinate or a cell of a tidy table.
///
/// Its ``description`` is the text written to CSV: numbers in the shortest form that reads back
/// to the same `Double` (`0.1`, `1e-05`, `100000.0`; `nan`, `inf`, `-inf` for non-finite values,
/// which pandas and R read), integers in decimal, booleans `true`/`false`, text verbatim, lists
/// joined with `;`. In the sidecar JSON, numbers are JSON numbers (non-finite ones the strings
/// `"nan"`, `"inf"`, `"-inf"`), lists are arrays.
public enum SweepValue: Sendable, Hashable, CustomStringConvertible {
  /// A floating-point number.
  case number(Double)
  /// An integer.
  case integer(Int)
  /// Text.
  case text(String)
  /// A flag.
  case boolean(Bool)
  /// Several values, such as the λ values of a grid.
  case list([SweepValue])

  /// The CSV text of the value (see ``SweepValue``).
  public var description: String {
    switch self {
    case .number(let value): Self.format(value)
    case .integer(let value): String(value)
    case .text(let value): value
    case .boolean(let value): value ? "true" : "false"
    case .list(let values): values.map(\.description).joined(separator: ";")
    }
  }

  /// The shortest text that reads back to `value` (Swift's round-trip printing), with `nan`,
  /// `inf` and `-inf` for non-finite values.
  ///
  /// - Parameter value: A number.
  /// - Returns: Its text.
  public static func format(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return "\(value)"
  }

  /// The value as a `Double`, if it is a number or an integer.
  public var number: Double? {
    switch self {
    case .number(let value): value
    case .integer(let value): Double(value)
    default: nil
    }
  }
}

extension SweepValue: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
  ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral
{
  /// A number.
  ///
  /// - Parameter value: The number.
  public init(floatLiteral value: Double) { self = .number(value) }
  /// An integer.
  ///
  /// - Parameter value: The integer.
  public init(integerLiteral value: Int) { self = .integer(value) }
  /// Text.
  ///
  /// - Parameter value: The text.
  public init(stringLiteral value: String) { self = .text(value) }
  /// A flag.
  ///
  /// - Parameter value: The flag.
  public init(booleanLiteral value: Bool) { self = .boolean(value) }
  /// A list.
  ///
  /// - Parameter elements: The values.
  public init(arrayLiteral elements: SweepValue...) { self = .list(elements) }
}

extension SweepValue {
  /// A list of numbers.
  ///
  /// - Parameter numbers: The numbers.
  /// - Returns: `.list` of `.number` values.
  public static func numbers(_ numbers: [Double]) -> SweepValue {
    .list(numbers.map { .number($0) })
  }

  /// A list of integers.
  ///
  /// - Parameter integers: The integers.
  /// - Returns: `.list` of `.integer` values.
  public static func integers(_ integers: [Int]) -> SweepValue {
    .list(integers.map { .integer($0) })
  }
}
