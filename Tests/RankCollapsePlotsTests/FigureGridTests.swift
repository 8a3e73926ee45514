import Foundation
import Testing

@testable import RankCollapsePlots

/// A small heatmap of the given size whose title is `title`.
private func heatmap(_ title: String, width: Double = 520, height: Double = 420) -> Heatmap {
  Heatmap(
    title: title, xLabel: "λ", yLabel: "σ", xTicks: ["0.001", "0.01"], yTicks: ["0.1", "0.5"],
    values: [[0.9, 0.5], [0.7, 0.1]], valueRange: 0...1, colorBarLabel: "τ₁₀", width: width,
    height: height)
}

/// The nested panels' `x`, `y`, `width` and `height` attributes as numbers.
private func panelFrames(_ summary: SVGSummary) -> [[Double]] {
  summary.elements("svg", class: "panel").map { attributes in
    ["x", "y", "width", "height"].map { Double(attributes[$0] ?? "") ?? .nan }
  }
}

@Suite struct FigureGridTests {
  @Test func panelsFillRowsLeftToRightUnderTheTitle() throws {
    let figure = FigureGrid(
      title: "τ₁₀ per layer (Figure 1)", columns: 2,
      panels: (1...4).map { .heatmap(heatmap("layer \($0)")) })
    let summary = SVGSummary(try figure.svg())
    #expect(summary.counts["svg"] == 5)
    #expect(summary.texts(class: "figure-title") == ["τ₁₀ per layer (Figure 1)"])
    // Title row 36 px, then two rows of 420 px; columns 520 px wide.
    #expect(
      panelFrames(summary) == [
        [0, 36, 520, 420], [520, 36, 520, 420], [0, 456, 520, 420], [520, 456, 520, 420],
      ])
    #expect(figure.width == 1040 && figure.height == 876)
    let root = try #require(summary.elements.first)
    #expect(root.attributes["width"] == "1040.00" && root.attributes["height"] == "876.00")
    // Every panel keeps all of its cells and its colour bar.
    #expect(summary.elements("rect", class: "cell").count == 16)
    #expect(summary.elements("rect", class: "color-bar").count == 4)
  }

  @Test func idsAreUniqueAndEveryReferenceResolves() throws {
    let chart = LineChart(
      title: "e(r)", xLabel: "r", yLabel: "e(r)", yScale: .logarithmic,
      series: [.init(name: "epoch 1", x: [1, 2, 3], y: [1, 0.5, 0.1])])
    let figure = FigureGrid(
      columns: 3, panels: [.heatmap(heatmap("a")), .lineChart(chart), .lineChart(chart)])
    let summary = SVGSummary(try figure.svg())
    let ids = summary.elements.compactMap { $0.attributes["id"] }
    #expect(ids.count == 3)
    #expect(Set(ids).count == ids.count)
    let references = summary.elements.flatMap { element in
      ["fill", "clip-path"].compactMap { element.attributes[$0] }.filter {
        $0.hasPrefix("url(#")
      }
    }
    #expect(references.count == 3)
    for reference in references {
      #expect(ids.contains(String(reference.dropFirst(5).dropLast())), "\(reference)")
    }
    // No title: no title row.
    #expect(summary.texts(class: "figure-title").isEmpty)
    #expect(panelFrames(summary).map { $0[1] } == [0, 0, 0])
  }

  @Test func columnsAsWideAsTheWidestPanelAndAPartialLastRow() throws {
    let figure = FigureGrid(
      title: "t", columns: 2,
      panels: [
        .heatmap(heatmap("a", width: 300, height: 200)),
        .heatmap(heatmap("b", width: 400, height: 250)),
        .heatmap(heatmap("c", width: 350, height: 100)),
      ])
    let summary = SVGSummary(try figure.svg())
    #expect(
      panelFrames(summary) == [[0, 36, 300, 200], [350, 36, 400, 250], [0, 286, 350, 100]])
    #expect(figure.width == 750 && figure.height == 386)
  }

  @Test func badLayoutsAndPanelsThrowNamingThePanel() throws {
    #expect(throws: PlotError.invalidColumnCount(0)) {
      try FigureGrid(columns: 0, panels: [.heatmap(heatmap("a"))]).svg()
    }
    let bad = LineChart(
      title: "broken", xLabel: "x", yLabel: "y", yScale: .logarithmic,
      series: [.init(name: "s", x: [1], y: [0])])
    let figure = FigureGrid(columns: 2, panels: [.heatmap(heatmap("a")), .lineChart(bad)])
    let inner = PlotError.nonPositiveValueOnLogAxis(series: "s", axis: "y", value: 0)
    #expect(throws: PlotError.panel(index: 1, title: "broken", error: inner)) {
      try figure.svg()
    }
    #expect(PlotError.panel(index: 1, title: "broken", error: inner).description.contains("broken"))

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "grid-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("figure.svg").path
    #expect(throws: PlotError.self) { try figure.write(to: path) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    let good = FigureGrid(title: "ok", columns: 1, panels: [.heatmap(heatmap("a"))])
    try good.write(to: path)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == (try good.svg()))
  }

  @Test func anEmptyFigureIsStillADocument() throws {
    let summary = SVGSummary(try FigureGrid(title: "nothing yet", columns: 2).svg())
    #expect(summary.counts["svg"] == 1)
    #expect(summary.texts(class: "figure-title") == ["nothing yet"])
  }
}

@Suite struct LogColorScaleTests {
  @Test func powersOfTenAreEquallySpacedAlongTheColorMap() throws {
    let map = Heatmap(
      title: "τ₁₀", xLabel: "λ", yLabel: "σ", xTicks: ["a", "b", "c", "d", "e"], yTicks: ["s"],
      values: [[1e-4, 1e-2, 1, 0, .nan]], valueRange: 1e-4...1, colorBarLabel: "τ₁₀",
      colorScale: .logarithmic)
    let summary = SVGSummary(try map.svg())
    let fills = summary.elements("rect", class: "cell").map { $0["fill"] }
    // 10⁻² is half way between 10⁻⁴ and 1 on a log scale; 0 lies below the range (lowest
    // colour); NaN is grey.
    #expect(fills == ["#440154", "#21918c", "#fde725", "#440154", "#d9d9d9"])
    #expect(summary.texts(class: "bar-tick") == ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1"])
    // The bar's ticks are equally spaced.
    let ys = summary.texts.filter { $0.attributes["class"] == "bar-tick" }
      .compactMap { Double($0.attributes["y"] ?? "") }
    let gaps = zip(ys, ys.dropFirst()).map { $0 - $1 }
    #expect(gaps.allSatisfy { abs($0 - gaps[0]) < 0.02 }, "\(gaps)")
  }

  @Test func automaticRangeUsesPositiveValuesAndValuesPrintCompactly() throws {
    let map = Heatmap(
      title: "t", xLabel: "x", yLabel: "y", xTicks: ["a", "b", "c"], yTicks: ["r"],
      values: [[3e-5, 0.03, -1]], showsValues: true, colorScale: .logarithmic)
    let summary = SVGSummary(try map.svg())
    let fills = summary.elements("rect", class: "cell").map { $0["fill"] }
    #expect(fills == ["#440154", "#fde725", "#440154"])
    let values = summary.texts.filter { $0.attributes["font-size"] == "10" }.map(\.text)
    #expect(values == ["3.0e-5", "0.030", "-1.0"])
  }

  @Test func aRangeInsideOneDecadeLabelsItsEnds() throws {
    let map = Heatmap(
      title: "t", xLabel: "x", yLabel: "y", xTicks: ["a", "b"], yTicks: ["r"],
      values: [[0.2, 0.8]], colorScale: .logarithmic)
    #expect(SVGSummary(try map.svg()).texts(class: "bar-tick") == ["0.20", "0.80"])
  }

  @Test func aNonPositiveRangeThrowsOnALogScale() {
    #expect(throws: PlotError.invalidRange(lower: 0, upper: 1)) {
      try Heatmap(
        title: "t", xLabel: "x", yLabel: "y", xTicks: ["a"], yTicks: ["b"], values: [[0.5]],
        valueRange: 0...1, colorScale: .logarithmic
      ).svg()
    }
  }

  @Test func significantDigits() {
    #expect(SVGText.significant(0.032) == "0.032")
    #expect(SVGText.significant(4.5) == "4.5")
    #expect(SVGText.significant(120) == "120")
    #expect(SVGText.significant(3.2e-4) == "3.2e-4")
    #expect(SVGText.significant(9.96) == "10")
    #expect(SVGText.significant(0.0999) == "0.10")
    #expect(SVGText.significant(99_999) == "1.0e5")
    #expect(SVGText.significant(-2.5e7) == "-2.5e7")
    #expect(SVGText.significant(0) == "0")
  }
}

@Suite struct SequentialColorTests {
  @Test func colorsAreEquallySpacedAlongTheMap() {
    let map = ColorMap.viridis
    #expect(map.colors(count: 0).isEmpty)
    #expect(map.colors(count: 1) == [map.color(at: 0)])
    #expect(
      map.colors(count: 3, in: 0...1).map(\.hexString) == ["#440154", "#21918c", "#fde725"])
    let five = map.colors(count: 5)
    #expect(five.first == map.color(at: 0) && five.last == map.color(at: 0.9))
    #expect(Set(five).count == 5)
  }

  @Test func seriesLeftOutOfTheLegendAreStillDrawn() throws {
    let colors = ColorMap.viridis.colors(count: 10)
    let chart = LineChart(
      title: "e(r) by epoch", xLabel: "r", yLabel: "e(r)",
      series: (0..<10).map { epoch in
        .init(
          name: "epoch \(epoch)", x: [1, 2, 3], y: [1, 0.5, 0.1 / Double(epoch + 1)],
          color: colors[epoch], showsMarkers: false, showsInLegend: epoch == 0 || epoch == 9)
      })
    let summary = SVGSummary(try chart.svg())
    #expect(summary.counts["path"] == 10)
    #expect(summary.elements("g", class: "legend-entry").count == 2)
    let legend = summary.texts.filter { $0.attributes["text-anchor"] == "start" }.map(\.text)
    #expect(legend == ["epoch 0", "epoch 9"])
    let strokes = summary.elements.filter { $0.name == "path" }.map { $0.attributes["stroke"] }
    #expect(strokes == colors.map(\.hexString))
  }
}
