import RankCollapseData
import RankCollapseNetwork
import RankCollapseTensor
import RankCollapseTraining

extension CompressedNetwork {
  /// The checkpoint metadata key holding the layout: one `0` (dense) or `1` (factored) per
  /// original layer, comma-separated.
  public static var layoutKey: String { "compression.factored" }

  /// The safetensors value of a compressed checkpoint.
  ///
  /// It is an ordinary library `Checkpoint` of ``network`` (tensors
  /// `network.layers.<i>.weight|bias` of the expanded network, a factored layer l contributing
  /// V_l then U_l) with the layout under ``layoutKey``, so `Checkpoint.read(from:)` loads it
  /// as a plain `Network` that computes the same outputs, and ``read(from:)`` restores the
  /// layout. Counters and configuration come from `original` when given; the optimizer's
  /// buffers are dropped because they are shaped for the dense layers (fine-tune with a fresh
  /// optimizer).
  ///
  /// - Parameter original: The checkpoint the network was compressed from, or `nil`.
  /// - Returns: The tensors and metadata.
  public func checkpointFile(basedOn original: Checkpoint<Scalar>? = nil) -> SafeTensorsFile {
    var checkpoint: Checkpoint<Scalar>
    if let original {
      checkpoint = original
    } else {
      let trainer = Trainer(
        configuration: TrainingConfiguration(loss: .squaredError, learningRate: .constant(0)),
        optimizer: GradientDescent<Scalar>(), penalty: NoPenalty<Scalar>())
      checkpoint = trainer.checkpoint(of: network)
    }
    checkpoint.network = network
    checkpoint.optimizer = OptimizerState(
      name: checkpoint.optimizer.name, step: checkpoint.optimizer.step, tensors: [:])
    var file = checkpoint.safeTensorsFile()
    file.metadata[Self.layoutKey] = isFactored.map { $0 ? "1" : "0" }.joined(separator: ",")
    return file
  }

  /// Writes the compressed checkpoint atomically (temporary file, then rename): a failure leaves
  /// no half-written file behind.
  ///
  /// - Parameters:
  ///   - path: The `.safetensors` file to create or replace.
  ///   - original: The checkpoint the network was compressed from, or `nil`.
  /// - Throws: ``CompressionError/checkpoint(_:)`` when the file cannot be written or a tensor
  ///   holds `NaN` or an infinity (nothing is written then).
  public func write(to path: String, basedOn original: Checkpoint<Scalar>? = nil)
    throws(CompressionError)
  {
    let file = checkpointFile(basedOn: original)
    if let tensor = Checkpoint<Scalar>.firstNonFiniteTensor(in: file) {
      throw .checkpoint(
        .checkpointFile(
          path: path,
          reason: "tensor '\(tensor)' holds a non-finite value (NaN or infinity); nothing was "
            + "written"))
    }
    do {
      try SafeTensors.write(file, to: path)
    } catch {
      throw .checkpoint(
        .checkpointFile(path: path, reason: error.description, cause: UnderlyingError(error)))
    }
  }

  /// Decodes a compressed checkpoint; a plain library checkpoint (no ``layoutKey``) gives a
  /// network with every layer dense.
  ///
  /// - Parameter file: Tensors and metadata.
  /// - Throws: ``CompressionError/checkpoint(_:)`` when it is not a checkpoint for `Scalar`;
  ///   ``CompressionError/invalidLayout(_:)`` when the layout does not fit its layers.
  public init(checkpoint file: SafeTensorsFile) throws(CompressionError) {
    let checkpoint: Checkpoint<Scalar>
    do {
      checkpoint = try Checkpoint<Scalar>(file)
    } catch {
      throw .checkpoint(error)
    }
    guard let layout = file.metadata[Self.layoutKey] else {
      try self.init(
        network: checkpoint.network,
        isFactored: Array(repeating: false, count: checkpoint.network.depth))
      return
    }
    var flags: [Bool] = []
    for flag in layout.split(separator: ",", omittingEmptySubsequences: false) {
      switch flag {
      case "0": flags.append(false)
      case "1": flags.append(true)
      default:
        throw .invalidLayout("metadata '\(Self.layoutKey)' holds '\(flag)', not 0 or 1")
      }
    }
    try self.init(network: checkpoint.network, isFactored: flags)
  }

  /// Reads a compressed (or plain) checkpoint file.
  ///
  /// - Parameter path: A file written by ``write(to:basedOn:)`` or by `Checkpoint.write(to:)`.
  /// - Returns: The compressed network.
  /// - Throws: As ``init(checkpoint:)``, and ``CompressionError/checkpoint(_:)`` when the file
  ///   cannot be read.
  public static func read(from path: String) throws(CompressionError) -> CompressedNetwork {
    let file: SafeTensorsFile
    do {
      file = try SafeTensors.read(contentsOf: path)
    } catch {
      throw .checkpoint(
        .checkpointFile(path: path, reason: error.description, cause: UnderlyingError(error)))
    }
    return try CompressedNetwork(checkpoint: file)
  }
}
