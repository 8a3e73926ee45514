import RankCollapseData
import RankCollapseNetwork
import RankCollapseTensor
import RankCollapseTraining
import Testing

/// Issue 15: a weight of another element type names the type, not the shapes.
@Suite("Checkpoint element types")
struct CheckpointDataTypeTests {
  @Test(
    "an F64, F16 or I32 weight in a Float checkpoint says its dtype",
    arguments: [SafeTensorsDataType.float64, .float16, .int32])
  func weightDataType(dataType: SafeTensorsDataType) throws {
    var generator = SeededGenerator(seed: 3)
    let network = try Network<Float>(widths: [3, 4, 2], activation: .tanh, using: &generator)
    let trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(0.1), maximumSteps: 1),
      optimizer: GradientDescent<Float>(), penalty: NoPenalty<Float>())
    var file = trainer.checkpoint(of: network).safeTensorsFile()
    let name = "network.layers.0.weight"
    let weight = try #require(file[name]).matrix(as: Double.self)
    let replacement =
      dataType == .int32
      ? SafeTensor(name: name, integers: weight.elements.map { Int32($0 * 10) }, shape: [4, 3])
      : SafeTensor(name: name, matrix: weight, dataType: dataType)
    file.removeTensor(named: name)
    file.append(replacement)
    let error = try #require(throws: TrainingError.self) { try Checkpoint<Float>(file) }
    guard case .incompatibleCheckpoint(let message, _) = error else {
      Issue.record("expected incompatibleCheckpoint, got \(error)")
      return
    }
    #expect(message.contains(dataType.rawValue))
    #expect(message.contains("F32"))
    #expect(!message.contains("do not fit"))
  }
}
