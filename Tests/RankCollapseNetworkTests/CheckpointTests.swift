import Foundation
import RankCollapseData
import RankCollapseNetwork
import RankCollapseRegularization
import RankCollapseTensor
import RankCollapseTraining
import Testing
import _RankCollapseTestSupport

@Suite("Checkpoints")
struct CheckpointTests {
  static func temporaryPath(_ name: String) throws -> String {
    try temporaryFolder("rankcollapse-checkpoints").appendingPathComponent(name).path
  }

  struct Setup {
    var network: Network<Float>
    var x: Matrix<Float>
    var labels: [Int]
  }

  static func setup() throws -> Setup {
    var generator = SeededGenerator(seed: 21)
    let network = try Network<Float>(
      widths: [5, 9, 7, 3], activation: .tanh, using: &generator)
    let x = Matrix<Float>.randomNormal(rows: 37, columns: 5, using: &generator)
    let labels = (0..<37).map { _ in Int.random(in: 0..<3, using: &generator) }
    return Setup(network: network, x: x, labels: labels)
  }

  static func configuration(steps: Int, checkpoint: CheckpointPolicy? = nil)
    -> TrainingConfiguration
  {
    TrainingConfiguration(
      loss: .softmaxCrossEntropy, learningRate: .step(initial: 0.01, factor: 0.7, every: 5),
      batchSize: 8, shuffleSeed: 12, maximumSteps: steps, checkpoint: checkpoint)
  }

  @Test("Resuming from a checkpoint gives exactly the uninterrupted trajectory (minibatches, Adam)")
  func resumeEqualsUninterrupted() throws {
    let setup = try Self.setup()
    var uninterrupted = setup.network
    var trainer = Trainer(
      configuration: Self.configuration(steps: 23), optimizer: Adam<Float>(),
      penalty: DecoupledWeightDecay<Float>(lambda: 1e-3))
    _ = try trainer.fit(&uninterrupted, inputs: setup.x, targets: .labels(setup.labels))

    // Stop after 11 steps (mid-epoch: 37 samples, batches of 8), save, resume in a new trainer.
    let path = try Self.temporaryPath("run.safetensors")
    var first = setup.network
    var interrupted = Trainer(
      configuration: Self.configuration(
        steps: 11, checkpoint: CheckpointPolicy(path: path, everySteps: 4)),
      optimizer: Adam<Float>(), penalty: DecoupledWeightDecay<Float>(lambda: 1e-3))
    _ = try interrupted.fit(&first, inputs: setup.x, targets: .labels(setup.labels))
    var resumed = Trainer(
      configuration: Self.configuration(steps: 23), optimizer: Adam<Float>(),
      penalty: DecoupledWeightDecay<Float>(lambda: 1e-3))
    var network = try resumed.resume(fromFile: path)
    #expect(network == first)
    #expect(resumed.step == 11)
    _ = try resumed.fit(&network, inputs: setup.x, targets: .labels(setup.labels))
    #expect(network == uninterrupted, "the resumed run left the uninterrupted trajectory")
    #expect(resumed.step == 23)
  }

  @Test("Resume with momentum in full batch also matches exactly")
  func resumeFullBatchMomentum() throws {
    let setup = try Self.setup()
    func configuration(_ steps: Int) -> TrainingConfiguration {
      TrainingConfiguration(
        loss: .softmaxCrossEntropy, learningRate: .constant(0.05), maximumSteps: steps)
    }
    var reference = setup.network
    var trainer = Trainer(
      configuration: configuration(12), optimizer: GradientDescent<Float>(momentum: 0.9),
      penalty: WeightDecay<Float>(lambda: 1e-2))
    _ = try trainer.fit(&reference, inputs: setup.x, targets: .labels(setup.labels))
    var partial = setup.network
    var first = Trainer(
      configuration: configuration(5), optimizer: GradientDescent<Float>(momentum: 0.9),
      penalty: WeightDecay<Float>(lambda: 1e-2))
    _ = try first.fit(&partial, inputs: setup.x, targets: .labels(setup.labels))
    let checkpoint = first.checkpoint(of: partial)
    let decoded = try Checkpoint<Float>(
      try SafeTensors.decode(SafeTensors.encode(checkpoint.safeTensorsFile())))
    #expect(decoded == checkpoint)
    var second = Trainer(
      configuration: configuration(12), optimizer: GradientDescent<Float>(momentum: 0.9),
      penalty: WeightDecay<Float>(lambda: 1e-2))
    var network = try second.resume(from: decoded)
    _ = try second.fit(&network, inputs: setup.x, targets: .labels(setup.labels))
    #expect(network == reference)
  }

  @Test("Malformed or foreign checkpoint files give typed errors")
  func malformedCheckpoints() throws {
    let good = try CheckpointValidationTests.checkpointFile(optimizer: Adam<Float>())

    func decodeError(_ file: SafeTensorsFile) -> TrainingError? {
      do {
        _ = try Checkpoint<Float>(try SafeTensors.decode(SafeTensors.encode(file)))
        return nil
      } catch let error as TrainingError {
        return error
      } catch {
        Issue.record("unexpected \(error)")
        return nil
      }
    }
    func incompatible(_ error: TrainingError?, _ fragment: String) -> Bool {
      guard case .incompatibleCheckpoint(let message, _) = error else { return false }
      return message.contains(fragment)
    }
    var foreign = good
    foreign.metadata["format"] = "pt"
    #expect(incompatible(decodeError(foreign), "not a RankCollapse checkpoint"))
    var missingLayer = good
    missingLayer.removeTensor(named: "network.layers.1.weight")
    #expect(incompatible(decodeError(missingLayer), "layer 2"))
    var badActivation = good
    badActivation.metadata["activations"] = "tanh,swish,identity"
    #expect(incompatible(decodeError(badActivation), "swish"))
    var badBuffer = good
    badBuffer.removeTensor(named: "optimizer.m.layers.0.weight")
    badBuffer.append(
      SafeTensor(
        name: "optimizer.m.layers.0.weight", matrix: Matrix<Float>.zeros(rows: 2, columns: 2)))
    #expect(incompatible(decodeError(badBuffer), "optimizer buffer"))
    var badCounter = good
    badCounter.metadata["step"] = "-4"
    #expect(incompatible(decodeError(badCounter), "step"))
    var doubleError: TrainingError?
    do { _ = try Checkpoint<Double>(good) } catch { doubleError = error }
    #expect(incompatible(doubleError, "Float"))

    // Files: missing, not safetensors, truncated.
    let missing = try Self.temporaryPath("absent.safetensors")
    #expect(throws: TrainingError.self) { _ = try Checkpoint<Float>.read(from: missing) }
    let garbage = try Self.temporaryPath("garbage.safetensors")
    try Data("not a checkpoint at all".utf8).write(to: URL(fileURLWithPath: garbage))
    do {
      _ = try Checkpoint<Float>.read(from: garbage)
      Issue.record("garbage was accepted")
    } catch {
      guard case .checkpointFile(let path, _, let cause) = error else {
        Issue.record("expected a file error, got \(error)")
        return
      }
      #expect(path == garbage)
      // The file format's own error is kept as the cause, typed.
      #expect(cause?.error is SafeTensorsError, "cause: \(String(describing: cause))")
    }
    let truncated = try Self.temporaryPath("truncated.safetensors")
    let bytes = SafeTensors.encode(good)
    try Data(bytes.prefix(bytes.count - 10)).write(to: URL(fileURLWithPath: truncated))
    #expect(throws: TrainingError.self) { _ = try Checkpoint<Float>.read(from: truncated) }

    // A different configuration or optimizer refuses to resume.
    var other = Trainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(1), maximumSteps: 3),
      optimizer: Adam<Float>(), penalty: NoPenalty<Float>())
    #expect(throws: TrainingError.self) { _ = try other.resume(from: Checkpoint<Float>(good)) }
    var otherOptimizer = Trainer(
      configuration: Self.configuration(steps: 3), optimizer: GradientDescent<Float>(),
      penalty: NoPenalty<Float>())
    #expect(throws: TrainingError.self) {
      _ = try otherOptimizer.resume(from: Checkpoint<Float>(good))
    }
  }
}
