import RankCollapseTensor

/// Trains a ``Network`` to a stationary point of L_λ(Θ) = (1/N) Σ_i ℓ(f(Θ, x_i), y_i) + R(Θ)
/// (paper equation 3) with the full-batch quasi-Newton method ``LBFGS``.
///
/// The bounds of the paper (Lemma 3.3, Theorem 3.4, Theorems 5.3–5.4) are about stationary
/// points, ∇_{W_l}L_0 + 2λW_l = 0 (equation 4 in this library's convention); gradient descent
/// reaches them slowly because the problem's condition number grows like 1/λ. L-BFGS builds a
/// curvature model from the last m gradients and typically needs several times fewer evaluations
/// of L_λ and ∇L_λ to the same tolerance.
///
/// ```swift
/// var trainer = QuasiNewtonTrainer(
///   configuration: TrainingConfiguration(
///     loss: .squaredError, gradientTolerance: 1e-3, stationarityTolerance: 1e-2,
///     maximumSteps: 5_000),
///   method: LBFGS<Float>(historySize: 10), penalty: WeightDecay<Float>(lambda: 1e-3))
/// let summary = try trainer.fit(&network, inputs: x, targets: .values(x))
/// print(summary.reason.isConverged, summary.stationarity ?? .nan)
/// ```
///
/// It shares ``Trainer``'s machinery: the ``Penalty`` protocol (a decoupled part counts as
/// (r/2)‖θ‖²), the stopping rules of ``TrainingConfiguration`` (``TrainingConfiguration/gradientTolerance``,
/// ``TrainingConfiguration/stationarityTolerance``, ``TrainingConfiguration/relativeChangeTolerance``,
/// iteration budget ``TrainingConfiguration/maximumSteps`` — an iteration is one accepted step —
/// and ``TrainingConfiguration/maximumEvaluations``), the observer, progress lines and
/// checkpoints. The learning rate, batch size and epoch budget do not apply (the line search
/// chooses the step; epochs count iterations). Besides the budgets it stops when the line search
/// finds no decrease (``StopReason/lineSearchFailed``) or when the scalar type cannot resolve
/// further decrease (``StopReason/precisionLimit``: with `Float`, continue in `Double` from the
/// result). The same thread count gives the same iterates, also across a checkpoint and resume
/// (the curvature pairs are in the checkpoint).
public struct QuasiNewtonTrainer<Scalar: MatrixScalar, Regularizer: Penalty>: Sendable
where Regularizer.Scalar == Scalar {
  /// The options (loss, stopping rules, observer interval, progress, checkpoints).
  public var configuration: TrainingConfiguration
  /// The L-BFGS rule, with its curvature pairs.
  public var method: LBFGS<Scalar>
  /// R(Θ).
  public var penalty: Regularizer
  /// Iterations (accepted steps) so far, across calls and checkpoints.
  public var step: Int { method.iterations }
  /// Evaluations of L_λ and ∇L_λ so far, across calls and checkpoints.
  public var evaluations: Int { evaluationCount }
  @usableFromInline var evaluationCount = 0
  @usableFromInline var previousObjective: Double?
  /// L_λ and ‖∇L_λ‖ of the last ``progressWindow`` + 1 accepted points, interleaved, oldest
  /// first (in checkpoints).
  @usableFromInline var recentProgress: [Double] = []

  /// The window of the single-precision no-progress rule, in iterations.
  ///
  /// In single precision, L_λ must fall by more than its rounding level (``StrongWolfeLineSearch/noiseFactor`` · u · |L_λ|); otherwise the run stops
  /// with ``StopReason/precisionLimit`` (continue in `Double`). In double precision only a failed
  /// line search reports the limit.
  public static var progressWindow: Int { 50 }

  /// A trainer.
  ///
  /// - Parameters:
  ///   - configuration: The options.
  ///   - method: The L-BFGS rule (history size, line search).
  ///   - penalty: R(Θ); use `NoPenalty()` for none.
  @inlinable
  public init(configuration: TrainingConfiguration, method: LBFGS<Scalar>, penalty: Regularizer) {
    self.configuration = configuration
    self.method = method
    self.penalty = penalty
  }

  /// Trains `network` until a stopping rule holds.
  ///
  /// - Parameters:
  ///   - network: Θ, updated in place. Every accepted iterate has a finite objective and
  ///     gradient, so `network` always holds finite parameters.
  ///   - inputs: X, N × d_0.
  ///   - targets: N targets.
  ///   - observer: Called every ``TrainingConfiguration/observerInterval`` iterations with the
  ///     current state; return ``ObserverDecision/stop`` to stop.
  /// - Returns: Why and where training stopped, with the final stationarity ratio.
  /// - Throws: ``TrainingError/invalidConfiguration(_:)`` for a bad option (named),
  ///   ``TrainingError/invalidData(_:)``, ``TrainingError/diverged(step:objective:gradientNorm:)``
  ///   when the starting point's objective is not finite, or a checkpoint error.
  @inlinable
  public mutating func fit(
    _ network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Targets<Scalar>,
    observer: ((TrainingSnapshot<Scalar>) -> ObserverDecision)? = nil
  ) throws(TrainingError) -> TrainingSummary {
    try configuration.validate()
    try method.validate()
    if let batch = configuration.batchSize, batch < inputs.rows {
      throw .invalidConfiguration(
        "L-BFGS is a full-batch method: batchSize \(batch) < N = \(inputs.rows); leave it nil")
    }
    var objective = try NetworkObjective(
      network: network, inputs: inputs, targets: targets, loss: configuration.loss,
      penalty: penalty)
    let n = objective.dimension
    if method.storedPairs > 0 || method.iterations > 0 {
      // Continuing (a second call, or after resume): the pairs must be for this architecture.
      let state = method.state
      if let first = state.tensors.first?.value, first.count != n {
        throw .incompatibleCheckpoint(
          "the L-BFGS pairs have \(first.count) values, the network \(n) parameters")
      }
    }
    let clock = ContinuousClock()
    let started = clock.now
    var reporter = ProgressReporter(style: configuration.progress)
    var point = [Scalar](repeating: 0, count: n)
    var gradient = point
    point.withUnsafeMutableBufferPointer {
      NetworkObjective<Scalar, Regularizer>.pack(network, into: $0)
    }
    var value = point.withUnsafeBufferPointer { x in
      gradient.withUnsafeMutableBufferPointer { g in objective.valueAndGradient(at: x, gradient: g)
      }
    }
    // The starting point of a continued run was evaluated before: count it once.
    if evaluationCount == 0 { evaluationCount = 1 }
    var norm = gradient.withUnsafeBufferPointer { FlatVector.dot($0, $0) }.squareRoot()
    guard value.isFinite, norm.isFinite else {
      throw .diverged(step: step, objective: value, gradientNorm: norm)
    }
    var ratios: [Double?] = []
    let progressWindow = QuasiNewtonTrainer.progressWindow
    if recentProgress.isEmpty { recentProgress = [value, norm] }
    recentProgress.reserveCapacity(2 * progressWindow + 4)
    func stationarity() -> Double? {
      point.withUnsafeBufferPointer { x in
        gradient.withUnsafeBufferPointer { g in objective.maximumStationarity(at: x, gradient: g) }
      }
    }
    if configuration.stationarityTolerance != nil, stationarity() == nil {
      throw .invalidConfiguration(
        "stationarityTolerance needs a penalty whose gradient is non-zero on some weight (ρ_l = ‖∇_{W_l}L_λ‖ / ‖∇_{W_l}R‖ is undefined everywhere)"
      )
    }

    func finish(_ reason: StopReason) throws(TrainingError) -> TrainingSummary {
      point.withUnsafeBufferPointer {
        NetworkObjective<Scalar, Regularizer>.unpack($0, into: &network)
      }
      if let policy = configuration.checkpoint {
        try policy.writer.write(checkpoint(of: network))
      }
      let penaltyValue = point.withUnsafeBufferPointer { objective.penaltyValue(at: $0) }
      let ratio = stationarity()
      ratios = point.withUnsafeBufferPointer { x in
        gradient.withUnsafeBufferPointer { g in objective.stationarity(at: x, gradient: g) }
      }
      let elapsed = clock.now - started
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      reporter.finish(
        step: step, epoch: step, objective: value, gradientNorm: norm, reason: reason)
      return TrainingSummary(
        reason: reason, steps: step, epochs: step, loss: value - penaltyValue,
        penalty: penaltyValue, gradientNorm: norm, seconds: seconds, evaluations: evaluations,
        stationarity: ratio, layerStationarity: ratios)
    }

    while true {
      reporter.report(
        step: step, epoch: step, objective: value, gradientNorm: norm, learningRate: nil)
      if let observer, step % configuration.observerInterval == 0 {
        var current = network
        point.withUnsafeBufferPointer {
          NetworkObjective<Scalar, Regularizer>.unpack($0, into: &current)
        }
        var gradients = Gradients(zeroingParametersOf: network)
        gradient.withUnsafeBufferPointer {
          NetworkObjective<Scalar, Regularizer>.unpack($0, into: &gradients)
        }
        let penaltyValue = point.withUnsafeBufferPointer { objective.penaltyValue(at: $0) }
        let snapshot = TrainingSnapshot(
          step: step, epoch: step, loss: value - penaltyValue, penalty: penaltyValue,
          gradientNorm: norm, learningRate: 0, network: current, gradients: gradients)
        if observer(snapshot) == .stop { return try finish(.observer) }
      }
      if let reason = configuration.convergence(gradientNorm: norm, stationarity: stationarity) {
        return try finish(reason)
      }
      if let tolerance = configuration.relativeChangeTolerance, let previous = previousObjective,
        abs(value - previous) <= tolerance * abs(previous)
      {
        return try finish(.relativeChangeTolerance)
      }
      if let maximum = configuration.maximumSteps, step >= maximum {
        return try finish(.maximumSteps)
      }
      if let maximum = configuration.maximumEpochs, step >= maximum {
        return try finish(.maximumEpochs)
      }
      let remaining = configuration.maximumEvaluations.map { $0 - evaluations }
      if let remaining, remaining <= 0 { return try finish(.maximumEvaluations) }

      let previous = value
      let outcome = method.iterate(
        &objective, point: &point, value: &value, gradient: &gradient,
        maximumEvaluations: remaining)
      evaluationCount += outcome.evaluations
      switch outcome {
      case .accepted:
        previousObjective = previous
        norm = gradient.withUnsafeBufferPointer { FlatVector.dot($0, $0) }.squareRoot()
        // No progress at this precision: over the last `progressWindow` iterations L_λ fell by
        // less than its own rounding level, so the scalar type cannot resolve further descent.
        recentProgress.append(value)
        recentProgress.append(norm)
        if recentProgress.count > 2 * (progressWindow + 1) {
          recentProgress.removeFirst(2)
          // Single precision only: there L-BFGS can creep on for thousands of iterations below
          // the resolution of L_λ. In double precision L_λ stops changing near a minimiser long
          // before ∇L_λ does (L_λ − L* ~ ‖∇L_λ‖²), and the line search reports the real limit.
          let noise = method.lineSearch.noiseFactor * Double(Scalar.ulpOfOne) * abs(value)
          if Double(Scalar.ulpOfOne) > 1e-10 && recentProgress[0] - value <= noise {
            return try finish(.precisionLimit)
          }
        }
      case .failed(_, let precisionLimited):
        return try finish(precisionLimited ? .precisionLimit : .lineSearchFailed)
      case .evaluationBudget:
        return try finish(.maximumEvaluations)
      }
      if let policy = configuration.checkpoint, step % policy.everySteps == 0 {
        var current = network
        point.withUnsafeBufferPointer {
          NetworkObjective<Scalar, Regularizer>.unpack($0, into: &current)
        }
        try policy.writer.write(checkpoint(of: current))
      }
    }
  }

}

extension QuasiNewtonTrainer {
  /// The trainer's state with `network` as a ``Checkpoint`` (the curvature pairs as
  /// `optimizer.s.<k>` / `optimizer.y.<k>`, oldest first).
  ///
  /// - Parameter network: The parameters to save (those ``fit(_:inputs:targets:observer:)`` left).
  /// - Returns: The checkpoint.
  public func checkpoint(of network: Network<Scalar>) -> Checkpoint<Scalar> {
    Checkpoint(
      network: network, optimizer: method.state, step: step, epoch: step, epochPosition: 0,
      previousObjective: previousObjective, epochObjectiveSum: 0, epochBatches: 0,
      configuration: Checkpoint<Scalar>.describe(configuration), evaluations: evaluations,
      recentProgress: recentProgress)
  }

  /// Restores the curvature pairs and counters from a checkpoint and returns its network, so
  /// that ``fit(_:inputs:targets:observer:)`` continues the saved run exactly.
  ///
  /// - Parameter checkpoint: A checkpoint written by a `QuasiNewtonTrainer` with the same loss.
  /// - Returns: The saved network.
  /// - Throws: ``TrainingError/incompatibleCheckpoint(_:cause:)`` when the loss or the optimizer
  ///   differs, or the pairs do not fit the network.
  public mutating func resume(from checkpoint: Checkpoint<Scalar>) throws(TrainingError)
    -> Network<Scalar>
  {
    let expected = Checkpoint<Scalar>.describe(configuration)
    guard checkpoint.configuration["loss"] == expected["loss"] else {
      throw .incompatibleCheckpoint(
        "loss is '\(checkpoint.configuration["loss"] ?? "missing")' in the checkpoint but '\(expected["loss"] ?? "")' now"
      )
    }
    try method.restore(checkpoint.optimizer, dimension: checkpoint.network.parameterCount)
    evaluationCount = checkpoint.evaluations
    previousObjective = checkpoint.previousObjective
    recentProgress = checkpoint.recentProgress
    return checkpoint.network
  }
}
