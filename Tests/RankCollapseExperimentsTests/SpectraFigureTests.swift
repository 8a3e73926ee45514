import RankCollapse
import RankCollapsePlots
import Testing

@testable import RankCollapseExperiments

@Suite struct SpectraFigureTests {
  @Test func twoLogPanelsWithOneLinePerMatrix() throws {
    let spectra: [(name: String, spectrum: Spectrum<Double>)] = [
      ("m.safetensors:layer.0.weight", Spectrum(singularValues: [4, 2, 1], rows: 3, columns: 5)),
      ("m.safetensors:layer.1.weight", Spectrum(singularValues: [3, 0, 0], rows: 3, columns: 3)),
    ]
    let figure = Experiments.spectraFigure(title: "two", spectra: spectra)
    #expect(figure.columns == 2 && figure.panels.count == 2)
    guard case .lineChart(let normalised) = figure.panels[0],
      case .lineChart(let tails) = figure.panels[1]
    else {
      Issue.record("both panels are line charts")
      return
    }
    #expect(normalised.yScale == .logarithmic && tails.yScale == .logarithmic)
    #expect(normalised.series.map(\.name) == ["layer.0.weight", "layer.1.weight"])
    #expect(normalised.series[0].y == [1, 0.5, 0.25])
    #expect(normalised.series[0].x == [1, 2, 3])
    // e(r) of eq. 22 starts at 1: e(1) = 1, e(2) = 3/7, e(3) = 1/7 (exact in binary to 1 ulp).
    let e = tails.series[0].y
    #expect(e[0] == 1 && abs(e[1] - 3.0 / 7) < 1e-15 && abs(e[2] - 1.0 / 7) < 1e-15)
    // Zeros are gaps on the log axis, and the figure still renders.
    #expect(normalised.series[1].y[0] == 1 && normalised.series[1].y[1].isNaN)
    #expect(tails.series[1].y[1].isNaN)
    _ = try figure.svg()
  }

  @Test func manyMatricesShareAColorMapAndAShortLegend() throws {
    let spectra = (0..<12).map { index in
      ("w\(index)", Spectrum<Float>(singularValues: [2, 1], rows: 2, columns: 2))
    }
    let figure = Experiments.spectraFigure(title: "many", spectra: spectra)
    guard case .lineChart(let chart) = figure.panels[0] else {
      Issue.record("a line chart")
      return
    }
    #expect(chart.series.filter(\.showsInLegend).map(\.name) == ["#1 w0", "#12 w11"])
    #expect(Set(chart.series.compactMap(\.color)).count == 12)
  }

  @Test func legendNamesDropTheSharedPrefix() {
    #expect(Experiments.legendNames(["/tmp/a.npy", "/tmp/b.npy"]) == ["a.npy", "b.npy"])
    #expect(Experiments.legendNames(["f:x.weight", "f:y.weight"]) == ["x.weight", "y.weight"])
    #expect(Experiments.legendNames(["a/x", "b/x"]) == ["a/x", "b/x"])
    #expect(Experiments.legendNames(["dir/w.npy"]) == ["w.npy"])
    #expect(Experiments.legendNames(["plain"]) == ["plain"])
    #expect(Experiments.legendNames(["d/", "d/"]) == ["d/", "d/"])
    #expect(Experiments.legendNames([]).isEmpty)
  }
}
