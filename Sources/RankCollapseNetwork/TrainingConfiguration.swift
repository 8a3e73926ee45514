import RankCollapseTensor

/// How a ``Trainer`` trains: loss, learning rate, batching, when to stop, what to report.
///
/// Stopping criteria (training stops at the first that holds; at least one budget is required so
/// that a run always ends):
/// - ``gradientTolerance``: ‖∇L_λ(Θ)‖ ≤ tol, the norm over all weights and biases of the
///   regularised objective's gradient (the paper trains "until convergence by monitoring the
///   norm of the gradient"). With minibatches this is the minibatch gradient's norm.
/// - ``relativeChangeTolerance``: |L_λ,t − L_λ,t−1| ≤ tol · |L_λ,t−1| between consecutive steps
///   (full batch) or consecutive epoch means (minibatches).
/// - ``maximumSteps`` / ``maximumEpochs``: budgets of parameter updates and passes over the data.
public struct TrainingConfiguration: Sendable, Hashable {
  /// ℓ, the per-sample loss.
  public var loss: Loss
  /// η_t (first-order rules; ``QuasiNewtonTrainer``'s line search chooses its own steps).
  public var learningRate: LearningRateSchedule
  /// Samples per step; `nil` for full-batch gradient descent.
  public var batchSize: Int?
  /// Seeds the order of samples in each epoch (minibatches only).
  ///
  /// Epoch e uses a permutation
  /// drawn from a generator seeded by (seed, e), so a resumed run sees the same batches.
  public var shuffleSeed: UInt64
  /// Stop when ‖∇L_λ‖ ≤ this.
  public var gradientTolerance: Double?
  /// Converged when max_l ρ_l ≤ this (the relative stationarity residual of equation 4).
  public var stationarityTolerance: Double?
  /// Stop when the relative change of L_λ is ≤ this.
  public var relativeChangeTolerance: Double?
  /// The largest number of parameter updates (counted over the whole run, also across resumes).
  public var maximumSteps: Int?
  /// The largest number of evaluations of L_λ and ∇L_λ (over the whole run).
  public var maximumEvaluations: Int?
  /// The largest number of passes over the data.
  public var maximumEpochs: Int?
  /// How often the observer is called, in steps (≥ 1).
  public var observerInterval: Int
  /// What progress to report, and where.
  public var progress: ProgressStyle
  /// Where and how often to write a ``Checkpoint`` (also written when training stops).
  public var checkpoint: CheckpointPolicy?

  /// A configuration.
  ///
  /// - Parameters:
  ///   - loss: ℓ.
  ///   - learningRate: η_t.
  ///   - batchSize: Samples per step, `nil` for full batch.
  ///   - shuffleSeed: Seeds the per-epoch sample order.
  ///   - gradientTolerance: Stop when ‖∇L_λ‖ ≤ this.
  ///   - stationarityTolerance: Stop when max_l ρ_l ≤ this.
  ///   - relativeChangeTolerance: Stop when the relative change of L_λ is ≤ this.
  ///   - maximumSteps: Budget of updates.
  ///   - maximumEpochs: Budget of epochs.
  ///   - maximumEvaluations: Budget of objective and gradient evaluations.
  ///   - observerInterval: Steps between observer calls.
  ///   - progress: Progress output.
  ///   - checkpoint: Periodic checkpoints, or `nil` for none.
  public init(
    loss: Loss, learningRate: LearningRateSchedule = .constant(0.01), batchSize: Int? = nil,
    shuffleSeed: UInt64 = 0, gradientTolerance: Double? = nil,
    stationarityTolerance: Double? = nil, relativeChangeTolerance: Double? = nil,
    maximumSteps: Int? = nil, maximumEpochs: Int? = nil, maximumEvaluations: Int? = nil,
    observerInterval: Int = 1, progress: ProgressStyle = .silent,
    checkpoint: CheckpointPolicy? = nil
  ) {
    self.loss = loss
    self.learningRate = learningRate
    self.batchSize = batchSize
    self.shuffleSeed = shuffleSeed
    self.gradientTolerance = gradientTolerance
    self.stationarityTolerance = stationarityTolerance
    self.relativeChangeTolerance = relativeChangeTolerance
    self.maximumSteps = maximumSteps
    self.maximumEpochs = maximumEpochs
    self.maximumEvaluations = maximumEvaluations
    self.observerInterval = observerInterval
    self.progress = progress
    self.checkpoint = checkpoint
  }

  /// Checks every option; the message names the bad one.
  @usableFromInline
  func validate() throws(TrainingError) {
    try learningRate.validate()
    if let batchSize, batchSize < 1 {
      throw .invalidConfiguration("batchSize must be at least 1, got \(batchSize)")
    }
    if let tolerance = gradientTolerance, !(tolerance >= 0 && tolerance.isFinite) {
      throw .invalidConfiguration("gradientTolerance must be ≥ 0 and finite, got \(tolerance)")
    }
    if let tolerance = stationarityTolerance, !(tolerance > 0 && tolerance.isFinite) {
      throw .invalidConfiguration("stationarityTolerance must be > 0 and finite, got \(tolerance)")
    }
    if stationarityTolerance != nil, batchSize != nil {
      throw .invalidConfiguration(
        "stationarityTolerance needs full-batch gradients; leave batchSize nil")
    }
    if let tolerance = relativeChangeTolerance, !(tolerance >= 0 && tolerance.isFinite) {
      throw .invalidConfiguration(
        "relativeChangeTolerance must be ≥ 0 and finite, got \(tolerance)")
    }
    if let steps = maximumSteps, steps < 0 {
      throw .invalidConfiguration("maximumSteps must be ≥ 0, got \(steps)")
    }
    if let epochs = maximumEpochs, epochs < 0 {
      throw .invalidConfiguration("maximumEpochs must be ≥ 0, got \(epochs)")
    }
    if let evaluations = maximumEvaluations, evaluations < 0 {
      throw .invalidConfiguration("maximumEvaluations must be ≥ 0, got \(evaluations)")
    }
    if maximumSteps == nil && maximumEpochs == nil && maximumEvaluations == nil {
      throw .invalidConfiguration(
        "set maximumSteps, maximumEpochs or maximumEvaluations: a tolerance alone may never be reached"
      )
    }
    if let checkpoint, checkpoint.everySteps < 1 || checkpoint.destination.isEmpty {
      throw .invalidConfiguration(
        "checkpoints need a destination and everySteps ≥ 1, got '\(checkpoint.destination)' every \(checkpoint.everySteps)"
      )
    }
    switch progress.cadence {
    case .seconds(let seconds) where !(seconds >= 0 && seconds <= 86_400):
      throw .invalidConfiguration(
        "progress every \(seconds) seconds: the interval must be in 0…86400 seconds")
    case .steps(let steps) where steps < 1:
      throw .invalidConfiguration("progress every \(steps) steps: the interval must be ≥ 1")
    default: break
    }
    if observerInterval < 1 {
      throw .invalidConfiguration("observerInterval must be at least 1, got \(observerInterval)")
    }
  }
}

extension TrainingConfiguration {
  /// The convergence verdict at a point: ``StopReason/stationarityTolerance`` or
  /// ``StopReason/gradientTolerance`` when every convergence tolerance set holds, else `nil`.
  ///
  /// - Parameters:
  ///   - gradientNorm: ‖∇L_λ‖.
  ///   - stationarity: max_l ρ_l, computed only when needed (`nil`: undefined).
  /// - Returns: The reason to stop, or `nil` to go on.
  @usableFromInline
  func convergence(gradientNorm: Double, stationarity: () -> Double?) -> StopReason? {
    guard gradientTolerance != nil || stationarityTolerance != nil else { return nil }
    if let tolerance = gradientTolerance, !(gradientNorm <= tolerance) { return nil }
    if let tolerance = stationarityTolerance {
      guard let ratio = stationarity(), ratio <= tolerance else { return nil }
      return .stationarityTolerance
    }
    return .gradientTolerance
  }
}

/// Where a trainer's checkpoints go.
///
/// `RankCollapseNetwork` does no file I/O: a trainer hands each ``Checkpoint`` to the writer of
/// its ``CheckpointPolicy``. `RankCollapseTraining` provides the safetensors file writer
/// (`CheckpointFile`, and `CheckpointPolicy(path:everySteps:)` for it).
public protocol CheckpointWriter: Sendable {
  /// Where the checkpoints go (a file path, for instance); two policies are equal when their
  /// destinations and intervals are.
  var destination: String { get }

  /// Stores `checkpoint`, replacing the one stored before.
  ///
  /// - Parameter checkpoint: The trainer's complete state.
  /// - Throws: ``TrainingError/checkpointFile(path:reason:cause:)`` when it cannot be stored.
  func write<Scalar: MatrixScalar>(_ checkpoint: Checkpoint<Scalar>) throws(TrainingError)
}

/// Where a ``Trainer`` writes checkpoints, and how often.
public struct CheckpointPolicy: Sendable, Hashable {
  /// Receives the checkpoints.
  public var writer: any CheckpointWriter
  /// Steps between checkpoints.
  public var everySteps: Int

  /// A policy.
  ///
  /// - Parameters:
  ///   - writer: Receives the checkpoints (`CheckpointFile` from `RankCollapseTraining` writes
  ///     safetensors files).
  ///   - everySteps: Steps between checkpoints (≥ 1).
  public init(writer: some CheckpointWriter, everySteps: Int) {
    self.writer = writer
    self.everySteps = everySteps
  }

  /// The writer's destination.
  public var destination: String { writer.destination }

  /// Whether two policies write to the same destination at the same interval.
  public static func == (lhs: CheckpointPolicy, rhs: CheckpointPolicy) -> Bool {
    lhs.destination == rhs.destination && lhs.everySteps == rhs.everySteps
  }

  /// Hashes the destination and the interval.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(destination)
    hasher.combine(everySteps)
  }
}

/// Where a trainer's progress lines go.
///
/// `RankCollapseNetwork` does no terminal I/O: a trainer formats its progress lines and hands
/// them to the output of its ``ProgressStyle``. `RankCollapseTraining` provides standard error
/// (`StandardErrorProgress`, and the styles `.automatic(seconds:)` and `.lines(steps:)` that
/// write there).
public protocol ProgressOutput: Sendable {
  /// Names the output (two styles are equal when their cadences and destinations are).
  var destination: String { get }
  /// Whether the output is an interactive terminal, where one line is rewritten in place.
  var isTerminal: Bool { get }

  /// Writes `text` as it is (it carries its own line ends and carriage returns).
  ///
  /// - Parameter text: The text to write.
  func write(_ text: String)
}

/// What progress a trainer reports while it runs, how often, and where.
public struct ProgressStyle: Sendable, Hashable {
  /// How often a line is written.
  public enum Cadence: Sendable, Hashable {
    /// Never.
    case never
    /// One line updated in place on a terminal (at most every `seconds`), plain lines every
    /// `seconds` otherwise (logs, CI), and a final line.
    case seconds(Double)
    /// A plain line every `steps` steps, and a final line.
    case steps(Int)
  }

  /// How often a line is written.
  public var cadence: Cadence
  /// Where the lines go; `nil` writes nothing.
  public var output: (any ProgressOutput)?

  /// A style.
  ///
  /// - Parameters:
  ///   - cadence: How often a line is written.
  ///   - output: Where the lines go (`StandardErrorProgress` from `RankCollapseTraining` writes
  ///     to standard error).
  public init(cadence: Cadence, output: (any ProgressOutput)?) {
    self.cadence = cadence
    self.output = output
  }

  /// Nothing.
  public static var silent: ProgressStyle { ProgressStyle(cadence: .never, output: nil) }

  /// Whether the style writes anything.
  public var isSilent: Bool { cadence == .never || output == nil }

  /// Whether two styles have the same cadence and destination.
  public static func == (lhs: ProgressStyle, rhs: ProgressStyle) -> Bool {
    lhs.cadence == rhs.cadence && lhs.output?.destination == rhs.output?.destination
  }

  /// Hashes the cadence and the destination.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(cadence)
    hasher.combine(output?.destination)
  }
}

/// Why training stopped.
public enum StopReason: String, Sendable, Hashable, Codable {
  /// ‖∇L_λ‖ fell to the tolerance (converged).
  case gradientTolerance
  /// max_l ρ_l fell to ``TrainingConfiguration/stationarityTolerance`` (and ‖∇L_λ‖ to its
  /// tolerance, if one was set): converged to a stationary point in the sense of equation 4.
  case stationarityTolerance
  /// The relative change of L_λ fell to the tolerance.
  case relativeChangeTolerance
  /// The step budget was used up.
  case maximumSteps
  /// The epoch budget was used up.
  case maximumEpochs
  /// The observer asked to stop.
  case observer
  /// The evaluation budget was used up.
  case maximumEvaluations
  /// The line search found no step that decreases L_λ, also along −∇L_λ (``QuasiNewtonTrainer``).
  case lineSearchFailed
  /// No step changes L_λ by more than its rounding error, or (single precision) L_λ fell by less
  /// than that over the last ``QuasiNewtonTrainer/progressWindow`` iterations: the
  /// scalar type cannot resolve
  /// further progress (with `Float`, continue in `Double` from these parameters).
  case precisionLimit

  /// Whether the run reached its convergence tolerance (``gradientTolerance`` or
  /// ``stationarityTolerance``) rather than a budget or a failure.
  public var isConverged: Bool { self == .gradientTolerance || self == .stationarityTolerance }

  /// A short phrase for reports: "converged", "step budget used", "line search failed", ….
  public var phrase: String {
    switch self {
    case .gradientTolerance: "converged (gradient tolerance)"
    case .stationarityTolerance: "converged (stationary)"
    case .relativeChangeTolerance: "objective stopped changing"
    case .maximumSteps: "step budget used"
    case .maximumEpochs: "epoch budget used"
    case .observer: "stopped by the observer"
    case .maximumEvaluations: "evaluation budget used"
    case .lineSearchFailed: "line search failed"
    case .precisionLimit: "no progress at this precision"
    }
  }
}

/// The state of training handed to an observer.
public struct TrainingSnapshot<Scalar: MatrixScalar>: Sendable {
  /// Updates made so far (the parameters below have had `step` updates).
  public var step: Int
  /// Completed passes over the data.
  public var epoch: Int
  /// L_0 on the current batch.
  public var loss: Double
  /// R(Θ), the penalty.
  public var penalty: Double
  /// L_λ = L_0 + R.
  public var objective: Double { loss + penalty }
  /// ‖∇L_λ‖ on the current batch.
  public var gradientNorm: Double
  /// η for the next update.
  public var learningRate: Double
  /// The current parameters Θ.
  public var network: Network<Scalar>
  /// ∇L_λ on the current batch (coupled penalty included; decoupled decay not).
  public var gradients: Gradients<Scalar>

  /// A snapshot.
  ///
  /// - Parameters:
  ///   - step: Updates made so far.
  ///   - epoch: Completed epochs.
  ///   - loss: L_0.
  ///   - penalty: R(Θ).
  ///   - gradientNorm: ‖∇L_λ‖.
  ///   - learningRate: η.
  ///   - network: Θ.
  ///   - gradients: ∇L_λ.
  public init(
    step: Int, epoch: Int, loss: Double, penalty: Double, gradientNorm: Double,
    learningRate: Double, network: Network<Scalar>, gradients: Gradients<Scalar>
  ) {
    self.step = step
    self.epoch = epoch
    self.loss = loss
    self.penalty = penalty
    self.gradientNorm = gradientNorm
    self.learningRate = learningRate
    self.network = network
    self.gradients = gradients
  }
}

/// What an observer tells the trainer.
public enum ObserverDecision: Sendable {
  /// Go on.
  case proceed
  /// Stop now (reported as ``StopReason/observer``).
  case stop
}

/// How a training run ended.
public struct TrainingSummary: Sendable, Hashable {
  /// Why it stopped.
  public var reason: StopReason
  /// Updates made in total (including those before a resume).
  public var steps: Int
  /// Completed epochs.
  public var epochs: Int
  /// L_0 at the final parameters (on the last batch for minibatches).
  public var loss: Double
  /// R(Θ) at the final parameters.
  public var penalty: Double
  /// ‖∇L_λ‖ at the final parameters.
  public var gradientNorm: Double
  /// Wall-clock seconds of this call.
  public var seconds: Double
  /// Evaluations of L_λ and ∇L_λ in total (equal to the steps for first-order rules, plus one for
  /// the final point's check).
  public var evaluations: Int
  /// max_l ρ_l at the final parameters, where it was computed (full batch with a penalty).
  public var stationarity: Double?
  /// ρ_l per layer at the final parameters (`nil` entries: undefined; empty when not computed).
  public var layerStationarity: [Double?]
  /// L_λ = L_0 + R.
  public var objective: Double { loss + penalty }

  /// A summary.
  ///
  /// - Parameters:
  ///   - reason: Why training stopped.
  ///   - steps: Updates in total.
  ///   - epochs: Completed epochs.
  ///   - loss: Final L_0.
  ///   - penalty: Final R(Θ).
  ///   - gradientNorm: Final ‖∇L_λ‖.
  ///   - seconds: Wall-clock time.
  ///   - evaluations: Evaluations of L_λ and ∇L_λ (`nil`: steps + 1).
  ///   - stationarity: Final max_l ρ_l.
  ///   - layerStationarity: Final ρ_l per layer.
  public init(
    reason: StopReason, steps: Int, epochs: Int, loss: Double, penalty: Double,
    gradientNorm: Double, seconds: Double, evaluations: Int? = nil, stationarity: Double? = nil,
    layerStationarity: [Double?] = []
  ) {
    self.evaluations = evaluations ?? steps + 1
    self.stationarity = stationarity
    self.layerStationarity = layerStationarity
    self.reason = reason
    self.steps = steps
    self.epochs = epochs
    self.loss = loss
    self.penalty = penalty
    self.gradientNorm = gradientNorm
    self.seconds = seconds
  }
}
