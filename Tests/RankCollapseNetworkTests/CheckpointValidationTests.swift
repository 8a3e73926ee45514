import Foundation
import RankCollapseData
import RankCollapseNetwork
import RankCollapseRegularization
import RankCollapseTensor
import RankCollapseTraining
import Testing
import _RankCollapseTestSupport

/// Issue 15, item 6: checkpoints whose parts do not fit are typed errors, and nothing
/// non-finite is written.
@Suite("Checkpoint validation: undescribed tensors, missing buffers, non-finite values")
struct CheckpointValidationTests {
  /// A checkpoint of a 5-9-7-3 network after 3 steps of `optimizer`.
  static func checkpointFile(optimizer: some Optimizer<Float>) throws -> SafeTensorsFile {
    let setup = try CheckpointTests.setup()
    var trainer = Trainer(
      configuration: CheckpointTests.configuration(steps: 3), optimizer: optimizer,
      penalty: NoPenalty<Float>())
    var network = setup.network
    _ = try trainer.fit(&network, inputs: setup.x, targets: .labels(setup.labels))
    return trainer.checkpoint(of: network).safeTensorsFile()
  }

  /// The error of decoding `file` as a checkpoint and resuming `optimizer` from it.
  static func resumeError(_ file: SafeTensorsFile, optimizer: some Optimizer<Float>) -> String? {
    do {
      let checkpoint = try Checkpoint<Float>(try SafeTensors.decode(SafeTensors.encode(file)))
      var trainer = Trainer(
        configuration: CheckpointTests.configuration(steps: 6), optimizer: optimizer,
        penalty: NoPenalty<Float>())
      _ = try trainer.resume(from: checkpoint)
      return nil
    } catch {
      return "\(error)"
    }
  }

  @Test(
    "A missing optimizer buffer of any layer, the last one included, is an error",
    arguments: [
      "optimizer.m.layers.2.weight", "optimizer.v.layers.2.bias", "optimizer.m.layers.0.bias",
      "optimizer.v.layers.1.weight",
    ])
  func missingAdamBuffer(name: String) throws {
    let file = try Self.checkpointFile(optimizer: Adam<Float>())
    #expect(Self.resumeError(file, optimizer: Adam<Float>()) == nil)
    var damaged = file
    damaged.removeTensor(named: name)
    let error = try #require(Self.resumeError(damaged, optimizer: Adam<Float>()))
    #expect(error.contains("missing"), "\(error)")
  }

  @Test(
    "A missing momentum velocity of any layer, the last one included, is an error",
    arguments: ["optimizer.v.layers.2.weight", "optimizer.v.layers.2.bias"])
  func missingVelocity(name: String) throws {
    let optimizer = GradientDescent<Float>(momentum: 0.9)
    let file = try Self.checkpointFile(optimizer: optimizer)
    #expect(Self.resumeError(file, optimizer: optimizer) == nil)
    var damaged = file
    damaged.removeTensor(named: name)
    let error = try #require(Self.resumeError(damaged, optimizer: optimizer))
    #expect(error.contains("missing"), "\(error)")
  }

  @Test("Both buffers of the last layer missing is an error too (the count is the metadata's)")
  func missingLastLayer() throws {
    let file = try Self.checkpointFile(optimizer: Adam<Float>())
    var damaged = file
    for kind in ["m", "v"] {
      for part in ["weight", "bias"] {
        damaged.removeTensor(named: "optimizer.\(kind).layers.2.\(part)")
      }
    }
    let error = try #require(Self.resumeError(damaged, optimizer: Adam<Float>()))
    #expect(error.contains("layers.2"), "\(error)")
  }

  @Test(
    "A tensor the metadata does not describe is an error",
    arguments: ["network.layers.3.weight", "network.layers.0.scale", "extra", "head.weight"])
  func undescribedTensor(name: String) throws {
    var file = try Self.checkpointFile(optimizer: Adam<Float>())
    file.append(SafeTensor(name: name, matrix: Matrix<Float>.zeros(rows: 2, columns: 3)))
    let error = try #require(Self.resumeError(file, optimizer: Adam<Float>()))
    #expect(error.contains(name) && error.contains("not described"), "\(error)")
  }

  @Test(
    "A non-finite parameter or buffer is an error on reading",
    arguments: [
      ("network.layers.1.bias", Float.nan), ("network.layers.2.weight", Float.infinity),
      ("optimizer.v.layers.0.weight", Float.nan),
    ])
  func nonFiniteOnReading(name: String, value: Float) throws {
    let file = try Self.checkpointFile(optimizer: Adam<Float>())
    let damaged = file.changingElements(of: name) { $0[$0.count / 2] = value }
    let error = try #require(Self.resumeError(damaged, optimizer: Adam<Float>()))
    #expect(error.contains("non-finite"), "\(error)")
  }

  @Test("Writing a checkpoint of a network holding NaN fails and writes nothing")
  func nonFiniteOnWriting() throws {
    let setup = try CheckpointTests.setup()
    var network = setup.network
    var bias = network.layers[1].bias
    bias[0, 2] = .nan
    try network.setBias(bias, layer: 2)
    let trainer = Trainer(
      configuration: CheckpointTests.configuration(steps: 1), optimizer: Adam<Float>(),
      penalty: NoPenalty<Float>())
    let path = try CheckpointTests.temporaryPath("nan.safetensors")
    #expect(throws: TrainingError.self) { try trainer.saveCheckpoint(of: network, to: path) }
    #expect(!FileManager.default.fileExists(atPath: path))
  }
}
