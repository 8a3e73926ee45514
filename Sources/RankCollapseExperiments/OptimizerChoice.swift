import RankCollapse
import RankCollapseSweep

/// The update rule of a full-batch experiment, chosen at run time.
///
/// ``lbfgs(history:)`` reaches the stationary points the paper's bounds are about several times
/// faster than gradient descent (see the article "Reaching stationary points"); gradient
/// descent stays available as the paper's own method.
public enum OptimizerChoice: Sendable, Hashable, CustomStringConvertible {
  /// Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8), the penalty's gradient added to the data gradient.
  case adam
  /// Full-batch gradient descent, with heavy-ball momentum if `momentum` > 0.
  case gradientDescent(momentum: Double)
  /// Full-batch L-BFGS with `history` curvature pairs and a strong Wolfe line search
  /// (`QuasiNewtonTrainer`); when `Float` cannot resolve further progress, training continues
  /// in `Double` from the `Float` parameters (see ``OptimizerChoice/train(_:inputs:targets:configuration:penalty:doublePenalty:)``).
  case lbfgs(history: Int)

  /// The L-BFGS rule with the default history of 10 pairs.
  public static var lbfgs: OptimizerChoice { .lbfgs(history: 10) }

  /// `"adam (…)"`, `"gradient descent (momentum 0.9)"` or `"L-BFGS (history 10, strong Wolfe)"`.
  public var description: String {
    switch self {
    case .adam: "adam (beta1 0.9, beta2 0.999, eps 1e-08)"
    case .gradientDescent(let momentum):
      "gradient descent (momentum \(SweepValue.format(momentum)))"
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
  /// - Throws: ``ExperimentError/invalidParameter(name:value:requirement:)`` for a momentum
  ///   outside [0, 1) or a history below 1.
  public func validate() throws(ExperimentError) {
    switch self {
    case .adam: break
    case .gradientDescent(let momentum):
      guard momentum >= 0 && momentum < 1 else {
        throw .invalidParameter(name: "momentum", value: "\(momentum)", requirement: "in [0, 1)")
      }
    case .lbfgs(let history):
      guard history >= 1 && history <= 1000 else {
        throw .invalidParameter(
          name: "history", value: "\(history)", requirement: "an integer in 1…1000")
      }
    }
  }

  /// Trains a `Float` network on the full batch with this rule.
  ///
  /// With ``lbfgs(history:)``, when the `Float` run stops because `Float` cannot resolve further
  /// decrease (`StopReason/precisionLimit`) or its line search fails before the configuration's
  /// tolerances hold, training continues in `Double` from the `Float` parameters (a "polish"
  /// phase with the remaining budgets and `doublePenalty`), and the result is rounded back to
  /// `Float`. The returned summary counts both phases; ``TrainingOutcome/polishIterations`` says
  /// how many iterations ran in `Double`.
  ///
  /// - Parameters:
  ///   - network: Θ, trained in place.
  ///   - inputs: X.
  ///   - targets: The targets.
  ///   - configuration: Loss, learning rate (first-order rules), tolerances and budgets.
  ///   - penalty: R(Θ) in `Float`.
  ///   - doublePenalty: The same R(Θ) in `Double`, for the polish phase.
  /// - Returns: How training ended.
  /// - Throws: `TrainingError` from either phase.
  @inlinable
  public func train<P: Penalty, PD: Penalty>(
    _ network: inout Network<Float>, inputs: Matrix<Float>, targets: Targets<Float>,
    configuration: TrainingConfiguration, penalty: P, doublePenalty: PD
  ) throws(TrainingError) -> TrainingOutcome where P.Scalar == Float, PD.Scalar == Double {
    switch self {
    case .adam:
      var trainer = Trainer(
        configuration: configuration, optimizer: Adam<Float>(), penalty: penalty)
      return TrainingOutcome(summary: try trainer.fit(&network, inputs: inputs, targets: targets))
    case .gradientDescent(let momentum):
      var trainer = Trainer(
        configuration: configuration, optimizer: GradientDescent<Float>(momentum: Float(momentum)),
        penalty: penalty)
      return TrainingOutcome(summary: try trainer.fit(&network, inputs: inputs, targets: targets))
    case .lbfgs(let history):
      var trainer = QuasiNewtonTrainer(
        configuration: configuration, method: LBFGS<Float>(historySize: history), penalty: penalty)
      let first = try trainer.fit(&network, inputs: inputs, targets: targets)
      guard first.reason == .precisionLimit || first.reason == .lineSearchFailed else {
        return TrainingOutcome(summary: first)
      }
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
        configuration: polish, method: LBFGS<Double>(historySize: history),
        penalty: doublePenalty)
      let second = try doubleTrainer.fit(
        &exact, inputs: Matrix<Double>(inputs), targets: doubleTargets)
      network = Network<Float>(exact)
      let summary = TrainingSummary(
        reason: second.reason, steps: first.steps + second.steps,
        epochs: first.epochs + second.epochs, loss: second.loss, penalty: second.penalty,
        gradientNorm: second.gradientNorm, seconds: first.seconds + second.seconds,
        evaluations: first.evaluations + second.evaluations, stationarity: second.stationarity,
        layerStationarity: second.layerStationarity)
      return TrainingOutcome(summary: summary, polishIterations: second.steps)
    }
  }
}

/// How an experiment's training ended: the summary and the iterations spent in `Double`.
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
  @inlinable
  public init(summary: TrainingSummary, polishIterations: Int = 0) {
    self.summary = summary
    self.polishIterations = polishIterations
  }
}
