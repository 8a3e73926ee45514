import Foundation
import RankCollapseData
import RankCollapseNetwork
import RankCollapseTensor
import RankCollapseTraining
import Testing

@Suite("Checkpoint errors keep their cause")
struct CheckpointCauseTests {
  @Test(
    "Layers that do not chain: incompatibleCheckpoint keeps Network's own NetworkError as its cause"
  )
  func incompatibleCheckpointKeepsNetworkError() throws {
    var file = try CheckpointValidationTests.checkpointFile(optimizer: Adam<Float>())
    let network = try Checkpoint<Float>(file).network
    // Layer 2 of 5-9-7-3 takes 9 inputs; a 7 × 4 weight (with its 7 biases) fits its own bias
    // but not the layer before it.
    let narrow = Matrix<Float>.zeros(rows: 7, columns: 4)
    file.removeTensor(named: "network.layers.1.weight")
    file.append(SafeTensor(name: "network.layers.1.weight", matrix: narrow))

    // The error Network itself gives for these layers.
    var layers = network.layers
    layers[1] = Dense(
      weight: narrow, bias: layers[1].bias, activation: layers[1].activation, hasBias: true)
    var expected: NetworkError?
    do { _ = try Network(layers: layers) } catch { expected = error }
    #expect(expected != nil, "the layers were accepted")

    var thrown: TrainingError?
    do { _ = try Checkpoint<Float>(file) } catch { thrown = error }
    guard case .incompatibleCheckpoint(let message, let cause) = thrown else {
      Issue.record("not an incompatible checkpoint: \(String(describing: thrown))")
      return
    }
    #expect(cause?.error as? NetworkError == expected)
    #expect(message == expected?.description)
  }
}
