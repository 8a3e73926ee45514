import RankCollapse
import RankCollapseSweep

extension Experiments {
  /// Centroid warm-up (`CentroidWarmupTrainer`, the paper's section 7 suggestion) against plain
  /// training from the same initialisation, side by side in one run.
  ///
  /// Settings:
  /// - **Gaussian-mixture autoencoder** (``BlobsAutoencoderExperiment``'s data and network: K
  ///   blobs, tanh autoencoder, squared loss, weight decay λ, full-batch gradient descent with
  ///   momentum and a cosine learning rate) at each σ of ``sigmas``; the partition is the blob
  ///   labels.
  /// - **Fashion-MNIST classifier** (``ClassifierData/mnist(folder:trainingSamples:testSamples:pooling:)``
  ///   data, tanh hidden layers, softmax cross-entropy, weight decay λ, Adam), full batch and
  ///   (if ``minibatchSize`` is set) with minibatches; the partition is the class labels.
  ///
  /// Methods (``WarmupMethod``): plain training (the library `Trainer`), the warm-up on the
  /// label partition, and the warm-up whose partition is refreshed every ``refreshEvery`` steps
  /// by k-means on a hidden layer's embedding Z^j (``includesRefresh``); each warm-up method at
  /// every ρ of ``residualFractions``. In each round every method runs with the same data,
  /// initial network and full-phase budget; the order reverses between rounds so that machine
  /// load hits all alike.
  ///
  /// Targets (``WarmupTargetKind``): L* = the plain run's final L_λ × (1 + ``targetSlack``)
  /// and, for the classifier, A* = the plain run's final test accuracy − ``accuracySlack``.
  /// The test accuracy (and, with minibatches, the full-data L_λ) is evaluated every
  /// ``evaluationInterval`` (``minibatchEvaluationInterval``) full-phase steps and at the end;
  /// evaluation time is not counted as training time. For each run the first step at which the
  /// target holds gives the steps (warm-up steps included) and seconds (warm-up included).
  /// Speed-up = plain ÷ warm-up (> 1: the warm-up helps).
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
    /// Adam's learning rate for the full-batch classifier.
    public var classifierLearningRate: Double
    /// Full-data step budget of the full-batch classifier.
    public var classifierSteps: Int
    /// Samples per step of the minibatch classifier setting (`nil`: skip it).
    public var minibatchSize: Int?
    /// Step budget of the minibatch setting's full phase.
    public var minibatchSteps: Int
    /// Adam's learning rate in the minibatch setting (warm-up included).
    public var minibatchLearningRate: Double
    /// Full-phase steps between held-out evaluations (full-batch classifier).
    public var evaluationInterval: Int
    /// Full-phase steps between held-out evaluations (minibatch classifier).
    public var minibatchEvaluationInterval: Int
    /// Absolute slack of the accuracy target: A* = plain final accuracy − slack.
    public var accuracySlack: Double
    /// The ρ values of the switch rule; every warm-up method runs at each.
    public var residualFractions: [Double]
    /// m, warm-up steps between residual estimates.
    public var checkInterval: Int
    /// |S|, rows of each residual estimate.
    public var sampleSize: Int
    /// The warm-up's step cap.
    public var warmupSteps: Int
    /// Whether to run the partition-refresh variant.
    public var includesRefresh: Bool
    /// Warm-up steps between partition refreshes.
    public var refreshEvery: Int
    /// The autoencoder's hidden layer j whose Z^j is clustered (`nil`: the bottleneck, layer
    /// L/2); the classifier uses its last hidden layer.
    public var refreshLayer: Int?
    /// K of the refreshed partitions (`nil`: the number of labels, K = classes or blobs).
    public var refreshClusters: Int?
    /// Relative slack of the target: L* = (final plain L_λ)(1 + slack).
    public var targetSlack: Double
    /// Rounds of all methods, order reversing between rounds.
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
    ///   - classifierLearningRate: Adam's η (full batch).
    ///   - classifierSteps: Full-data steps (full batch).
    ///   - minibatchSize: Minibatch size, or `nil` to skip the minibatch setting.
    ///   - minibatchSteps: Minibatch steps of the full phase.
    ///   - minibatchLearningRate: Adam's η with minibatches.
    ///   - evaluationInterval: Steps between evaluations (full batch).
    ///   - minibatchEvaluationInterval: Steps between evaluations (minibatches).
    ///   - accuracySlack: A* = plain final accuracy − this.
    ///   - residualFractions: ρ values.
    ///   - checkInterval: m.
    ///   - sampleSize: |S|.
    ///   - warmupSteps: Warm-up cap.
    ///   - includesRefresh: Whether to run the refresh variant.
    ///   - refreshEvery: Warm-up steps between refreshes.
    ///   - refreshLayer: The autoencoder's refresh layer, or `nil` for the bottleneck.
    ///   - refreshClusters: K of the refreshed partitions, or `nil` for the label count.
    ///   - targetSlack: Target slack.
    ///   - rounds: Rounds.
    public init(
      autoencoder: BlobsAutoencoderExperiment = WarmupComparison.defaultAutoencoder,
      sigmas: [Double] = [0.05, 0.2, 0.5, 1.0], lambda: Double = 1e-3,
      includesClassifier: Bool = true,
      dataFolder: String = MNIST.fashionMNISTFolder,
      classifierSamples: Int = 10_000, classifierTestSamples: Int = 2000,
      classifierPooling: Int = 2, classifierHiddenWidths: [Int] = [128],
      classifierLearningRate: Double = 2e-3, classifierSteps: Int = 200,
      minibatchSize: Int? = 256, minibatchSteps: Int = 1000,
      minibatchLearningRate: Double = 1e-3, evaluationInterval: Int = 5,
      minibatchEvaluationInterval: Int = 25, accuracySlack: Double = 0.005,
      residualFractions: [Double] = [0.5], checkInterval: Int = 10, sampleSize: Int = 512,
      warmupSteps: Int = 1000, includesRefresh: Bool = true, refreshEvery: Int = 5,
      refreshLayer: Int? = nil, refreshClusters: Int? = nil, targetSlack: Double = 0.01,
      rounds: Int = 2
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
      self.minibatchSize = minibatchSize
      self.minibatchSteps = minibatchSteps
      self.minibatchLearningRate = minibatchLearningRate
      self.evaluationInterval = evaluationInterval
      self.minibatchEvaluationInterval = minibatchEvaluationInterval
      self.accuracySlack = accuracySlack
      self.residualFractions = residualFractions
      self.checkInterval = checkInterval
      self.sampleSize = sampleSize
      self.warmupSteps = warmupSteps
      self.includesRefresh = includesRefresh
      self.refreshEvery = refreshEvery
      self.refreshLayer = refreshLayer
      self.refreshClusters = refreshClusters
      self.targetSlack = targetSlack
      self.rounds = rounds
    }

    /// The default autoencoder: ``BlobsAutoencoderExperiment/small``'s widths 64-48-32-48-64
    /// and η_0 = 0.05, with N = 4000 points and 1500 full-data steps of gradient descent with
    /// momentum 0.9 (the warm-up is a first-order method and is compared with one).
    public static var defaultAutoencoder: BlobsAutoencoderExperiment {
      var setting = BlobsAutoencoderExperiment.small
      setting.optimizer = .gradientDescent(momentum: 0.9)
      setting.points = 4000
      setting.maximumSteps = 1500
      return setting
    }

    /// The warm-up methods run (plain is always run).
    public var warmupMethods: [WarmupMethod] {
      includesRefresh ? [.warmup, .warmupRefresh] : [.warmup]
    }

    /// The autoencoder's refresh layer: ``refreshLayer`` or the bottleneck L/2.
    public var autoencoderRefreshLayer: Int { refreshLayer ?? (autoencoder.widths.count - 1) / 2 }

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
        values["classifier.optimizer"] = "adam (beta1 0.9, beta2 0.999, eps 1e-08)"
        values["classifier.learning_rate"] = .number(classifierLearningRate)
        values["classifier.steps"] = .integer(classifierSteps)
        values["classifier.evaluation_interval"] = .integer(evaluationInterval)
        if let minibatchSize {
          values["classifier.minibatch_size"] = .integer(minibatchSize)
          values["classifier.minibatch_steps"] = .integer(minibatchSteps)
          values["classifier.minibatch_learning_rate"] = .number(minibatchLearningRate)
          values["classifier.minibatch_evaluation_interval"] = .integer(
            minibatchEvaluationInterval)
        } else {
          values["classifier.minibatch_size"] = "none"
        }
        values["accuracy_slack"] = .number(accuracySlack)
      }
      values["warmup.partition"] = "labels (blob / class)"
      values["warmup.residual_fractions"] = .numbers(residualFractions)
      values["warmup.check_interval"] = .integer(checkInterval)
      values["warmup.sample_size"] = .integer(sampleSize)
      values["warmup.maximum_steps"] = .integer(warmupSteps)
      values["warmup.refresh"] = .boolean(includesRefresh)
      if includesRefresh {
        values["warmup.refresh_every"] = .integer(refreshEvery)
        values["warmup.refresh_layer.autoencoder"] = .integer(autoencoderRefreshLayer)
        values["warmup.refresh_layer.classifier"] = .integer(classifierHiddenWidths.count)
        values["warmup.refresh_clusters"] =
          refreshClusters.map { .integer($0) } ?? "same K as the label partition"
      }
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
      try require(!residualFractions.isEmpty, "rhos", "[]", "at least one value")
      for rho in residualFractions {
        try require(rho.isFinite && rho > 0, "rhos", "\(rho)", "finite and > 0")
      }
      try require(checkInterval >= 1, "check-interval", "\(checkInterval)", "at least 1")
      try require(sampleSize >= 1, "sample-size", "\(sampleSize)", "at least 1")
      try require(warmupSteps >= 0, "warmup-steps", "\(warmupSteps)", "≥ 0")
      try require(refreshEvery >= 1, "refresh-every", "\(refreshEvery)", "at least 1")
      if let refreshClusters {
        try require(
          refreshClusters >= 1, "refresh-clusters", "\(refreshClusters)", "at least 1")
      }
      if includesRefresh && !sigmas.isEmpty {
        let depth = autoencoder.widths.count - 1
        try require(
          autoencoderRefreshLayer >= 1 && autoencoderRefreshLayer < depth, "refresh-layer",
          "\(autoencoderRefreshLayer)", "a hidden layer of the autoencoder, 1…\(depth - 1)")
      }
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
          !classifierHiddenWidths.isEmpty && classifierHiddenWidths.allSatisfy { $0 >= 1 },
          "classifier-widths", "\(classifierHiddenWidths)", "non-empty, all at least 1")
        try require(
          evaluationInterval >= 1, "evaluation-interval", "\(evaluationInterval)", "at least 1")
        try require(
          accuracySlack.isFinite && accuracySlack >= 0 && accuracySlack < 1, "accuracy-slack",
          "\(accuracySlack)", "in [0, 1)")
        if let minibatchSize {
          try require(minibatchSize >= 1, "batch-size", "\(minibatchSize)", "at least 1")
          try require(
            minibatchSteps >= 1, "minibatch-steps", "\(minibatchSteps)", "at least 1")
          try require(
            minibatchLearningRate.isFinite && minibatchLearningRate > 0,
            "minibatch-learning-rate", "\(minibatchLearningRate)", "finite and > 0")
          try require(
            minibatchEvaluationInterval >= 1, "minibatch-evaluation-interval",
            "\(minibatchEvaluationInterval)", "at least 1")
        }
      }
    }
  }

  /// The methods a ``WarmupComparison`` runs side by side.
  public enum WarmupMethod: String, Sendable, Hashable, CaseIterable {
    /// The library `Trainer` alone, from the initial network.
    case plain
    /// `CentroidWarmupTrainer` with the label partition, then the same `Trainer`.
    case warmup
    /// As ``warmup``, with a `PartitionRefresh` (k-means on a hidden layer's Z^j every
    /// ``WarmupComparison/refreshEvery`` warm-up steps).
    case warmupRefresh = "warmup-refresh"
  }

  /// What a target measures.
  public enum WarmupTargetKind: String, Sendable, Hashable, CaseIterable {
    /// The regularised loss L_λ on all training data: L* = (plain final L_λ)(1 + slack).
    case objective
    /// Held-out test accuracy: A* = (plain final accuracy) − slack (classifier only).
    case accuracy
  }

  /// One held-out evaluation of a run (its time is not counted as training time).
  public struct WarmupEvaluation: Sendable, Hashable {
    /// Steps made before it, warm-up steps included.
    public var step: Int
    /// Training seconds before it (warm-up included, evaluations excluded).
    public var seconds: Double
    /// L_λ on all training data (minibatch settings; `nil` when the step's record is exact).
    public var objective: Double?
    /// Accuracy on the test images.
    public var testAccuracy: Double?

    /// An evaluation.
    ///
    /// - Parameters:
    ///   - step: Steps made, warm-up included.
    ///   - seconds: Training seconds before it.
    ///   - objective: Full-data L_λ, or `nil`.
    ///   - testAccuracy: Test accuracy, or `nil`.
    public init(step: Int, seconds: Double, objective: Double?, testAccuracy: Double?) {
      self.step = step
      self.seconds = seconds
      self.objective = objective
      self.testAccuracy = testAccuracy
    }
  }

  /// One training run of a ``WarmupComparison``.
  public struct WarmupRun: Sendable {
    /// Plain, warm-up, or warm-up with partition refresh.
    public var method: WarmupMethod
    /// ρ of the switch rule (`nil` for plain).
    public var residualFraction: Double?
    /// The round (1-based).
    public var round: Int
    /// Warm-up steps (0 for plain).
    public var warmupSteps: Int
    /// Why the warm-up switched (`nil` for plain).
    public var switchReason: SwitchReason?
    /// Partition refreshes made during the warm-up.
    public var refreshes: Int
    /// K of the partition in use when the warm-up ended (0 for plain).
    public var clusters: Int
    /// Seconds of the warm-up phase.
    public var warmupSeconds: Double
    /// (step, seconds, centroid L_λ^{0,𝒞}) of the warm-up phase.
    public var warmup: [WarmupRecord]
    /// The full-data phase; its `step` counts full-data steps.
    public var full: [FullRecord]
    /// Held-out evaluations during the full phase (classifier settings).
    public var evaluations: [WarmupEvaluation]
    /// Test accuracy at the end (classifier only).
    public var testAccuracy: Double?

    /// A run.
    ///
    /// - Parameters:
    ///   - method: The method.
    ///   - residualFraction: ρ, or `nil` for plain.
    ///   - round: The round.
    ///   - warmupSteps: Warm-up steps.
    ///   - switchReason: Why the warm-up switched.
    ///   - refreshes: Partition refreshes.
    ///   - clusters: K at the end of the warm-up.
    ///   - warmupSeconds: Seconds of the warm-up.
    ///   - warmup: The warm-up trajectory.
    ///   - full: The full-data trajectory.
    ///   - evaluations: Held-out evaluations.
    ///   - testAccuracy: Test accuracy at the end.
    public init(
      method: WarmupMethod, residualFraction: Double? = nil, round: Int, warmupSteps: Int,
      switchReason: SwitchReason?, refreshes: Int = 0, clusters: Int = 0, warmupSeconds: Double,
      warmup: [WarmupRecord], full: [FullRecord], evaluations: [WarmupEvaluation] = [],
      testAccuracy: Double?
    ) {
      self.method = method
      self.residualFraction = residualFraction
      self.round = round
      self.warmupSteps = warmupSteps
      self.switchReason = switchReason
      self.refreshes = refreshes
      self.clusters = clusters
      self.warmupSeconds = warmupSeconds
      self.warmup = warmup
      self.full = full
      self.evaluations = evaluations
      self.testAccuracy = testAccuracy
    }

    /// The final full-data L_λ (of the last record; with minibatches that of the last
    /// minibatch, see ``finalEvaluatedObjective``).
    public var finalObjective: Double { full.last?.objective ?? .nan }

    /// L_λ on all training data at the last evaluation that has one.
    public var finalEvaluatedObjective: Double? {
      evaluations.last { $0.objective != nil }?.objective
    }

    /// The first full-data record with L_λ ≤ `target`: total steps (warm-up steps plus
    /// full-data steps) and seconds since the start, or `nil` if never reached.
    ///
    /// - Parameter target: L*.
    /// - Returns: Steps and seconds, or `nil`.
    public func reaching(_ target: Double) -> (steps: Int, seconds: Double)? {
      guard let record = full.first(where: { $0.objective <= target }) else { return nil }
      return (warmupSteps + record.step, record.seconds)
    }

    /// The first evaluation whose full-data L_λ is ≤ `objective` (minibatch settings), or
    /// `nil`.
    ///
    /// - Parameter objective: L*.
    /// - Returns: Steps (warm-up included) and training seconds, or `nil`.
    public func reachingEvaluated(objective: Double) -> (steps: Int, seconds: Double)? {
      guard let e = evaluations.first(where: { ($0.objective ?? .infinity) <= objective })
      else { return nil }
      return (e.step, e.seconds)
    }

    /// The first evaluation whose test accuracy is ≥ `accuracy`, or `nil`.
    ///
    /// - Parameter accuracy: A*.
    /// - Returns: Steps (warm-up included) and training seconds, or `nil`.
    public func reaching(accuracy: Double) -> (steps: Int, seconds: Double)? {
      guard let e = evaluations.first(where: { ($0.testAccuracy ?? -.infinity) >= accuracy })
      else { return nil }
      return (e.step, e.seconds)
    }
  }

  /// Speed-up of one warm-up run over the plain run of the same round, to one target.
  public struct WarmupSpeedup: Sendable, Hashable {
    /// The warm-up method.
    public var method: WarmupMethod
    /// Its ρ.
    public var residualFraction: Double?
    /// The round.
    public var round: Int
    /// The target.
    public var kind: WarmupTargetKind
    /// Plain ÷ warm-up steps to the target (`nil`: one of them never reached it).
    public var steps: Double?
    /// Plain ÷ warm-up training seconds to the target.
    public var seconds: Double?
  }

  /// One setting's side-by-side measurement.
  public struct WarmupSetting: Sendable {
    /// `"blobs"` or `"fashion-mnist"`.
    public var experiment: String
    /// σ (NaN for Fashion-MNIST).
    public var sigma: Double
    /// Samples per full-phase step (`nil`: full batch).
    public var batchSize: Int?
    /// Every run, in the order they ran.
    public var runs: [WarmupRun]
    /// L* = the first round's plain final L_λ × (1 + slack) (with minibatches: its last
    /// evaluated full-data L_λ).
    public var target: Double
    /// A* = the first round's plain final test accuracy − slack (classifier only).
    public var accuracyTarget: Double?

    /// A setting's results.
    ///
    /// - Parameters:
    ///   - experiment: `"blobs"` or `"fashion-mnist"`.
    ///   - sigma: σ, or NaN.
    ///   - batchSize: Minibatch size, or `nil`.
    ///   - runs: The runs.
    ///   - target: L*.
    ///   - accuracyTarget: A*, or `nil`.
    public init(
      experiment: String, sigma: Double, batchSize: Int? = nil, runs: [WarmupRun],
      target: Double, accuracyTarget: Double? = nil
    ) {
      self.experiment = experiment
      self.sigma = sigma
      self.batchSize = batchSize
      self.runs = runs
      self.target = target
      self.accuracyTarget = accuracyTarget
    }

    /// The targets this setting measures: L_λ always, test accuracy for the classifier.
    public var targetKinds: [WarmupTargetKind] {
      accuracyTarget == nil ? [.objective] : [.objective, .accuracy]
    }

    /// Steps (warm-up included) and training seconds until a run first reaches a target.
    ///
    /// L_λ comes from every full-batch step's record, or (minibatches) from the held-out
    /// evaluations of the full-data L_λ; accuracy from the evaluations.
    ///
    /// - Parameters:
    ///   - run: A run of this setting.
    ///   - kind: The target.
    /// - Returns: Steps and seconds, or `nil`.
    public func reaching(_ run: WarmupRun, _ kind: WarmupTargetKind) -> (
      steps: Int, seconds: Double
    )? {
      switch kind {
      case .objective:
        batchSize == nil ? run.reaching(target) : run.reachingEvaluated(objective: target)
      case .accuracy: accuracyTarget.flatMap { run.reaching(accuracy: $0) }
      }
    }

    /// The target value of `kind` (NaN if the setting has none).
    ///
    /// - Parameter kind: The target.
    /// - Returns: L* or A*.
    public func targetValue(_ kind: WarmupTargetKind) -> Double {
      kind == .objective ? target : accuracyTarget ?? .nan
    }
  }
}
