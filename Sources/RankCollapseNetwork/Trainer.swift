import RankCollapseTensor

/// Trains a ``Network`` on the objective L_λ(Θ) = (1/N) Σ_i ℓ(f(Θ, x_i), y_i) + R(Θ) (paper equation 3)
/// with an ``Optimizer`` and a ``Penalty``.
///
/// ```swift
/// var trainer = Trainer(
///   configuration: TrainingConfiguration(
///     loss: .squaredError, learningRate: .constant(0.05), gradientTolerance: 1e-4,
///     maximumSteps: 20_000, progress: .automatic(seconds: 1)),
///   optimizer: GradientDescent<Float>(), penalty: WeightDecay<Float>(lambda: 1e-3))
/// let summary = try trainer.fit(&network, inputs: x, targets: .values(x))
/// ```
///
/// Each step evaluates L_λ and ∇L_λ at the current parameters, checks the stopping criteria and
/// that both are finite, calls the observer, and updates. Steady-state steps reuse every buffer.
/// If the objective or gradient stops being finite, ``fit(_:inputs:targets:observer:)`` throws
/// ``TrainingError/diverged(step:objective:gradientNorm:)`` and leaves the network at the last
/// parameters with finite values. The same seed and thread count give the same trajectory, also
/// across a checkpoint and resume.
public struct Trainer<Scalar: MatrixScalar, Rule: Optimizer, Regularizer: Penalty>: Sendable
where Rule.Scalar == Scalar, Regularizer.Scalar == Scalar {
  /// The options.
  public var configuration: TrainingConfiguration
  /// The update rule, with its state.
  public var optimizer: Rule
  /// R(Θ).
  public var penalty: Regularizer
  /// Updates made so far (carried across calls and checkpoints).
  public var step: Int { currentStep }
  /// Epochs completed so far.
  public var epoch: Int { currentEpoch }
  /// Samples of the current epoch already used (minibatches).
  public var epochPosition: Int { currentEpochPosition }
  @usableFromInline var currentStep = 0
  @usableFromInline var currentEpoch = 0
  @usableFromInline var currentEpochPosition = 0
  /// L_λ of the previous step (or epoch), for the relative-change criterion.
  @usableFromInline var previousObjective: Double?

  @usableFromInline var permutation: [Int] = []
  @usableFromInline var epochObjectiveSum = 0.0
  @usableFromInline var epochBatches = 0

  /// A trainer.
  ///
  /// - Parameters:
  ///   - configuration: The options.
  ///   - optimizer: The update rule.
  ///   - penalty: R(Θ); use `NoPenalty()` for none.
  public init(configuration: TrainingConfiguration, optimizer: Rule, penalty: Regularizer) {
    self.configuration = configuration
    self.optimizer = optimizer
    self.penalty = penalty
  }

  /// Trains `network` until a stopping criterion holds.
  ///
  /// - Parameters:
  ///   - network: Θ, updated in place; on divergence, the last parameters with finite values.
  ///   - inputs: X, N × d_0.
  ///   - targets: N targets.
  ///   - observer: Called every ``TrainingConfiguration/observerInterval`` steps with the current
  ///     state (before the update of that step); return ``ObserverDecision/stop`` to stop.
  /// - Returns: Why and where training stopped.
  /// - Throws: ``TrainingError`` for an invalid configuration or data, or divergence.
  @inlinable
  public mutating func fit(
    _ network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Targets<Scalar>,
    observer: ((TrainingSnapshot<Scalar>) -> ObserverDecision)? = nil
  ) throws(TrainingError) -> TrainingSummary {
    try configuration.validate()
    do {
      try network.validate(inputs: inputs)
      try targets.validate(count: inputs.rows, outputs: network.outputSize)
    } catch {
      throw .invalidData(error)
    }
    let clock = ContinuousClock()
    let started = clock.now
    var reporter = ProgressReporter(style: configuration.progress)
    let n = inputs.rows
    let batch = Swift.min(configuration.batchSize ?? n, n)
    let fullBatch = batch == n
    // Buffers reused by every step of this call.
    var workspace = Network.Workspace(for: network, batchSize: batch)
    var tailWorkspace = workspace
    var gradients = Gradients(zeroingParametersOf: network)
    // The spare parameters get their own storage, so that writing θ_{t+1} into them never
    // triggers a copy-on-write allocation.
    var spare = network
    for l in spare.layers.indices {
      spare.storedLayers[l].storedWeight = .zeros(
        rows: network.layers[l].weight.rows, columns: network.layers[l].weight.columns)
      spare.storedLayers[l].storedBias = .zeros(rows: 1, columns: network.layers[l].outputSize)
    }
    var spareHoldsPrevious = false
    var batchInputs = Matrix<Scalar>.zeros(rows: fullBatch ? 0 : batch, columns: network.inputSize)
    var batchValues = Matrix<Scalar>.zeros(rows: 0, columns: 0)
    var batchLabels: [Int] = []
    if !fullBatch {
      switch targets {
      case .values(let y): batchValues = .zeros(rows: batch, columns: y.columns)
      case .labels: batchLabels = Array(repeating: 0, count: batch)
      }
    }
    var current = network
    let rates = (0..<network.depth).map { l in
      (
        weight: penalty.decoupledRate(layer: l + 1, isBias: false),
        bias: penalty.decoupledRate(layer: l + 1, isBias: true)
      )
    }
    var lastLoss = 0.0
    var lastPenalty = 0.0
    var lastNorm = Double.nan
    // ∇R alone, for the stationarity ratios ρ_l (full batch only).
    var penaltyGradients = Gradients(zeroingParametersOf: network)
    var lastRatios: [Double?] = []
    func stationarity() -> Double? {
      guard fullBatch else { return nil }
      for l in penaltyGradients.weights.indices {
        penaltyGradients.weights[l].withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        penaltyGradients.biases[l].withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
      }
      penalty.addGradient(of: current, to: &penaltyGradients)
      return current.maximumStationarity(
        gradients: gradients, penaltyGradients: penaltyGradients, decoupledRates: rates,
        gradientsIncludeDecoupledTerms: false)
    }
    var checkedStationarity = configuration.stationarityTolerance == nil

    func finish(_ reason: StopReason) throws(TrainingError) -> TrainingSummary {
      network = current
      if let policy = configuration.checkpoint {
        try policy.writer.write(checkpoint(of: current))
      }
      let ratio = stationarity()
      if fullBatch {
        lastRatios = current.stationarity(
          gradients: gradients, penaltyGradients: penaltyGradients, decoupledRates: rates)
      }
      let elapsed = clock.now - started
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      reporter.finish(
        step: currentStep, epoch: epoch, objective: lastLoss + lastPenalty, gradientNorm: lastNorm,
        reason: reason)
      return TrainingSummary(
        reason: reason, steps: currentStep, epochs: epoch, loss: lastLoss, penalty: lastPenalty,
        gradientNorm: lastNorm, seconds: seconds, evaluations: currentStep + 1,
        stationarity: ratio, layerStationarity: lastRatios)
    }

    while true {
      // This step's data: the whole set, or the next minibatch of this epoch's permutation.
      var stepInputs = inputs
      var stepTargets = targets
      if !fullBatch {
        if currentEpochPosition == 0 || permutation.count != n { shuffle(n) }
        let size = Swift.min(batch, n - currentEpochPosition)
        if size == batch {
          let start = currentEpochPosition
          Trainer.gatherRows(inputs, permutation, start, size, into: &batchInputs)
          stepInputs = batchInputs
          switch targets {
          case .values(let y):
            Trainer.gatherRows(y, permutation, start, size, into: &batchValues)
            stepTargets = .values(batchValues)
          case .labels(let labels):
            for i in 0..<size { batchLabels[i] = labels[permutation[start + i]] }
            stepTargets = .labels(batchLabels)
          }
        } else {
          // The last, smaller batch of an epoch (allocates once per epoch).
          let indices = Array(permutation[currentEpochPosition..<(currentEpochPosition + size)])
          stepInputs = inputs.rows(at: indices)
          stepTargets = targets.samples(at: indices)
        }
      }
      let rows = stepInputs.rows
      let loss: Double
      if rows == batch {
        loss = current.lossAndGradientsUnchecked(
          inputs: stepInputs, targets: stepTargets, loss: configuration.loss,
          workspace: &workspace, gradients: &gradients, embeddingGradients: [])
      } else {
        tailWorkspace.prepare(for: current, batchSize: rows)
        loss = current.lossAndGradientsUnchecked(
          inputs: stepInputs, targets: stepTargets, loss: configuration.loss,
          workspace: &tailWorkspace, gradients: &gradients, embeddingGradients: [])
      }
      let penaltyValue = penalty.valueAddingGradient(of: current, to: &gradients)
      let norm = Trainer.regularizedNorm(current, gradients, rates).squareRoot()
      let objective = loss + penaltyValue
      guard objective.isFinite, norm.isFinite else {
        // `current` produced non-finite values: hand back the previous parameters.
        network = spareHoldsPrevious ? spare : current
        reporter.finish(
          step: currentStep, epoch: epoch, objective: objective, gradientNorm: norm, reason: nil)
        throw .diverged(step: currentStep, objective: objective, gradientNorm: norm)
      }
      lastLoss = loss
      lastPenalty = penaltyValue
      lastNorm = norm
      let rate = configuration.learningRate.rate(atStep: currentStep)
      reporter.report(
        step: currentStep, epoch: epoch, objective: objective, gradientNorm: norm,
        learningRate: rate)

      if let observer, currentStep % configuration.observerInterval == 0 {
        let snapshot = TrainingSnapshot(
          step: currentStep, epoch: epoch, loss: loss, penalty: penaltyValue, gradientNorm: norm,
          learningRate: rate, network: current, gradients: gradients)
        if observer(snapshot) == .stop { return try finish(.observer) }
      }
      if !checkedStationarity {
        checkedStationarity = true
        if stationarity() == nil {
          throw .invalidConfiguration(
            "stationarityTolerance needs a penalty whose gradient is non-zero on some weight (ρ_l = ‖∇_{W_l}L_λ‖ / ‖∇_{W_l}R‖ is undefined everywhere)"
          )
        }
      }
      if let reason = configuration.convergence(gradientNorm: norm, stationarity: stationarity) {
        return try finish(reason)
      }
      if fullBatch, let tolerance = configuration.relativeChangeTolerance,
        let previous = previousObjective, abs(objective - previous) <= tolerance * abs(previous)
      {
        return try finish(.relativeChangeTolerance)
      }
      if let maximum = configuration.maximumSteps, currentStep >= maximum {
        return try finish(.maximumSteps)
      }
      if let maximum = configuration.maximumEpochs, epoch >= maximum {
        return try finish(.maximumEpochs)
      }
      if let maximum = configuration.maximumEvaluations, currentStep + 1 >= maximum {
        return try finish(.maximumEvaluations)
      }
      if fullBatch { previousObjective = objective }

      // θ_{t+1} into the spare buffer, then swap: `spare` keeps θ_t.
      optimizer.step(
        from: current, to: &spare, gradients: gradients, learningRate: Scalar(rate),
        decoupledRates: rates)
      swap(&current, &spare)
      spareHoldsPrevious = true
      currentStep += 1

      if fullBatch {
        currentEpoch += 1
      } else {
        currentEpochPosition += rows
        epochObjectiveSum += objective
        epochBatches += 1
        if currentEpochPosition >= n {
          currentEpochPosition = 0
          currentEpoch += 1
          let mean = epochObjectiveSum / Double(epochBatches)
          epochObjectiveSum = 0
          epochBatches = 0
          if let tolerance = configuration.relativeChangeTolerance,
            let previous = previousObjective, abs(mean - previous) <= tolerance * abs(previous)
          {
            previousObjective = mean
            return try finish(.relativeChangeTolerance)
          }
          previousObjective = mean
        }
      }
      if let policy = configuration.checkpoint, currentStep % policy.everySteps == 0 {
        try policy.writer.write(checkpoint(of: current))
      }
    }
  }

  /// Draws epoch `epoch`'s sample order from a generator seeded by (seed, epoch).
  @inlinable
  mutating func shuffle(_ n: Int) {
    var generator = SeededGenerator(
      seed: configuration.shuffleSeed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(epoch))
    if permutation.count != n { permutation = Array(0..<n) }
    for i in 0..<n { permutation[i] = i }
    permutation.shuffle(using: &generator)
  }

  @inlinable
  static func gatherRows(
    _ source: Matrix<Scalar>, _ indices: [Int], _ start: Int, _ count: Int,
    into target: inout Matrix<Scalar>
  ) {
    let columns = source.columns
    source.withUnsafeBufferPointer { s in
      target.withUnsafeMutableBufferPointer { t in
        for i in 0..<count {
          (t.baseAddress.unsafelyUnwrapped + i * columns).update(
            from: s.baseAddress.unsafelyUnwrapped + indices[start + i] * columns, count: columns)
        }
      }
    }
  }

  /// ‖g + r θ‖² over every parameter (r the decoupled rates; g already holds coupled terms).
  @inlinable
  static func regularizedNorm(
    _ network: Network<Scalar>, _ gradients: Gradients<Scalar>,
    _ rates: [(weight: Scalar, bias: Scalar)]
  ) -> Double {
    var total = 0.0
    func add(_ theta: Matrix<Scalar>, _ g: Matrix<Scalar>, _ r: Scalar) {
      theta.withUnsafeBufferPointer { t in
        g.withUnsafeBufferPointer { g in
          // Split long parameters across threads; partial sums are added in chunk order.
          let count = g.count
          let chunks = Parallel.chunkCount(elements: count)
          withUnsafeTemporaryAllocation(of: Double.self, capacity: chunks) { partials in
            let shared = UncheckedSendable((partials.baseAddress.unsafelyUnwrapped, t, g))
            Parallel.run(blocks: chunks) { chunk in
              let (pp, t, g) = shared.value
              let range = Parallel.chunk(chunk, of: chunks, elements: count)
              let gc = UnsafeBufferPointer(rebasing: g[range])
              pp[chunk] =
                r == 0
                ? Reductions.sumOfSquares(gc)
                : Reductions.sumOfSquares(
                  gc, plus: r, times: UnsafeBufferPointer(rebasing: t[range]))
            }
            for chunk in 0..<chunks { total += partials[chunk] }
          }
        }
      }
    }
    for l in network.layers.indices {
      add(network.layers[l].weight, gradients.weights[l], rates[l].weight)
      add(network.layers[l].bias, gradients.biases[l], rates[l].bias)
    }
    return total
  }
}
