/// Several charts in one SVG document, in a grid of rows and columns under a shared title: a
/// multi-panel figure such as the paper's Figure 1 (one τ₁₀ heatmap per layer, side by side) or
/// Figure 3 (rows of λ values × columns of layers, each panel a family of e(r) curves).
///
/// ```swift
/// let panels = layers.map { layer in
///   FigureGrid.Panel.heatmap(
///     Heatmap(
///       title: "layer \(layer)", xLabel: "λ", yLabel: "σ", xTicks: lambdaLabels,
///       yTicks: sigmaLabels, values: tau[layer], valueRange: 0...1, colorBarLabel: "τ₁₀"))
/// }
/// let figure = FigureGrid(title: "τ₁₀ per layer", columns: 4, panels: panels)
/// try figure.write(to: "figure1.svg")
/// ```
///
/// Panels fill the grid row by row, left to right; the last row may be partly empty. Each panel
/// keeps its own size: a column is as wide as its widest panel and a row as tall as its tallest,
/// and a panel sits in the top-left corner of its cell. Each panel is a nested `<svg
/// class="panel">` element, so it looks exactly as the chart does in a file of its own.
public struct FigureGrid: Sendable {
  /// One panel of a figure.
  public enum Panel: Sendable {
    /// A heatmap with its colour bar.
    case heatmap(Heatmap)
    /// A line chart with its legend.
    case lineChart(LineChart)

    /// The panel's width in pixels.
    public var width: Double {
      switch self {
      case .heatmap(let map): map.width
      case .lineChart(let chart): chart.width
      }
    }

    /// The panel's height in pixels.
    public var height: Double {
      switch self {
      case .heatmap(let map): map.height
      case .lineChart(let chart): chart.height
      }
    }

    /// The panel's own title.
    public var title: String {
      switch self {
      case .heatmap(let map): map.title
      case .lineChart(let chart): chart.title
      }
    }

    func body(idPrefix: String) throws(PlotError) -> String {
      switch self {
      case .heatmap(let map): try map.body(idPrefix: idPrefix)
      case .lineChart(let chart): try chart.body(idPrefix: idPrefix)
      }
    }
  }

  /// The figure's title, above all panels (no title row when empty).
  public var title: String
  /// The number of panels in a row.
  public var columns: Int
  /// The panels, row by row.
  public var panels: [Panel]

  /// Creates a figure.
  ///
  /// - Parameters:
  ///   - title: The overall title; empty for none.
  ///   - columns: The number of panels in a row (at least 1, checked when rendered).
  ///   - panels: The panels, row by row.
  public init(title: String = "", columns: Int, panels: [Panel] = []) {
    self.title = title
    self.columns = columns
    self.panels = panels
  }

  /// The height of the title row in pixels.
  private var titleHeight: Double { title.isEmpty ? 0 : 36 }

  /// The widths of the columns and the heights of the rows (empty when `columns < 1`).
  private var cellSizes: (widths: [Double], heights: [Double]) {
    guard columns >= 1 else { return ([], []) }
    let rows = (panels.count + columns - 1) / columns
    var widths = [Double](repeating: 0, count: min(columns, panels.count))
    var heights = [Double](repeating: 0, count: rows)
    for (index, panel) in panels.enumerated() {
      widths[index % columns] = max(widths[index % columns], panel.width)
      heights[index / columns] = max(heights[index / columns], panel.height)
    }
    return (widths, heights)
  }

  /// The figure's width in pixels: the sum of the column widths.
  public var width: Double { max(cellSizes.widths.reduce(0, +), 1) }

  /// The figure's height in pixels: the title row and the sum of the row heights.
  public var height: Double { max(titleHeight + cellSizes.heights.reduce(0, +), 1) }

  /// The figure as a standalone SVG document.
  ///
  /// - Returns: The SVG text: the title, then one nested `<svg class="panel">` per panel whose
  ///   contents are those of the panel's own ``Heatmap/svg()`` or ``LineChart/svg()`` (element
  ///   ids prefixed `p0-`, `p1-`, … so that they stay unique).
  /// - Throws: ``PlotError/invalidColumnCount(_:)``, or
  ///   ``PlotError/panel(index:title:error:)`` wrapping the first failing panel's error.
  /// - Complexity: The sum of the panels' rendering costs.
  public func svg() throws(PlotError) -> String {
    guard columns >= 1 else { throw .invalidColumnCount(columns) }
    let (widths, heights) = cellSizes
    let c = SVGText.coordinate
    var svg = SVGText.header(width: width, height: height)
    if !title.isEmpty {
      svg += SVGText.label(title, x: width / 2, y: 25, size: 17, extra: " class=\"figure-title\"")
    }
    var top = titleHeight
    for row in heights.indices {
      var left = 0.0
      for column in widths.indices {
        let index = row * columns + column
        guard index < panels.count else { break }
        let panel = panels[index]
        let body: String
        do {
          body = try panel.body(idPrefix: "p\(index)-")
        } catch {
          throw .panel(index: index, title: panel.title, error: error)
        }
        svg += "<svg class=\"panel\" x=\"\(c(left))\" y=\"\(c(top))\" width=\"\(c(panel.width))\" "
        svg += "height=\"\(c(panel.height))\" "
        svg += "viewBox=\"0 0 \(c(panel.width)) \(c(panel.height))\">\n"
        svg += body + "</svg>\n"
        left += widths[column]
      }
      top += heights[row]
    }
    return svg + "</svg>\n"
  }

  /// Writes the figure to `path` atomically (a temporary file beside it, then a rename).
  ///
  /// - Parameter path: The destination; an existing file is replaced.
  /// - Throws: The errors of ``svg()``, or ``PlotError/io(path:operation:code:)``; nothing is
  ///   written when a panel cannot be drawn.
  public func write(to path: String) throws(PlotError) {
    try SVGFile.store(try svg(), to: path)
  }
}
