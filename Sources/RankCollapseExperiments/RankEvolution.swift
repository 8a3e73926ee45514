import RankCollapse
import RankCollapsePlots

extension Experiments {
  /// The experiment of the paper's Figure 3 (section 6.3).
  ///
  /// The classifier of ``ClassifierExperiment`` is trained at several λ, recording every few
  /// epochs each layer's tail curve e(r) (equation 22) and the class-label TCV of each layer's
  /// embeddings.
  ///
  /// Each λ is trained by its own resumable ``ClassifierExperiment`` with a state file
  /// `lambda-<λ>.safetensors` in the state folder: an interrupted run continues from its last
  /// measurement, and finished λ are not trained again.
  public struct RankEvolution: Sendable, Hashable, Codable {
    /// The hyperparameters shared by every λ (its ``ClassifierConfiguration/lambda`` is replaced).
    public var configuration: ClassifierConfiguration
    /// The weight decay values, one row of panels each.
    public var lambdas: [Double]
    /// Training images (the first ones), or `nil` for all.
    public var trainingSamples: Int?
    /// Test images (the first ones), or `nil` for all.
    public var testSamples: Int?
    /// The average-pooling window applied to the images (1: none).
    public var pooling: Int

    /// Creates the experiment.
    ///
    /// - Parameters:
    ///   - configuration: Shared hyperparameters.
    ///   - lambdas: The λ values (at least one, each ≥ 0).
    ///   - trainingSamples: Training images, or `nil` for all.
    ///   - testSamples: Test images, or `nil` for all.
    ///   - pooling: Image pooling window.
    public init(
      configuration: ClassifierConfiguration, lambdas: [Double], trainingSamples: Int?,
      testSamples: Int?, pooling: Int = 1
    ) {
      self.configuration = configuration
      self.lambdas = lambdas
      self.trainingSamples = trainingSamples
      self.testSamples = testSamples
      self.pooling = pooling
    }

    /// The default scale: a few minutes on 2 cores in a release build.
    ///
    /// The first 10 000
    /// Fashion-MNIST training images, a 784-256-128-64-10 tanh network, Adam (η = 10⁻³, batches
    /// of 128) for 40 epochs, measured every 4 epochs, λ ∈ {10⁻³, 3·10⁻³, 10⁻²}, TCV on the
    /// first 2 000 training images.
    public static var defaultScale: RankEvolution {
      RankEvolution(
        configuration: ClassifierConfiguration(
          hiddenWidths: [256, 128, 64], lambda: 0, epochs: 40, recordEvery: 4, batchSize: 128,
          learningRate: 1e-3, optimizer: .adam, measurementSamples: 2000),
        lambdas: [1e-3, 3e-3, 1e-2], trainingSamples: 10_000, testSamples: 2000)
    }

    /// The paper's scale: all 60 000 training and 10 000 test images, a 784-512-256-128-10
    /// network, 300 epochs measured every 20 (the paper measures every 100 of an unstated
    /// number), TCV on the first 10 000 training images.
    public static var paperScale: RankEvolution {
      RankEvolution(
        configuration: ClassifierConfiguration(
          hiddenWidths: [512, 256, 128], lambda: 0, epochs: 300, recordEvery: 20,
          batchSize: 128, learningRate: 1e-3, optimizer: .adam, measurementSamples: 10_000),
        lambdas: [1e-3, 3e-3, 1e-2], trainingSamples: nil, testSamples: nil)
    }

    /// The configuration of one λ.
    ///
    /// - Parameter lambda: λ.
    /// - Returns: ``configuration`` with λ set.
    public func configuration(lambda: Double) -> ClassifierConfiguration {
      var result = configuration
      result.lambda = lambda
      return result
    }

    /// Checks the λ values and the shared configuration.
    ///
    /// - Throws: ``ClassifierError/invalidConfiguration(_:)`` naming the bad value.
    public func validate() throws(ClassifierError) {
      guard !lambdas.isEmpty else { throw .invalidConfiguration("give at least one λ") }
      for lambda in lambdas { try configuration(lambda: lambda).validate() }
      guard Set(lambdas).count == lambdas.count else {
        throw .invalidConfiguration("the λ values must differ, got \(lambdas)")
      }
    }

    /// The state file of one λ in `folder`.
    ///
    /// - Parameters:
    ///   - folder: The state folder.
    ///   - lambda: λ.
    /// - Returns: `folder/lambda-<λ>.safetensors`.
    public static func statePath(folder: String, lambda: Double) -> String {
      folder + "/lambda-\(lambda).safetensors"
    }

    /// Trains every λ in turn (resuming from `stateFolder` when given).
    ///
    /// - Parameters:
    ///   - data: The images.
    ///   - stateFolder: An existing folder for the per-λ state files, or `nil` for none.
    ///   - progress: The trainer's progress output.
    ///   - onSnapshot: Called with λ and each new snapshot.
    /// - Returns: One run per λ, in the order of ``lambdas``.
    /// - Throws: ``ClassifierError``.
    public func run(
      on data: ClassifierData, stateFolder: String? = nil, progress: ProgressStyle = .silent,
      onSnapshot: ((Double, ClassifierSnapshot) -> Void)? = nil
    ) throws(ClassifierError) -> [ClassifierRun] {
      try validate()
      var runs: [ClassifierRun] = []
      for lambda in lambdas {
        let experiment = ClassifierExperiment(configuration: configuration(lambda: lambda))
        runs.append(
          try experiment.run(
            on: data, statePath: stateFolder.map { Self.statePath(folder: $0, lambda: lambda) },
            progress: progress, onSnapshot: { onSnapshot?(lambda, $0) }))
      }
      return runs
    }
  }
}

extension Experiments.RankEvolution {
  /// One measurement of a Figure 3 run, a row of the tidy table.
  public struct Measurement: Sendable, Hashable {
    /// λ of the run.
    public var lambda: Double
    /// The epoch of the snapshot.
    public var epoch: Int
    /// The layer l (1…L; 0 for the inputs' TCV), or `nil` for whole-network quantities.
    public var layer: Int?
    /// r for `singular_value` (σ_r) and `tail_error` (e(r)); `nil` otherwise.
    public var r: Int?
    /// What is measured: `singular_value`, `tail_error`, `soft_rank`, `class_tcv`,
    /// `total_variation`, `loss`, `penalty`, `train_accuracy` or `test_accuracy`.
    public var quantity: String
    /// The value.
    public var value: Double

    /// Creates a measurement.
    ///
    /// - Parameters:
    ///   - lambda: λ.
    ///   - epoch: The epoch.
    ///   - layer: l or `nil`.
    ///   - r: r or `nil`.
    ///   - quantity: The quantity's name.
    ///   - value: The value.
    public init(lambda: Double, epoch: Int, layer: Int?, r: Int?, quantity: String, value: Double) {
      self.lambda = lambda
      self.epoch = epoch
      self.layer = layer
      self.r = r
      self.quantity = quantity
      self.value = value
    }
  }

  /// Every measurement of the runs, one per row (tidy): per snapshot the loss, penalty and
  /// accuracies, the inputs' TCV (layer 0), and per layer σ_r and e(r) for every r, rk(ε), the
  /// class-label TCV and the total variation.
  ///
  /// - Parameter runs: The runs.
  /// - Returns: The measurements in run, epoch, layer, r order.
  public static func measurements(of runs: [Experiments.ClassifierRun]) -> [Measurement] {
    var rows: [Measurement] = []
    for run in runs {
      let lambda = run.configuration.lambda
      for snapshot in run.snapshots {
        let epoch = snapshot.epoch
        func add(_ layer: Int?, _ r: Int?, _ quantity: String, _ value: Double) {
          rows.append(
            Measurement(
              lambda: lambda, epoch: epoch, layer: layer, r: r, quantity: quantity, value: value))
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
            layer.layer, nil, "soft_rank",
            Double(layer.softRank(epsilon: run.configuration.epsilon)))
          add(layer.layer, nil, "class_tcv", layer.classTCV)
          add(layer.layer, nil, "total_variation", layer.totalVariation)
        }
      }
    }
    return rows
  }

  /// The colour of the e(r) curve of an epoch: light blue at the first, dark blue at the last
  /// (the paper's Figure 3).
  ///
  /// - Parameters:
  ///   - index: The curve's index among `count` epochs.
  ///   - count: The number of curves.
  /// - Returns: The colour.
  public static func epochColor(_ index: Int, of count: Int) -> RGBColor {
    let map = ColorMap(anchors: [RGBColor(hex: 0xC6DBEF), RGBColor(hex: 0x08306B)])
    return map.color(at: count > 1 ? Double(index) / Double(count - 1) : 1)
  }

  /// The panel of one λ and one layer: e(r) against r, one curve per recorded epoch coloured
  /// from light (first) to dark blue (last).
  ///
  /// - Parameters:
  ///   - run: The run of that λ.
  ///   - layer: l ∈ 1…L.
  /// - Returns: The chart.
  public static func tailPanel(of run: Experiments.ClassifierRun, layer: Int) -> LineChart {
    var chart = LineChart(
      title: "W\(subscriptDigits(layer)), λ = \(run.configuration.lambda)", xLabel: "r",
      yLabel: "e(r)")
    let count = run.snapshots.count
    for (index, snapshot) in run.snapshots.enumerated() {
      let tails = snapshot.layers[layer - 1].tailErrors
      chart.series.append(
        LineChart.Series(
          name: "epoch \(snapshot.epoch)", x: tails.indices.map { Double($0 + 1) }, y: tails,
          color: epochColor(index, of: count), showsMarkers: false))
    }
    return chart
  }

  /// The panel of one layer's TCV: the class-label `WCSS_l` of Z^l against the epoch, one line
  /// per λ.
  ///
  /// - Parameters:
  ///   - runs: The runs, one per λ.
  ///   - layer: l ∈ 1…L.
  /// - Returns: The chart.
  public static func tcvPanel(of runs: [Experiments.ClassifierRun], layer: Int) -> LineChart {
    var chart = LineChart(
      title: "TCV of Z\(superscriptDigits(layer)) by class", xLabel: "epoch", yLabel: "TCV")
    for run in runs {
      chart.series.append(
        LineChart.Series(
          name: "λ = \(run.configuration.lambda)",
          x: run.snapshots.map { Double($0.epoch) },
          y: run.snapshots.map { $0.layers[layer - 1].classTCV }))
    }
    return chart
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
