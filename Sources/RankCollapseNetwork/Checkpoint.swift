import RankCollapseData
import RankCollapseTensor

/// A training run's complete state in a safetensors file: the network, the optimizer's buffers
/// and the trainer's counters, so that a resumed run continues on exactly the trajectory of an
/// uninterrupted one (same seed, same thread count).
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
  var previousObjective: Double?
  var epochObjectiveSum: Double
  var epochBatches: Int
  /// Evaluations of L_λ and ∇L_λ so far (a ``QuasiNewtonTrainer`` makes several per step).
  public var evaluations: Int
  /// A ``QuasiNewtonTrainer``'s last values of L_λ and ‖∇L_λ‖, for its no-progress rule.
  var recentProgress: [Double]
  /// The configuration entries a resumed run must share (loss, schedule, batch size, seed).
  public var configuration: [String: String]

  init(
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

  /// Encodes the checkpoint as a safetensors file value.
  ///
  /// - Returns: The tensors and metadata.
  public func safeTensorsFile() -> SafeTensorsFile {
    var file = SafeTensorsFile()
    for (l, layer) in network.layers.enumerated() {
      file.append(SafeTensor(name: "network.layers.\(l).weight", matrix: layer.weight))
      file.append(SafeTensor(name: "network.layers.\(l).bias", vector: layer.bias.elements))
    }
    for (name, buffer) in optimizer.tensors.sorted(by: { $0.key < $1.key }) {
      file.append(SafeTensor(name: "optimizer." + name, matrix: buffer))
    }
    var metadata = configuration
    metadata["format"] = Self.formatName
    metadata["version"] = "1"
    metadata["scalar"] = Scalar.self == Float.self ? "Float" : "Double"
    metadata["activations"] = network.layers.map(\.activation.description).joined(separator: ",")
    metadata["biases"] = network.layers.map { $0.hasBias ? "1" : "0" }.joined(separator: ",")
    metadata["optimizer"] = optimizer.name
    metadata["optimizer.step"] = String(optimizer.step)
    metadata["step"] = String(step)
    metadata["epoch"] = String(epoch)
    metadata["epochPosition"] = String(epochPosition)
    metadata["previousObjective"] = previousObjective.map { String($0.bitPattern, radix: 16) } ?? ""
    metadata["epochObjectiveSum"] = String(epochObjectiveSum.bitPattern, radix: 16)
    metadata["epochBatches"] = String(epochBatches)
    metadata["evaluations"] = String(evaluations)
    metadata["recentProgress"] = recentProgress.map { String($0.bitPattern, radix: 16) }
      .joined(separator: ",")
    file.metadata = metadata
    return file
  }

  /// Writes the checkpoint atomically.
  ///
  /// - Parameter path: The file to create or replace.
  /// - Throws: ``TrainingError/checkpointFile(path:reason:)`` when it cannot be written, or when
  ///   a parameter or buffer holds `NaN` or an infinity (nothing is written then).
  public func write(to path: String) throws(TrainingError) {
    let file = safeTensorsFile()
    if let tensor = Self.firstNonFiniteTensor(in: file) {
      throw .checkpointFile(
        path: path,
        reason: "tensor '\(tensor)' holds a non-finite value (NaN or infinity); nothing was written"
      )
    }
    do {
      try SafeTensors.write(file, to: path)
    } catch {
      throw .checkpointFile(path: path, reason: error.description)
    }
  }

  /// Reads a checkpoint.
  ///
  /// - Parameter path: A file written by ``write(to:)``.
  /// - Returns: The checkpoint.
  /// - Throws: ``TrainingError/checkpointFile(path:reason:)`` when the file cannot be read or is
  ///   not a safetensors file; ``TrainingError/incompatibleCheckpoint(_:)`` when it is not a
  ///   checkpoint of this library for `Scalar` or its parts do not fit together.
  public static func read(from path: String) throws(TrainingError) -> Checkpoint {
    let file: SafeTensorsFile
    do {
      file = try SafeTensors.read(contentsOf: path)
    } catch {
      throw .checkpointFile(path: path, reason: error.description)
    }
    return try Checkpoint(file)
  }

  /// Decodes a checkpoint from a safetensors file value.
  ///
  /// - Parameter file: Tensors and metadata written by ``safeTensorsFile()``.
  /// - Throws: ``TrainingError/incompatibleCheckpoint(_:)`` naming what is missing or wrong.
  public init(_ file: SafeTensorsFile) throws(TrainingError) {
    let metadata = file.metadata
    func entry(_ key: String) throws(TrainingError) -> String {
      guard let value = metadata[key] else {
        throw .incompatibleCheckpoint("metadata '\(key)' is missing")
      }
      return value
    }
    func integer(_ key: String) throws(TrainingError) -> Int {
      guard let value = Int(try entry(key)), value >= 0 else {
        throw .incompatibleCheckpoint("metadata '\(key)' is not a non-negative integer")
      }
      return value
    }
    func bits(_ text: String, _ key: String) throws(TrainingError) -> Double {
      guard let pattern = UInt64(text, radix: 16) else {
        throw .incompatibleCheckpoint("metadata '\(key)' is not a bit pattern")
      }
      return Double(bitPattern: pattern)
    }
    guard metadata["format"] == Self.formatName else {
      throw .incompatibleCheckpoint(
        "not a RankCollapse checkpoint (metadata 'format' is \(metadata["format"].map { "'\($0)'" } ?? "missing"))"
      )
    }
    let version = try entry("version")
    guard version == "1" else {
      throw .incompatibleCheckpoint("checkpoint version \(version) is not supported")
    }
    let expectedScalar = Scalar.self == Float.self ? "Float" : "Double"
    let scalar = try entry("scalar")
    guard scalar == expectedScalar else {
      throw .incompatibleCheckpoint(
        "the checkpoint holds \(scalar) parameters, not \(expectedScalar)")
    }
    let activationNames = try entry("activations").split(separator: ",").map(String.init)
    let biasFlags = try entry("biases").split(separator: ",").map(String.init)
    guard !activationNames.isEmpty, biasFlags.count == activationNames.count else {
      throw .incompatibleCheckpoint(
        "metadata 'activations' and 'biases' do not describe the layers")
    }
    var layers: [Dense<Scalar>] = []
    for (l, name) in activationNames.enumerated() {
      guard let activation = Activation(description: name) else {
        throw .incompatibleCheckpoint("unknown activation '\(name)' for layer \(l + 1)")
      }
      guard let weightTensor = file["network.layers.\(l).weight"],
        let biasTensor = file["network.layers.\(l).bias"]
      else {
        throw .incompatibleCheckpoint("the parameters of layer \(l + 1) are missing")
      }
      let expectedType: SafeTensorsDataType = Scalar.self == Float.self ? .float32 : .float64
      for tensor in [weightTensor, biasTensor] where tensor.dataType != expectedType {
        throw .incompatibleCheckpoint(
          "layer \(l + 1): tensor '\(tensor.name)' holds \(tensor.dataType.rawValue) values, "
            + "but a checkpoint of \(expectedScalar) parameters holds \(expectedType.rawValue)")
      }
      guard weightTensor.shape.count == 2, biasTensor.shape == [weightTensor.shape[0]] else {
        throw .incompatibleCheckpoint(
          "layer \(l + 1): weight \(weightTensor.shape) and bias \(biasTensor.shape) do not fit")
      }
      guard let weight = try? weightTensor.matrix(as: Scalar.self) else {
        throw .incompatibleCheckpoint("layer \(l + 1): the weight is not a matrix")
      }
      let bias = Matrix(rowVector: biasTensor.vector(as: Scalar.self))
      for (part, values) in [("weight", weight), ("bias", bias)] where !values.isFinite {
        throw .incompatibleCheckpoint(
          "layer \(l + 1): the \(part) holds a non-finite value (NaN or infinity)")
      }
      let hasBias = biasFlags[l] == "1"
      guard hasBias || bias.maxAbsoluteValue == 0 else {
        throw .incompatibleCheckpoint("layer \(l + 1) has no bias but a non-zero bias tensor")
      }
      layers.append(Dense(weight: weight, bias: bias, activation: activation, hasBias: hasBias))
    }
    do {
      network = try Network(layers: layers)
    } catch {
      throw .incompatibleCheckpoint(error.description)
    }
    // Every tensor must be described: a parameter of a listed layer or an optimizer buffer.
    for tensor in file.tensors where !tensor.name.hasPrefix("optimizer.") {
      let parts = tensor.name.split(separator: ".", omittingEmptySubsequences: false)
      guard parts.count == 4, parts[0] == "network", parts[1] == "layers",
        let l = Int(parts[2]), l >= 0, l < layers.count, parts[3] == "weight" || parts[3] == "bias"
      else {
        throw .incompatibleCheckpoint(
          "tensor '\(tensor.name)' is not described by the metadata (\(layers.count) layers, "
            + "each with network.layers.L.weight and .bias, and optimizer buffers)")
      }
    }
    // Optimizer buffers must be shaped like the parameter they belong to (L-BFGS: curvature
    // vectors over all parameters).
    let optimizerName = try entry("optimizer")
    var tensors: [String: Matrix<Scalar>] = [:]
    for tensor in file.tensors where tensor.name.hasPrefix("optimizer.") {
      let name = String(tensor.name.dropFirst("optimizer.".count))
      let shape =
        optimizerName == "lbfgs"
        ? Checkpoint.curvatureVectorShape(of: name, in: network)
        : Checkpoint.parameterShape(of: name, in: network)
      guard let parameter = shape else {
        throw .incompatibleCheckpoint("optimizer buffer '\(name)' belongs to no parameter")
      }
      guard let matrix = try? tensor.matrix(as: Scalar.self),
        matrix.rows == parameter.rows, matrix.columns == parameter.columns
      else {
        throw .incompatibleCheckpoint(
          "optimizer buffer '\(name)' has shape \(tensor.shape), its parameter \(parameter.rows)×\(parameter.columns)"
        )
      }
      guard matrix.isFinite else {
        throw .incompatibleCheckpoint(
          "optimizer buffer '\(name)' holds a non-finite value (NaN or infinity)")
      }
      tensors[name] = matrix
    }
    // A kind of buffer (velocity "v", Adam's "m" and "v") present for one parameter must be
    // present for every parameter of every layer, the last one included.
    let kinds = Set(
      tensors.keys.filter { $0.split(separator: ".").dropFirst().first == "layers" }.map {
        String($0.prefix { $0 != "." })
      })
    for kind in kinds.sorted() {
      for l in 0..<layers.count {
        for part in ["weight", "bias"] where tensors["\(kind).layers.\(l).\(part)"] == nil {
          throw .incompatibleCheckpoint(
            "optimizer buffer '\(kind).layers.\(l).\(part)' is missing (layer \(l + 1) of "
              + "\(layers.count))")
        }
      }
    }
    optimizer = OptimizerState(
      name: optimizerName, step: try integer("optimizer.step"), tensors: tensors)
    step = try integer("step")
    epoch = try integer("epoch")
    epochPosition = try integer("epochPosition")
    let previous = try entry("previousObjective")
    previousObjective = previous.isEmpty ? nil : try bits(previous, "previousObjective")
    epochObjectiveSum = try bits(try entry("epochObjectiveSum"), "epochObjectiveSum")
    epochBatches = try integer("epochBatches")
    evaluations = metadata["evaluations"] == nil ? step : try integer("evaluations")
    var recent: [Double] = []
    for text in (metadata["recentProgress"] ?? "").split(separator: ",") {
      recent.append(try bits(String(text), "recentProgress"))
    }
    recentProgress = recent
    var configuration: [String: String] = [:]
    for key in Checkpoint.configurationKeys {
      configuration[key] = metadata[key]
    }
    self.configuration = configuration
  }

  /// The name of the first floating-point tensor of `file` that holds `NaN` or an infinity.
  ///
  /// - Parameter file: The tensors to check.
  /// - Returns: The tensor's name, or `nil` when every value is finite.
  /// - Complexity: O(number of elements).
  public static func firstNonFiniteTensor(in file: SafeTensorsFile) -> String? {
    file.tensors.first { tensor in
      tensor.dataType.isFloatingPoint && !tensor.vector(as: Double.self).allSatisfy(\.isFinite)
    }?.name
  }

  /// The metadata keys describing the configuration a resumed run must share.
  static var configurationKeys: [String] {
    ["loss", "learningRate", "batchSize", "shuffleSeed"]
  }

  /// The configuration entries stored in and compared against checkpoints.
  static func describe(_ configuration: TrainingConfiguration) -> [String: String] {
    [
      "loss": configuration.loss.rawValue,
      "learningRate": configuration.learningRate.description,
      "batchSize": configuration.batchSize.map(String.init) ?? "full",
      "shuffleSeed": String(configuration.shuffleSeed),
    ]
  }

  /// The shape of an L-BFGS curvature vector `s.<k>` or `y.<k>`: 1 × (number of parameters).
  static func curvatureVectorShape(
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
  static func parameterShape(
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

  /// Writes the trainer's state with `network` to a checkpoint file, atomically.
  ///
  /// - Parameters:
  ///   - network: The parameters to save.
  ///   - path: The file to create or replace.
  /// - Throws: ``TrainingError/checkpointFile(path:reason:)`` when it cannot be written.
  public func saveCheckpoint(of network: Network<Scalar>, to path: String) throws(TrainingError) {
    try checkpoint(of: network).write(to: path)
  }

  /// Restores the optimizer and counters from a checkpoint and returns its network, so that
  /// ``fit(_:inputs:targets:observer:)`` continues the saved run exactly.
  ///
  /// - Parameter checkpoint: A checkpoint written with the same configuration (loss, learning
  ///   rate schedule, batch size and shuffle seed) and optimizer kind.
  /// - Returns: The saved network.
  /// - Throws: ``TrainingError/incompatibleCheckpoint(_:)`` when the configuration or the
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

  /// Reads a checkpoint file and resumes from it; see ``resume(from:)-(Checkpoint<Scalar>)``.
  ///
  /// - Parameter path: A checkpoint file.
  /// - Returns: The saved network.
  /// - Throws: ``TrainingError`` when the file cannot be read or does not fit.
  public mutating func resume(fromFile path: String) throws(TrainingError) -> Network<Scalar> {
    try resume(from: Checkpoint<Scalar>.read(from: path))
  }
}
