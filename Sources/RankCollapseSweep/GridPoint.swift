/// One axis of a sweep's grid: a name (a CSV column) and its values.
public struct SweepAxis: Sendable, Hashable {
  /// The coordinate's name, such as `"lambda"`.
  public let name: String
  /// Its values, in order.
  public let values: [SweepValue]

  /// An axis.
  ///
  /// - Parameters:
  ///   - name: The coordinate's name.
  ///   - values: Its values (at least one, distinct).
  public init(_ name: String, _ values: [SweepValue]) {
    self.name = name
    self.values = values
  }

  /// An axis of numbers.
  ///
  /// - Parameters:
  ///   - name: The coordinate's name.
  ///   - numbers: Its values.
  public init(_ name: String, numbers: [Double]) {
    self.init(name, numbers.map { .number($0) })
  }
}

/// One point of a sweep's grid: its position in grid order and its coordinates.
public struct GridPoint: Sendable, Hashable, CustomStringConvertible {
  /// The 0-based position in grid order (the first axis varies slowest).
  public let index: Int
  /// The coordinate names, in axis order.
  public let names: [String]
  /// The coordinate values, in axis order.
  public let values: [SweepValue]

  /// A point.
  ///
  /// - Parameters:
  ///   - index: Its position in grid order.
  ///   - names: Coordinate names.
  ///   - values: One value per name.
  public init(index: Int, names: [String], values: [SweepValue]) {
    precondition(
      names.count == values.count,
      "GridPoint: \(names.count) names for \(values.count) values")
    self.index = index
    self.names = names
    self.values = values
  }

  /// The value of the named coordinate.
  ///
  /// - Parameter name: A coordinate name.
  /// - Returns: Its value, or `nil` when the point has no such coordinate.
  public subscript(name: String) -> SweepValue? {
    names.firstIndex(of: name).map { values[$0] }
  }

  /// `"#3 (lambda=0.001, sigma=0.1)"`.
  public var description: String {
    "#\(index) (" + zip(names, values).map { "\($0)=\($1)" }.joined(separator: ", ") + ")"
  }

  /// The Cartesian product of the axes, the first axis varying slowest.
  ///
  /// - Parameter axes: At least one axis; names distinct, each with at least one value and no
  ///   repeated value.
  /// - Returns: The points, indexed 0… in order.
  /// - Throws: ``SweepError/invalidGrid(_:)`` naming the axis that is wrong.
  public static func grid(_ axes: [SweepAxis]) throws(SweepError) -> [GridPoint] {
    guard !axes.isEmpty else { throw .invalidGrid("a grid needs at least one axis") }
    var seen = Set<String>()
    for axis in axes {
      guard seen.insert(axis.name).inserted else {
        throw .invalidGrid("two axes are called '\(axis.name)'")
      }
      guard !axis.values.isEmpty else { throw .invalidGrid("axis '\(axis.name)' has no values") }
      guard Set(axis.values.map(\.description)).count == axis.values.count else {
        throw .invalidGrid("axis '\(axis.name)' repeats a value: \(axis.values)")
      }
    }
    let names = axes.map(\.name)
    var combinations: [[SweepValue]] = [[]]
    for axis in axes {
      combinations = combinations.flatMap { prefix in axis.values.map { prefix + [$0] } }
    }
    return combinations.enumerated().map {
      GridPoint(index: $0.offset, names: names, values: $0.element)
    }
  }
}
