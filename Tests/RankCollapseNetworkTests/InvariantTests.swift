import Foundation
import RankCollapseNetwork
import RankCollapseTensor
import Testing

/// Each way to break the shapes a network relies on ends in a typed error or a named failure.
///
/// A precondition failure names the problem; direct assignment to `layers`, `weight`, `bias`,
/// `activation` and `hasBias` (read-only) does not compile. Never an out-of-bounds access:
/// `.ci/run` runs this suite under AddressSanitizer too.
@Suite("Network invariants cannot be bypassed")
struct NetworkInvariantTests {
  static func network() throws -> Network<Double> {
    var generator = SeededGenerator(seed: 5)
    return try Network<Double>(
      widths: [3, 4, 2], activation: .tanh, outputActivation: .identity, using: &generator)
  }

  @Test("A weight of another shape, at any layer, is a typed error and changes nothing")
  func weightShape() throws {
    var network = try Self.network()
    let before = network
    for (layer, rows, columns) in [(1, 4, 2), (1, 3, 4), (2, 2, 5), (2, 4, 2)] {
      #expect(throws: NetworkError.self) {
        try network.setWeight(.zeros(rows: rows, columns: columns), layer: layer)
      }
    }
    #expect(throws: NetworkError.layerOutOfRange(layer: 3, depth: 2)) {
      try network.setWeight(.zeros(rows: 2, columns: 4), layer: 3)
    }
    #expect(throws: NetworkError.layerOutOfRange(layer: 0, depth: 2)) {
      try network.setWeight(.zeros(rows: 4, columns: 3), layer: 0)
    }
    #expect(network == before)
    try network.setWeight(.zeros(rows: 4, columns: 3), layer: 1)
    #expect(network.layers[0].weight == .zeros(rows: 4, columns: 3))
  }

  @Test("A bias of another length, or a non-zero bias on a layer without one, is a typed error")
  func biasShape() throws {
    var network = try Self.network()
    #expect(throws: NetworkError.biasShapeMismatch(layer: 1, expected: 4, got: 3)) {
      try network.setBias(.zeros(rows: 1, columns: 3), layer: 1)
    }
    #expect(throws: NetworkError.biasShapeMismatch(layer: 2, expected: 2, got: 4)) {
      try network.setBias(.zeros(rows: 2, columns: 2), layer: 2)
    }
    var generator = SeededGenerator(seed: 6)
    var biasless = try Network<Double>(
      widths: [3, 4, 2], activation: .tanh, outputActivation: .identity, biases: false,
      using: &generator)
    #expect(throws: NetworkError.biasOnBiaslessLayer(layer: 1)) {
      try biasless.setBias(Matrix([[0, 1, 0, 0]]), layer: 1)
    }
    try biasless.setBias(.zeros(rows: 1, columns: 4), layer: 1)
  }

  @Test("Replacing a layer keeps its widths and checks its activation")
  func replaceLayer() throws {
    var network = try Self.network()
    let narrow = Dense<Double>(
      weight: .zeros(rows: 4, columns: 2), bias: .zeros(rows: 1, columns: 4), activation: .tanh)
    #expect(throws: NetworkError.weightShapeMismatch(layer: 1, expected: "4×3", got: "4×2")) {
      try network.replaceLayer(1, with: narrow)
    }
    let badSlope = Dense<Double>(
      weight: .zeros(rows: 4, columns: 3), bias: .zeros(rows: 1, columns: 4),
      activation: .leakyReLU(slope: 2))
    #expect(throws: NetworkError.invalidSlope(layer: 1, slope: 2)) {
      try network.replaceLayer(1, with: badSlope)
    }
    let linear = Dense<Double>(
      weight: .zeros(rows: 4, columns: 3), bias: .zeros(rows: 1, columns: 4),
      activation: .identity, hasBias: false)
    try network.replaceLayer(1, with: linear)
    #expect(network.layers[0].activation == .identity && !network.layers[0].hasBias)
    // Inference still runs on the checked network.
    let output = network(Matrix<Double>.zeros(rows: 5, columns: 3))
    #expect(output.rows == 5 && output.columns == 2)
  }

  @Test("Gradient descent handed another network's gradients stops, naming the layer")
  func foreignGradients() async throws {
    let result = try await #require(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        var generator = SeededGenerator(seed: 5)
        var network = try Network<Double>(widths: [3, 4, 2], activation: .tanh, using: &generator)
        let other = try Network<Double>(widths: [3, 5, 2], activation: .tanh, using: &generator)
        var optimizer = GradientDescent<Double>(momentum: 0.9)
        optimizer.update(
          &network, gradients: Gradients(zeroingParametersOf: other), learningRate: 0.1)
      })
    let message = String(decoding: result.standardErrorContent, as: UTF8.self)
    #expect(message.contains("layer 1 gradient 5×3"), "\(message)")
  }

  @Test("Adam with moments restored from another network of the same depth stops, naming them")
  func foreignState() async throws {
    let result = try await #require(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        var generator = SeededGenerator(seed: 5)
        var network = try Network<Double>(widths: [3, 4, 2], activation: .tanh, using: &generator)
        var other = try Network<Double>(widths: [3, 5, 2], activation: .tanh, using: &generator)
        var donor = Adam<Double>()
        donor.update(&other, gradients: Gradients(zeroingParametersOf: other), learningRate: 0.1)
        var optimizer = Adam<Double>()
        try optimizer.restore(donor.state)
        optimizer.update(
          &network, gradients: Gradients(zeroingParametersOf: network), learningRate: 0.1)
      })
    let message = String(decoding: result.standardErrorContent, as: UTF8.self)
    #expect(message.contains("layer 1 state 5×3"), "\(message)")
  }
}
