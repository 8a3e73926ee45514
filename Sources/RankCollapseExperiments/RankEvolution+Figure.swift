import RankCollapse
import RankCollapsePlots
import RankCollapseSweep

extension Experiments.RankEvolution {
  /// What Figure 3 draws of one λ: per recorded epoch, each layer's tail curve e(r) and the
  /// class-label TCV of each layer's embeddings.
  public struct Trajectory: Sendable, Hashable {
    /// λ.
    public var lambda: Double
    /// The recorded epochs, increasing.
    public var epochs: [Int]
    /// `tails[i][l − 1]` is `[e(1), e(2), …]` of W_l at `epochs[i]`.
    public var tails: [[[Double]]]
    /// `classTCV[i][l − 1]` is `WCSS_l` of Z^l by class label at `epochs[i]`.
    public var classTCV: [[Double]]
    /// `softRanks[i][l − 1]` is rk(ε) of W_l at `epochs[i]`.
    public var softRanks: [[Int]]
    /// The training accuracy at each epoch.
    public var trainAccuracy: [Double]
    /// The test accuracy at each epoch (`nil` without test images).
    public var testAccuracy: [Double?]

    /// Creates a trajectory.
    ///
    /// - Parameters:
    ///   - lambda: λ.
    ///   - epochs: The epochs.
    ///   - tails: The tail curves, per epoch and layer.
    ///   - classTCV: The TCV, per epoch and layer.
    ///   - softRanks: rk(ε), per epoch and layer.
    ///   - trainAccuracy: The training accuracy per epoch.
    ///   - testAccuracy: The test accuracy per epoch.
    public init(
      lambda: Double, epochs: [Int], tails: [[[Double]]], classTCV: [[Double]],
      softRanks: [[Int]], trainAccuracy: [Double], testAccuracy: [Double?]
    ) {
      self.lambda = lambda
      self.epochs = epochs
      self.tails = tails
      self.classTCV = classTCV
      self.softRanks = softRanks
      self.trainAccuracy = trainAccuracy
      self.testAccuracy = testAccuracy
    }

    /// The trajectory of a run.
    ///
    /// - Parameter run: A run.
    public init(run: Experiments.ClassifierRun) {
      self.init(
        lambda: run.configuration.lambda, epochs: run.snapshots.map(\.epoch),
        tails: run.snapshots.map { $0.layers.map(\.tailErrors) },
        classTCV: run.snapshots.map { $0.layers.map(\.classTCV) },
        softRanks: run.snapshots.map {
          $0.layers.map { $0.softRank(epsilon: run.configuration.epsilon) }
        },
        trainAccuracy: run.snapshots.map(\.trainAccuracy),
        testAccuracy: run.snapshots.map(\.testAccuracy))
    }

    /// The number of layers L.
    public var layerCount: Int { tails.first?.count ?? 0 }

    /// Rebuilds a trajectory from the tidy rows of one λ (``measurementColumns`` order, cells as
    /// text, as `Sweep` stores them).
    ///
    /// - Parameters:
    ///   - lambda: λ.
    ///   - rows: The rows ``rows(of:)`` made for that λ.
    /// - Throws: ``ClassifierError/invalidData(_:)`` for a row that does not parse.
    public init(lambda: Double, rows: [[String]]) throws(Experiments.ClassifierError) {
      var singular: [Int: [Int: [Int: Double]]] = [:]  // epoch → layer → r → σ_r
      var tcv: [Int: [Int: Double]] = [:]  // epoch → layer → TCV
      var ranks: [Int: [Int: Int]] = [:]  // epoch → layer → rk(ε)
      var accuracy: [String: [Int: Double]] = [:]  // quantity → epoch → value
      for row in rows {
        guard row.count == 5, let epoch = Int(row[0]), let value = Double(row[4]),
          value.isFinite, value >= 0
        else {
          throw .invalidData("a Figure 3 row does not parse: \(row)")
        }
        switch row[3] {
        case "singular_value":
          guard let layer = Int(row[1]), let r = Int(row[2]) else {
            throw .invalidData("a singular value row lacks its layer or r: \(row)")
          }
          singular[epoch, default: [:]][layer, default: [:]][r] = value
        case "class_tcv":
          guard let layer = Int(row[1]) else {
            throw .invalidData("a TCV row lacks its layer: \(row)")
          }
          if layer > 0 { tcv[epoch, default: [:]][layer] = value }
        case "soft_rank":
          guard let layer = Int(row[1]) else {
            throw .invalidData("a soft rank row lacks its layer: \(row)")
          }
          ranks[epoch, default: [:]][layer] = Int(value)
        case "train_accuracy", "test_accuracy":
          accuracy[row[3], default: [:]][epoch] = value
        default: continue
        }
      }
      let epochs = singular.keys.sorted()
      var tails: [[[Double]]] = []
      var classTCV: [[Double]] = []
      var softRanks: [[Int]] = []
      var trainAccuracy: [Double] = []
      for epoch in epochs {
        guard let train = accuracy["train_accuracy"]?[epoch] else {
          throw .invalidData("epoch \(epoch) lacks its training accuracy")
        }
        trainAccuracy.append(train)
        guard let layers = singular[epoch], let tcvs = tcv[epoch], layers.count == tcvs.count,
          layers.keys.sorted() == Array(1...layers.count)
        else { throw .invalidData("epoch \(epoch) lacks some layers") }
        var epochTails: [[Double]] = []
        var epochTCV: [Double] = []
        for layer in 1...layers.count {
          let values = layers[layer] ?? [:]
          guard values.keys.sorted() == Array(1...values.count), let layerTCV = tcvs[layer] else {
            throw .invalidData("epoch \(epoch), layer \(layer): singular values are missing")
          }
          let sigmas = (1...values.count).map { values[$0] ?? 0 }
          epochTails.append(
            Spectrum(singularValues: sigmas, rows: sigmas.count, columns: sigmas.count).tailErrors)
          epochTCV.append(layerTCV)
        }
        guard let epochRanks = ranks[epoch], epochRanks.count == layers.count else {
          throw .invalidData("epoch \(epoch) lacks some soft ranks")
        }
        softRanks.append((1...layers.count).map { epochRanks[$0] ?? 0 })
        tails.append(epochTails)
        classTCV.append(epochTCV)
      }
      guard Set(tails.map(\.count)).count <= 1 else {
        throw .invalidData("the epochs of λ = \(lambda) have different numbers of layers")
      }
      self.init(
        lambda: lambda, epochs: epochs, tails: tails, classTCV: classTCV, softRanks: softRanks,
        trainAccuracy: trainAccuracy,
        testAccuracy: epochs.map { accuracy["test_accuracy"]?[$0] })
    }
  }

  /// The columns of Figure 3's tidy rows (after the grid's `lambda`).
  public static let measurementColumns = ["epoch", "layer", "r", "quantity", "value"]

  /// Every measurement of a run, one per row (tidy, ``measurementColumns`` order): per
  /// snapshot the loss, penalty and accuracies (empty layer), the inputs' TCV (layer 0), and
  /// per layer σ_r and e(r) for every r, rk(ε), the class-label TCV and the total variation.
  ///
  /// Quantities: `loss`, `penalty`, `train_accuracy`, `test_accuracy`, `singular_value`,
  /// `tail_error`, `soft_rank`, `class_tcv`, `total_variation`.
  ///
  /// - Parameter run: A run.
  /// - Returns: The rows in epoch, layer, r order.
  public static func rows(of run: Experiments.ClassifierRun) -> [[SweepValue]] {
    var rows: [[SweepValue]] = []
    for snapshot in run.snapshots {
      func add(_ layer: Int?, _ r: Int?, _ quantity: String, _ value: Double) {
        rows.append([
          .integer(snapshot.epoch), layer.map { .integer($0) } ?? "", r.map { .integer($0) } ?? "",
          .text(quantity), .number(value),
        ])
      }
      add(nil, nil, "loss", snapshot.loss)
      add(nil, nil, "penalty", snapshot.penalty)
      add(nil, nil, "train_accuracy", snapshot.trainAccuracy)
      if let test = snapshot.testAccuracy { add(nil, nil, "test_accuracy", test) }
      add(0, nil, "class_tcv", snapshot.inputTCV)
      for layer in snapshot.layers {
        let tails = layer.tailErrors
        for (index, sigma) in layer.singularValues.enumerated() {
          add(layer.layer, index + 1, "singular_value", sigma)
          add(layer.layer, index + 1, "tail_error", tails[index])
        }
        add(
          layer.layer, nil, "soft_rank", Double(layer.softRank(epsilon: run.configuration.epsilon)))
        add(layer.layer, nil, "class_tcv", layer.classTCV)
        add(layer.layer, nil, "total_variation", layer.totalVariation)
        if let rho = layer.stationarity { add(layer.layer, nil, "stationarity_residual", rho) }
      }
    }
    return rows
  }

  /// The colours of `count` e(r) curves: light blue for the first epoch to dark blue for the
  /// last (the paper's Figure 3).
  ///
  /// - Parameter count: The number of curves.
  /// - Returns: The colours in epoch order.
  public static func epochColors(count: Int) -> [RGBColor] {
    ColorMap(anchors: [RGBColor(hex: 0xC6DBEF), RGBColor(hex: 0x08306B)]).colors(
      count: count, in: 0...1)
  }

  /// The panel of one λ and one layer: e(r) against r, one curve per recorded epoch coloured
  /// from light (first) to dark blue (last); the legend names the first and last epoch.
  ///
  /// - Parameters:
  ///   - trajectory: The λ's trajectory.
  ///   - layer: l ∈ 1…L.
  /// - Returns: The chart.
  public static func tailPanel(of trajectory: Trajectory, layer: Int) -> LineChart {
    var chart = LineChart(
      title: "W\(subscriptDigits(layer)), λ = \(trajectory.lambda)", xLabel: "r",
      yLabel: "e(r)", width: 340, height: 260)
    let colors = epochColors(count: trajectory.epochs.count)
    for (index, epoch) in trajectory.epochs.enumerated() {
      let tails = trajectory.tails[index][layer - 1]
      chart.series.append(
        LineChart.Series(
          name: "epoch \(epoch)", x: tails.indices.map { Double($0 + 1) }, y: tails,
          color: colors[index], showsMarkers: false,
          showsInLegend: index == 0 || index == trajectory.epochs.count - 1))
    }
    return chart
  }

  /// The panel of one layer's TCV: the class-label `WCSS_l` of Z^l against the epoch, one line
  /// per λ.
  ///
  /// - Parameters:
  ///   - trajectories: One per λ.
  ///   - layer: l ∈ 1…L.
  /// - Returns: The chart.
  public static func tcvPanel(of trajectories: [Trajectory], layer: Int) -> LineChart {
    var chart = LineChart(
      title: "TCV of Z\(superscriptDigits(layer)) by class", xLabel: "epoch", yLabel: "TCV",
      width: 340, height: 260)
    for trajectory in trajectories {
      chart.series.append(
        LineChart.Series(
          name: "λ = \(trajectory.lambda)", x: trajectory.epochs.map(Double.init),
          y: trajectory.classTCV.map { $0[layer - 1] }))
    }
    return chart
  }

  /// Figure 3: a row of e(r) panels per λ (one panel per layer), and a bottom row with each
  /// layer's TCV against the epoch.
  ///
  /// - Parameter trajectories: One per λ, all with the same number of layers.
  /// - Returns: The figure.
  public static func figure(_ trajectories: [Trajectory]) -> FigureGrid {
    let layers = trajectories.map(\.layerCount).max() ?? 0
    var panels: [FigureGrid.Panel] = []
    for trajectory in trajectories {
      for layer in 1...Swift.max(layers, 1) where layer <= trajectory.layerCount {
        panels.append(.lineChart(tailPanel(of: trajectory, layer: layer)))
      }
    }
    for layer in 1...Swift.max(layers, 1) where layers > 0 {
      panels.append(.lineChart(tcvPanel(of: trajectories, layer: layer)))
    }
    return FigureGrid(
      title: "Tail e(r) of each layer's singular values during training (light → dark blue: "
        + "early → late epochs) and class-label TCV per layer",
      columns: Swift.max(layers, 1), panels: panels)
  }

  /// A text table of the first and last measurement of every λ: accuracies, rk(ε) and the
  /// class-label TCV per layer.
  ///
  /// - Parameter trajectories: One per λ.
  /// - Returns: The table, one line per row.
  public static func summary(_ trajectories: [Trajectory]) -> String {
    var table = TextTable(widths: [8, 6, 7, 7, 21])
    table.add(["λ", "epoch", "train", "test", "rk(0.1) per layer", "class TCV per layer"])
    for trajectory in trajectories {
      let last = trajectory.epochs.count - 1
      for index in Set([0, last]).sorted() where index >= 0 {
        table.add([
          "\(trajectory.lambda)", "\(trajectory.epochs[index])",
          TextTable.percent(trajectory.trainAccuracy[index]),
          trajectory.testAccuracy[index].map(TextTable.percent) ?? "–",
          trajectory.softRanks[index].map(String.init).joined(separator: " "),
          trajectory.classTCV[index].map(TextTable.rounded).joined(separator: " "),
        ])
      }
    }
    return table.text
  }

  /// `n` in Unicode subscript digits (W₁, W₂, …).
  static func subscriptDigits(_ n: Int) -> String {
    let digits = ["₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉"]
    return String(n).compactMap { $0.wholeNumberValue.map { digits[$0] } }.joined()
  }

  /// `n` in Unicode superscript digits (Z¹, Z², …).
  static func superscriptDigits(_ n: Int) -> String {
    let digits = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
    return String(n).compactMap { $0.wholeNumberValue.map { digits[$0] } }.joined()
  }
}
