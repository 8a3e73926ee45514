import RankCollapseData
import RankCollapseNetwork
import RankCollapseTensor

// Checkpoints as safetensors files. `RankCollapseNetwork` keeps a run's state as a value
// (`Checkpoint`) and hands it to a `CheckpointWriter`; the file format and the file I/O live
// here, above it, with the data formats of `RankCollapseData`.

extension Checkpoint {
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
  /// - Throws: `TrainingError.checkpointFile(path:reason:cause:)` when it cannot be written, or when
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
      throw .checkpointFile(path: path, reason: error.description, cause: UnderlyingError(error))
    }
  }

  /// Reads a checkpoint.
  ///
  /// - Parameter path: A file written by `write(to:)`.
  /// - Returns: The checkpoint.
  /// - Throws: `TrainingError.checkpointFile(path:reason:cause:)` when the file cannot be read or is
  ///   not a safetensors file; `TrainingError.incompatibleCheckpoint(_:cause:)` when it is not a
  ///   checkpoint of this library for `Scalar` or its parts do not fit together.
  public static func read(from path: String) throws(TrainingError) -> Checkpoint {
    let file: SafeTensorsFile
    do {
      file = try SafeTensors.read(contentsOf: path)
    } catch {
      throw .checkpointFile(path: path, reason: error.description, cause: UnderlyingError(error))
    }
    return try Checkpoint(file)
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

  /// Decodes a checkpoint from a safetensors file value.
  ///
  /// - Parameter file: Tensors and metadata written by `safeTensorsFile()`.
  /// - Throws: `TrainingError.incompatibleCheckpoint(_:cause:)` naming what is missing or wrong.
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
    let network: Network<Scalar>
    do {
      network = try Network(layers: layers)
    } catch {
      throw .incompatibleCheckpoint(error.description, cause: UnderlyingError(error))
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
    let optimizer = OptimizerState(
      name: optimizerName, step: try integer("optimizer.step"), tensors: tensors)
    let step = try integer("step")
    let epoch = try integer("epoch")
    let epochPosition = try integer("epochPosition")
    let previous = try entry("previousObjective")
    let previousObjective = previous.isEmpty ? nil : try bits(previous, "previousObjective")
    let epochObjectiveSum = try bits(try entry("epochObjectiveSum"), "epochObjectiveSum")
    let epochBatches = try integer("epochBatches")
    let evaluations = metadata["evaluations"] == nil ? step : try integer("evaluations")
    var recent: [Double] = []
    for text in (metadata["recentProgress"] ?? "").split(separator: ",") {
      recent.append(try bits(String(text), "recentProgress"))
    }
    var configuration: [String: String] = [:]
    for key in Checkpoint.configurationKeys {
      configuration[key] = metadata[key]
    }
    self.init(
      network: network, optimizer: optimizer, step: step, epoch: epoch,
      epochPosition: epochPosition, previousObjective: previousObjective,
      epochObjectiveSum: epochObjectiveSum, epochBatches: epochBatches,
      configuration: configuration, evaluations: evaluations, recentProgress: recent)
  }
}

extension Trainer {
  /// Writes the trainer's state with `network` to a checkpoint file, atomically.
  ///
  /// - Parameters:
  ///   - network: The parameters to save.
  ///   - path: The file to create or replace.
  /// - Throws: `TrainingError.checkpointFile(path:reason:cause:)` when it cannot be written.
  public func saveCheckpoint(of network: Network<Scalar>, to path: String) throws(TrainingError) {
    try checkpoint(of: network).write(to: path)
  }

  /// Reads a checkpoint file and resumes from it; see `resume(from:)`.
  ///
  /// - Parameter path: A checkpoint file.
  /// - Returns: The saved network.
  /// - Throws: `TrainingError` when the file cannot be read or does not fit.
  public mutating func resume(fromFile path: String) throws(TrainingError) -> Network<Scalar> {
    try resume(from: Checkpoint<Scalar>.read(from: path))
  }
}

extension QuasiNewtonTrainer {
  /// Writes the trainer's state with `network` to a checkpoint file, atomically.
  ///
  /// - Parameters:
  ///   - network: The parameters to save.
  ///   - path: The file to create or replace.
  /// - Throws: `TrainingError.checkpointFile(path:reason:cause:)` when it cannot be written.
  public func saveCheckpoint(of network: Network<Scalar>, to path: String) throws(TrainingError) {
    try checkpoint(of: network).write(to: path)
  }

  /// Reads a checkpoint file and resumes from it; see `resume(from:)`.
  ///
  /// - Parameter path: A checkpoint file.
  /// - Returns: The saved network.
  /// - Throws: `TrainingError` when the file cannot be read or does not fit.
  public mutating func resume(fromFile path: String) throws(TrainingError) -> Network<Scalar> {
    try resume(from: Checkpoint<Scalar>.read(from: path))
  }
}

/// Writes each checkpoint a trainer hands over to one safetensors file, atomically (a
/// temporary file in the same folder, flushed, then renamed over the previous one).
///
/// ```swift
/// let policy = CheckpointPolicy(writer: CheckpointFile(path: "run.safetensors"), everySteps: 500)
/// ```
public struct CheckpointFile: CheckpointWriter {
  /// The file, replaced at every checkpoint.
  public var path: String

  /// A writer for `path`.
  ///
  /// - Parameter path: The checkpoint file.
  public init(path: String) {
    self.path = path
  }

  /// The file's path.
  public var destination: String { path }

  /// Writes `checkpoint` to ``path`` atomically.
  ///
  /// - Parameter checkpoint: The trainer's state.
  /// - Throws: `TrainingError.checkpointFile(path:reason:cause:)` when it cannot be written, or when a
  ///   parameter or buffer holds `NaN` or an infinity (nothing is written then).
  public func write<Scalar: MatrixScalar>(_ checkpoint: Checkpoint<Scalar>) throws(TrainingError) {
    try checkpoint.write(to: path)
  }
}

extension CheckpointPolicy {
  /// Checkpoints written to one safetensors file (a ``CheckpointFile``) every `everySteps` steps.
  ///
  /// - Parameters:
  ///   - path: The checkpoint file (replaced atomically each time).
  ///   - everySteps: Steps between checkpoints (≥ 1).
  public init(path: String, everySteps: Int) {
    self.init(writer: CheckpointFile(path: path), everySteps: everySteps)
  }
}
