import Foundation
import RankCollapsePlots
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Writes sample figures shaped like the paper's and checks that each is well-formed SVG.
///
/// They go into the folder `PLOTS_SAMPLES` names (for checking by eye in a browser, e.g.
/// headless Chromium: `chromium --headless --screenshot=x.png file.svg`), or else into a
/// temporary folder that is removed afterwards.
@Test("Sample figures (heatmap, line charts, Figure 1 and Figure 3 grids) are well-formed SVG")
func sampleFigures() throws {
  let kept = ProcessInfo.processInfo.environment["PLOTS_SAMPLES"]
  let folder =
    kept
    ?? FileManager.default.temporaryDirectory
    .appendingPathComponent("plots-samples-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  defer { if kept == nil { try? FileManager.default.removeItem(atPath: folder) } }
  try writeSampleFigures(into: folder)
  for name in ["heatmap", "lines", "linear", "grid", "epochs"] {
    let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/\(name).svg"))
    let parser = XMLParser(data: data)
    #expect(parser.parse(), "\(name).svg: \(String(describing: parser.parserError))")
  }
}

func writeSampleFigures(into folder: String) throws {
  let lambdas = [0.0001, 0.0003, 0.001, 0.003, 0.01]
  let sigmas = [0.05, 0.1, 0.2, 0.5]
  let values = sigmas.map { s in lambdas.map { l in 1 / (1 + 80 * l / s) } }
  try Heatmap(
    title: "τ₁₀, layer 2", xLabel: "λ", yLabel: "σ", xTicks: Heatmap.labels(for: lambdas),
    yTicks: Heatmap.labels(for: sigmas), values: values, valueRange: 0...1,
    colorBarLabel: "τ₁₀", showsValues: true
  ).write(to: folder + "/heatmap.svg")
  var chart = LineChart(
    title: "‖Θ*,C − Θ*‖ against λ  (a & b < c)", xLabel: "λ", yLabel: "‖Θ*,C − Θ*‖",
    xScale: .logarithmic, yScale: .logarithmic)
  for sigma in [0.05, 0.1, 0.2] {
    chart.series.append(
      .init(name: "σ = \(sigma)", x: lambdas, y: lambdas.map { sigma * sigma / (1 + 100 * $0) }))
  }
  chart.series.append(
    .init(
      name: "Theorem 5.3 bound", x: lambdas, y: lambdas.map { 0.1 / (1 + 50 * $0) },
      showsMarkers: false, isDashed: true))
  chart.series.append(
    .init(name: "gap", x: [1e-4, 3e-4, 1e-3, 3e-3], y: [1e-3, .nan, 2e-3, 3e-3]))
  try chart.write(to: folder + "/lines.svg")
  let linear = LineChart(
    title: "TCV per layer", xLabel: "epoch", yLabel: "TCV",
    series: (1...3).map { l in
      .init(
        name: "layer \(l)", x: (0..<20).map(Double.init),
        y: (0..<20).map { 3.0 / Double(l) * exp(-Double($0) / 6) }, showsMarkers: false)
    })
  try linear.write(to: folder + "/linear.svg")

  // Figure 1's shape: four heatmaps side by side (the last on a log colour scale).
  let panels: [FigureGrid.Panel] = (1...4).map { layer in
    .heatmap(
      Heatmap(
        title: "layer \(layer)", xLabel: "λ", yLabel: "σ", xTicks: Heatmap.labels(for: lambdas),
        yTicks: Heatmap.labels(for: sigmas),
        values: sigmas.map { s in lambdas.map { l in pow(1 / (1 + 80 * l / s), Double(layer)) } },
        valueRange: layer == 4 ? nil : 0...1, colorBarLabel: "τ₁₀", showsValues: true,
        width: 400, height: 340, colorScale: layer == 4 ? .logarithmic : .linear))
  }
  try FigureGrid(title: "τ₁₀ per layer against λ and σ", columns: 4, panels: panels)
    .write(to: folder + "/grid.svg")

  // Figure 3's shape: rows of λ × columns of layers, e(r) curves coloured by epoch.
  let epochs = Array(stride(from: 0, through: 40, by: 5))
  let colors = ColorMap.viridis.colors(count: epochs.count)
  var curves: [FigureGrid.Panel] = []
  for lambda in [1e-4, 1e-3] {
    for layer in 1...3 {
      var chart = LineChart(
        title: "λ = \(lambda), layer \(layer)", xLabel: "r", yLabel: "e(r)",
        yScale: .logarithmic, width: 360, height: 280)
      for (epoch, color) in zip(epochs, colors) {
        let decay = 0.02 + Double(epoch) * lambda * 8 * Double(layer)
        chart.series.append(
          .init(
            name: "epoch \(epoch)", x: (1...50).map(Double.init),
            y: (1...50).map { exp(-decay * Double($0 - 1)) }, color: color, showsMarkers: false,
            showsInLegend: epoch == epochs.first || epoch == epochs.last))
      }
      curves.append(.lineChart(chart))
    }
  }
  try FigureGrid(title: "e(r) per layer, coloured by epoch", columns: 3, panels: curves)
    .write(to: folder + "/epochs.svg")
}
