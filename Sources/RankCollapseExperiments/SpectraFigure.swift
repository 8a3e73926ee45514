import RankCollapse
import RankCollapsePlots

extension Experiments {
  /// A two-panel figure of several matrices' spectra: normalised singular values and e(r).
  ///
  /// The left panel shows s_i / s_1 against i, the right one the tail errors
  /// e(r) = Σ_{i≥r} s_i / Σ_i s_i of the paper's eq. (22) against r, both on a logarithmic
  /// y axis. A matrix collapsing towards low rank shows as a spectrum that
  /// drops by decades after a few values and an e(r) curve that falls steeply.
  ///
  /// ```swift
  /// let figure = Experiments.spectraFigure(
  ///   title: "Spectra of the trained layers",
  ///   spectra: network.layers.enumerated().map { ("W\($0 + 1)", try $1.weight.spectrum()) })
  /// try figure.write(to: "spectra.svg")
  /// ```
  ///
  /// Up to eight matrices get distinct palette colours and a legend entry each; more get
  /// colours along viridis in the given order and a legend naming the first and last (as
  /// `#1 name` and `#n name`). The panels widen with the longest legend name. Legend
  /// names drop the prefix all names share up to a `:` or `/` (for `rankcollapse analyze`,
  /// the file of `file:tensor`). Zero singular values (and the e(r) = 0 after them) leave a gap,
  /// since a log axis cannot show zero; a zero matrix has an empty line and a legend entry.
  ///
  /// - Parameters:
  ///   - title: The figure's title.
  ///   - spectra: The matrices' names and spectra, in legend order.
  ///   - bulkEdges: Optional Marchenko–Pastur bulk edges as singular values
  ///     (`MarchenkoPasturFit.edgeSingularValue`), one per matrix or none: each is drawn on
  ///     the left panel as a dashed horizontal line at `edge / s_1` in the matrix's colour.
  /// - Returns: The figure, two panels side by side; render it with `svg()` or `write(to:)`.
  /// - Complexity: O(Σ n) in the total number of singular values.
  public static func spectraFigure<Scalar: MatrixScalar>(
    title: String, spectra: [(name: String, spectrum: Spectrum<Scalar>)],
    bulkEdges: [Double?] = []
  ) -> FigureGrid {
    let many = spectra.count > RGBColor.seriesPalette.count
    var names = legendNames(spectra.map(\.name))
    if many, let last = names.indices.last {
      names[0] = "#1 " + names[0]
      names[last] = "#\(last + 1) " + names[last]
    }
    let shown = names.indices.filter { !many || $0 == 0 || $0 == names.count - 1 }
    // A plot area of about 560 pixels plus the legend (LineChart gives it 56 + 7 per character).
    let longest = min(shown.map { names[$0].count }.max() ?? 0, 80)
    let width = 640 + 7 * Double(longest)
    let colors =
      many
      ? ColorMap.viridis.colors(count: spectra.count)
      : Array(RGBColor.seriesPalette.prefix(spectra.count))
    var normalised = LineChart(
      title: "normalised singular values sᵢ / s₁", xLabel: "i", yLabel: "sᵢ / s₁",
      yScale: .logarithmic, width: width, height: 460)
    var tails = LineChart(
      title: "tail error e(r) = Σᵢ≥ᵣ sᵢ / Σᵢ sᵢ (eq. 22)", xLabel: "r", yLabel: "e(r)",
      yScale: .logarithmic, width: width, height: 460)
    for (index, entry) in spectra.enumerated() {
      let values = entry.spectrum.singularValues.map { Double($0) }
      let largest = values.first ?? 0
      let positions = values.indices.map { Double($0 + 1) }
      func drawable(_ value: Double) -> Double { value > 0 && value.isFinite ? value : .nan }
      let ratios = values.map { drawable(largest > 0 ? $0 / largest : 0) }
      let errors = entry.spectrum.tailErrors.map { drawable(Double($0)) }
      let inLegend = shown.contains(index)
      let markers = values.count <= 20
      normalised.series.append(
        LineChart.Series(
          name: names[index], x: positions, y: ratios, color: colors[index],
          showsMarkers: markers, showsInLegend: inLegend))
      if index < bulkEdges.count, let edge = bulkEdges[index], largest > 0, values.count > 0 {
        normalised.series.append(
          LineChart.Series(
            name: names[index] + " MP edge", x: [1, Double(values.count)],
            y: [drawable(edge / largest), drawable(edge / largest)], color: colors[index],
            showsMarkers: false, isDashed: true, showsInLegend: false))
      }
      tails.series.append(
        LineChart.Series(
          name: names[index], x: positions, y: errors, color: colors[index],
          showsMarkers: markers, showsInLegend: inLegend))
    }
    return FigureGrid(
      title: title, columns: 2, panels: [.lineChart(normalised), .lineChart(tails)])
  }

  /// The names without the prefix they all share up to its last `:` or `/` (a single name
  /// keeps only what follows its last separator).
  static func legendNames(_ names: [String]) -> [String] {
    guard let first = names.first else { return [] }
    var shared = first.count
    for name in names.dropFirst() {
      shared = min(shared, zip(first, name).prefix { $0 == $1 }.count)
    }
    // Cut after the last separator inside the shared prefix, and never empty a name.
    let prefix = first.prefix(shared)
    guard let cut = prefix.lastIndex(where: { $0 == ":" || $0 == "/" }) else { return names }
    let length = first.distance(from: first.startIndex, to: cut) + 1
    return names.map { $0.count > length ? String($0.dropFirst(length)) : $0 }
  }
}
