import RankCollapse
import RankCollapsePlots
import RankCollapseSweep

extension Experiments.LowRankCompression {
  /// The measurements of one λ: the dense network and each rank, read back from the tidy table.
  public struct Curve: Sendable, Hashable {
    /// λ.
    public var lambda: Double
    /// The dense network.
    public var dense: Measurement
    /// One measurement per rank, by increasing rank.
    public var ranks: [Measurement]

    /// Creates a curve.
    ///
    /// - Parameters:
    ///   - lambda: λ.
    ///   - dense: The dense network's measurement.
    ///   - ranks: The truncated networks' measurements (sorted by rank here).
    public init(lambda: Double, dense: Measurement, ranks: [Measurement]) {
      self.lambda = lambda
      self.dense = dense
      self.ranks = ranks.sorted { ($0.rank ?? .max) < ($1.rank ?? .max) }
    }

    /// The smallest measured rank whose test accuracy reaches `accuracy`.
    ///
    /// The first crossing in increasing rank: a rank r whose network reaches the target counts
    /// even if some larger rank falls just short of it again.
    ///
    /// - Parameters:
    ///   - accuracy: The target test accuracy.
    ///   - fineTuned: Use the accuracy after fine-tuning (when measured).
    /// - Returns: The rank, or `nil` when no measured rank reaches the target.
    public func smallestRank(reaching accuracy: Double, fineTuned: Bool = false) -> Int? {
      ranks.first { measurement in
        let value =
          fineTuned
          ? (measurement.fineTunedTestAccuracy ?? measurement.testAccuracy)
          : measurement.testAccuracy
        return value >= accuracy
      }?.rank
    }

    /// The measurement at `rank`, if measured.
    ///
    /// - Parameter rank: r.
    /// - Returns: The measurement.
    public func measurement(rank: Int) -> Measurement? {
      ranks.first { $0.rank == rank }
    }
  }

  /// The curves of a merged table (columns `lambda` then ``measurementColumns``), in the order
  /// of ``lambdas``.
  ///
  /// - Parameter table: The table `Sweep.merge(to:)` returned.
  /// - Returns: One curve per λ.
  /// - Throws: ``ClassifierError/invalidData(_:)`` for rows that do not parse or a λ without a
  ///   dense measurement.
  public func curves(from table: TidyTable) throws(Experiments.ClassifierError) -> [Curve] {
    // λ → rank key → metric → value
    var values: [Double: [String: [String: Double]]] = [:]
    for row in table.rows {
      guard row.count == 1 + Self.measurementColumns.count, let lambda = Double(row[0]),
        let value = Double(row[3])
      else {
        throw .invalidData("a row of the compression table does not parse: \(row)")
      }
      values[lambda, default: [:]][row[1], default: [:]][row[2]] = value
    }
    func measurement(
      _ key: String, _ metrics: [String: Double], lambda: Double
    ) throws(Experiments.ClassifierError) -> Measurement {
      guard let accuracy = metrics["test_accuracy"], let loss = metrics["test_loss"],
        let parameters = metrics["parameters"], let flops = metrics["flops"],
        let seconds = metrics["inference_seconds"], let speedup = metrics["speedup"]
      else {
        throw .invalidData("λ = \(lambda), rank \(key): a metric is missing in \(metrics)")
      }
      let rank: Int?
      if key == "dense" {
        rank = nil
      } else if let value = Int(key), value >= 1 {
        rank = value
      } else {
        throw .invalidData("λ = \(lambda): rank '\(key)' is not a positive integer or 'dense'")
      }
      return Measurement(
        rank: rank, layerRanks: [], testAccuracy: accuracy, testLoss: loss,
        parameters: Int(parameters), flops: Int(flops), inferenceSeconds: seconds,
        speedup: speedup,
        fineTunedTestAccuracy: metrics["fine_tuned_test_accuracy"],
        fineTunedTestLoss: metrics["fine_tuned_test_loss"])
    }
    var result: [Curve] = []
    for lambda in lambdas {
      let byRank = values[lambda] ?? [:]
      guard let denseMetrics = byRank["dense"] else {
        throw .invalidData("λ = \(lambda) has no dense measurement")
      }
      var measured: [Measurement] = []
      for (key, metrics) in byRank where key != "dense" {
        measured.append(try measurement(key, metrics, lambda: lambda))
      }
      result.append(
        Curve(
          lambda: lambda, dense: try measurement("dense", denseMetrics, lambda: lambda),
          ranks: measured))
    }
    return result
  }

  /// The claim's table: per λ the dense accuracy, the smallest rank within ``accuracyDrop`` of
  /// it and the smallest rank reaching ``targetAccuracy`` (with the parameters kept there), and
  /// the same after fine-tuning when it was measured.
  ///
  /// - Parameter curves: The curves from ``curves(from:)``.
  /// - Returns: A fixed-width text table.
  public func summary(_ curves: [Curve]) -> String {
    let tuned = curves.contains { $0.ranks.contains { $0.fineTunedTestAccuracy != nil } }
    var table = TextTable(widths: [7, 7, 11, 8, 11, 8, 9, 17])
    let drop = TextTable.tenths(accuracyDrop * 100)
    let target = TextTable.percent(targetAccuracy)
    var header = [
      "λ", "dense", "r(−\(drop) pt)", "params", "r(≥\(target))", "params", "acc@r=8",
    ]
    if tuned { header += ["r(−\(drop) pt) tuned", "r(≥\(target)) tuned"] }
    table.add(header)
    func rank(_ r: Int?) -> String { r.map(String.init) ?? "none" }
    func parameters(_ curve: Curve, _ r: Int?) -> String {
      guard let r, let m = curve.measurement(rank: r) else { return "–" }
      return "\(m.parameters)"
    }
    for curve in curves {
      let relative = curve.smallestRank(reaching: curve.dense.testAccuracy - accuracyDrop)
      let absolute = curve.smallestRank(reaching: targetAccuracy)
      var row = [
        "\(curve.lambda)", TextTable.percent(curve.dense.testAccuracy), rank(relative),
        parameters(curve, relative), rank(absolute), parameters(curve, absolute),
        curve.measurement(rank: 8).map { TextTable.percent($0.testAccuracy) } ?? "–",
      ]
      if tuned {
        row += [
          rank(
            curve.smallestRank(
              reaching: curve.dense.testAccuracy - accuracyDrop, fineTuned: true)),
          rank(curve.smallestRank(reaching: targetAccuracy, fineTuned: true)),
        ]
      }
      table.add(row)
    }
    return table.text
  }

  /// The figure: test accuracy vs rank (one line per λ, each λ's dense accuracy dashed in the
  /// same colour), after fine-tuning when measured, parameters and FLOPs vs rank (dense
  /// dashed), and inference time vs rank.
  ///
  /// - Parameter curves: The curves from ``curves(from:)``.
  /// - Returns: The figure.
  public func figure(_ curves: [Curve]) -> FigureGrid {
    let palette = (0..<Swift.max(curves.count, 1)).map {
      RGBColor.seriesPalette[$0 % RGBColor.seriesPalette.count]
    }
    func accuracyChart(fineTuned: Bool) -> LineChart {
      var chart = LineChart(
        title: fineTuned ? "Test accuracy after fine-tuning" : "Test accuracy after truncation",
        xLabel: "rank r of every layer", yLabel: "test accuracy", xScale: .logarithmic,
        width: 460, height: 340)
      for (index, curve) in curves.enumerated() {
        let x = curve.ranks.compactMap { $0.rank.map(Double.init) }
        let y = curve.ranks.map {
          fineTuned ? ($0.fineTunedTestAccuracy ?? .nan) : $0.testAccuracy
        }
        chart.series.append(
          .init(name: "λ = \(curve.lambda)", x: x, y: y, color: palette[index]))
        if let first = x.first, let last = x.last {
          chart.series.append(
            .init(
              name: "dense, λ = \(curve.lambda)", x: [first, last],
              y: [curve.dense.testAccuracy, curve.dense.testAccuracy], color: palette[index],
              showsMarkers: false, isDashed: true, showsInLegend: index == 0))
        }
      }
      // The first dense line stands for all of them in the legend.
      if chart.series.count > 1 { chart.series[1].name = "dense (dashed)" }
      return chart
    }
    var panels: [FigureGrid.Panel] = [.lineChart(accuracyChart(fineTuned: false))]
    if curves.contains(where: { $0.ranks.contains { $0.fineTunedTestAccuracy != nil } }) {
      panels.append(.lineChart(accuracyChart(fineTuned: true)))
    }
    if let curve = curves.first {
      let x = curve.ranks.compactMap { $0.rank.map(Double.init) }
      var cost = LineChart(
        title: "Size and cost", xLabel: "rank r of every layer",
        yLabel: "parameters / FLOPs per image", xScale: .logarithmic, yScale: .logarithmic,
        width: 460, height: 340)
      let pairs: [(String, (Measurement) -> Double)] = [
        ("parameters", { Double($0.parameters) }), ("FLOPs", { Double($0.flops) }),
      ]
      for (index, (name, value)) in pairs.enumerated() {
        let color = index == 0 ? RGBColor.seriesPalette[0] : RGBColor.seriesPalette[1]
        cost.series.append(.init(name: name, x: x, y: curve.ranks.map(value), color: color))
        if let first = x.first, let last = x.last {
          cost.series.append(
            .init(
              name: "dense \(name)", x: [first, last],
              y: [value(curve.dense), value(curve.dense)], color: color, showsMarkers: false,
              isDashed: true))
        }
      }
      panels.append(.lineChart(cost))
      var time = LineChart(
        title: "Inference time (test images)", xLabel: "rank r of every layer",
        yLabel: "milliseconds per forward pass", xScale: .logarithmic, yScale: .logarithmic,
        width: 460, height: 340)
      for (index, curve) in curves.enumerated() {
        time.series.append(
          .init(
            name: "λ = \(curve.lambda)", x: x, y: curve.ranks.map { $0.inferenceSeconds * 1000 },
            color: palette[index]))
      }
      time.series.append(
        .init(
          name: "dense (λ = \(curve.lambda))", x: [x.first ?? 1, x.last ?? 1],
          y: [curve.dense.inferenceSeconds * 1000, curve.dense.inferenceSeconds * 1000],
          color: RGBColor.seriesPalette[6], showsMarkers: false, isDashed: true))
      panels.append(.lineChart(time))
    }
    return FigureGrid(
      title: "Low-rank truncation of the Fashion-MNIST classifier at several λ", columns: 2,
      panels: panels)
  }
}
