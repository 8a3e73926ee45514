import Foundation
import RankCollapse
import RankCollapseCompression
import Testing
import _RankCollapseTestSupport

@Suite("Fine-tuning and compressed checkpoints")
struct FineTuningAndCheckpointTests {
  static func temporaryPath(_ name: String) throws -> String {
    try temporaryFolder("rankcollapse-compression").appendingPathComponent(name).path
  }

  struct Setup {
    var network: Network<Float>
    var x: Matrix<Float>
    var labels: [Int]
    var trainer: Trainer<Float, Adam<Float>, WeightDecay<Float>>
  }

  /// A 20-64-64-4 tanh classifier trained for a few Adam steps on labels of a random teacher.
  static func trained() throws -> Setup {
    var generator = SeededGenerator(seed: 17)
    var network = try Network<Float>(widths: [20, 64, 64, 4], activation: .tanh, using: &generator)
    let x = Matrix<Float>.randomNormal(rows: 200, columns: 20, using: &generator)
    let teacher = Matrix<Float>.randomNormal(rows: 20, columns: 4, using: &generator)
    let scores = x.matmul(teacher)
    let labels = (0..<200).map { i in (0..<4).max { scores[i, $0] < scores[i, $1] } ?? 0 }
    var trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: .softmaxCrossEntropy, learningRate: .constant(0.01), maximumSteps: 60),
      optimizer: Adam<Float>(), penalty: WeightDecay<Float>(lambda: 1e-4))
    _ = try trainer.fit(&network, inputs: x, targets: .labels(labels))
    return Setup(network: network, x: x, labels: labels, trainer: trainer)
  }

  @Test("Fine-tuning the factors after truncation reduces the loss")
  func fineTuning() throws {
    let setup = try Self.trained()
    var compressed = try Compression.compress(
      setup.network, selections: [.rank(2), .rank(2), .dense]
    ).network
    #expect(compressed.isFactored == [true, true, false])
    let targets = Targets<Float>.labels(setup.labels)
    let before = try compressed.network.loss(
      inputs: setup.x, targets: targets, loss: .softmaxCrossEntropy)
    var trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: .softmaxCrossEntropy, learningRate: .constant(0.01), maximumSteps: 40),
      optimizer: Adam<Float>(), penalty: NoPenalty<Float>())
    let summary = try compressed.fineTune(with: &trainer, inputs: setup.x, targets: targets)
    let after = try compressed.network.loss(
      inputs: setup.x, targets: targets, loss: .softmaxCrossEntropy)
    #expect(summary.steps == 40)
    // Truncating to rank 2 loses accuracy; 40 Adam steps recover a clear part of it.
    #expect(after < 0.9 * before)
    #expect(compressed.rank(ofLayer: 1) == 2)
    #expect(compressed.network.layers[0].bias.maxAbsoluteValue == 0)
  }

  @Test("A compressed checkpoint round-trips and loads as a plain checkpoint with equal outputs")
  func roundTrip() throws {
    let setup = try Self.trained()
    let original = setup.trainer.checkpoint(of: setup.network)
    let compressed = try Compression.compress(
      setup.network, selections: [.rank(3), .tailError(0.2), .dense]
    ).network
    let path = try Self.temporaryPath("compressed.safetensors")
    try compressed.write(to: path, basedOn: original)
    let restored = try CompressedNetwork<Float>.read(from: path)
    #expect(restored == compressed)
    let plain = try Checkpoint<Float>.read(from: path)
    #expect(plain.network == compressed.network)
    #expect(plain.step == original.step)
    #expect(plain.optimizer.tensors.isEmpty)
    #expect(maxDifference(plain.network(setup.x), compressed(setup.x)) == 0)
    // Without an original checkpoint, and as Double: the same layout comes back.
    var generator = SeededGenerator(seed: 2)
    let doubleNetwork = try Network<Double>(
      widths: [20, 64, 64, 4], activation: .relu, using: &generator)
    let doubles = try Compression.compress(doubleNetwork, selection: .rank(4)).network
    try doubles.write(to: path)
    #expect(try CompressedNetwork<Double>.read(from: path) == doubles)
    // A Double checkpoint is not a Float one.
    #expect(throws: CompressionError.self) { try CompressedNetwork<Float>.read(from: path) }
  }

  @Test("A plain checkpoint reads as an all-dense compressed network")
  func plainCheckpoint() throws {
    let setup = try Self.trained()
    let path = try Self.temporaryPath("plain.safetensors")
    try setup.trainer.saveCheckpoint(of: setup.network, to: path)
    let read = try CompressedNetwork<Float>.read(from: path)
    #expect(read.isFactored == [false, false, false])
    #expect(read.network == setup.network)
  }

  @Test("Damaged layouts and unwritable paths are typed errors and leave no file")
  func failures() throws {
    let setup = try Self.trained()
    let compressed = try Compression.compress(setup.network, selection: .rank(2)).network
    var file = compressed.checkpointFile()
    // Rank 2 factors all three layers (2 · 68 < 64 · 4): six network layers.
    #expect(compressed.isFactored == [true, true, true])
    for layout in ["1,1,0", "1,x,1", "0,0,0", "", "0,1,1", "1,1,1,1"] {
      file.metadata[CompressedNetwork<Float>.layoutKey] = layout
      #expect(throws: CompressionError.self) { try CompressedNetwork<Float>(checkpoint: file) }
    }
    let missing = try Self.temporaryPath("no-such-folder/out.safetensors")
    #expect(throws: CompressionError.self) { try compressed.write(to: missing) }
    #expect(!FileManager.default.fileExists(atPath: missing))
    #expect(throws: CompressionError.self) {
      try CompressedNetwork<Float>.read(from: Self.temporaryPath("absent.safetensors"))
    }
  }
}
