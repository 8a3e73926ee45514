import Foundation
import RankCollapse

/// Finds the matrices of a safetensors checkpoint given to `analyze`: one `.safetensors` file,
/// a folder of shards, or a `*.safetensors.index.json` index (``SafeTensorsCheckpoint``).
///
/// Only the headers are read here. Each matrix is read from its shard when its singular values
/// are about to be computed, straight into the `Double` matrix the SVD overwrites, so the memory
/// in use is that of the matrices in flight (``MemoryGate``), not of the model.
enum CheckpointInputs {
  /// Whether `path` is read as a checkpoint: a `.safetensors` file, an index file or a folder.
  static func isCheckpoint(_ path: String) -> Bool {
    if path.hasSuffix(".safetensors") || path.hasSuffix(".safetensors.index.json") {
      return true
    }
    var isFolder: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
      && isFolder.boolValue
  }

  /// The matrices of the checkpoint at `path`, named `path:tensor`.
  ///
  /// Every 2-D floating-point tensor `keep` accepts is a matrix, and with `reshape` the kernels
  /// it applies to; the others are skipped with one note.
  ///
  /// - Throws: ``CommandFailure`` with the checkpoint's error.
  static func load(
    _ path: String, keep: (String) -> Bool, reshape: KernelReshape
  ) throws(CommandFailure) -> [MatrixInput] {
    let checkpoint: SafeTensorsCheckpoint
    do { checkpoint = try SafeTensorsCheckpoint(contentsOf: path) } catch {
      throw CommandFailure("\(error)")
    }
    var inputs: [MatrixInput] = []
    var skipped: [String] = []
    var skippedShapes: [[Int]] = []
    for tensor in checkpoint.tensors where keep(tensor.name) {
      let name = "\(path):\(tensor.name)"
      let read = { () throws -> Matrix<Double> in try checkpoint.readMatrix(tensor) }
      guard tensor.dataType.isFloatingPoint else {
        skipped.append(describe(tensor))
        continue
      }
      if tensor.shape.count == 2 && tensor.shape[0] > tensor.shape[1] {
        // Tall: read as the transpose, the layout the SVD factorises without a second copy.
        inputs.append(
          MatrixInput(
            name: name, matrix: { try checkpoint.readTransposedMatrix(tensor) },
            shape: tensor.shape, isTransposed: true, readsOnDemand: true))
      } else if tensor.shape.count == 2 {
        inputs.append(
          MatrixInput(name: name, matrix: read, shape: tensor.shape, readsOnDemand: true))
      } else if reshape.applies(to: tensor.shape) {
        inputs += reshape.inputs(
          name: name, shape: tensor.shape, readsOnDemand: true, stored: read)
      } else {
        skippedShapes.append(tensor.shape)
        skipped.append(describe(tensor))
      }
    }
    MatrixInputs.noteSkipped(path, skipped, hint: reshape.hint(forSkipped: skippedShapes))
    return inputs
  }

  private static func describe(_ tensor: SafeTensorsCheckpoint.Tensor) -> String {
    let shape =
      tensor.shape.isEmpty ? "scalar" : tensor.shape.map(String.init).joined(separator: "×")
    return "\(terminalSafe(tensor.name)) (\(shape) \(tensor.dataType))"
  }
}
