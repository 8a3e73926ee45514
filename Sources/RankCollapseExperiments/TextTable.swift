/// A plain-text table with left-aligned, padded columns, for the examples' summaries.
struct TextTable {
  /// The minimum width of each column but the last.
  var widths: [Int]
  /// The lines so far.
  var lines: [String] = []

  /// Adds a row; each cell but the last is padded to its column's width plus one space.
  mutating func add(_ cells: [String]) {
    var line = ""
    for (index, cell) in cells.enumerated() {
      if index < cells.count - 1, index < widths.count {
        line += cell + String(repeating: " ", count: Swift.max(1, widths[index] + 1 - cell.count))
      } else {
        line += cell
      }
    }
    lines.append(line)
  }

  /// The table.
  var text: String { lines.joined(separator: "\n") }

  /// `0.8812` as `88.1%`.
  static func percent(_ x: Double) -> String { "\((x * 1000).rounded() / 10)%" }

  /// A value rounded to two decimals.
  static func rounded(_ x: Double) -> String { "\((x * 100).rounded() / 100)" }

  /// A value rounded to one decimal.
  static func tenths(_ x: Double) -> String { "\((x * 10).rounded() / 10)" }
}
