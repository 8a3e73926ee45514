#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A heatmap: a grid of values drawn as coloured cells, with categorical tick labels on both
/// axes and a colour bar, as in the paper's Figure 1 (λ on one axis, σ on the other, τ₁₀ as
/// colour).
///
/// ```swift
/// let map = Heatmap(
///   title: "τ₁₀, layer 2", xLabel: "λ", yLabel: "σ",
///   xTicks: Heatmap.labels(for: lambdas), yTicks: Heatmap.labels(for: sigmas),
///   values: tau, valueRange: 0...1, colorBarLabel: "τ₁₀")
/// try map.write(to: "tau-layer2.svg")
/// ```
///
/// `values[i][j]` is the cell in row `i` (y tick `i`, rows counted from the bottom, so a
/// numeric y axis increases upwards) and column `j` (x tick `j`). NaN or infinite cells are
/// drawn light grey.
public struct Heatmap: Sendable {
  /// The title above the map.
  public var title: String
  /// The label under the x axis.
  public var xLabel: String
  /// The label beside the y axis.
  public var yLabel: String
  /// One label per column, left to right.
  public var xTicks: [String]
  /// One label per row, bottom to top.
  public var yTicks: [String]
  /// The values, `yTicks.count` rows of `xTicks.count`.
  public var values: [[Double]]
  /// The values mapped to the colour map's ends.
  ///
  /// `nil` uses the finite values' minimum and maximum. Values outside are drawn in the end
  /// colours.
  public var valueRange: ClosedRange<Double>?
  /// The colour bar's label.
  public var colorBarLabel: String
  /// The colour map.
  public var colorMap: ColorMap
  /// How values map to colours: ``AxisScale/linear`` (the default) or
  /// ``AxisScale/logarithmic``, which spaces powers of ten equally along the colour map and the
  /// colour bar (for values spanning decades, such as τ₁₀ between 10⁻⁶ and 1).
  ///
  /// On a logarithmic scale the automatic range covers the positive finite values only, and
  /// zero or negative values lie below any range, so they are drawn in the colour of its lower
  /// end (as every value below the range is).
  public var colorScale: AxisScale
  /// Whether to print each cell's value inside it (two decimals).
  public var showsValues: Bool
  /// Cells to cross out (same shape as ``values``, `true` = crossed; empty: none), such as grid
  /// points whose run did not converge.
  public var markedCells: [[Bool]]
  /// The note under the plot that explains the crosses (shown when a cell is marked).
  public var markLegend: String
  /// The image's width in pixels.
  public var width: Double
  /// The image's height in pixels.
  public var height: Double

  /// Creates a heatmap.
  ///
  /// - Parameters:
  ///   - title: The title.
  ///   - xLabel: The x axis' label.
  ///   - yLabel: The y axis' label.
  ///   - xTicks: One label per column.
  ///   - yTicks: One label per row, bottom to top.
  ///   - values: `yTicks.count` rows of `xTicks.count` values (checked when rendered).
  ///   - valueRange: The range spanned by the colour map, or `nil` for the data's range.
  ///   - colorBarLabel: The colour bar's label.
  ///   - colorMap: The colour map.
  ///   - showsValues: Whether to print the values in the cells.
  ///   - width: The width in pixels.
  ///   - height: The height in pixels.
  ///   - colorScale: Linear or logarithmic mapping of values to colours.
  ///   - markedCells: Cells to cross out, like `values` (empty: none).
  ///   - markLegend: The note that explains the crosses.
  public init(
    title: String, xLabel: String, yLabel: String, xTicks: [String], yTicks: [String],
    values: [[Double]], valueRange: ClosedRange<Double>? = nil, colorBarLabel: String = "",
    colorMap: ColorMap = .viridis, showsValues: Bool = false, width: Double = 520,
    height: Double = 420, colorScale: AxisScale = .linear, markedCells: [[Bool]] = [],
    markLegend: String = "× not converged"
  ) {
    self.markedCells = markedCells
    self.markLegend = markLegend
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.xTicks = xTicks
    self.yTicks = yTicks
    self.values = values
    self.valueRange = valueRange
    self.colorBarLabel = colorBarLabel
    self.colorMap = colorMap
    self.showsValues = showsValues
    self.width = width
    self.height = height
    self.colorScale = colorScale
  }

  /// Tick labels for numeric grid values, in Swift's shortest decimal representation.
  ///
  /// For example `[0.001, 0.01, 0.1]` gives `["0.001", "0.01", "0.1"]` and `2.0` gives `"2"`.
  ///
  /// - Parameter values: The grid values.
  /// - Returns: One label per value.
  public static func labels(for values: [Double]) -> [String] {
    values.map { value in
      if value.isFinite && value == value.rounded() && abs(value) < 1e15 {
        String(Int64(value))
      } else {
        "\(value)"
      }
    }
  }

  /// The heatmap as a standalone SVG document.
  ///
  /// - Returns: The SVG text, with one `<rect class="cell">` per cell and a colour bar (one
  ///   `<rect class="color-bar">` filled with a gradient, with numeric ticks).
  /// - Throws: ``PlotError/emptyHeatmap``, ``PlotError/heatmapShapeMismatch(row:expected:actual:)``
  ///   or ``PlotError/invalidRange(lower:upper:)`` (also for a range that is not positive on a
  ///   logarithmic ``colorScale``).
  /// - Complexity: O(rows × columns).
  public func svg() throws(PlotError) -> String {
    SVGText.header(width: width, height: height) + (try body(idPrefix: "")) + "</svg>\n"
  }

  /// The heatmap's elements without the document around them, for ``svg()`` and for a panel of
  /// a ``FigureGrid``; `idPrefix` keeps element ids unique among several charts in one document.
  func body(idPrefix: String) throws(PlotError) -> String {
    guard !xTicks.isEmpty && !yTicks.isEmpty else { throw .emptyHeatmap }
    guard values.count == yTicks.count else {
      throw .heatmapShapeMismatch(row: nil, expected: yTicks.count, actual: values.count)
    }
    for (index, row) in values.enumerated() where row.count != xTicks.count {
      throw .heatmapShapeMismatch(row: index, expected: xTicks.count, actual: row.count)
    }
    let logarithmic = colorScale == .logarithmic
    let finite = values.joined().filter { $0.isFinite && (!logarithmic || $0 > 0) }
    var low = finite.min() ?? (logarithmic ? 1 : 0)
    var high = finite.max() ?? (logarithmic ? 10 : 1)
    if let valueRange {
      guard
        valueRange.lowerBound.isFinite && valueRange.upperBound.isFinite
          && valueRange.lowerBound < valueRange.upperBound
          && (!logarithmic || valueRange.lowerBound > 0)
      else {
        throw .invalidRange(lower: valueRange.lowerBound, upper: valueRange.upperBound)
      }
      low = valueRange.lowerBound
      high = valueRange.upperBound
    } else if low == high {
      if logarithmic {
        low /= 10
        high *= 10
      } else {
        let pad = low == 0 ? 1 : abs(low) / 2
        low -= pad
        high += pad
      }
    }
    // The position of a value along the colour map (below 0 or above 1 outside the range).
    let (lowEnd, highEnd) = (low, high)
    func position(_ value: Double) -> Double {
      guard logarithmic else { return (value - lowEnd) / (highEnd - lowEnd) }
      guard value > 0 else { return 0 }
      return (log10(value) - log10(lowEnd)) / (log10(highEnd) - log10(lowEnd))
    }

    let c = SVGText.coordinate
    let left = 72.0
    let top = 40.0
    let bottom = 56.0
    let barWidth = 16.0
    let right = 96.0
    let plotWidth = max(width - left - right, 10)
    let plotHeight = max(height - top - bottom, 10)
    let cellWidth = plotWidth / Double(xTicks.count)
    let cellHeight = plotHeight / Double(yTicks.count)

    var svg = SVGText.label(title, x: left + plotWidth / 2, y: 24, size: 15)
    svg += "<g class=\"cells\" stroke=\"none\" shape-rendering=\"crispEdges\">\n"
    var texts = ""
    for (rowIndex, row) in values.enumerated() {
      let y = top + plotHeight - Double(rowIndex + 1) * cellHeight
      for (columnIndex, value) in row.enumerated() {
        let x = left + Double(columnIndex) * cellWidth
        let fill =
          value.isFinite ? colorMap.color(at: position(value)).hexString : "#d9d9d9"
        svg += "<rect class=\"cell\" x=\"\(c(x))\" y=\"\(c(y))\" width=\"\(c(cellWidth))\" "
        svg += "height=\"\(c(cellHeight))\" fill=\"\(fill)\"/>\n"
        if showsValues && value.isFinite {
          let light = position(value) < 0.6
          texts += SVGText.label(
            logarithmic ? SVGText.significant(value) : SVGText.fixed(value, decimals: 2),
            x: x + cellWidth / 2, y: y + cellHeight / 2 + 4,
            size: 10, extra: " fill=\"\(light ? "#ffffff" : "#000000")\"")
        }
      }
    }
    svg += "</g>\n" + texts
    var anyMarked = false
    for (rowIndex, row) in markedCells.prefix(values.count).enumerated() {
      let y = top + plotHeight - Double(rowIndex + 1) * cellHeight
      for (columnIndex, marked) in row.prefix(xTicks.count).enumerated() where marked {
        anyMarked = true
        let x = left + Double(columnIndex) * cellWidth
        let (x0, y0) = (x + 0.2 * cellWidth, y + 0.2 * cellHeight)
        let (x1, y1) = (x + 0.8 * cellWidth, y + 0.8 * cellHeight)
        svg += "<path class=\"marked\" d=\"M\(c(x0)) \(c(y0)) L\(c(x1)) \(c(y1)) "
        svg += "M\(c(x1)) \(c(y0)) L\(c(x0)) \(c(y1))\" stroke=\"#e41a1c\" "
        svg += "stroke-width=\"2\" fill=\"none\"/>\n"
      }
    }
    if anyMarked {
      svg += SVGText.label(
        markLegend, x: left, y: height - 6, anchor: "start", size: 11,
        extra: " class=\"mark-legend\" fill=\"#e41a1c\"")
    }
    svg += "<rect x=\"\(c(left))\" y=\"\(c(top))\" width=\"\(c(plotWidth))\" "
    svg += "height=\"\(c(plotHeight))\" fill=\"none\" stroke=\"#000000\"/>\n"
    for (index, label) in xTicks.enumerated() {
      svg += SVGText.label(
        label, x: left + (Double(index) + 0.5) * cellWidth, y: top + plotHeight + 18,
        extra: " class=\"x-tick\"")
    }
    for (index, label) in yTicks.enumerated() {
      svg += SVGText.label(
        label, x: left - 8, y: top + plotHeight - (Double(index) + 0.5) * cellHeight + 4,
        anchor: "end", extra: " class=\"y-tick\"")
    }
    svg += SVGText.label(xLabel, x: left + plotWidth / 2, y: top + plotHeight + 42, size: 13)
    svg += SVGText.label(yLabel, x: 20, y: top + plotHeight / 2, size: 13, rotated: true)

    // Colour bar: a vertical gradient (value `high` at the top), with ticks.
    let barLeft = left + plotWidth + 20
    let gradientID = idPrefix + "color-bar"
    svg += "<defs><linearGradient id=\"\(gradientID)\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n"
    let stops = 32
    for stop in 0...stops {
      let t = Double(stop) / Double(stops)
      svg += "<stop offset=\"\(SVGText.fixed(t, decimals: 4))\" "
      svg += "stop-color=\"\(colorMap.color(at: t).hexString)\"/>\n"
    }
    svg += "</linearGradient></defs>\n"
    svg += "<rect class=\"color-bar\" x=\"\(c(barLeft))\" y=\"\(c(top))\" width=\"\(c(barWidth))\" "
    svg += "height=\"\(c(plotHeight))\" fill=\"url(#\(gradientID))\" stroke=\"#000000\"/>\n"
    var barTicks = AxisLayout(scale: colorScale, values: [low, high]).ticks.filter {
      (-1e-9...(1 + 1e-9)).contains(position($0.value))
    }
    if barTicks.count < 2 {
      // A log range inside one decade has no power of ten to show: label its ends instead.
      barTicks = [(low, SVGText.significant(low)), (high, SVGText.significant(high))]
    }
    for tick in barTicks {
      let t = position(tick.value)
      let y = top + (1 - t) * plotHeight
      svg += "<line x1=\"\(c(barLeft + barWidth))\" y1=\"\(c(y))\" "
      svg += "x2=\"\(c(barLeft + barWidth + 4))\" y2=\"\(c(y))\" stroke=\"#000000\"/>\n"
      svg += SVGText.label(
        tick.label, x: barLeft + barWidth + 7, y: y + 4, anchor: "start", size: 11,
        extra: " class=\"bar-tick\"")
    }
    svg += SVGText.label(
      colorBarLabel, x: barLeft + barWidth / 2, y: top - 8, size: 12)
    return svg
  }

  /// Writes the heatmap to `path` atomically (a temporary file beside it, then a rename).
  ///
  /// - Parameter path: The destination; an existing file is replaced.
  /// - Throws: The errors of ``svg()``, or ``PlotError/io(path:operation:code:)``.
  public func write(to path: String) throws(PlotError) {
    try SVGFile.store(try svg(), to: path)
  }
}
