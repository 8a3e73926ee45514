import RankCollapseTensor

/// A training run's complete state: the network, the optimizer's buffers and the trainer's
/// counters, so that a resumed run continues on exactly the trajectory of an uninterrupted one
/// (same seed, same thread count).
///
/// This module keeps the state as a value; `RankCollapseTraining` stores it as a safetensors
/// file (`Checkpoint.write(to:)`, `Checkpoint.read(from:)`, `CheckpointFile`) in this layout:
///
/// Tensors are named `network.layers.<l>.weight|bias` (0-based l) in the network's own precision
/// and `optimizer.<name>` for the optimizer's buffers; everything else is string metadata
/// (`format` = `rankcollapse-checkpoint`, the activations, counters and the configuration that
/// must match on resume). Doubles in the metadata are stored as their exact bit patterns.
/// Files are written atomically: a temporary file in the same folder, flushed, then renamed.
///
/// Any safetensors reader sees the weights: `safetensors.numpy.load_file(path)` in Python, or
/// `rankcollapse analyze checkpoint.safetensors`.
public struct Checkpoint<Scalar: MatrixScalar>: Sendable, Equatable {
  /// The parameters Θ.
  public var network: Network<Scalar>
  /// The optimizer's state.
  public var optimizer: OptimizerState<Scalar>
  /// Updates made.
  public var step: Int
  /// Completed epochs.
  public var epoch: Int
  /// Samples of the current epoch already used.
  public var epochPosition: Int
  /// The trainer's bookkeeping for the relative-change criterion.
  package var previousObjective: Double?
  package var epochObjectiveSum: Double
  package var epochBatches: Int
  /// Evaluations of L_λ and ∇L_λ so far (a ``QuasiNewtonTrainer`` makes several per step).
  public var evaluations: Int
  /// A ``QuasiNewtonTrainer``'s last values of L_λ and ‖∇L_λ‖, for its no-progress rule.
  package var recentProgress: [Double]
  /// The configuration entries a resumed run must share (loss, schedule, batch size, seed).
  public var configuration: [String: String]

  package init(
    network: Network<Scalar>, optimizer: OptimizerState<Scalar>, step: Int, epoch: Int,
    epochPosition: Int, previousObjective: Double?, epochObjectiveSum: Double, epochBatches: Int,
    configuration: [String: String], evaluations: Int? = nil, recentProgress: [Double] = []
  ) {
    self.evaluations = evaluations ?? step
    self.recentProgress = recentProgress
    self.network = network
    self.optimizer = optimizer
    self.step = step
    self.epoch = epoch
    self.epochPosition = epochPosition
    self.previousObjective = previousObjective
    self.epochObjectiveSum = epochObjectiveSum
    self.epochBatches = epochBatches
    self.configuration = configuration
  }

  /// The metadata value identifying checkpoints written by this library.
  public static var formatName: String { "rankcollapse-checkpoint" }

  /// The metadata keys describing the configuration a resumed run must share.
  package static var configurationKeys: [String] {
    ["loss", "learningRate", "batchSize", "shuffleSeed"]
  }

  /// The configuration entries stored in and compared against checkpoints.
  package static func describe(_ configuration: TrainingConfiguration) -> [String: String] {
    [
      "loss": configuration.loss.rawValue,
      "learningRate": configuration.learningRate.description,
      "batchSize": configuration.batchSize.map(String.init) ?? "full",
      "shuffleSeed": String(configuration.shuffleSeed),
    ]
  }

  /// The shape of an L-BFGS curvature vector `s.<k>` or `y.<k>`: 1 × (number of parameters).
  package static func curvatureVectorShape(
    of name: String, in network: Network<Scalar>
  ) -> (rows: Int, columns: Int)? {
    let parts = name.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 2, parts[0] == "s" || parts[0] == "y", let k = Int(parts[1]), k >= 0,
      String(k) == parts[1]
    else { return nil }
    return (1, network.parameterCount)
  }

  /// The shape of the parameter an optimizer buffer named `<prefix>.layers.<l>.weight|bias`
  /// belongs to.
  package static func parameterShape(
    of name: String, in network: Network<Scalar>
  ) -> (rows: Int, columns: Int)? {
    let parts = name.split(separator: ".")
    guard parts.count == 4, parts[1] == "layers", let l = Int(parts[2]), l >= 0,
      l < network.depth
    else { return nil }
    switch parts[3] {
    case "weight": return (network.layers[l].weight.rows, network.layers[l].weight.columns)
    case "bias": return (1, network.layers[l].outputSize)
    default: return nil
    }
  }
}

extension Activation {
  /// Parses ``description``: `identity`, `tanh`, `relu`, `leakyReLU(s)`, `sigmoid` or `gelu`.
  ///
  /// - Parameter description: A name as ``description`` writes it.
  public init?(description: String) {
    switch description {
    case "identity": self = .identity
    case "tanh": self = .tanh
    case "relu": self = .relu
    case "sigmoid": self = .sigmoid
    case "gelu": self = .gelu
    default:
      guard description.hasPrefix("leakyReLU("), description.hasSuffix(")"),
        let slope = Double(description.dropFirst("leakyReLU(".count).dropLast())
      else { return nil }
      self = .leakyReLU(slope: slope)
    }
  }
}

extension Trainer {
  /// The trainer's state with `network` as a ``Checkpoint``.
  ///
  /// - Parameter network: The parameters to save (those ``fit(_:inputs:targets:observer:)``
  ///   left).
  /// - Returns: The checkpoint.
  public func checkpoint(of network: Network<Scalar>) -> Checkpoint<Scalar> {
    Checkpoint(
      network: network, optimizer: optimizer.state, step: step, epoch: epoch,
      epochPosition: epochPosition, previousObjective: previousObjective,
      epochObjectiveSum: epochObjectiveSum, epochBatches: epochBatches,
      configuration: Checkpoint<Scalar>.describe(configuration))
  }

  /// Restores the optimizer and counters from a checkpoint and returns its network, so that
  /// ``fit(_:inputs:targets:observer:)`` continues the saved run exactly.
  ///
  /// - Parameter checkpoint: A checkpoint written with the same configuration (loss, learning
  ///   rate schedule, batch size and shuffle seed) and optimizer kind.
  /// - Returns: The saved network.
  /// - Throws: ``TrainingError/incompatibleCheckpoint(_:cause:)`` when the configuration or the
  ///   optimizer differs.
  public mutating func resume(from checkpoint: Checkpoint<Scalar>) throws(TrainingError)
    -> Network<Scalar>
  {
    let expected = Checkpoint<Scalar>.describe(configuration)
    for key in Checkpoint<Scalar>.configurationKeys
    where checkpoint.configuration[key] != expected[key] {
      throw .incompatibleCheckpoint(
        "\(key) is '\(checkpoint.configuration[key] ?? "missing")' in the checkpoint but '\(expected[key] ?? "")' now"
      )
    }
    try optimizer.restore(checkpoint.optimizer)
    currentStep = checkpoint.step
    currentEpoch = checkpoint.epoch
    currentEpochPosition = checkpoint.epochPosition
    previousObjective = checkpoint.previousObjective
    epochObjectiveSum = checkpoint.epochObjectiveSum
    epochBatches = checkpoint.epochBatches
    permutation = []
    return checkpoint.network
  }
}
