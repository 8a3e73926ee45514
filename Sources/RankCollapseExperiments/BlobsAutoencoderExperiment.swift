import RankCollapse
import RankCollapseSweep

/// The Gaussian-mixture autoencoder of the paper's section 6.1 (Figure 1) at one (λ, σ): train,
/// then measure every layer.
///
/// Data: K isotropic Gaussian blobs in dimension d = `widths[0]` (`GaussianMixture` of
/// RankCollapseData), N points, balanced. The means are drawn once from the seed with every
/// coordinate N(0, meanScale²/d) (``meanScale`` defaults to √d, so mean coordinates have unit
/// variance and σ is measured against them); the noise is drawn from its own seeded stream, so
/// every grid point sees the same means and the same standard-normal noise scaled by σ, and the
/// network starts from the same initial weights. The autoencoder f: R^d → R^d has widths
/// d_0 … d_L with tanh hidden layers and a linear output layer (paper: 784-400-300-400-784),
/// trained on L_λ(Θ) = (1/N) Σ ‖f(x_i) − x_i‖² + λ‖Θ‖² (equation 3, biases included, gradient
/// 2λΘ) in `Float`, full batch, until max_l ρ_l ≤ ``stationarityTolerance`` (and ‖∇L_λ‖ ≤
/// ``gradientTolerance`` when set) or ``maximumSteps``. The default rule is full-batch L-BFGS
/// (`OptimizerChoice.lbfgs`), continued in `Double` where `Float` cannot resolve further
/// progress. The paper trains with gradient descent and gives no learning rate; with
/// `OptimizerChoice.gradientDescent(momentum:)` η_0 decays along a cosine to η_0/100
/// (η_0 = 0.004 at the paper's d = 784, 0.05 at ``small``'s d = 64: the loss sums over d
/// outputs, so stable rates shrink about like 1/d; 0.05 diverges at d = 784). Glorot-uniform
/// weights and zero biases.
///
/// Measured at the end, per weight matrix W_l (in `Double`): the relative spectral tail
/// τ_K = Σ_{j>K} s_j² / Σ_j s_j² (Figure 1), the soft rank rk(ε), the stable rank, ‖W_l‖_F and
/// the stationarity residual ‖∇_{W_l}L_0 + 2λW_l‖_F (equation 4 in the 2λ convention). Per
/// embedding Z^j (j = 0 the inputs … L the output), with the targets joined as in equation (6):
/// TCV by the blob labels, the k-means upper bound and the spectral lower bound. Per layer:
/// Theorem 3.4's chain from `NetworkBounds.evaluate` on a `Double` copy of the network with the
/// blob partition (its curvature constant estimated on ``boundSampleSize`` points).
///
/// ```swift
/// var experiment = BlobsAutoencoderExperiment.small
/// experiment.seed = 3
/// let result = try experiment.run(lambda: 1e-3, sigma: 0.1)
/// print(result.layers.map(\.tail))   // τ_10 of W_1 … W_4
/// ```
public struct BlobsAutoencoderExperiment: Sendable, Hashable {
  /// d_0 … d_L; d_0 = d_L is the data dimension d.
  public var widths: [Int]
  /// K, the number of blobs and the rank of τ_K.
  public var clusters: Int
  /// N, the number of points.
  public var points: Int
  /// The scale of the blob means (`nil`: √d, unit-variance mean coordinates).
  public var meanScale: Double?
  /// The update rule.
  public var optimizer: OptimizerChoice
  /// η_0, the initial learning rate.
  public var learningRate: Double
  /// Whether η decays along a cosine from η_0 to η_0/100 over ``maximumSteps`` (at a constant
  /// rate the iterates keep oscillating and the gradient norm stalls); otherwise η is constant.
  public var decaysLearningRate: Bool
  /// How the weights are drawn (biases start at zero).
  public var initializer: Initializer
  /// Converged when ‖∇L_λ‖ ≤ this (norm over all weights and biases).
  public var gradientTolerance: Double?
  /// Converged when max_l ρ_l ≤ this, the relative stationarity residual of equation 4
  /// (`TrainingConfiguration/stationarityTolerance`); with ``gradientTolerance`` set too, both
  /// must hold.
  public var stationarityTolerance: Double?
  /// Stop after this many full-batch steps at the latest.
  public var maximumSteps: Int
  /// ε of rk(ε).
  public var softRankEpsilon: Double
  /// Whether to measure the TCV interval of every embedding.
  public var measuresClusterVariation: Bool
  /// k-means restarts of the TCV upper bound.
  public var kMeansRestarts: Int
  /// Whether to evaluate Theorem 3.4 (`NetworkBounds.evaluate`).
  public var evaluatesBounds: Bool
  /// Points visited by the curvature estimate M_{l,j} of Theorem 3.4 (bounds its cost).
  public var boundSampleSize: Int
  /// Seeds the means (seed), the noise (seed + 1), the initial weights (seed + 2), k-means
  /// (seed + 3) and the curvature sample (seed + 4).
  public var seed: UInt64

  /// A configuration; the defaults are the paper's architecture and data size.
  ///
  /// - Parameters:
  ///   - widths: d_0 … d_L.
  ///   - clusters: K.
  ///   - points: N.
  ///   - meanScale: The means' scale (`nil`: √d).
  ///   - optimizer: The update rule.
  ///   - learningRate: η_0.
  ///   - decaysLearningRate: Whether η decays (cosine, to η_0/100).
  ///   - initializer: Weight initialisation.
  ///   - gradientTolerance: Gradient-norm tolerance.
  ///   - stationarityTolerance: Tolerance on max_l ρ_l.
  ///   - maximumSteps: Step (iteration) budget.
  ///   - softRankEpsilon: ε of rk(ε).
  ///   - measuresClusterVariation: Whether to measure TCV intervals.
  ///   - kMeansRestarts: k-means restarts.
  ///   - evaluatesBounds: Whether to evaluate Theorem 3.4.
  ///   - boundSampleSize: Sample size of the curvature estimate.
  ///   - seed: The seed.
  public init(
    widths: [Int] = [784, 400, 300, 400, 784], clusters: Int = 10, points: Int = 10_000,
    meanScale: Double? = nil, optimizer: OptimizerChoice = .lbfgs,
    learningRate: Double = 0.004,
    decaysLearningRate: Bool = true, initializer: Initializer = .glorotUniform,
    gradientTolerance: Double? = nil, stationarityTolerance: Double? = 1e-2,
    maximumSteps: Int = 20_000, softRankEpsilon: Double = 0.1,
    measuresClusterVariation: Bool = true, kMeansRestarts: Int = 3,
    evaluatesBounds: Bool = true, boundSampleSize: Int = 200, seed: UInt64 = 1
  ) {
    self.widths = widths
    self.clusters = clusters
    self.points = points
    self.meanScale = meanScale
    self.optimizer = optimizer
    self.learningRate = learningRate
    self.decaysLearningRate = decaysLearningRate
    self.initializer = initializer
    self.gradientTolerance = gradientTolerance
    self.stationarityTolerance = stationarityTolerance
    self.maximumSteps = maximumSteps
    self.softRankEpsilon = softRankEpsilon
    self.measuresClusterVariation = measuresClusterVariation
    self.kMeansRestarts = kMeansRestarts
    self.evaluatesBounds = evaluatesBounds
    self.boundSampleSize = boundSampleSize
    self.seed = seed
  }

  /// The paper's setting: 784-400-300-400-784, K = 10, N = 10000, η_0 = 0.004, up to 20000
  /// steps (about 1 step per second on 2 cores: hours per grid point).
  public static var paper: BlobsAutoencoderExperiment { BlobsAutoencoderExperiment() }

  /// A small setting that shows the same effect in seconds for most (λ, σ): 64-48-32-48-64,
  /// K = 10, N = 1000, up to 150000 L-BFGS iterations to max_l ρ_l ≤ 0.01 (η_0 = 0.05 for
  /// `gd` and `adam`).
  ///
  /// Most points converge within a few thousand iterations; the budget is for the small-λ,
  /// large-σ corner, where the objective is nearly flat along many directions and L-BFGS needs
  /// 25000–120000 iterations (λ = 10⁻³, σ = 0.5: 118356, 82729 of them in `Double`).
  public static var small: BlobsAutoencoderExperiment {
    BlobsAutoencoderExperiment(
      widths: [64, 48, 32, 48, 64], points: 1000, learningRate: 0.05, maximumSteps: 150_000)
  }

  /// The name of the τ_K metric in result rows, such as `"tau_10"`.
  public var tailMetric: String { "tau_\(clusters)" }

  /// The name of the rk(ε) metric in result rows, such as `"rk_0.1"`.
  public var softRankMetric: String { "rk_\(SweepValue.format(softRankEpsilon))" }

  /// The data dimension d = d_0.
  public var dimension: Int { widths.first ?? 0 }

  /// Every setting, for printing and for a sweep's sidecar (`Float` training, full batch).
  public var hyperparameters: Hyperparameters {
    var values = Hyperparameters()
    values["widths"] = .integers(widths)
    values["activation"] = "tanh (hidden), identity (output)"
    values["loss"] = "squared error ||f(x) - x||^2, mean over samples"
    values["penalty"] = "lambda * ||Theta||^2 (weights and biases), gradient 2 lambda Theta"
    values["clusters"] = .integer(clusters)
    values["points"] = .integer(points)
    values["mean_scale"] = .number(resolvedMeanScale)
    values["optimizer"] = .text(optimizer.description)
    if optimizer.usesLearningRate {
      values["learning_rate"] = .number(learningRate)
      values["learning_rate_schedule"] = .text("\(schedule)")
    }
    values["batch"] = "full"
    values["initializer"] = .text("\(initializer)")
    if let gradientTolerance { values["gradient_tolerance"] = .number(gradientTolerance) }
    if let stationarityTolerance {
      values["stationarity_tolerance"] = .number(stationarityTolerance)
    }
    values["maximum_steps"] = .integer(maximumSteps)
    values["scalar"] = "Float (training), Double (spectra and bounds)"
    values["soft_rank_epsilon"] = .number(softRankEpsilon)
    values["measures_cluster_variation"] = .boolean(measuresClusterVariation)
    values["kmeans_restarts"] = .integer(kMeansRestarts)
    values["evaluates_bounds"] = .boolean(evaluatesBounds)
    values["bound_sample_size"] = .integer(boundSampleSize)
    values["seed"] = .integer(Int(truncatingIfNeeded: seed))
    return values
  }

  /// η_t of the first-order rules.
  ///
  /// A cosine from η_0 to η_0/100 over ``maximumSteps`` with ``decaysLearningRate``, else
  /// constant. A budget of 0 steps (measure the initial network) has nothing to decay over and
  /// uses the constant η_0.
  public var schedule: LearningRateSchedule {
    decaysLearningRate && maximumSteps > 0
      ? .cosine(initial: learningRate, minimum: learningRate / 100, steps: maximumSteps)
      : .constant(learningRate)
  }

  var resolvedMeanScale: Double { meanScale ?? Double(dimension).squareRoot() }

  /// Checks every setting.
  ///
  /// - Throws: ``ExperimentError/invalidParameter(name:value:requirement:)`` naming the first
  ///   bad setting.
  public func validate() throws(ExperimentError) {
    func require(_ condition: Bool, _ name: String, _ value: String, _ rule: String)
      throws(ExperimentError)
    {
      if !condition { throw .invalidParameter(name: name, value: value, requirement: rule) }
    }
    try require(widths.count >= 2, "widths", "\(widths)", "at least two widths")
    try require(widths.allSatisfy { $0 >= 1 }, "widths", "\(widths)", "all at least 1")
    try require(
      widths.first == widths.last, "widths", "\(widths)",
      "an autoencoder: the first and last width equal")
    try require(clusters >= 1, "clusters", "\(clusters)", "at least 1")
    try require(points >= clusters, "points", "\(points)", "at least the number of clusters")
    try require(
      resolvedMeanScale.isFinite && resolvedMeanScale >= 0, "meanScale", "\(resolvedMeanScale)",
      "finite and ≥ 0")
    try require(
      learningRate.isFinite && learningRate > 0, "learning-rate", "\(learningRate)",
      "finite and > 0")
    if let gradientTolerance {
      try require(
        gradientTolerance.isFinite && gradientTolerance >= 0, "gradient-tolerance",
        "\(gradientTolerance)", "finite and ≥ 0")
    }
    if let stationarityTolerance {
      try require(
        stationarityTolerance.isFinite && stationarityTolerance > 0, "stationarity-tolerance",
        "\(stationarityTolerance)", "finite and > 0")
    }
    try require(maximumSteps >= 0, "max-steps", "\(maximumSteps)", "≥ 0")
    try require(
      softRankEpsilon >= 0 && softRankEpsilon <= 1, "soft-rank-epsilon", "\(softRankEpsilon)",
      "in [0, 1]")
    try require(kMeansRestarts >= 1, "kmeans-restarts", "\(kMeansRestarts)", "at least 1")
    try require(boundSampleSize >= 1, "bound-sample-size", "\(boundSampleSize)", "at least 1")
    do { try optimizer.validate() } catch { throw .invalidParameter(error) }
  }

  /// The data set of this configuration at one σ (the same means and noise stream for every σ).
  ///
  /// - Parameter sigma: σ ≥ 0.
  /// - Returns: N points with their blob labels.
  /// - Throws: ``ExperimentError/invalidParameter(name:value:requirement:)`` for a bad σ or
  ///   setting.
  public func data(sigma: Double) throws(ExperimentError) -> GaussianMixtureSample<Float> {
    try validate()
    guard sigma.isFinite, sigma >= 0 else {
      throw .invalidParameter(name: "sigma", value: "\(sigma)", requirement: "finite and ≥ 0")
    }
    var meansGenerator = SeededGenerator(seed: seed)
    let means = GaussianMixture<Float>.randomMeans(
      components: clusters, dimension: dimension, scale: Float(resolvedMeanScale),
      using: &meansGenerator)
    let mixture: GaussianMixture<Float>
    do {
      mixture = try GaussianMixture(
        means: means, covariances: [.isotropic(standardDeviation: Float(sigma))])
    } catch {
      throw .invalidParameter(
        name: "sigma", value: "\(sigma)",
        requirement: {
          if case .invalidParameter(let parameter) = error { return parameter.requirement }
          return error.description
        }())
    }
    var noiseGenerator = SeededGenerator(seed: seed &+ 1)
    return mixture.sample(points: points, using: &noiseGenerator)
  }

  /// The untrained autoencoder every grid point starts from: tanh hidden layers, a linear
  /// output layer, ``initializer`` drawn from the seed (the same network at every λ and σ).
  ///
  /// - Returns: The initial network.
  /// - Throws: ``ExperimentError/invalidParameter(_:)`` naming `widths` when the network cannot
  ///   be built from them.
  public func initialNetwork() throws(ExperimentError) -> Network<Float> {
    var generator = SeededGenerator(seed: seed &+ 2)
    do {
      return try Network<Float>(
        widths: widths, activation: .tanh, outputActivation: .identity,
        initializer: initializer, using: &generator)
    } catch {
      throw .invalidParameter(
        ParameterError(
          name: "widths", value: "\(widths)", requirement: "\(error)",
          cause: UnderlyingError(error)))
    }
  }

  /// Trains the autoencoder at (λ, σ) and measures it.
  ///
  /// - Parameters:
  ///   - lambda: λ > 0 of the penalty λ‖Θ‖².
  ///   - sigma: σ ≥ 0, the blobs' standard deviation per coordinate.
  ///   - progress: Training progress on standard error.
  /// - Returns: The training summary and every measurement.
  /// - Throws: ``ExperimentError`` naming a bad parameter, a diverged training run (with its
  ///   step) or a failed analysis.
  /// - Complexity: Up to ``maximumSteps`` full-batch steps of O(N·Σ d_{l−1}d_l); one SVD per
  ///   layer; k-means and a (d_j + d)² eigenproblem per embedding; the bound evaluation visits
  ///   ``boundSampleSize``·5 interpolated points per embedding.
  public func run(lambda: Double, sigma: Double, progress: ProgressStyle = .silent)
    throws(ExperimentError) -> BlobsAutoencoderResult
  {
    guard lambda.isFinite, lambda > 0 else {
      throw .invalidParameter(name: "lambda", value: "\(lambda)", requirement: "finite and > 0")
    }
    let sample = try data(sigma: sigma)
    let x = sample.points
    var network = try initialNetwork()
    let configuration = TrainingConfiguration(
      loss: .squaredError, learningRate: schedule, gradientTolerance: gradientTolerance,
      stationarityTolerance: stationarityTolerance, maximumSteps: maximumSteps,
      progress: progress)
    let outcome: TrainingOutcome
    do throws(TrainingError) {
      outcome = try network.train(
        inputs: x, targets: .values(x), optimizer: optimizer, penalty: WeightDecay(lambda: lambda),
        configuration: configuration)
    } catch {
      throw .training(error)
    }
    var result = try measure(
      network: network, sample: sample, lambda: lambda, sigma: sigma, training: outcome.summary)
    result.polishIterations = outcome.polishIterations
    return result
  }

  /// Measures a trained autoencoder (``run(lambda:sigma:progress:)`` calls this).
  ///
  /// - Parameters:
  ///   - network: The trained network.
  ///   - sample: Its training data.
  ///   - lambda: λ it was trained with.
  ///   - sigma: σ of the data.
  ///   - training: The training summary.
  /// - Returns: The measurements.
  /// - Throws: ``ExperimentError/analysis(stage:cause:)`` when an SVD, k-means or the bound
  ///   evaluation fails.
  public func measure(
    network: Network<Float>, sample: GaussianMixtureSample<Float>, lambda: Double, sigma: Double,
    training: TrainingSummary
  ) throws(ExperimentError) -> BlobsAutoencoderResult {
    let x = sample.points
    let residuals: [StationarityResidual]
    do {
      residuals = try WeightDecay<Float>(lambda: lambda).stationarityResiduals(
        of: network, inputs: x, targets: .values(x), loss: .squaredError)
    } catch {
      throw .analysis(stage: "stationarity residual", cause: UnderlyingError(error))
    }
    var layers: [BlobsLayerMeasurement] = []
    for (index, layer) in network.layers.enumerated() {
      let spectrum: Spectrum<Double>
      do {
        spectrum = try Matrix<Double>(layer.weight).spectrum()
      } catch {
        throw .analysis(stage: "SVD of W_\(index + 1)", cause: UnderlyingError(error))
      }
      layers.append(
        BlobsLayerMeasurement(
          layer: index + 1, tail: spectrum.relativeTail(afterRank: clusters),
          softRank: spectrum.softRank(epsilon: softRankEpsilon),
          stableRank: spectrum.stableRank, frobeniusNorm: spectrum.frobeniusNorm,
          stationarity: residuals[index], singularValues: spectrum.singularValues))
    }

    var variation: [BlobsClusterVariation] = []
    if measuresClusterVariation {
      let embeddings: [Matrix<Float>]
      do {
        embeddings = try network.embeddings(of: x)
      } catch {
        throw .analysis(stage: "embeddings", cause: UnderlyingError(error))
      }
      var generator = SeededGenerator(seed: seed &+ 3)
      for (j, z) in embeddings.enumerated() {
        do {
          let labels = try TotalClusterVariation.byLabels(
            points: z, targets: x, labels: sample.labels)
          let interval = try TotalClusterVariation.interval(
            points: z, targets: x, clusters: clusters, restarts: kMeansRestarts,
            using: &generator)
          variation.append(
            BlobsClusterVariation(
              embedding: j, labels: labels.value, kMeansUpper: interval.upper.value,
              spectralLower: interval.lower.value))
        } catch {
          throw .analysis(stage: "TCV of Z^\(j)", cause: UnderlyingError(error))
        }
      }
    }

    var theorem34: [BoundReport] = []
    if evaluatesBounds {
      let doubleNetwork: Network<Double>
      do {
        doubleNetwork = try Network<Double>(
          layers: network.layers.map {
            Dense(
              weight: Matrix<Double>($0.weight), bias: Matrix<Double>($0.bias),
              activation: $0.activation, hasBias: $0.hasBias)
          })
      } catch {
        throw .analysis(stage: "Double copy of the network", cause: UnderlyingError(error))
      }
      let xd = Matrix<Double>(x)
      do {
        let partition = try Partition(labels: sample.labels)
        theorem34 =
          try NetworkBounds.evaluate(
            network: doubleNetwork, inputs: xd, targets: .values(xd), loss: .squaredError,
            lambda: lambda, partition: partition,
            options: NetworkBoundOptions(curvatureSampleSize: boundSampleSize, seed: seed &+ 4)
          ).theorem34
      } catch {
        throw .analysis(stage: "Theorem 3.4", cause: UnderlyingError(error))
      }
    }
    return BlobsAutoencoderResult(
      lambda: lambda, sigma: sigma, clusters: clusters, softRankEpsilon: softRankEpsilon,
      training: training, layers: layers, clusterVariation: variation, theorem34: theorem34,
      network: network)
  }
}

/// Why an experiment could not run.
public enum ExperimentError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A setting or argument out of range: its name (the command-line option's), value and rule.
  case invalidParameter(ParameterError)

  /// A parameter outside its range: the ``invalidParameter(_:)`` case with a `ParameterError`
  /// of these fields.
  ///
  /// - Parameters:
  ///   - name: The parameter's name.
  ///   - value: The value given, as text.
  ///   - requirement: What the value must be.
  /// - Returns: The error.
  public static func invalidParameter(name: String, value: String, requirement: String)
    -> ExperimentError
  {
    .invalidParameter(ParameterError(name: name, value: value, requirement: requirement))
  }
  /// Training failed (for instance diverged at a step: lower the learning rate).
  case training(TrainingError)
  /// A measurement failed: the stage, and the error that stopped it.
  case analysis(stage: String, cause: UnderlyingError)

  /// A sentence naming the problem.
  public var description: String {
    switch self {
    case .invalidParameter(let parameter):
      "invalid \(parameter.name) '\(parameter.value)': must be \(parameter.requirement)"
    case .training(let error): "training failed: \(error)"
    case .analysis(let stage, let cause): "\(stage) failed: \(cause)"
    }
  }
}
