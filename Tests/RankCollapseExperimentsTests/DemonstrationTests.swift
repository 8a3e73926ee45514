import Foundation
import RankCollapse
import RankCollapsePlots
import Testing

@testable import RankCollapseExperiments

/// A demonstration small enough for a debug-build test: 8-6-4-6-8, 3 blobs, 60 points.
private func tinyDemonstration(bounds: Bool = true) -> Experiments.Demonstration {
  var experiment = BlobsAutoencoderExperiment(
    widths: [8, 6, 4, 6, 8], clusters: 3, points: 60, maximumSteps: 200, kMeansRestarts: 1,
    evaluatesBounds: bounds, boundSampleSize: 20, seed: 5)
  experiment.gradientTolerance = 1e-6
  return Experiments.Demonstration(experiment: experiment, sigma: 0.1, lambdas: [1e-3, 1e-1])
}

@Suite struct DemonstrationTests {
  @Test func theStandardSettingsAreValidAndIncreasing() throws {
    let standard = Experiments.Demonstration.standard
    try standard.validate()
    #expect(standard.lambdas == standard.lambdas.sorted())
    #expect(standard.hyperparameters["sigma"] == .number(0.1))
    #expect(standard.hyperparameters["lambdas"] == .numbers(standard.lambdas))
  }

  @Test func badSettingsNameTheParameter() {
    var demo = tinyDemonstration()
    demo.lambdas = []
    #expect(
      throws: ExperimentError.invalidParameter(
        name: "lambdas", value: "", requirement: "at least one λ")
    ) { try demo.validate() }
    demo.lambdas = [1e-3, 0]
    #expect(
      throws: ExperimentError.invalidParameter(
        name: "lambdas", value: "0.0", requirement: "finite and > 0")
    ) { try demo.validate() }
    demo.lambdas = [1e-3]
    demo.sigma = -1
    #expect(
      throws: ExperimentError.invalidParameter(
        name: "sigma", value: "-1.0", requirement: "finite and ≥ 0")
    ) { try demo.validate() }
  }

  @Test func figureReportAndSummaryCoverEveryRunAndLayer() throws {
    let demo = tinyDemonstration()
    let results = try demo.lambdas.map { try demo.experiment.run(lambda: $0, sigma: demo.sigma) }
    // Four spectra (one per layer), then rk, τ, TCV and Theorem 3.4 against λ.
    let figure = demo.figure(results)
    #expect(figure.columns == 4 && figure.panels.count == 8)
    let titles = figure.panels.map(\.title)
    #expect(
      titles.prefix(4) == ["spectrum of W1", "spectrum of W2", "spectrum of W3", "spectrum of W4"])
    #expect(titles.contains("τ₃ against λ"))
    guard case .lineChart(let ranks) = figure.panels[4] else {
      Issue.record("panel 4 is a line chart")
      return
    }
    #expect(ranks.series.count == 4)
    #expect(ranks.series[0].y == results.map { Double($0.layers[0].softRank) })
    _ = try figure.svg()

    let report = demo.report(results, seconds: [1.5, 2.5])
    #expect(report.runs.map(\.lambda) == [1e-3, 1e-1])
    #expect(report.runs.map(\.seconds) == [1.5, 2.5])
    #expect(report.runs.allSatisfy { $0.layers.count == 4 && $0.theorem34.count == 4 })
    #expect(report.runs.allSatisfy { $0.clusterVariation.count == 5 })
    #expect(report.runs[1].layers[2].softRank == results[1].layers[2].softRank)
    #expect(report.hyperparameters["points"] == .integer(60))
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let decoded = try JSONDecoder().decode(
      Experiments.DemonstrationReport.self, from: try encoder.encode(report))
    #expect(decoded.runs.count == 2)

    let summary = demo.rankSummary(results).split(separator: "\n")
    #expect(summary.count == 4)
    #expect(summary[1].contains("W1 (6×8)") && summary[1].contains("W4 (8×6)"))
    #expect(summary[3].hasPrefix("     0.1"))
  }

  @Test func withoutBoundsTheFigureHasNoTheoremPanel() throws {
    let demo = tinyDemonstration(bounds: false)
    let results = try demo.lambdas.map { try demo.experiment.run(lambda: $0, sigma: demo.sigma) }
    let figure = demo.figure(results)
    #expect(figure.panels.count == 7)
    #expect(!figure.panels.map(\.title).contains { $0.hasPrefix("Theorem 3.4") })
    _ = try figure.svg()
  }
}
