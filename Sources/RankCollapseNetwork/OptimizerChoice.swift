import RankCollapseTensor

/// The update rule of a training run, chosen at run time (from a command-line option, say).
///
/// ``lbfgs(history:)`` reaches the stationary points the paper's bounds are about several times
/// faster than gradient descent; gradient descent stays available as the paper's own method.
/// ``Network/train(inputs:targets:optimizer:penalty:configuration:)`` trains with it, the
/// scalar type written once, in the network's type:
///
/// ```swift
/// let choice = OptimizerChoice(name: "lbfgs") ?? .lbfgs
/// let outcome = try network.train(
///   inputs: x, targets: .values(x), optimizer: choice, penalty: WeightDecay(lambda: 1e-3),
///   configuration: TrainingConfiguration(loss: .squaredError, maximumSteps: 5000))
/// ```
public enum OptimizerChoice: Sendable, Hashable, CustomStringConvertible {
  /// Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8), the penalty's gradient added to the data gradient.
  case adam
  /// Full-batch gradient descent, with heavy-ball momentum if `momentum` > 0.
  case gradientDescent(momentum: Double)
  /// Full-batch L-BFGS with `history` curvature pairs and a strong Wolfe line search
  /// (`QuasiNewtonTrainer`); when `Float` cannot resolve further progress, training continues
  /// in `Double` from the `Float` parameters (see ``OptimizerChoice/train(_:inputs:targets:configuration:penalty:)``).
  case lbfgs(history: Int)

  /// The L-BFGS rule with the default history of 10 pairs.
  public static var lbfgs: OptimizerChoice { .lbfgs(history: 10) }

  /// `"adam (…)"`, `"gradient descent (momentum 0.9)"` or `"L-BFGS (history 10, strong Wolfe)"`.
  public var description: String {
    switch self {
    case .adam: "adam (beta1 0.9, beta2 0.999, eps 1e-08)"
    case .gradientDescent(let momentum):
      "gradient descent (momentum \(momentum))"
    case .lbfgs(let history): "L-BFGS (history \(history), strong Wolfe line search)"
    }
  }

  /// Whether the rule uses a learning rate (L-BFGS's line search chooses its own steps).
  public var usesLearningRate: Bool {
    if case .lbfgs = self { return false }
    return true
  }

  /// Parses a command-line name: `gd` (with `momentum`), `adam` or `lbfgs` (with `history`);
  /// `nil` for an unknown name.
  ///
  /// - Parameters:
  ///   - name: `gd`, `adam` or `lbfgs`.
  ///   - momentum: μ of `gd`.
  ///   - history: m of `lbfgs`.
  public init?(name: String, momentum: Double = 0.9, history: Int = 10) {
    switch name {
    case "gd": self = .gradientDescent(momentum: momentum)
    case "adam": self = .adam
    case "lbfgs": self = .lbfgs(history: history)
    default: return nil
    }
  }

  /// The names ``init(name:momentum:history:)`` accepts.
  public static var names: [String] { ["gd", "adam", "lbfgs"] }

  /// Checks the rule's own setting.
  ///
  /// - Throws: `ParameterError` for a momentum outside [0, 1) or a history outside 1…1000.
  public func validate() throws(ParameterError) {
    switch self {
    case .adam: break
    case .gradientDescent(let momentum):
      guard momentum >= 0 && momentum < 1 else {
        throw ParameterError(name: "momentum", value: "\(momentum)", requirement: "in [0, 1)")
      }
    case .lbfgs(let history):
      guard history >= 1 && history <= 1000 else {
        throw ParameterError(
          name: "history", value: "\(history)", requirement: "an integer in 1…1000")
      }
    }
  }

  /// Trains a network with this rule.
  ///
  /// With ``lbfgs(history:)`` on a `Float` network, when the `Float` run stops because `Float`
  /// cannot resolve further decrease (``StopReason/precisionLimit``) or its line search fails
  /// before the configuration's tolerances hold, training continues in `Double` from the `Float`
  /// parameters (a "polish" phase with the remaining budgets and the penalty's
  /// ``Penalty/inDoublePrecision()``), and the result is rounded back to `Float`. The returned
  /// summary counts both phases; ``TrainingOutcome/polishIterations`` says how many iterations
  /// ran in `Double`. A penalty without a `Double` version stops after the `Float` phase.
  ///
  /// - Parameters:
  ///   - network: Θ, trained in place.
  ///   - inputs: X.
  ///   - targets: The targets.
  ///   - configuration: Loss, learning rate (first-order rules), tolerances and budgets.
  ///   - penalty: R(Θ).
  /// - Returns: How training ended.
  /// - Throws: `TrainingError` from either phase; ``TrainingError/invalidParameter(_:)`` for a
  ///   momentum or history out of range.
  @inlinable
  public func train<Scalar: MatrixScalar>(
    _ network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Targets<Scalar>,
    configuration: TrainingConfiguration, penalty: some Penalty<Scalar>
  ) throws(TrainingError) -> TrainingOutcome {
    do { try validate() } catch { throw .invalidParameter(error) }
    switch self {
    case .adam:
      var trainer = Trainer(
        configuration: configuration, optimizer: Adam<Scalar>(), penalty: penalty)
      return TrainingOutcome(summary: try trainer.fit(&network, inputs: inputs, targets: targets))
    case .gradientDescent(let momentum):
      var trainer = Trainer(
        configuration: configuration,
        optimizer: GradientDescent<Scalar>(momentum: momentum), penalty: penalty)
      return TrainingOutcome(summary: try trainer.fit(&network, inputs: inputs, targets: targets))
    case .lbfgs(let history):
      var trainer = QuasiNewtonTrainer(
        configuration: configuration, method: LBFGS<Scalar>(historySize: history),
        penalty: penalty)
      let first = try trainer.fit(&network, inputs: inputs, targets: targets)
      guard Scalar.self == Float.self,
        first.reason == .precisionLimit || first.reason == .lineSearchFailed,
        let doublePenalty = penalty.inDoublePrecision()
      else {
        return TrainingOutcome(summary: first)
      }
      return try Self.polish(
        &network, inputs: inputs, targets: targets, configuration: configuration,
        penalty: doublePenalty, history: history, first: first)
    }
  }

  /// The `Double` phase of ``train(_:inputs:targets:configuration:penalty:)``.
  @inlinable
  static func polish<Scalar: MatrixScalar>(
    _ network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Targets<Scalar>,
    configuration: TrainingConfiguration, penalty: some Penalty<Double>, history: Int,
    first: TrainingSummary
  ) throws(TrainingError) -> TrainingOutcome {
    var polish = configuration
    polish.maximumSteps = configuration.maximumSteps.map { Swift.max($0 - first.steps, 0) }
    polish.maximumEpochs = configuration.maximumEpochs.map { Swift.max($0 - first.steps, 0) }
    polish.maximumEvaluations = configuration.maximumEvaluations.map {
      Swift.max($0 - first.evaluations, 0)
    }
    polish.checkpoint = nil
    var exact = Network<Double>(network)
    let doubleTargets: Targets<Double> =
      switch targets {
      case .values(let y): .values(Matrix<Double>(y))
      case .labels(let labels): .labels(labels)
      }
    var doubleTrainer = QuasiNewtonTrainer(
      configuration: polish, method: LBFGS<Double>(historySize: history), penalty: penalty)
    let second = try doubleTrainer.fit(
      &exact, inputs: Matrix<Double>(inputs), targets: doubleTargets)
    network = Network<Scalar>(exact)
    let summary = TrainingSummary(
      reason: second.reason, steps: first.steps + second.steps,
      epochs: first.epochs + second.epochs, loss: second.loss, penalty: second.penalty,
      gradientNorm: second.gradientNorm, seconds: first.seconds + second.seconds,
      evaluations: first.evaluations + second.evaluations, stationarity: second.stationarity,
      layerStationarity: second.layerStationarity)
    return TrainingOutcome(summary: summary, polishIterations: second.steps)
  }
}

extension Network {
  /// Trains the network with a rule chosen at run time: the scalar type is the network's, written
  /// once.
  ///
  /// ```swift
  /// var network = try Network<Float>(widths: [64, 128, 64], activation: .tanh, using: &generator)
  /// let outcome = try network.train(
  ///   inputs: x, targets: .values(x), optimizer: .lbfgs, penalty: WeightDecay(lambda: 1e-3),
  ///   configuration: TrainingConfiguration(
  ///     loss: .squaredError, stationarityTolerance: 1e-2, maximumSteps: 5000))
  /// ```
  ///
  /// See ``OptimizerChoice/train(_:inputs:targets:configuration:penalty:)`` for the `Double`
  /// polish phase of L-BFGS on a `Float` network.
  ///
  /// - Parameters:
  ///   - inputs: X, one sample per row.
  ///   - targets: The targets.
  ///   - optimizer: The rule (default L-BFGS with 10 pairs).
  ///   - penalty: R(Θ), the penalty the stationarity of eq. 4 refers to.
  ///   - configuration: Loss, learning rate (first-order rules), tolerances, budgets, progress
  ///     and checkpoints.
  /// - Returns: How training ended.
  /// - Throws: `TrainingError`.
  @discardableResult
  @inlinable
  public mutating func train(
    inputs: Matrix<Scalar>, targets: Targets<Scalar>, optimizer: OptimizerChoice = .lbfgs,
    penalty: some Penalty<Scalar>, configuration: TrainingConfiguration
  ) throws(TrainingError) -> TrainingOutcome {
    try optimizer.train(
      &self, inputs: inputs, targets: targets, configuration: configuration, penalty: penalty)
  }
}

/// How a training run ended: the summary and the iterations spent in `Double`.
public struct TrainingOutcome: Sendable, Hashable {
  /// Why and where training stopped (both phases counted).
  public var summary: TrainingSummary
  /// Iterations of the `Double` polish phase (0 when there was none).
  public var polishIterations: Int

  /// An outcome.
  ///
  /// - Parameters:
  ///   - summary: The summary.
  ///   - polishIterations: Iterations run in `Double`.
  public init(summary: TrainingSummary, polishIterations: Int = 0) {
    self.summary = summary
    self.polishIterations = polishIterations
  }
}
