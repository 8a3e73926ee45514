/// A line chart: several series of (x, y) points on linear or logarithmic axes, with a legend.
///
/// ```swift
/// var chart = LineChart(title: "‖Θ*,C − Θ*‖ against λ", xLabel: "λ", yLabel: "distance")
/// chart.xScale = .logarithmic
/// chart.yScale = .logarithmic
/// chart.series.append(LineChart.Series(name: "σ = 0.1", x: lambdas, y: distances))
/// try chart.write(to: "distance.svg")
/// ```
///
/// Points whose x or y is NaN or infinite are skipped and break the line (a gap); a series with
/// no drawable points still gets a legend entry. Axis ranges cover every drawable point and
/// extend to "nice" ticks (see ``AxisScale``).
public struct LineChart: Sendable {
  /// One line of a chart.
  public struct Series: Sendable {
    /// The name shown in the legend (and in errors).
    public var name: String
    /// The x values.
    public var x: [Double]
    /// The y values, as many as `x`.
    public var y: [Double]
    /// The line's colour; `nil` takes the next colour of ``RGBColor/seriesPalette``.
    public var color: RGBColor?
    /// Whether to draw a dot at every point.
    public var showsMarkers: Bool
    /// Whether to draw the line dashed.
    public var isDashed: Bool
    /// Whether the series has a legend entry.
    ///
    /// Turn it off for all but a few of many similar lines (e.g. curves coloured by epoch along
    /// a ``ColorMap``, where the first and last epochs are enough to read the colours).
    public var showsInLegend: Bool
    /// Points drawn as open circles instead of dots, like `x`; missing entries are dots.
    ///
    /// Use it to set apart measurements that are less trustworthy than the others, such as the
    /// results of training runs that did not reach their convergence criterion.
    public var hollowMarkers: [Bool]

    /// Creates a series.
    ///
    /// - Parameters:
    ///   - name: The legend entry.
    ///   - x: The x values.
    ///   - y: The y values, as many as `x` (checked when the chart is rendered).
    ///   - color: The colour, or `nil` for the palette's next.
    ///   - showsMarkers: Whether to mark every point with a dot.
    ///   - isDashed: Whether to dash the line (e.g. for a bound beside a measurement).
    ///   - showsInLegend: Whether the series has a legend entry.
    ///   - hollowMarkers: Points to draw as open circles, like `x` (empty: none).
    public init(
      name: String, x: [Double], y: [Double], color: RGBColor? = nil, showsMarkers: Bool = true,
      isDashed: Bool = false, showsInLegend: Bool = true, hollowMarkers: [Bool] = []
    ) {
      self.name = name
      self.x = x
      self.y = y
      self.color = color
      self.showsMarkers = showsMarkers
      self.isDashed = isDashed
      self.showsInLegend = showsInLegend
      self.hollowMarkers = hollowMarkers
    }
  }

  /// The title above the plot.
  public var title: String
  /// The label under the x axis.
  public var xLabel: String
  /// The label beside the y axis.
  public var yLabel: String
  /// The x axis' scale.
  public var xScale: AxisScale
  /// The y axis' scale.
  public var yScale: AxisScale
  /// The lines, drawn in order.
  public var series: [Series]
  /// The image's width in pixels.
  public var width: Double
  /// The image's height in pixels.
  public var height: Double

  /// Creates a chart.
  ///
  /// - Parameters:
  ///   - title: The title; Greek letters and subscripts as Unicode (e.g. `"τ₁₀ against λ"`).
  ///   - xLabel: The x axis' label.
  ///   - yLabel: The y axis' label.
  ///   - xScale: The x axis' scale.
  ///   - yScale: The y axis' scale.
  ///   - series: The lines.
  ///   - width: The width in pixels.
  ///   - height: The height in pixels.
  public init(
    title: String, xLabel: String, yLabel: String, xScale: AxisScale = .linear,
    yScale: AxisScale = .linear, series: [Series] = [], width: Double = 640,
    height: Double = 420
  ) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.xScale = xScale
    self.yScale = yScale
    self.series = series
    self.width = width
    self.height = height
  }

  /// The chart as a standalone SVG document.
  ///
  /// - Returns: The SVG text: a `<path>` per series with drawable points (gaps as new
  ///   subpaths), a `<circle>` per drawn marker, a `<g class="legend">` entry per series.
  /// - Throws: ``PlotError/mismatchedSeriesLengths(series:xCount:yCount:)`` or
  ///   ``PlotError/nonPositiveValueOnLogAxis(series:axis:value:)`` naming the series and value.
  /// - Complexity: O(n) in the total number of points.
  public func svg() throws(PlotError) -> String {
    SVGText.header(width: width, height: height) + (try body(idPrefix: "")) + "</svg>\n"
  }

  /// The chart's elements without the document around them, for ``svg()`` and for a panel of
  /// a ``FigureGrid``; `idPrefix` keeps element ids unique among several charts in one document.
  func body(idPrefix: String) throws(PlotError) -> String {
    // Validate, and collect the drawable values for the axis ranges.
    var xs: [Double] = []
    var ys: [Double] = []
    for line in series {
      guard line.x.count == line.y.count else {
        throw .mismatchedSeriesLengths(
          series: line.name, xCount: line.x.count, yCount: line.y.count)
      }
      for (x, y) in zip(line.x, line.y) where x.isFinite && y.isFinite {
        if xScale == .logarithmic && x <= 0 {
          throw .nonPositiveValueOnLogAxis(series: line.name, axis: "x", value: x)
        }
        if yScale == .logarithmic && y <= 0 {
          throw .nonPositiveValueOnLogAxis(series: line.name, axis: "y", value: y)
        }
        xs.append(x)
        ys.append(y)
      }
    }
    let xAxis = AxisLayout(scale: xScale, values: xs)
    let yAxis = AxisLayout(scale: yScale, values: ys)

    // Frame: room for tick labels on the left and below, the legend on the right.
    let left = 72.0
    // The legend's width follows its longest name (about 7 pixels a character at 12 pixels).
    let longestName = series.filter(\.showsInLegend).map(\.name.count).max()
    let right = longestName.map { min(max(56 + 7 * Double($0), 100), width / 2) } ?? 24
    let top = 40.0
    let bottom = 56.0
    let plotWidth = max(width - left - right, 10)
    let plotHeight = max(height - top - bottom, 10)
    func px(_ x: Double) -> Double { left + xAxis.fraction(of: x) * plotWidth }
    func py(_ y: Double) -> Double { top + (1 - yAxis.fraction(of: y)) * plotHeight }

    var svg = SVGText.label(title, x: left + plotWidth / 2, y: 24, size: 15)
    svg += Frame.axes(
      x: xAxis, y: yAxis, left: left, top: top, width: plotWidth, height: plotHeight,
      xLabel: xLabel, yLabel: yLabel)

    // Lines, clipped to the plot area.
    let clipID = idPrefix + "plot-area"
    svg += "<clipPath id=\"\(clipID)\"><rect x=\"\(SVGText.coordinate(left))\" "
    svg += "y=\"\(SVGText.coordinate(top))\" width=\"\(SVGText.coordinate(plotWidth))\" "
    svg += "height=\"\(SVGText.coordinate(plotHeight))\"/></clipPath>\n"
    var legend = "<g class=\"legend\">\n"
    var legendIndex = 0
    for (index, line) in series.enumerated() {
      let color = (line.color ?? RGBColor.seriesPalette[index % RGBColor.seriesPalette.count])
        .hexString
      let dash = line.isDashed ? " stroke-dasharray=\"6 4\"" : ""
      var path = ""
      var markers = ""
      var penDown = false
      for (pointIndex, (x, y)) in zip(line.x, line.y).enumerated() {
        guard x.isFinite && y.isFinite else {
          penDown = false
          continue
        }
        let point = SVGText.coordinate(px(x)) + " " + SVGText.coordinate(py(y))
        path += (penDown ? " L " : (path.isEmpty ? "M " : " M ")) + point
        penDown = true
        if line.showsMarkers {
          markers += "<circle cx=\"\(SVGText.coordinate(px(x)))\" "
          let hollow = pointIndex < line.hollowMarkers.count && line.hollowMarkers[pointIndex]
          markers += "cy=\"\(SVGText.coordinate(py(y)))\" r=\"3\" "
          markers +=
            hollow
            ? "fill=\"white\" stroke=\"\(color)\" stroke-width=\"1.5\" class=\"hollow\"/>\n"
            : "fill=\"\(color)\"/>\n"
        }
      }
      svg += "<g class=\"series\" clip-path=\"url(#\(clipID))\">\n"
      if !path.isEmpty {
        svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\""
        svg += dash + " stroke-linejoin=\"round\"/>\n"
      }
      svg += markers + "</g>\n"

      guard line.showsInLegend else { continue }
      let entryY = top + 8 + Double(legendIndex) * 20
      legendIndex += 1
      let entryX = left + plotWidth + 16
      legend += "<g class=\"legend-entry\">"
      legend += "<line x1=\"\(SVGText.coordinate(entryX))\" y1=\"\(SVGText.coordinate(entryY))\" "
      legend += "x2=\"\(SVGText.coordinate(entryX + 24))\" y2=\"\(SVGText.coordinate(entryY))\" "
      legend += "stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>"
      if line.showsMarkers && !line.hollowMarkers.isEmpty && line.hollowMarkers.allSatisfy({ $0 }) {
        // A series of open circles only shows one on its legend line.
        legend += "<circle cx=\"\(SVGText.coordinate(entryX + 12))\" "
        legend += "cy=\"\(SVGText.coordinate(entryY))\" r=\"3\" fill=\"white\" "
        legend += "stroke=\"\(color)\" stroke-width=\"1.5\"/>"
      }
      legend += SVGText.label(
        line.name, x: entryX + 30, y: entryY + 4, anchor: "start", size: 12)
      legend += "</g>\n"
    }
    legend += "</g>\n"
    return svg + legend
  }

  /// Writes the chart to `path` atomically (a temporary file beside it, then a rename).
  ///
  /// - Parameter path: The destination; an existing file is replaced.
  /// - Throws: The errors of ``svg()``, or ``PlotError/io(path:operation:code:)``.
  public func write(to path: String) throws(PlotError) {
    try SVGFile.store(try svg(), to: path)
  }
}
