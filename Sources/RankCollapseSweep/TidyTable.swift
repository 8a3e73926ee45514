import RankCollapseData

/// A tidy table: named columns, one row per measurement, every cell already text.
///
/// Cells hold the ``SweepValue/description`` of their values, so a table read back from a
/// sweep's point files prints exactly what the run computed.
///
/// ```swift
/// var table = TidyTable(columns: ["lambda", "layer", "metric", "value"])
/// table.append([0.001, 1, "tau_K", 0.0123])
/// try table.writeCSV(to: "out/figure1.csv")
/// ```
public struct TidyTable: Sendable, Hashable {
  /// The column names, in order.
  public let columns: [String]
  /// The rows; each has one cell per column.
  public private(set) var rows: [[String]]

  /// An empty table.
  ///
  /// - Parameter columns: The column names (distinct, at least one).
  public init(columns: [String]) {
    precondition(!columns.isEmpty, "TidyTable: at least one column")
    precondition(Set(columns).count == columns.count, "TidyTable: duplicate column in \(columns)")
    self.columns = columns
    self.rows = []
  }

  /// A table with rows of text cells.
  ///
  /// - Parameters:
  ///   - columns: The column names.
  ///   - rows: Rows of `columns.count` cells each.
  public init(columns: [String], rows: [[String]]) {
    self.init(columns: columns)
    for row in rows { append(cells: row) }
  }

  /// Appends a row of values.
  ///
  /// - Parameter values: One value per column (a precondition names both counts).
  public mutating func append(_ values: [SweepValue]) {
    append(cells: values.map(\.description))
  }

  /// Appends a row of text cells.
  ///
  /// - Parameter cells: One cell per column.
  public mutating func append(cells: [String]) {
    precondition(
      cells.count == columns.count,
      "TidyTable: a row of \(cells.count) cells for \(columns.count) columns \(columns)")
    rows.append(cells)
  }

  /// The cells of one column.
  ///
  /// - Parameter name: A column name.
  /// - Returns: Its cells in row order, or `nil` when there is no such column.
  public func column(_ name: String) -> [String]? {
    guard let index = columns.firstIndex(of: name) else { return nil }
    return rows.map { $0[index] }
  }

  /// The rows whose cells in the named columns equal the given values' text.
  ///
  /// - Parameter conditions: Column name → required value.
  /// - Returns: The matching rows.
  public func rows(where conditions: [String: SweepValue]) -> [[String]] {
    var checks: [(column: Int, cell: String)] = []
    for (name, value) in conditions {
      guard let column = columns.firstIndex(of: name) else { return [] }
      checks.append((column, value.description))
    }
    return rows.filter { row in checks.allSatisfy { row[$0.column] == $0.cell } }
  }

  /// The table as CSV (RFC 4180): a header row, then one line per row, `\n` line ends.
  ///
  /// A cell is quoted when it contains a comma, a double quote, a line break, or leading or
  /// trailing spaces; quotes inside are doubled.
  public var csv: String {
    var text = columns.map(Self.escape).joined(separator: ",") + "\n"
    for row in rows {
      text += row.map(Self.escape).joined(separator: ",")
      text += "\n"
    }
    return text
  }

  /// Writes ``csv`` to `path` atomically (temporary file, then rename).
  ///
  /// - Parameter path: The destination; its folder must exist.
  /// - Throws: ``SweepError/file(_:)`` when the file cannot be written.
  public func writeCSV(to path: String) throws(SweepError) {
    do {
      try AtomicFile.write(csv, to: path)
    } catch {
      throw .file(error)
    }
  }

  /// One CSV cell: quoted if needed.
  ///
  /// - Parameter cell: The text.
  /// - Returns: The cell as it appears in the file.
  public static func escape(_ cell: String) -> String {
    let needsQuotes =
      cell.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
      || cell.first == " " || cell.last == " "
    guard needsQuotes else { return cell }
    var quoted = "\""
    for scalar in cell.unicodeScalars {
      if scalar == "\"" { quoted += "\"\"" } else { quoted.unicodeScalars.append(scalar) }
    }
    return quoted + "\""
  }
}
