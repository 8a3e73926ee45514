import RankCollapse
import RankCollapsePlots

extension Experiments {
  /// The experiment of the paper's Figures 4 and 5 (section 6.4): how the soft rank rk(ε) of
  /// trained layers depends on the width and the depth of the classifier of
  /// ``ClassifierExperiment``.
  ///
  /// - Figure 4: ``fixedHiddenLayers`` hidden layers (four in the paper) of width n for every n
  ///   in ``widths``; the quantity is the mean rk(ε) of the n × n hidden-to-hidden matrices
  ///   W_2 … W_{L−1} ("the intermediate matrix"; with one hidden layer, W_1).
  /// - Figure 5: hidden layers of width ``fixedWidth`` (twice the input dimension by default)
  ///   for every depth in ``hiddenLayerCounts``; the quantity is the mean rk(ε) of all the
  ///   layers' matrices W_1 … W_L ("each layer's matrix").
  ///
  /// Both figures have one line per λ. Every (λ, width, depth) is one ``Point`` of the grid; the
  /// two figures share the point where they meet.
  public struct WidthDepthSweep: Sendable, Hashable, Codable {
    /// One trained network of the grid.
    public struct Point: Sendable, Hashable, Codable, Comparable {
      /// λ.
      public var lambda: Double
      /// The width of every hidden layer.
      public var width: Int
      /// The number of hidden layers (L − 1).
      public var hiddenLayers: Int

      /// A grid point.
      ///
      /// - Parameters:
      ///   - lambda: λ.
      ///   - width: The hidden width.
      ///   - hiddenLayers: The number of hidden layers.
      public init(lambda: Double, width: Int, hiddenLayers: Int) {
        self.lambda = lambda
        self.width = width
        self.hiddenLayers = hiddenLayers
      }

      /// Orders by λ, then width, then depth.
      public static func < (a: Point, b: Point) -> Bool {
        (a.lambda, a.width, a.hiddenLayers) < (b.lambda, b.width, b.hiddenLayers)
      }
    }

    /// The result of one point: the final snapshot's per-layer soft ranks and the accuracies.
    public struct Outcome: Sendable, Hashable, Codable {
      /// The point.
      public var point: Point
      /// rk(ε) of W_1 … W_L at the end of training.
      public var softRanks: [Int]
      /// min(d_l, d_{l−1}) of each W_l, the largest possible rank.
      public var fullRanks: [Int]
      /// rk(ε) of each W_l at initialisation, for comparison.
      public var initialSoftRanks: [Int]
      /// The final training accuracy.
      public var trainAccuracy: Double
      /// The final test accuracy, if there were test images.
      public var testAccuracy: Double?
      /// The final cross-entropy L_0 on the training images.
      public var loss: Double
      /// The final stationarity residual ρ_l per layer.
      ///
      /// Paper equation 4 with ∇L_0 over the training images; empty for outcomes recorded
      /// before it was measured.
      public var stationarity: [Double]

      /// Creates an outcome.
      ///
      /// - Parameters:
      ///   - point: The point.
      ///   - softRanks: Final rk(ε) per layer.
      ///   - fullRanks: min(d_l, d_{l−1}) per layer.
      ///   - initialSoftRanks: rk(ε) per layer at initialisation.
      ///   - trainAccuracy: Final training accuracy.
      ///   - testAccuracy: Final test accuracy or `nil`.
      ///   - loss: Final L_0.
      ///   - stationarity: Final ρ_l per layer (or empty).
      public init(
        point: Point, softRanks: [Int], fullRanks: [Int], initialSoftRanks: [Int],
        trainAccuracy: Double, testAccuracy: Double?, loss: Double, stationarity: [Double] = []
      ) {
        self.stationarity = stationarity
        self.point = point
        self.softRanks = softRanks
        self.fullRanks = fullRanks
        self.initialSoftRanks = initialSoftRanks
        self.trainAccuracy = trainAccuracy
        self.testAccuracy = testAccuracy
        self.loss = loss
      }

      /// Figure 4's quantity: the mean rk(ε) of the hidden-to-hidden matrices W_2 … W_{L−1}
      /// (W_1 when there is a single hidden layer).
      public var intermediateSoftRank: Double { Self.intermediate(softRanks) }

      /// Figure 5's quantity: the mean rk(ε) of all the layers' matrices W_1 … W_L.
      public var averageSoftRank: Double { Self.mean(softRanks) }

      /// The mean of the hidden-to-hidden entries of per-layer ranks (the first entry with a
      /// single hidden layer).
      static func intermediate(_ ranks: [Int]) -> Double {
        mean(ranks.count >= 3 ? Array(ranks[1..<(ranks.count - 1)]) : Array(ranks.prefix(1)))
      }

      /// The mean of per-layer ranks.
      static func mean(_ ranks: [Int]) -> Double {
        ranks.isEmpty ? .nan : Double(ranks.reduce(0, +)) / Double(ranks.count)
      }
    }

    /// The hyperparameters shared by every point (λ and hidden widths are replaced; the
    /// network is measured only at the start and the end).
    public var configuration: ClassifierConfiguration
    /// The λ values, one line each.
    public var lambdas: [Double]
    /// Figure 4's widths n.
    public var widths: [Int]
    /// Figure 4's number of hidden layers (4 in the paper).
    public var fixedHiddenLayers: Int
    /// Figure 5's numbers of hidden layers.
    public var hiddenLayerCounts: [Int]
    /// Figure 5's hidden width; `nil` for twice the input dimension, as in the paper.
    public var fixedWidth: Int?
    /// Training images (the first ones), or `nil` for all.
    public var trainingSamples: Int?
    /// Test images (the first ones), or `nil` for all.
    public var testSamples: Int?
    /// The average-pooling window applied to the images (1: none; 2: 14 × 14 = 196 inputs).
    public var pooling: Int

    /// Creates the sweep.
    ///
    /// - Parameters:
    ///   - configuration: Shared hyperparameters.
    ///   - lambdas: λ values.
    ///   - widths: Figure 4's widths.
    ///   - fixedHiddenLayers: Figure 4's depth.
    ///   - hiddenLayerCounts: Figure 5's depths.
    ///   - fixedWidth: Figure 5's width, `nil` for 2 × input.
    ///   - trainingSamples: Training images or `nil`.
    ///   - testSamples: Test images or `nil`.
    ///   - pooling: Image pooling window.
    public init(
      configuration: ClassifierConfiguration, lambdas: [Double], widths: [Int],
      fixedHiddenLayers: Int, hiddenLayerCounts: [Int], fixedWidth: Int?,
      trainingSamples: Int?, testSamples: Int?, pooling: Int
    ) {
      self.configuration = configuration
      self.lambdas = lambdas
      self.widths = widths
      self.fixedHiddenLayers = fixedHiddenLayers
      self.hiddenLayerCounts = hiddenLayerCounts
      self.fixedWidth = fixedWidth
      self.trainingSamples = trainingSamples
      self.testSamples = testSamples
      self.pooling = pooling
    }

    /// The default scale: a few minutes on 2 cores in a release build.
    ///
    /// The first 5 000
    /// training images average-pooled to 14 × 14 (196 inputs, so Figure 5's width is 392),
    /// Adam (η = 10⁻³, batches of 64) for 30 epochs, λ ∈ {10⁻³, 3·10⁻³, 10⁻²}; Figure 4 with
    /// widths 64, 128, 256, 512 at four hidden layers, Figure 5 with 1 to 4 hidden layers.
    public static var defaultScale: WidthDepthSweep {
      WidthDepthSweep(
        configuration: ClassifierConfiguration(
          hiddenWidths: [1], lambda: 0, epochs: 30, recordEvery: 30, batchSize: 64,
          learningRate: 1e-3, optimizer: .adam, measurementSamples: 1000),
        lambdas: [1e-3, 3e-3, 1e-2], widths: [64, 128, 256, 512], fixedHiddenLayers: 4,
        hiddenLayerCounts: [1, 2, 3, 4], fixedWidth: nil, trainingSamples: 5000,
        testSamples: 2000, pooling: 2)
    }

    /// The paper's scale: all 60 000 training images at 28 × 28 (Figure 5's width 1568),
    /// 100 epochs, widths 100 … 1000 at four hidden layers, 1 to 6 hidden layers.
    public static var paperScale: WidthDepthSweep {
      WidthDepthSweep(
        configuration: ClassifierConfiguration(
          hiddenWidths: [1], lambda: 0, epochs: 100, recordEvery: 100, batchSize: 128,
          learningRate: 1e-3, optimizer: .adam, measurementSamples: 2000),
        lambdas: [1e-3, 3e-3, 1e-2], widths: [100, 200, 400, 600, 800, 1000],
        fixedHiddenLayers: 4, hiddenLayerCounts: [1, 2, 3, 4, 5, 6], fixedWidth: nil,
        trainingSamples: nil, testSamples: nil, pooling: 1)
    }

    /// Figure 5's width for `inputSize` inputs.
    ///
    /// - Parameter inputSize: d_0.
    /// - Returns: ``fixedWidth``, or 2 d_0.
    public func depthSweepWidth(inputSize: Int) -> Int { fixedWidth ?? 2 * inputSize }

    /// Figure 4's points (every λ and width at ``fixedHiddenLayers``).
    public var widthPoints: [Point] {
      lambdas.flatMap { lambda in
        widths.map { Point(lambda: lambda, width: $0, hiddenLayers: fixedHiddenLayers) }
      }
    }

    /// Figure 5's points (every λ and depth at the fixed width).
    ///
    /// - Parameter inputSize: d_0.
    /// - Returns: The points.
    public func depthPoints(inputSize: Int) -> [Point] {
      let width = depthSweepWidth(inputSize: inputSize)
      return lambdas.flatMap { lambda in
        hiddenLayerCounts.map { Point(lambda: lambda, width: width, hiddenLayers: $0) }
      }
    }

    /// Every point of both figures, each once, sorted.
    ///
    /// - Parameter inputSize: d_0.
    /// - Returns: The grid.
    public func points(inputSize: Int) -> [Point] {
      Array(Set(widthPoints + depthPoints(inputSize: inputSize))).sorted()
    }

    /// Checks the grid and the shared configuration.
    ///
    /// - Throws: ``ClassifierError/invalidConfiguration(_:)`` naming the bad value.
    public func validate() throws(ClassifierError) {
      func fail(_ message: String) -> ClassifierError { .invalidConfiguration(message) }
      guard !lambdas.isEmpty else { throw fail("give at least one λ") }
      guard !widths.isEmpty, widths.allSatisfy({ $0 >= 1 }) else {
        throw fail("widths must be at least 1, got \(widths)")
      }
      guard !hiddenLayerCounts.isEmpty, hiddenLayerCounts.allSatisfy({ $0 >= 1 }) else {
        throw fail("hidden layer counts must be at least 1, got \(hiddenLayerCounts)")
      }
      guard fixedHiddenLayers >= 1 else {
        throw fail("the fixed number of hidden layers must be at least 1, got \(fixedHiddenLayers)")
      }
      if let fixedWidth, fixedWidth < 1 {
        throw fail("the fixed width must be at least 1, got \(fixedWidth)")
      }
      for lambda in lambdas {
        try configuration(for: Point(lambda: lambda, width: 1, hiddenLayers: 1)).validate()
      }
    }

    /// The classifier configuration of a point: the shared one with its λ and hidden widths,
    /// measured at the start and at the end only.
    ///
    /// - Parameter point: The point.
    /// - Returns: The configuration.
    public func configuration(for point: Point) -> ClassifierConfiguration {
      var result = configuration
      result.lambda = point.lambda
      result.hiddenWidths = Array(repeating: point.width, count: point.hiddenLayers)
      result.recordEvery = Swift.max(result.epochs, 1)
      return result
    }

    /// Trains the network of one point and measures it.
    ///
    /// - Parameters:
    ///   - point: The point.
    ///   - data: The images.
    ///   - progress: The trainer's progress output.
    /// - Returns: The outcome.
    /// - Throws: ``ClassifierError``.
    public func run(
      _ point: Point, on data: ClassifierData, progress: ProgressStyle = .silent
    ) throws(ClassifierError) -> Outcome {
      let configuration = configuration(for: point)
      let run = try ClassifierExperiment(configuration: configuration).run(
        on: data, progress: progress)
      let epsilon = configuration.epsilon
      let first = run.snapshots[0]
      let last = run.final
      return Outcome(
        point: point, softRanks: last.layers.map { $0.softRank(epsilon: epsilon) },
        fullRanks: last.layers.map { Swift.min($0.rows, $0.columns) },
        initialSoftRanks: first.layers.map { $0.softRank(epsilon: epsilon) },
        trainAccuracy: last.trainAccuracy, testAccuracy: last.testAccuracy, loss: last.loss,
        stationarity: last.layers.map { $0.stationarity ?? .nan })
    }

    /// Figure 4: the mean rk(ε) of the hidden-to-hidden matrices against the width, one line
    /// per λ, and dashed the same quantity at initialisation (points missing from `outcomes` are
    /// left out).
    ///
    /// - Parameter outcomes: Outcomes of any points.
    /// - Returns: The chart.
    public func widthChart(_ outcomes: [Outcome]) -> LineChart {
      let epsilon = configuration.epsilon
      let last = fixedHiddenLayers >= 2 ? "…W\(Self.subscriptDigits(fixedHiddenLayers))" : ""
      let first = fixedHiddenLayers >= 2 ? "W₂" : "W₁"
      var chart = LineChart(
        title: "rk(\(epsilon)) of the hidden matrices, \(fixedHiddenLayers) hidden layers",
        xLabel: "width n", yLabel: "mean rk(\(epsilon)) of \(first)\(last)")
      addLines(
        to: &chart, outcomes,
        where: { $0.hiddenLayers == fixedHiddenLayers && widths.contains($0.width) },
        x: \.width, trained: \.intermediateSoftRank,
        initial: { Outcome.intermediate($0.initialSoftRanks) })
      return chart
    }

    /// Figure 5: the mean rk(ε) of all layers against the number of hidden layers, one line per
    /// λ, and dashed the same quantity at initialisation.
    ///
    /// - Parameters:
    ///   - outcomes: Outcomes of any points.
    ///   - inputSize: d_0 (for the default width 2 d_0).
    /// - Returns: The chart.
    public func depthChart(_ outcomes: [Outcome], inputSize: Int) -> LineChart {
      let epsilon = configuration.epsilon
      let width = depthSweepWidth(inputSize: inputSize)
      var chart = LineChart(
        title: "rk(\(epsilon)) of each layer, hidden width \(width)", xLabel: "hidden layers",
        yLabel: "mean rk(\(epsilon)) over all layers")
      addLines(
        to: &chart, outcomes,
        where: { $0.width == width && hiddenLayerCounts.contains($0.hiddenLayers) },
        x: \.hiddenLayers, trained: \.averageSoftRank,
        initial: { Outcome.mean($0.initialSoftRanks) })
      return chart
    }

    /// Adds one line per λ (the outcomes at the points `selected` picks, ordered by `x`) and,
    /// dashed grey, the first λ's line at initialisation.
    ///
    /// - Parameters:
    ///   - chart: The chart to add to.
    ///   - outcomes: Outcomes of any points.
    ///   - selected: Whether a point (of any λ) belongs to the figure.
    ///   - x: The point's coordinate on the horizontal axis.
    ///   - trained: The plotted value of a trained network.
    ///   - initial: The same value at initialisation.
    private func addLines(
      to chart: inout LineChart, _ outcomes: [Outcome], where selected: (Point) -> Bool,
      x: KeyPath<Point, Int>, trained: (Outcome) -> Double, initial: (Outcome) -> Double
    ) {
      var first: [Outcome] = []
      for lambda in lambdas {
        let line = outcomes.filter { $0.point.lambda == lambda && selected($0.point) }
          .sorted { $0.point[keyPath: x] < $1.point[keyPath: x] }
        if first.isEmpty { first = line }
        chart.series.append(
          LineChart.Series(
            name: "λ = \(lambda)", x: line.map { Double($0.point[keyPath: x]) },
            y: line.map(trained)))
      }
      chart.series.append(
        LineChart.Series(
          name: "at initialisation", x: first.map { Double($0.point[keyPath: x]) },
          y: first.map(initial), color: RGBColor(hex: 0x7F7F7F), isDashed: true))
    }

    /// Text tables of both figures: per width (Figure 4) and per depth (Figure 5) the figure's
    /// mean rk(ε) for every λ with the test accuracy (training accuracy without test images) in
    /// brackets, and the same mean at initialisation.
    ///
    /// - Parameters:
    ///   - outcomes: Outcomes of any points (missing ones show as `–`).
    ///   - inputSize: d_0 (for the default width 2 d_0).
    /// - Returns: The two tables with their titles.
    public func summary(_ outcomes: [Outcome], inputSize: Int) -> String {
      func cell(_ outcome: Outcome?, _ value: (Outcome) -> Double) -> String {
        guard let outcome else { return "–" }
        let accuracy = outcome.testAccuracy ?? outcome.trainAccuracy
        return "\(TextTable.tenths(value(outcome))) (\(TextTable.percent(accuracy)))"
      }
      let header = lambdas.map { "λ = \($0)" } + ["at initialisation"]
      let columnWidths = [7] + Array(repeating: 16, count: lambdas.count)
      var width = TextTable(widths: columnWidths)
      width.add(["width"] + header)
      for n in self.widths {
        let line = lambdas.map { lambda in
          outcomes.first {
            $0.point == Point(lambda: lambda, width: n, hiddenLayers: fixedHiddenLayers)
          }
        }
        width.add(
          ["\(n)"] + line.map { cell($0, \.intermediateSoftRank) }
            + [
              line.compactMap { $0 }.first.map {
                TextTable.tenths(Outcome.intermediate($0.initialSoftRanks))
              } ?? "–"
            ])
      }
      let fixed = depthSweepWidth(inputSize: inputSize)
      var depth = TextTable(widths: columnWidths)
      depth.add(["hidden"] + header)
      for count in hiddenLayerCounts {
        let line = lambdas.map { lambda in
          outcomes.first { $0.point == Point(lambda: lambda, width: fixed, hiddenLayers: count) }
        }
        depth.add(
          ["\(count)"] + line.map { cell($0, \.averageSoftRank) }
            + [
              line.compactMap { $0 }.first.map {
                TextTable.tenths(Outcome.mean($0.initialSoftRanks))
              } ?? "–"
            ])
      }
      return "Figure 4: mean rk(\(configuration.epsilon)) of the hidden-to-hidden matrices "
        + "(test accuracy), \(fixedHiddenLayers) hidden layers\n\(width.text)\n\n"
        + "Figure 5: mean rk(\(configuration.epsilon)) of all layers (test accuracy), "
        + "hidden width \(fixed)\n\(depth.text)"
    }

    /// `n` in Unicode subscript digits.
    static func subscriptDigits(_ n: Int) -> String {
      let digits = ["₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉"]
      return String(n).compactMap { $0.wholeNumberValue.map { digits[$0] } }.joined()
    }
  }
}
