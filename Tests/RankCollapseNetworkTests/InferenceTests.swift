import PropertyBased
import RankCollapseNetwork
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

/// The row-blocked, threaded inference of `Network.callAsFunction` against the plain composition
/// of `Dense` layers, each applied to the whole batch (paper equation 1).
@Suite("Inference", .serialized)
struct InferenceTests {
  static let activations: [Activation] = [
    .identity, .tanh, .relu, .leakyReLU(slope: 0.1), .sigmoid, .gelu,
  ]

  /// The reference: every layer applied to the whole batch.
  static func reference<S: MatrixScalar>(_ network: Network<S>, _ x: Matrix<S>) -> Matrix<S> {
    network.layers.reduce(x) { z, layer in layer(z) }
  }

  /// A random network; the wide hidden layer (8200) makes one block as short as 16 rows, so a few
  /// hundred samples span many blocks and both threads' shares.
  static func randomNetwork<S: MatrixScalar>(
    _ type: S.Type, seed: UInt64, wide: Bool
  ) throws -> (Network<S>, Matrix<S>) {
    var generator = SeededGenerator(seed: seed)
    let depth = Int.random(in: 1...4, using: &generator)
    var widths = (0...depth).map { _ in Int.random(in: 1...40, using: &generator) }
    if wide && depth > 1 { widths[1] = 8200 }
    var layers: [Dense<S>] = []
    for l in 1...depth {
      let hasBias = Bool.random(using: &generator)
      var layer = Dense<S>(
        inputSize: widths[l - 1], outputSize: widths[l],
        activation: activations[Int.random(in: 0..<activations.count, using: &generator)],
        hasBias: hasBias,
        using: &generator)
      if hasBias {
        layer = Dense(
          weight: layer.weight,
          bias: .randomNormal(rows: 1, columns: widths[l], using: &generator),
          activation: layer.activation)
      }
      layers.append(layer)
    }
    let rows = Int.random(in: 1...300, using: &generator)
    let x = Matrix<S>.randomNormal(rows: rows, columns: widths[0], using: &generator)
    return (try Network(layers: layers), x)
  }

  @Test(
    "Blocked inference equals the layer-by-layer forward pass (Double, 1e-12 relative) at 1 and 2 threads"
  )
  func matchesLayerByLayerDouble() async throws {
    await propertyCheck(count: 40, input: Gen.uint64(), Gen.bool) { seed, wide in
      do {
        let (network, x) = try Self.randomNetwork(Double.self, seed: seed, wide: wide)
        let expected = Self.reference(network, x)
        let scale = Swift.max(1, expected.maxAbsoluteValue)
        for threads in [1, 2] {
          let output = BLAS.withThreads(threads) { network(x) }
          #expect(output.rows == x.rows && output.columns == network.outputSize)
          #expect(
            maxDifference(output, expected) <= 1e-12 * scale,
            "seed \(seed), widths \(network.widths), \(x.rows) rows, \(threads) threads")
        }
      } catch {
        Issue.record("seed \(seed): \(error)")
      }
    }
  }

  @Test("Blocked inference equals the layer-by-layer forward pass (Float, 1e-5 relative)")
  func matchesLayerByLayerFloat() async throws {
    await propertyCheck(count: 20, input: Gen.uint64()) { seed in
      do {
        let (network, x) = try Self.randomNetwork(Float.self, seed: seed, wide: true)
        let expected = Self.reference(network, x)
        let scale = Swift.max(1, Double(expected.maxAbsoluteValue))
        for threads in [1, 2] {
          #expect(
            maxDifference(BLAS.withThreads(threads) { network(x) }, expected) <= 1e-5 * scale,
            "seed \(seed), widths \(network.widths), \(x.rows) rows, \(threads) threads")
        }
      } catch {
        Issue.record("seed \(seed): \(error)")
      }
    }
  }

  @Test("Row i of the output depends only on x_i: each row alone gives the same values")
  func rowsAreIndependent() throws {
    var generator = SeededGenerator(seed: 21)
    let network = try Network<Double>(
      widths: [6, 8200, 9, 3], activation: .tanh, using: &generator)
    let x = Matrix<Double>.randomNormal(rows: 70, columns: 6, using: &generator)
    let output = network(x)
    for i in [0, 15, 16, 17, 35, 69] {
      let single = network(x.rows(i..<(i + 1)))
      #expect(maxDifference(single, output.rows(i..<(i + 1))) <= 1e-13, "row \(i)")
    }
  }

  @Test("An empty batch gives an empty output of the right width")
  func emptyBatch() throws {
    var generator = SeededGenerator(seed: 2)
    let network = try Network<Float>(widths: [4, 5, 3], activation: .relu, using: &generator)
    let output = network(Matrix<Float>.zeros(rows: 0, columns: 4))
    #expect(output.rows == 0 && output.columns == 3)
  }
}
