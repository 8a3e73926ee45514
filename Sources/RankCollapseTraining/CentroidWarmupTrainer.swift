import RankCollapseClustering
import RankCollapseNetwork
import RankCollapseTensor

/// Trains a `Network` first on the K centroids of a partition of the data, then on all N
/// samples — the cheap "warm-up" the paper's section 7 suggests from Lemma 3.3.
///
/// **Warm-up phase.** With a partition 𝒞 = {𝒞_1, …, 𝒞_K} (class labels, k-means on the inputs,
/// or given), input centroids x̄_k = (1/N_k) Σ_{i∈𝒞_k} x_i, target centroids ȳ_k (labels become
/// one-hot rows, so ȳ_k is the class-frequency vector) and weights π_k = N_k / N, each warm-up
/// step descends the centroid-based loss of equation (8) at layer j = 0,
///
///     L_λ^{0,𝒞}(Θ) = Σ_k π_k ℓ(f(Θ, x̄_k), ȳ_k) + R(Θ),
///
/// which costs a forward and backward pass over K rows instead of N. When every cluster has
/// the same size this is one batched pass over the K centroids (the mean is then the π-weighted
/// sum); otherwise each centroid is passed on its own and the gradients are summed with weights
/// π_k. The update uses the same optimizer (its state carries over into the full phase),
/// penalty (coupled and decoupled parts), and learning-rate schedule (indexed by the warm-up
/// step) as the full phase. The switch rule is documented on ``CentroidWarmupConfiguration``:
/// every m steps the Lemma 3.3 residual ‖∇L_0 − ∇L_0^{0,𝒞}‖ is estimated on a sample and the
/// warm-up ends when it exceeds ρ‖∇L_λ^{0,𝒞}‖, or at its step cap.
///
/// **Full phase.** The library `Trainer` with ``configuration`` trains from the warm-up's
/// parameters on all the data; its stopping criteria, budgets, progress and checkpoints apply
/// to this phase only, and its step counter (and learning-rate schedule) start at 0.
///
/// ```swift
/// var trainer = CentroidWarmupTrainer(
///   configuration: TrainingConfiguration(
///     loss: .squaredError, learningRate: .constant(0.05), maximumSteps: 2000),
///   warmup: CentroidWarmupConfiguration(partition: .kMeans(clusters: 10), residualFraction: 0.5),
///   optimizer: GradientDescent<Float>(momentum: 0.9), penalty: WeightDecay<Float>(lambda: 1e-3))
/// let result = try trainer.fit(&network, inputs: x, targets: .values(x))
/// print(result.switchStep, result.switchReason)
/// ```
///
/// The same seeds and thread count give the same numbers (wall times aside).
public struct CentroidWarmupTrainer<Scalar: MatrixScalar, Rule: Optimizer, Regularizer: Penalty>:
  Sendable
where Rule.Scalar == Scalar, Regularizer.Scalar == Scalar {
  /// The full phase's options (loss, learning rate, stopping criteria); the warm-up uses its
  /// loss and learning-rate schedule.
  public var configuration: TrainingConfiguration
  /// The warm-up's partition, switch rule and budget.
  public var warmup: CentroidWarmupConfiguration
  /// The update rule, with its state (carried from the warm-up into the full phase).
  public var optimizer: Rule
  /// R(Θ), the same in both phases.
  public var penalty: Regularizer

  /// A warm-up trainer.
  ///
  /// - Parameters:
  ///   - configuration: The full phase's options, as for the library `Trainer`.
  ///   - warmup: The warm-up's settings.
  ///   - optimizer: The update rule.
  ///   - penalty: R(Θ).
  public init(
    configuration: TrainingConfiguration, warmup: CentroidWarmupConfiguration, optimizer: Rule,
    penalty: Regularizer
  ) {
    self.configuration = configuration
    self.warmup = warmup
    self.optimizer = optimizer
    self.penalty = penalty
  }

  /// Runs the warm-up on the centroids, then the full-data phase.
  ///
  /// - Parameters:
  ///   - network: Θ, updated in place; on divergence, the last parameters with finite values.
  ///   - inputs: X, N × d_0.
  ///   - targets: N targets.
  ///   - observer: Called by the full phase's `Trainer` every `observerInterval` steps (after
  ///     the step's ``FullRecord``), e.g. to evaluate held-out accuracy; return `.stop` to end
  ///     training. The time spent in it is excluded from every recorded `seconds` (and from
  ///     ``CentroidWarmupResult/seconds``), so evaluations do not count as training time.
  /// - Returns: When and why the warm-up switched, and both phases' trajectories.
  /// - Throws: ``WarmupError`` for a bad setting (ρ ≤ 0, K > N, a partition of the wrong size,
  ///   labels required but values given, …), data that does not fit, a failed k-means, or
  ///   divergence in either phase.
  /// - Complexity: Per warm-up step one forward/backward pass over K rows; every m steps one
  ///   over 2|S| rows; per refresh a forward pass over N rows and k-means on Z^j.
  @inlinable
  public mutating func fit(
    _ network: inout Network<Scalar>, inputs: Matrix<Scalar>, targets: Targets<Scalar>,
    observer: ((TrainingSnapshot<Scalar>) -> ObserverDecision)? = nil
  ) throws(WarmupError) -> CentroidWarmupResult {
    try warmup.validate(depth: network.depth)
    try checkData(network, inputs, targets)
    try probeConfiguration(network, inputs, targets)
    let clock = ContinuousClock()
    let started = clock.now
    // Seconds spent in `observer`, excluded from every recorded time.
    var observerSeconds = 0.0
    func seconds(_ d: Duration) -> Double {
      Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
    func elapsed() -> Double { seconds(clock.now - started) - observerSeconds }
    let n = inputs.rows
    let targetMatrix = targets.matrix(classes: network.outputSize)
    var generator = SeededGenerator(seed: warmup.seed)
    var partition = try initialPartition(inputs, targets, using: &generator)
    var problem = CentroidProblem(inputs: inputs, targets: targetMatrix, partition: partition)

    var records: [WarmupRecord] = []
    var checks: [ResidualCheck] = []
    var refreshSteps: [Int] = []
    var reason = SwitchReason.stepCap
    var step = 0
    let rates = (0..<network.depth).map { l in
      (
        weight: penalty.decoupledRate(layer: l + 1, isBias: false),
        bias: penalty.decoupledRate(layer: l + 1, isBias: true)
      )
    }
    if warmup.maximumSteps > 0 {
      var current = network
      var spare = network
      var spareHoldsPrevious = false
      var gradients = Gradients(zeroingParametersOf: network)
      var sampleGradients = gradients
      var matchedGradients = gradients
      var workspace = Network<Scalar>.Workspace(for: network, batchSize: problem.count)
      var sampleWorkspace = workspace
      var order = Array(0..<n)
      let sampleCount = Swift.min(warmup.sampleSize, n)
      while true {
        if let refresh = warmup.refresh, step > 0, step % refresh.everySteps == 0 {
          partition = try refreshed(partition, current, inputs, refresh)
          problem = CentroidProblem(inputs: inputs, targets: targetMatrix, partition: partition)
          refreshSteps.append(step)
        }
        let value = problem.lossAndGradients(
          current, loss: configuration.loss, workspace: &workspace, into: &gradients)
        var check: ResidualCheck?
        if step % warmup.checkInterval == 0 {
          // A fresh uniform sample without replacement (partial Fisher–Yates).
          for i in 0..<sampleCount {
            order.swapAt(i, Int.random(in: i..<n, using: &generator))
          }
          let indices = Array(order[0..<sampleCount])
          let own = indices.map { partition.assignment[$0] }
          let sampleLoss: Double
          do {
            sampleLoss = try current.gradients(
              inputs: inputs.rows(at: indices), targets: targets.samples(at: indices),
              loss: configuration.loss, workspace: &sampleWorkspace, into: &sampleGradients)
            _ = try current.gradients(
              inputs: problem.inputs.rows(at: own), targets: .values(problem.targets.rows(at: own)),
              loss: configuration.loss, workspace: &sampleWorkspace, into: &matchedGradients)
          } catch { throw .invalidData(error) }
          check = ResidualCheck(
            step: step, residual: Self.distance(sampleGradients, matchedGradients).squareRoot(),
            centroidGradientNorm: 0, sampleObjective: sampleLoss)
        }
        let penaltyValue = penalty.valueAddingGradient(of: current, to: &gradients)
        let norm = Self.regularizedNorm(current, gradients, rates).squareRoot()
        let objective = value + penaltyValue
        guard objective.isFinite, norm.isFinite else {
          network = spareHoldsPrevious ? spare : current
          throw .diverged(step: step, objective: objective, gradientNorm: norm)
        }
        records.append(
          WarmupRecord(
            step: step, seconds: elapsed(), centroidObjective: objective,
            centroidGradientNorm: norm))
        if var check {
          check.centroidGradientNorm = norm
          check.sampleObjective += penaltyValue
          checks.append(check)
          if check.residual > warmup.residualFraction * norm {
            reason = .residual
            break
          }
        }
        if let tolerance = configuration.gradientTolerance, norm <= tolerance {
          reason = .centroidStationary
          break
        }
        if step >= warmup.maximumSteps {
          reason = .stepCap
          break
        }
        let rate = configuration.learningRate.rate(atStep: step)
        optimizer.step(
          from: current, to: &spare, gradients: gradients, learningRate: Scalar(rate),
          decoupledRates: rates)
        swap(&current, &spare)
        spareHoldsPrevious = true
        step += 1
      }
      network = current
    }
    let warmupSeconds = elapsed()

    var full: [FullRecord] = []
    var trainer = Trainer(configuration: configuration, optimizer: optimizer, penalty: penalty)
    let summary: TrainingSummary
    do {
      summary = try trainer.fit(&network, inputs: inputs, targets: targets) { snapshot in
        full.append(
          FullRecord(
            step: snapshot.step, seconds: elapsed(), loss: snapshot.loss,
            penalty: snapshot.penalty, gradientNorm: snapshot.gradientNorm))
        guard let observer else { return .proceed }
        let observing = clock.now
        let decision = observer(snapshot)
        observerSeconds += seconds(clock.now - observing)
        return decision
      }
    } catch { throw .training(error) }
    optimizer = trainer.optimizer
    return CentroidWarmupResult(
      switchStep: step, switchReason: reason, warmupSeconds: warmupSeconds, warmup: records,
      checks: checks, refreshSteps: refreshSteps, partition: partition, full: full,
      summary: summary, seconds: elapsed())
  }

  /// Rejects data that does not fit the network, with typed errors (before anything runs).
  @inlinable
  func checkData(
    _ network: Network<Scalar>, _ inputs: Matrix<Scalar>, _ targets: Targets<Scalar>
  ) throws(WarmupError) {
    guard inputs.rows > 0 else { throw .invalidData(.emptyData) }
    guard inputs.columns == network.inputSize else {
      throw .invalidData(.inputWidthMismatch(expected: network.inputSize, got: inputs.columns))
    }
    switch targets {
    case .values(let y):
      guard y.rows == inputs.rows, y.columns == network.outputSize else {
        throw .invalidData(
          .targetShapeMismatch(
            expected: "\(inputs.rows) × \(network.outputSize)", got: "\(y.rows) × \(y.columns)"))
      }
    case .labels(let labels):
      guard labels.count == inputs.rows else {
        throw .invalidData(
          .targetShapeMismatch(expected: "\(inputs.rows) labels", got: "\(labels.count) labels"))
      }
      for (i, c) in labels.enumerated() where c < 0 || c >= network.outputSize {
        throw .invalidData(.labelOutOfRange(index: i, label: c, classes: network.outputSize))
      }
    }
  }

  /// Lets the library `Trainer` validate ``configuration`` on one sample before the warm-up
  /// spends any time (a zero budget: it stops before updating).
  @inlinable
  func probeConfiguration(
    _ network: Network<Scalar>, _ inputs: Matrix<Scalar>, _ targets: Targets<Scalar>
  ) throws(WarmupError) {
    var probe = configuration
    probe.checkpoint = nil
    probe.progress = .silent
    if probe.maximumSteps != nil {
      probe.maximumSteps = 0
    } else if probe.maximumEpochs != nil {
      probe.maximumEpochs = 0
    }
    var trainer = Trainer(configuration: probe, optimizer: optimizer, penalty: penalty)
    var copy = network
    do {
      _ = try trainer.fit(&copy, inputs: inputs.rows(0..<1), targets: targets.samples(at: [0]))
    } catch { throw .training(error) }
  }

  /// 𝒞 from ``CentroidWarmupConfiguration/partition``.
  @inlinable
  func initialPartition(
    _ inputs: Matrix<Scalar>, _ targets: Targets<Scalar>,
    using generator: inout SeededGenerator
  ) throws(WarmupError) -> Partition {
    let n = inputs.rows
    switch warmup.partition {
    case .partition(let partition):
      guard partition.pointCount == n else {
        throw .partitionMismatch(partitionPoints: partition.pointCount, points: n)
      }
      return partition
    case .labels:
      guard case .labels(let labels) = targets else { throw .labelsRequired }
      do { return try Partition(labels: labels) } catch { throw .clustering(error) }
    case .kMeans(let clusters, let restarts):
      guard clusters <= n else { throw .tooManyClusters(clusters: clusters, points: n) }
      do {
        return try KMeans(clusterCount: clusters, restarts: restarts)
          .fit(inputs, using: &generator).partition
      } catch { throw .clustering(error) }
    }
  }

  /// The partition from k-means on Z^j, warm-started from the current partition's layer-j
  /// centroids when K stays the same.
  @inlinable
  func refreshed(
    _ partition: Partition, _ network: Network<Scalar>, _ inputs: Matrix<Scalar>,
    _ refresh: PartitionRefresh
  ) throws(WarmupError) -> Partition {
    let k = refresh.clusters ?? partition.count
    guard k <= inputs.rows else { throw .tooManyClusters(clusters: k, points: inputs.rows) }
    let z: Matrix<Scalar>
    do { z = try network.embedding(layer: refresh.layer, of: inputs) } catch {
      throw .invalidData(error)
    }
    do {
      let kMeans = KMeans(clusterCount: k)
      if k == partition.count {
        let (start, _) = partition.means(of: z)
        return try kMeans.fit(z, initialCentroids: start).partition
      }
      var generator = SeededGenerator(seed: warmup.seed &+ UInt64(truncatingIfNeeded: k))
      return try kMeans.fit(z, using: &generator).partition
    } catch { throw .clustering(error) }
  }

  /// Σ ‖a − b‖² over every weight and bias.
  @inlinable
  static func distance(_ a: Gradients<Scalar>, _ b: Gradients<Scalar>) -> Double {
    var total = 0.0
    func add(_ x: Matrix<Scalar>, _ y: Matrix<Scalar>) {
      x.withUnsafeBufferPointer { x in
        y.withUnsafeBufferPointer { y in
          for i in x.indices {
            let d = Double(x[i]) - Double(y[i])
            total += d * d
          }
        }
      }
    }
    for l in a.weights.indices {
      add(a.weights[l], b.weights[l])
      add(a.biases[l], b.biases[l])
    }
    return total
  }

  /// ‖g + r θ‖² over every parameter (r the decoupled rates), as the library `Trainer` measures
  /// ‖∇L_λ‖.
  @inlinable
  static func regularizedNorm(
    _ network: Network<Scalar>, _ gradients: Gradients<Scalar>,
    _ rates: [(weight: Scalar, bias: Scalar)]
  ) -> Double {
    var total = 0.0
    func add(_ theta: Matrix<Scalar>, _ g: Matrix<Scalar>, _ r: Scalar) {
      theta.withUnsafeBufferPointer { t in
        g.withUnsafeBufferPointer { g in
          for i in g.indices {
            let v = Double(g[i]) + Double(r) * Double(t[i])
            total += v * v
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
