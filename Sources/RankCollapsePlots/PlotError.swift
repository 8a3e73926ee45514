#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a chart could not be drawn or written.
public enum PlotError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A point on a logarithmic axis is zero or negative.
  ///
  /// - Parameters:
  ///   - series: The series' name.
  ///   - axis: `"x"` or `"y"`.
  ///   - value: The offending value.
  case nonPositiveValueOnLogAxis(series: String, axis: String, value: Double)
  /// A series' x and y arrays differ in length.
  case mismatchedSeriesLengths(series: String, xCount: Int, yCount: Int)
  /// A heatmap has no cells.
  case emptyHeatmap
  /// A heatmap's value grid does not match its axes: `row` has `actual` values, not `expected`,
  /// or (with `row == nil`) the grid has `actual` rows, not `expected`.
  case heatmapShapeMismatch(row: Int?, expected: Int, actual: Int)
  /// An explicitly given value range is empty, reversed or not finite.
  case invalidRange(lower: Double, upper: Double)
  /// A ``FigureGrid`` was given fewer than one column.
  case invalidColumnCount(Int)
  /// A panel of a ``FigureGrid`` could not be drawn.
  ///
  /// - Parameters:
  ///   - index: The panel's position in ``FigureGrid/panels``.
  ///   - title: The panel's title.
  ///   - error: Why the panel failed.
  indirect case panel(index: Int, title: String, error: PlotError)
  /// Writing the file failed.
  ///
  /// - Parameters:
  ///   - path: The destination.
  ///   - operation: What failed (`"create"`, `"write"`, `"rename"`).
  ///   - code: The `errno` value.
  case io(path: String, operation: String, code: Int32)

  /// The destination exists and is not a regular file (a symbolic link, a device node, a pipe):
  /// it is not replaced.
  ///
  /// - Parameter path: The destination.
  case notRegularFile(path: String)

  /// A sentence describing the problem.
  public var description: String {
    switch self {
    case .nonPositiveValueOnLogAxis(let series, let axis, let value):
      "series \"\(series)\" has \(axis) = \(value), which a logarithmic \(axis) axis cannot show"
    case .mismatchedSeriesLengths(let series, let xCount, let yCount):
      "series \"\(series)\" has \(xCount) x values but \(yCount) y values"
    case .emptyHeatmap:
      "the heatmap has no cells"
    case .heatmapShapeMismatch(let row, let expected, let actual):
      if let row {
        "heatmap row \(row) has \(actual) values, but the x axis has \(expected) ticks"
      } else {
        "the heatmap has \(actual) rows, but the y axis has \(expected) ticks"
      }
    case .invalidRange(let lower, let upper):
      "the range \(lower)…\(upper) is not a finite, non-empty interval"
    case .invalidColumnCount(let columns):
      "a figure needs at least 1 column, got \(columns)"
    case .panel(let index, let title, let error):
      "panel \(index) (\"\(title)\"): \(error)"
    case .notRegularFile(let path):
      "\(path) is not a regular file (a symbolic link, device or pipe); it is not replaced and "
        + "nothing was written"
    case .io(let path, let operation, let code):
      "could not \(operation) \(path): \(Self.systemMessage(code))"
    }
  }

  /// The operating system's text for an `errno` value (`strerror`), such as "Is a directory".
  static func systemMessage(_ code: Int32) -> String {
    guard let message = strerror(code) else { return "error \(code)" }
    return String(cString: message)
  }
}
