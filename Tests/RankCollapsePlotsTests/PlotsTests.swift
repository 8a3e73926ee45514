import Foundation
import Testing

@testable import RankCollapsePlots

#if canImport(FoundationXML)
import FoundationXML
#endif

/// What a parsed SVG contains: element counts, elements' attributes and text contents.
final class SVGSummary: NSObject, XMLParserDelegate {
  var counts: [String: Int] = [:]
  var elements: [(name: String, attributes: [String: String])] = []
  var texts: [(attributes: [String: String], text: String)] = []
  private var currentText: String?
  private var currentAttributes: [String: String] = [:]

  /// Parses `svg`, recording an issue if it is not well-formed XML.
  init(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) {
    super.init()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = self
    let parsed = parser.parse()
    #expect(
      parsed, "not well-formed: \(String(describing: parser.parserError))",
      sourceLocation: sourceLocation)
  }

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
    qualifiedName: String?, attributes: [String: String] = [:]
  ) {
    counts[elementName, default: 0] += 1
    elements.append((elementName, attributes))
    if elementName == "text" {
      currentText = ""
      currentAttributes = attributes
    }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    currentText? += string
  }

  func parser(
    _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
    qualifiedName: String?
  ) {
    if elementName == "text", let text = currentText {
      texts.append((currentAttributes, text))
      currentText = nil
    }
  }

  /// Elements named `name` whose class is `className`.
  func elements(_ name: String, class className: String) -> [[String: String]] {
    elements.filter { $0.name == name && $0.attributes["class"] == className }.map(\.attributes)
  }

  /// The texts whose class is `className`.
  func texts(class className: String) -> [String] {
    texts.filter { $0.attributes["class"] == className }.map(\.text)
  }
}

@Suite struct HeatmapTests {
  let lambdas = [0.0001, 0.001, 0.01, 0.1]
  let sigmas = [0.05, 0.1, 0.5]

  func grid() -> [[Double]] {
    sigmas.map { sigma in lambdas.map { lambda in 1 / (1 + 50 * lambda / sigma) } }
  }

  @Test func oneCellPerValueAndAColorBar() throws {
    let map = Heatmap(
      title: "τ₁₀ of layer 2 <Figure 1>", xLabel: "λ", yLabel: "σ",
      xTicks: Heatmap.labels(for: lambdas), yTicks: Heatmap.labels(for: sigmas),
      values: grid(), valueRange: 0...1, colorBarLabel: "τ₁₀")
    let summary = SVGSummary(try map.svg())
    #expect(summary.elements("rect", class: "cell").count == 12)
    #expect(summary.elements("rect", class: "color-bar").count == 1)
    #expect(summary.texts(class: "x-tick") == ["0.0001", "0.001", "0.01", "0.1"])
    #expect(summary.texts(class: "y-tick") == ["0.05", "0.1", "0.5"])
    #expect(summary.texts(class: "bar-tick") == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    #expect(summary.texts.contains { $0.text == "τ₁₀ of layer 2 <Figure 1>" })
  }

  @Test func cellColorsFollowTheValuesAndRowsCountFromTheBottom() throws {
    let map = Heatmap(
      title: "t", xLabel: "x", yLabel: "y", xTicks: ["a", "b"], yTicks: ["low", "high"],
      values: [[0, 1], [.nan, 0.5]], valueRange: 0...1)
    let cells = SVGSummary(try map.svg()).elements("rect", class: "cell")
    #expect(cells.map { $0["fill"] } == ["#440154", "#fde725", "#d9d9d9", "#21918c"])
    // Row 0 is drawn below row 1.
    let y0 = try #require(Double(cells[0]["y"] ?? ""))
    let y1 = try #require(Double(cells[2]["y"] ?? ""))
    #expect(y0 > y1)
  }

  @Test func automaticRangeAndValuesInCells() throws {
    let map = Heatmap(
      title: "t", xLabel: "x", yLabel: "y", xTicks: ["a", "b"], yTicks: ["c"],
      values: [[2, 4]], showsValues: true)
    let summary = SVGSummary(try map.svg())
    let fills = summary.elements("rect", class: "cell").map { $0["fill"] }
    #expect(fills == ["#440154", "#fde725"])
    #expect(summary.texts.map(\.text).contains("4.00"))
  }

  @Test func badShapesAndRangesThrow() {
    #expect(throws: PlotError.emptyHeatmap) {
      try Heatmap(title: "", xLabel: "", yLabel: "", xTicks: [], yTicks: [], values: []).svg()
    }
    #expect(throws: PlotError.heatmapShapeMismatch(row: nil, expected: 2, actual: 1)) {
      try Heatmap(
        title: "", xLabel: "", yLabel: "", xTicks: ["a"], yTicks: ["b", "c"], values: [[1]]
      )
      .svg()
    }
    #expect(throws: PlotError.heatmapShapeMismatch(row: 1, expected: 2, actual: 1)) {
      try Heatmap(
        title: "", xLabel: "", yLabel: "", xTicks: ["a", "b"], yTicks: ["c", "d"],
        values: [[1, 2], [3]]
      ).svg()
    }
    #expect(throws: PlotError.invalidRange(lower: 1, upper: 1)) {
      try Heatmap(
        title: "", xLabel: "", yLabel: "", xTicks: ["a"], yTicks: ["b"], values: [[1]],
        valueRange: 1...1
      ).svg()
    }
  }
}

@Suite struct LineChartTests {
  @Test func onePathPerSeriesAndALegendEntryEach() throws {
    var chart = LineChart(title: "‖Θ*,C − Θ*‖ against λ", xLabel: "λ", yLabel: "‖Θ*,C − Θ*‖")
    chart.series = [
      .init(name: "σ = 0.1", x: [1, 2, 3], y: [1, 4, 9]),
      .init(name: "σ = 0.2", x: [1, 2, 3], y: [2, 3, 5], showsMarkers: false),
      .init(name: "bound", x: [1, 3], y: [10, 10], isDashed: true),
      .init(name: "empty", x: [], y: []),
    ]
    let summary = SVGSummary(try chart.svg())
    #expect(summary.counts["path"] == 3)
    #expect(summary.counts["circle"] == 5)
    #expect(summary.elements("g", class: "legend-entry").count == 4)
    let legend = summary.texts.filter { $0.attributes["text-anchor"] == "start" }.map(\.text)
    #expect(legend == ["σ = 0.1", "σ = 0.2", "bound", "empty"])
    #expect(summary.texts(class: "x-tick") == ["1.0", "1.5", "2.0", "2.5", "3.0"])
    #expect(summary.texts(class: "y-tick") == ["0", "2", "4", "6", "8", "10"])
  }

  @Test func escapedTextRoundTrips() throws {
    let awkward = "a & b < c > d \"quoted\" 'single' τ₁₀"
    let chart = LineChart(
      title: awkward, xLabel: "x", yLabel: "y", series: [.init(name: awkward, x: [0], y: [0])])
    let svg = try chart.svg()
    #expect(!svg.contains("a & b"))
    let texts = SVGSummary(svg).texts.map(\.text)
    #expect(texts.filter { $0 == awkward }.count == 2)
  }

  @Test func nonFiniteValuesMakeGaps() throws {
    let chart = LineChart(
      title: "t", xLabel: "x", yLabel: "y",
      series: [.init(name: "s", x: [1, 2, 3, 4, 5], y: [1, 2, .nan, 4, .infinity])])
    let summary = SVGSummary(try chart.svg())
    let path = try #require(summary.elements.first { $0.name == "path" }?.attributes["d"])
    #expect(path.filter { $0 == "M" }.count == 2)
    #expect(path.filter { $0 == "L" }.count == 1)
    #expect(summary.counts["circle"] == 3)
    // The axis covers the finite points only.
    #expect(summary.texts(class: "y-tick") == ["1", "2", "3", "4"])
  }

  @Test func logAxisTicksAtPowersOfTen() throws {
    let chart = LineChart(
      title: "t", xLabel: "λ", yLabel: "distance", xScale: .logarithmic, yScale: .logarithmic,
      series: [.init(name: "s", x: [0.001, 0.01, 0.1], y: [2e-6, 3e-4, 0.5])])
    let summary = SVGSummary(try chart.svg())
    #expect(summary.texts(class: "x-tick") == ["10⁻³", "10⁻²", "10⁻¹"])
    #expect(
      summary.texts(class: "y-tick") == ["10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1"])
    // Equal spacing of the decades: tick labels' x positions differ by the same amount.
    let positions = summary.texts.filter { $0.attributes["class"] == "x-tick" }
      .compactMap { Double($0.attributes["x"] ?? "") }
    #expect(positions.count == 3)
    #expect(abs((positions[1] - positions[0]) - (positions[2] - positions[1])) < 0.02)
    // The data's middle point (x = 0.01) lies on the middle tick.
    let circles = summary.elements.filter { $0.name == "circle" }
      .compactMap { Double($0.attributes["cx"] ?? "") }
    #expect(abs(circles[1] - positions[1]) < 0.02)
  }

  @Test func logAxisLayout() {
    let axis = AxisLayout(scale: .logarithmic, values: [3, 4000])
    #expect(axis.ticks.map(\.value) == [1, 10, 100, 1000, 10000])
    #expect(axis.fraction(of: 100) == 0.5)
    let single = AxisLayout(scale: .logarithmic, values: [100])
    #expect(single.ticks.map(\.label) == ["10", "10²", "10³"])
    let many = AxisLayout(scale: .logarithmic, values: [1e-12, 1e12])
    #expect(many.ticks.count <= 9)
    #expect(many.ticks.first?.value == 1e-12)
  }

  @Test func linearLayoutIsNice() {
    let axis = AxisLayout(scale: .linear, values: [0.013, 0.87])
    #expect(axis.ticks.map(\.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    let flat = AxisLayout(scale: .linear, values: [5, 5])
    #expect(flat.lower < 5 && flat.upper > 5)
    let empty = AxisLayout(scale: .linear, values: [])
    #expect(empty.lower == 0 && empty.upper == 1)
    let negative = AxisLayout(scale: .linear, values: [-37, 12])
    #expect(negative.ticks.map(\.label) == ["-40", "-30", "-20", "-10", "0", "10", "20"])
  }

  @Test func extremeRangesStayFiniteAndTerminate() {
    let huge = AxisLayout(
      scale: .linear, values: [-.greatestFiniteMagnitude, .greatestFiniteMagnitude])
    #expect(huge.lower.isFinite && huge.upper.isFinite && huge.ticks.count >= 2)
    // Beyond 2⁵³, adding 1 to a double tick index does nothing: the layout must still stop.
    let offset = AxisLayout(scale: .linear, values: [1e17, 1e17 + 16])
    #expect(offset.ticks.count >= 2 && offset.ticks.count <= 21)
    let tiny = AxisLayout(scale: .linear, values: [1e-300, 3e-300])
    #expect(tiny.ticks.count >= 2)
    #expect(SVGText.fixed(9e14, decimals: 6) == "\(9e14)")
  }

  @Test func randomRangesAreCoveredByDistinctIncreasingTicks() {
    // A small seeded linear congruential generator keeps the instances reproducible.
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func uniform() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    for _ in 0..<2000 {
      let magnitude = AxisLayout.power(Int(uniform() * 40) - 20)
      let a = (uniform() * 2 - 1) * magnitude
      let b = a + uniform() * magnitude
      for scale in [AxisScale.linear, .logarithmic] {
        let values = scale == .linear ? [a, b] : [abs(a) + magnitude * 1e-3, abs(b) + magnitude]
        let axis = AxisLayout(scale: scale, values: values)
        let low = values.min() ?? 0
        let high = values.max() ?? 0
        #expect(axis.lower <= low && axis.upper >= high, "\(scale) \(values)")
        #expect((2...21).contains(axis.ticks.count), "\(scale) \(values)")
        #expect(zip(axis.ticks, axis.ticks.dropFirst()).allSatisfy { $0.value < $1.value })
        #expect(Set(axis.ticks.map(\.label)).count == axis.ticks.count, "\(scale) \(values)")
      }
    }
  }

  @Test func emptyChartIsStillAPicture() throws {
    let summary = SVGSummary(try LineChart(title: "nothing", xLabel: "x", yLabel: "y").svg())
    #expect(summary.counts["path"] == nil)
    #expect(summary.counts["svg"] == 1)
  }

  @Test func invalidInputThrowsNamingTheSeries() {
    let log = LineChart(
      title: "t", xLabel: "x", yLabel: "y", yScale: .logarithmic,
      series: [.init(name: "fine", x: [1], y: [1]), .init(name: "σ = 0", x: [1, 2], y: [1, 0])])
    #expect(throws: PlotError.nonPositiveValueOnLogAxis(series: "σ = 0", axis: "y", value: 0)) {
      try log.svg()
    }
    let error = PlotError.nonPositiveValueOnLogAxis(series: "σ = 0", axis: "y", value: 0)
    #expect(error.description.contains("σ = 0"))
    let xLog = LineChart(
      title: "t", xLabel: "x", yLabel: "y", xScale: .logarithmic,
      series: [.init(name: "neg", x: [-1], y: [1])])
    #expect(throws: PlotError.nonPositiveValueOnLogAxis(series: "neg", axis: "x", value: -1)) {
      try xLog.svg()
    }
    let ragged = LineChart(
      title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "r", x: [1, 2], y: [1])])
    #expect(throws: PlotError.mismatchedSeriesLengths(series: "r", xCount: 2, yCount: 1)) {
      try ragged.svg()
    }
  }
}

@Suite struct SupportTests {
  @Test func viridisEndpointsAndMidpoint() {
    #expect(ColorMap.viridis.color(at: 0).hexString == "#440154")
    #expect(ColorMap.viridis.color(at: 1).hexString == "#fde725")
    #expect(ColorMap.viridis.color(at: 0.5).hexString == "#21918c")
    #expect(ColorMap.viridis.color(at: -3) == ColorMap.viridis.color(at: 0))
    #expect(ColorMap.viridis.color(at: 7) == ColorMap.viridis.color(at: 1))
    #expect(ColorMap.viridis.color(at: .nan) == ColorMap.viridis.color(at: 0))
  }

  @Test func viridisLightnessIncreases() {
    // Rec. 709 luma as a lightness proxy: strictly increasing along the map.
    var previous = -1.0
    for step in 0...100 {
      let color = ColorMap.viridis.color(at: Double(step) / 100)
      let luma =
        0.2126 * Double(color.red) + 0.7152 * Double(color.green)
        + 0.0722 * Double(color.blue)
      #expect(luma >= previous, "at \(step)")
      previous = luma
    }
  }

  @Test func numberFormatting() {
    #expect(SVGText.fixed(1.005, decimals: 1) == "1.0")
    #expect(SVGText.fixed(-0.25, decimals: 2) == "-0.25")
    #expect(SVGText.fixed(-0.001, decimals: 2) == "0.00")
    #expect(SVGText.fixed(12.5, decimals: 0) == "13")
    #expect(SVGText.fixed(0.0001, decimals: 4) == "0.0001")
    #expect(SVGText.powerOfTen(-12) == "10⁻¹²")
    #expect(Heatmap.labels(for: [2, 0.5, 1e-4]) == ["2", "0.5", "0.0001"])
  }

  @Test func escaping() {
    #expect(
      SVGText.escaped("<a & 'b' \"c\">\u{1}") == "&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;")
  }

  @Test func writesAtomically() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "plots-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("chart.svg").path
    let chart = LineChart(
      title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", x: [1, 2], y: [3, 4])])
    try chart.write(to: path)
    try chart.write(to: path)
    let written = try String(contentsOfFile: path, encoding: .utf8)
    #expect(written == (try chart.svg()))
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["chart.svg"])

    let missing = folder.appendingPathComponent("no/such/folder/chart.svg").path
    #expect(throws: PlotError.io(path: missing, operation: "create", code: ENOENT)) {
      try chart.write(to: missing)
    }
    // A failing chart writes nothing.
    let bad = LineChart(
      title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "r", x: [1], y: [])])
    let other = folder.appendingPathComponent("bad.svg").path
    #expect(throws: PlotError.self) { try bad.write(to: other) }
    #expect(!FileManager.default.fileExists(atPath: other))
  }
}

@Suite("Heatmap marks")
struct HeatmapMarkTests {
  @Test("Marked cells are crossed out and explained; unmarked heatmaps draw no cross")
  func marks() throws {
    var heatmap = Heatmap(
      title: "t", xLabel: "x", yLabel: "y", xTicks: ["a", "b", "c"], yTicks: ["1", "2"],
      values: [[1, 2, 3], [4, 5, 6]], markedCells: [[false, true, false], [true, false, false]],
      markLegend: "× not converged")
    let svg = try heatmap.svg()
    #expect(svg.components(separatedBy: "class=\"marked\"").count - 1 == 2)
    #expect(svg.contains("× not converged"))
    heatmap.markedCells = []
    let plain = try heatmap.svg()
    #expect(!plain.contains("class=\"marked\"") && !plain.contains("× not converged"))
  }
}

@Suite("Line chart open markers")
struct LineChartHollowMarkerTests {
  @Test("Points flagged hollow are open circles, the others dots; no flags draw no open circle")
  func hollow() throws {
    var chart = LineChart(
      title: "t", xLabel: "x", yLabel: "y",
      series: [.init(name: "r", x: [1, 2, 3], y: [1, 4, 9], hollowMarkers: [false, true])])
    let svg = try chart.svg()
    #expect(svg.components(separatedBy: "class=\"hollow\"").count - 1 == 1)
    #expect(svg.components(separatedBy: "<circle").count - 1 == 3)
    chart.series[0].hollowMarkers = []
    let plain = try chart.svg()
    #expect(!plain.contains("class=\"hollow\""))
    #expect(plain.components(separatedBy: "<circle").count - 1 == 3)
  }
}
