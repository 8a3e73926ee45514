import Foundation
import RankCollapsePlots
import Testing

/// Writes sample figures into the folder `PLOTS_SAMPLES` names, for checking by eye in a
/// browser (headless Chromium: `chromium --headless --screenshot=x.png file.svg`); does
/// nothing when the variable is unset, so CI never depends on a browser.
@Test func sampleFigures() throws {
  guard let folder = ProcessInfo.processInfo.environment["PLOTS_SAMPLES"] else { return }
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
}
