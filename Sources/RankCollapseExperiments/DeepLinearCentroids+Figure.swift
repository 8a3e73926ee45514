import RankCollapsePlots
import RankCollapseSweep

extension Experiments.DeepLinearCentroids {
  /// A trained distance below this is rounding, left out of the log-scaled figure and the slope
  /// fits (the CSV keeps the value).
  ///
  /// The products are dimensionless (singular values in `[0, 1]` along the data's directions,
  /// whatever the data's scale), so `Double` products of four layers resolve their distance only
  /// to about `10⁻¹⁴`: below `10⁻¹²` the two trained products are equal to rounding — in practice
  /// both zero, where per-layer weight decay removes every direction.
  public static let roundingLevel = 1e-12

  /// Figure 2 as a 2 × 2 grid of log-log line charts.
  ///
  /// Columns as in the paper: the distance `‖Θ*,C − Θ*‖_F` against λ with one line per σ (left)
  /// and against σ with one line per λ (right). Top row: the trained distance (markers) beside
  /// the closed forms — equation 21 (solid, no markers) and the rank-`r` minimiser a bottleneck of
  /// width `r` can reach (dashed). Bottom row: the trained distance and Theorem 5.3's bound
  /// (dashed). Points with a non-positive value are left as gaps, and so is a trained distance
  /// below ``roundingLevel`` (two products equal to rounding, in practice both zero: per-layer
  /// weight decay strong enough to remove every direction); a trained point
  /// whose full-loss or centroid-loss run did not converge is drawn as an open circle. A grid
  /// still in progress (records missing) draws each line through the points it has.
  ///
  /// - Parameters:
  ///   - records: The grid's records.
  ///   - title: The figure's title.
  ///   - closedForm: The legend's name of the closed forms (`"(per-layer)"` for a run with
  ///     per-layer weight decay, whose records hold the per-layer minimisers).
  /// - Returns: The figure.
  public static func figure(_ records: [Record], title: String, closedForm: String = "(21)")
    -> FigureGrid
  {
    let lambdas = Array(Set(records.map(\.lambda))).sorted()
    let sigmas = Array(Set(records.map(\.sigma))).sorted()
    func value(_ lambda: Double, _ sigma: Double, _ read: (Record) -> Double) -> Double {
      guard let record = records.first(where: { $0.lambda == lambda && $0.sigma == sigma }) else {
        return .nan
      }
      let value = read(record)
      return value > 0 && value.isFinite ? value : .nan
    }
    let black = RGBColor(red: 0, green: 0, blue: 0)
    func legendOnly(_ name: String, markers: Bool, dashed: Bool) -> LineChart.Series {
      LineChart.Series(
        name: name, x: [.nan], y: [.nan], color: black, showsMarkers: markers, isDashed: dashed)
    }
    // One chart: lines over `xs` for each of `groups`; `point` maps (x, group) to (λ, σ).
    func chart(
      title: String, xLabel: String, xs: [Double], groups: [Double], groupName: String,
      point: @escaping (Double, Double) -> (Double, Double), bound: Bool
    ) -> LineChart {
      let colors = ColorMap.viridis.colors(count: groups.count)
      var series: [LineChart.Series] = []
      for (index, group) in groups.enumerated() {
        // The x values with a record: a grid still in progress draws its lines through the
        // finished points instead of breaking them at the missing ones.
        let xs = xs.filter { x in
          let (lambda, sigma) = point(x, group)
          return records.contains { $0.lambda == lambda && $0.sigma == sigma }
        }
        func line(_ read: (Record) -> Double) -> [Double] {
          xs.map { x in
            let (lambda, sigma) = point(x, group)
            return value(lambda, sigma, read)
          }
        }
        let label = "\(groupName) = \(SweepValue.format(group))"
        let unconverged = xs.map { x in
          let (lambda, sigma) = point(x, group)
          return records.first(where: { $0.lambda == lambda && $0.sigma == sigma }).map {
            !($0.fullConverged && $0.centroidConverged)
          } ?? false
        }
        let trained = line { $0.trainedDistanceIsRounding ? .nan : $0.trainedDistance }
        series.append(
          LineChart.Series(
            name: label, x: xs, y: trained, color: colors[index],
            hollowMarkers: unconverged))
        if bound {
          series.append(
            LineChart.Series(
              name: "\(label), bound", x: xs, y: line(\.bound), color: colors[index],
              showsMarkers: false, isDashed: true, showsInLegend: false))
        } else {
          series.append(
            LineChart.Series(
              name: "\(label), eq. 21", x: xs, y: line(\.closedFormDistance),
              color: colors[index], showsMarkers: false, showsInLegend: false))
          series.append(
            LineChart.Series(
              name: "\(label), rank r", x: xs, y: line(\.rankConstrainedDistance),
              color: colors[index], showsMarkers: false, isDashed: true, showsInLegend: false))
        }
      }
      series.append(legendOnly("trained (dots)", markers: true, dashed: false))
      if records.contains(where: { !($0.fullConverged && $0.centroidConverged) }) {
        var open = legendOnly("not converged (open)", markers: true, dashed: false)
        open.hollowMarkers = [true]
        series.append(open)
      }
      if bound {
        series.append(legendOnly("Theorem 5.3 bound", markers: false, dashed: true))
      } else {
        series.append(legendOnly("closed form \(closedForm)", markers: false, dashed: false))
        series.append(legendOnly("closed form, rank ≤ r", markers: false, dashed: true))
      }
      return LineChart(
        title: title, xLabel: xLabel, yLabel: "‖Θ*,C − Θ*‖_F", xScale: .logarithmic,
        yScale: .logarithmic, series: series, width: 560, height: 380)
    }
    let panels: [FigureGrid.Panel] = [
      .lineChart(
        chart(
          title: "trained vs closed form, against λ", xLabel: "λ", xs: lambdas, groups: sigmas,
          groupName: "σ", point: { ($0, $1) }, bound: false)),
      .lineChart(
        chart(
          title: "trained vs closed form, against σ", xLabel: "σ", xs: sigmas, groups: lambdas,
          groupName: "λ", point: { ($1, $0) }, bound: false)),
      .lineChart(
        chart(
          title: "trained vs Theorem 5.3, against λ", xLabel: "λ", xs: lambdas, groups: sigmas,
          groupName: "σ", point: { ($0, $1) }, bound: true)),
      .lineChart(
        chart(
          title: "trained vs Theorem 5.3, against σ", xLabel: "σ", xs: sigmas, groups: lambdas,
          groupName: "λ", point: { ($1, $0) }, bound: true)),
    ]
    return FigureGrid(title: title, columns: 2, panels: panels)
  }
}
