import RankCollapse

extension Experiments {
  /// Centroid warm-up (`CentroidWarmupTrainer`, the paper's section 7 suggestion) against plain
  /// full-data training from the same initialisation, side by side in one run.
  ///
  /// Two settings:
  /// - **Gaussian-mixture autoencoder** (``BlobsAutoencoderExperiment``'s data and network: K
  ///   blobs, tanh autoencoder, squared loss, weight decay λ, full-batch gradient descent with
  ///   momentum and a cosine learning rate) at each σ of ``sigmas``; the partition is the blob
  ///   labels.
  /// - **Fashion-MNIST classifier** (``ClassifierData/mnist(folder:trainingSamples:testSamples:pooling:)``
  ///   data, tanh hidden layers, softmax cross-entropy, weight decay λ, full-batch Adam); the
  ///   partition is the class labels.
  ///
  /// In each round both methods run with the same data, initial network and full-phase budget;
  /// the order alternates between rounds so that machine load hits both alike. The target is the
  /// plain run's final L_λ times (1 + ``targetSlack``); for each method the first full-data step
  /// whose L_λ reaches it gives the steps (warm-up steps included) and seconds (warm-up
  /// included) to target. Speed-up = plain ÷ warm-up (> 1: the warm-up helps).
  public struct WarmupComparison: Sendable, Hashable {
    /// The autoencoder setting (widths, N, K, learning rate, optimizer, seed, full-phase
    /// step budget ``BlobsAutoencoderExperiment/maximumSteps``).
    public var autoencoder: BlobsAutoencoderExperiment
    /// σ values of the autoencoder comparison (empty: skip it).
    public var sigmas: [Double]
    /// λ of both settings' penalty λ‖Θ‖².
    public var lambda: Double
    /// Whether to run the Fashion-MNIST comparison.
    public var includesClassifier: Bool
    /// The folder of the MNIST-format files.
    public var dataFolder: String
    /// Training images used (the first this many).
    public var classifierSamples: Int
    /// Test images used for the accuracy.
    public var classifierTestSamples: Int
    /// Average-pooling window of the images (2: 14 × 14 inputs).
    public var classifierPooling: Int
    /// Hidden widths of the classifier.
    public var classifierHiddenWidths: [Int]
    /// Adam's learning rate for the classifier.
    public var classifierLearningRate: Double
    /// Full-data step budget of the classifier.
    public var classifierSteps: Int
    /// ρ of the switch rule.
    public var residualFraction: Double
    /// m, warm-up steps between residual estimates.
    public var checkInterval: Int
    /// |S|, rows of each residual estimate.
    public var sampleSize: Int
    /// The warm-up's step cap.
    public var warmupSteps: Int
    /// Relative slack of the target: L* = (final plain L_λ)(1 + slack).
    public var targetSlack: Double
    /// Rounds of (plain, warm-up) pairs, order alternating.
    public var rounds: Int

    /// A comparison.
    ///
    /// - Parameters:
    ///   - autoencoder: The autoencoder setting.
    ///   - sigmas: σ values.
    ///   - lambda: λ.
    ///   - includesClassifier: Whether to run Fashion-MNIST.
    ///   - dataFolder: MNIST-format folder.
    ///   - classifierSamples: Training images.
    ///   - classifierTestSamples: Test images.
    ///   - classifierPooling: Pooling window.
    ///   - classifierHiddenWidths: Hidden widths.
    ///   - classifierLearningRate: Adam's η.
    ///   - classifierSteps: Full-data steps.
    ///   - residualFraction: ρ.
    ///   - checkInterval: m.
    ///   - sampleSize: |S|.
    ///   - warmupSteps: Warm-up cap.
    ///   - targetSlack: Target slack.
    ///   - rounds: Rounds.
    public init(
      autoencoder: BlobsAutoencoderExperiment = WarmupComparison.defaultAutoencoder,
      sigmas: [Double] = [0.05, 0.2, 0.5, 1.0], lambda: Double = 1e-3,
      includesClassifier: Bool = true,
      dataFolder: String = MNISTDataSet<Float>.fashionMNISTFolder,
      classifierSamples: Int = 10_000, classifierTestSamples: Int = 2000,
      classifierPooling: Int = 2, classifierHiddenWidths: [Int] = [128],
      classifierLearningRate: Double = 2e-3, classifierSteps: Int = 200,
      residualFraction: Double = 0.5, checkInterval: Int = 10, sampleSize: Int = 512,
      warmupSteps: Int = 1000, targetSlack: Double = 0.01, rounds: Int = 2
    ) {
      self.autoencoder = autoencoder
      self.sigmas = sigmas
      self.lambda = lambda
      self.includesClassifier = includesClassifier
      self.dataFolder = dataFolder
      self.classifierSamples = classifierSamples
      self.classifierTestSamples = classifierTestSamples
      self.classifierPooling = classifierPooling
      self.classifierHiddenWidths = classifierHiddenWidths
      self.classifierLearningRate = classifierLearningRate
      self.classifierSteps = classifierSteps
      self.residualFraction = residualFraction
      self.checkInterval = checkInterval
      self.sampleSize = sampleSize
      self.warmupSteps = warmupSteps
      self.targetSlack = targetSlack
      self.rounds = rounds
    }

    /// The default autoencoder: ``BlobsAutoencoderExperiment/small``'s widths 64-48-32-48-64
    /// and η_0 = 0.05, with N = 4000 points and 1500 full-data steps.
    public static var defaultAutoencoder: BlobsAutoencoderExperiment {
      var setting = BlobsAutoencoderExperiment.small
      setting.points = 4000
      setting.maximumSteps = 1500
      return setting
    }

    /// Every setting, for printing and the sidecar JSON.
    public var hyperparameters: Hyperparameters {
      var values = Hyperparameters()
      values["autoencoder.widths"] = .integers(autoencoder.widths)
      values["autoencoder.points"] = .integer(autoencoder.points)
      values["autoencoder.clusters"] = .integer(autoencoder.clusters)
      values["autoencoder.optimizer"] = .text(autoencoder.optimizer.description)
      values["autoencoder.learning_rate_schedule"] = .text("\(autoencoder.schedule)")
      values["autoencoder.steps"] = .integer(autoencoder.maximumSteps)
      values["sigmas"] = .numbers(sigmas)
      values["lambda"] = .number(lambda)
      values["classifier"] = .boolean(includesClassifier)
      if includesClassifier {
        values["classifier.samples"] = .integer(classifierSamples)
        values["classifier.test_samples"] = .integer(classifierTestSamples)
        values["classifier.pooling"] = .integer(classifierPooling)
        values["classifier.hidden_widths"] = .integers(classifierHiddenWidths)
        values["classifier.optimizer"] = "adam (beta1 0.9, beta2 0.999, eps 1e-08), full batch"
        values["classifier.learning_rate"] = .number(classifierLearningRate)
        values["classifier.steps"] = .integer(classifierSteps)
      }
      values["warmup.partition"] = "labels (blob / class)"
      values["warmup.residual_fraction"] = .number(residualFraction)
      values["warmup.check_interval"] = .integer(checkInterval)
      values["warmup.sample_size"] = .integer(sampleSize)
      values["warmup.maximum_steps"] = .integer(warmupSteps)
      values["target_slack"] = .number(targetSlack)
      values["rounds"] = .integer(rounds)
      values["seed"] = .integer(Int(truncatingIfNeeded: autoencoder.seed))
      return values
    }

    /// Checks every setting.
    ///
    /// - Throws: ``ExperimentError/invalidParameter(name:value:requirement:)`` naming the first
    ///   bad one (the example's option name).
    public func validate() throws(ExperimentError) {
      func require(_ ok: Bool, _ name: String, _ value: String, _ rule: String)
        throws(ExperimentError)
      {
        if !ok { throw .invalidParameter(name: name, value: value, requirement: rule) }
      }
      try autoencoder.validate()
      for sigma in sigmas {
        try require(sigma.isFinite && sigma >= 0, "sigmas", "\(sigma)", "finite and ≥ 0")
      }
      try require(lambda.isFinite && lambda > 0, "lambda", "\(lambda)", "finite and > 0")
      try require(
        !sigmas.isEmpty || includesClassifier, "sigmas", "[]",
        "non-empty unless the classifier runs")
      try require(
        residualFraction.isFinite && residualFraction > 0, "rho", "\(residualFraction)",
        "finite and > 0")
      try require(checkInterval >= 1, "check-interval", "\(checkInterval)", "at least 1")
      try require(sampleSize >= 1, "sample-size", "\(sampleSize)", "at least 1")
      try require(warmupSteps >= 0, "warmup-steps", "\(warmupSteps)", "≥ 0")
      try require(
        targetSlack.isFinite && targetSlack >= 0, "target-slack", "\(targetSlack)",
        "finite and ≥ 0")
      try require(rounds >= 1, "rounds", "\(rounds)", "at least 1")
      if includesClassifier {
        try require(
          classifierSamples >= 10, "classifier-samples", "\(classifierSamples)", "at least 10")
        try require(classifierSteps >= 1, "classifier-steps", "\(classifierSteps)", "at least 1")
        try require(
          classifierLearningRate.isFinite && classifierLearningRate > 0,
          "classifier-learning-rate", "\(classifierLearningRate)", "finite and > 0")
        try require(
          classifierHiddenWidths.allSatisfy { $0 >= 1 }, "classifier-widths",
          "\(classifierHiddenWidths)", "all at least 1")
      }
    }
  }

  /// One training run of a ``WarmupComparison``.
  public struct WarmupRun: Sendable {
    /// `"plain"` or `"warmup"`.
    public var method: String
    /// The round (1-based).
    public var round: Int
    /// Warm-up steps (0 for plain).
    public var warmupSteps: Int
    /// Why the warm-up switched (`nil` for plain).
    public var switchReason: SwitchReason?
    /// Seconds of the warm-up phase.
    public var warmupSeconds: Double
    /// (step, seconds, centroid L_λ^{0,𝒞}) of the warm-up phase.
    public var warmup: [WarmupRecord]
    /// The full-data phase; its `step` counts full-data steps.
    public var full: [FullRecord]
    /// Test accuracy at the end (classifier only).
    public var testAccuracy: Double?

    /// A run.
    ///
    /// - Parameters:
    ///   - method: `"plain"` or `"warmup"`.
    ///   - round: The round.
    ///   - warmupSteps: Warm-up steps.
    ///   - switchReason: Why the warm-up switched.
    ///   - warmupSeconds: Seconds of the warm-up.
    ///   - warmup: The warm-up trajectory.
    ///   - full: The full-data trajectory.
    ///   - testAccuracy: Test accuracy at the end.
    public init(
      method: String, round: Int, warmupSteps: Int, switchReason: SwitchReason?,
      warmupSeconds: Double, warmup: [WarmupRecord], full: [FullRecord], testAccuracy: Double?
    ) {
      self.method = method
      self.round = round
      self.warmupSteps = warmupSteps
      self.switchReason = switchReason
      self.warmupSeconds = warmupSeconds
      self.warmup = warmup
      self.full = full
      self.testAccuracy = testAccuracy
    }

    /// The final full-data L_λ.
    public var finalObjective: Double { full.last?.objective ?? .nan }

    /// The first full-data record with L_λ ≤ `target`: total steps (warm-up steps plus
    /// full-data steps) and seconds since the start, or `nil` if never reached.
    ///
    /// - Parameter target: L*.
    /// - Returns: Steps and seconds, or `nil`.
    public func reaching(_ target: Double) -> (steps: Int, seconds: Double)? {
      guard let record = full.first(where: { $0.objective <= target }) else { return nil }
      return (warmupSteps + record.step, record.seconds)
    }
  }

  /// One setting's side-by-side measurement.
  public struct WarmupSetting: Sendable {
    /// `"blobs"` or `"fashion-mnist"`.
    public var experiment: String
    /// σ (NaN for Fashion-MNIST).
    public var sigma: Double
    /// Plain and warm-up runs, in the order they ran.
    public var runs: [WarmupRun]
    /// L* = the first round's plain final L_λ × (1 + slack).
    public var target: Double
  }
}
