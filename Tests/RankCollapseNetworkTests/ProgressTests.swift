import Foundation
import RankCollapseNetwork
import RankCollapseRegularization
import RankCollapseTensor
import RankCollapseTraining
import Synchronization
import Testing

@Suite("Progress on standard error")
struct ProgressTests {
  /// Trains a 3-4-2 tanh network with `configuration` on 10 random points (gradient descent,
  /// weight decay 10⁻³).
  static func trainSmallNetwork(seed: UInt64, _ configuration: TrainingConfiguration) throws {
    var generator = SeededGenerator(seed: seed)
    var network = try Network<Float>(widths: [3, 4, 2], activation: .tanh, using: &generator)
    let x = Matrix<Float>.randomNormal(rows: 10, columns: 3, using: &generator)
    let y = Matrix<Float>.randomNormal(rows: 10, columns: 2, using: &generator)
    var trainer = Trainer(
      configuration: configuration, optimizer: GradientDescent<Float>(),
      penalty: WeightDecay<Float>(lambda: 1e-3))
    _ = try trainer.fit(&network, inputs: x, targets: .values(y))
  }

  @Test("Plain lines every n steps and a final line naming the reason; silent prints nothing")
  func progressLines() async throws {
    let result = try await #require(
      await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
        var generator = SeededGenerator(seed: 1)
        var network = try Network<Float>(widths: [3, 4, 2], activation: .tanh, using: &generator)
        let x = Matrix<Float>.randomNormal(rows: 10, columns: 3, using: &generator)
        let y = Matrix<Float>.randomNormal(rows: 10, columns: 2, using: &generator)
        for progress in [ProgressStyle.lines(steps: 5), .silent] {
          var trainer = Trainer(
            configuration: TrainingConfiguration(
              loss: .squaredError, learningRate: .constant(0.01), maximumSteps: 12,
              progress: progress),
            optimizer: GradientDescent<Float>(), penalty: WeightDecay<Float>(lambda: 1e-3))
          _ = try trainer.fit(&network, inputs: x, targets: .values(y))
        }
      })
    let text = String(decoding: result.standardErrorContent, as: UTF8.self)
    let lines = text.split(separator: "\n")
    #expect(lines.count == 4, "got: \(text)")
    #expect(lines.first?.hasPrefix("step 0  epoch 0  L_λ ") == true)
    #expect(lines.dropFirst().first?.hasPrefix("step 5 ") == true)
    #expect(lines.last?.contains("stopped: maximumSteps") == true)
    #expect(!text.contains("\u{1B}["), "no terminal escapes when standard error is not a terminal")
  }

  @Test("A custom output receives the lines; a terminal output gets one line rewritten in place")
  func customOutput() throws {
    let output = RecordingOutput(isTerminal: true)
    try Self.trainSmallNetwork(
      seed: 2,
      TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(0.01), maximumSteps: 3,
        progress: ProgressStyle(cadence: .seconds(0), output: output)))
    let text = output.text
    #expect(text.hasPrefix("\r\u{1B}[Kstep 0  epoch 0  L_λ "), "got: \(text)")
    #expect(text.hasSuffix("stopped: maximumSteps\n"), "got: \(text)")
    #expect(text.filter { $0 == "\n" }.count == 1, "in place: only the final line ends")
  }

  @Test("A custom checkpoint writer receives the run's state; nothing touches the file system")
  func customCheckpointWriter() throws {
    let writer = RecordingCheckpoints()
    try Self.trainSmallNetwork(
      seed: 3,
      TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(0.01), maximumSteps: 7,
        checkpoint: CheckpointPolicy(writer: writer, everySteps: 3)))
    // Steps 3 and 6, and the final state at step 7.
    #expect(writer.steps == [3, 6, 7])
  }

  @Test(
    "Progress intervals outside their range are configuration errors",
    arguments: [
      ProgressStyle.Cadence.seconds(.nan), .seconds(-1), .seconds(.infinity), .seconds(1e300),
      .steps(0), .steps(-5),
    ])
  func invalidCadence(cadence: ProgressStyle.Cadence) throws {
    let output = RecordingOutput(isTerminal: false)
    var generator = SeededGenerator(seed: 4)
    var network = try Network<Float>(widths: [3, 2], activation: .tanh, using: &generator)
    let x = Matrix<Float>.randomNormal(rows: 4, columns: 3, using: &generator)
    var trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(0.01), maximumSteps: 3,
        progress: ProgressStyle(cadence: cadence, output: output)),
      optimizer: GradientDescent<Float>(), penalty: WeightDecay<Float>(lambda: 1e-3))
    #expect(throws: TrainingError.self) {
      _ = try trainer.fit(&network, inputs: x, targets: .values(x.columns(0..<2)))
    }
    #expect(output.text.isEmpty)
  }
}

/// Collects progress text in memory.
private final class RecordingOutput: ProgressOutput {
  let isTerminal: Bool
  private let buffer = Mutex("")
  init(isTerminal: Bool) { self.isTerminal = isTerminal }
  var destination: String { "memory" }
  func write(_ text: String) { buffer.withLock { $0 += text } }
  var text: String { buffer.withLock { $0 } }
}

/// Collects the steps of the checkpoints handed over.
private final class RecordingCheckpoints: CheckpointWriter {
  private let recorded = Mutex<[Int]>([])
  var destination: String { "memory" }
  func write<Scalar: MatrixScalar>(_ checkpoint: Checkpoint<Scalar>) throws(TrainingError) {
    recorded.withLock { $0.append(checkpoint.step) }
  }
  var steps: [Int] { recorded.withLock { $0 } }
}
