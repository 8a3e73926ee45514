import Foundation
import PropertyBased
import RankCollapse
import RankCollapseCompression
import Testing
import _RankCollapseTestSupport

@Suite("Factored layers")
struct FactoredLayerTests {
  /// A network whose first layer is m × n with the given singular values.
  static func network(
    values: [Double], rows m: Int, columns n: Int, activation: Activation = .tanh,
    seed: UInt64
  ) throws -> Network<Double> {
    var generator = SeededGenerator(seed: seed)
    let w = matrixWithSingularValues(values, rows: m, columns: n, using: &generator)
    let b = Matrix<Double>.randomNormal(rows: 1, columns: m, using: &generator)
    let second = Dense<Double>(
      inputSize: m, outputSize: 3, activation: .identity, using: &generator)
    return try Network(layers: [Dense(weight: w, bias: b, activation: activation), second])
  }

  @Test("A factored layer computes σ(U(Vx) + b), and U V is the rank-r SVD truncation of W")
  func factoredForward() async throws {
    await propertyCheck(count: 40, input: Gen.int(in: 8...24), Gen.int(in: 8...24), Gen.uint64()) {
      m, n, seed in
      var generator = SeededGenerator(seed: seed)
      let values = (0..<min(m, n)).map { _ in Double.random(in: 0.1...3, using: &generator) }
      guard let net = try? Self.network(values: values, rows: m, columns: n, seed: seed) else {
        Issue.record("network")
        return
      }
      let r = Int.random(in: 1...(min(m, n) / 4), using: &generator)
      guard let result = try? Compression.compress(net, selections: [.rank(r), .dense]) else {
        Issue.record("compress")
        return
      }
      let compressed = result.network
      #expect(compressed.isFactored == [true, false])
      #expect(compressed.rank(ofLayer: 1) == r)
      #expect(compressed.network.depth == 3)
      let v = compressed.network.layers[0].weight
      let u = compressed.network.layers[1].weight
      let b = compressed.network.layers[1].bias
      // The product equals the truncation W_r from an independent reconstruction. Both come
      // from LAPACK in Double with singular values in [0.1, 3]: 1e-10 covers rounding.
      guard let truncated = try? net.layers[0].weight.bestRankApproximation(r) else {
        Issue.record("svd")
        return
      }
      #expect(maxDifference(naiveProduct(u, v), truncated) < 1e-10)
      // Forward pass: σ((X Vᵀ) Uᵀ + 1 bᵀ) by naive loops versus the network's first two layers.
      let x = Matrix<Double>.randomNormal(rows: 5, columns: n, using: &generator)
      var expected = naiveProduct(naiveProduct(x, v.transposed()), u.transposed())
      for i in 0..<5 {
        for j in 0..<m { expected[i, j] = Foundation.tanh(expected[i, j] + b[0, j]) }
      }
      let hidden = compressed.network.layers[1](compressed.network.layers[0](x))
      #expect(maxDifference(hidden, expected) < 1e-12)
      // Balanced factors: ‖U‖_F = ‖V‖_F = sqrt(Σ_{i≤r} s_i).
      #expect(abs(u.frobeniusNorm - v.frobeniusNorm) < 1e-10 * u.frobeniusNorm)
    }
  }

  @Test("Eckart–Young: ‖W − U V‖_F² equals the tail Σ_{i>r} s_i² of the singular values")
  func eckartYoung() async throws {
    await propertyCheck(count: 60, input: Gen.int(in: 8...30), Gen.int(in: 8...30), Gen.uint64()) {
      m, n, seed in
      var generator = SeededGenerator(seed: seed)
      let values = (0..<min(m, n)).map { _ in Double.random(in: 0...5, using: &generator) }
        .sorted(by: >)
      let r = Int.random(in: 1...(min(m, n) / 4), using: &generator)
      guard let net = try? Self.network(values: values, rows: m, columns: n, seed: seed),
        let result = try? Compression.compress(net, selections: [.rank(r), .dense])
      else {
        Issue.record("compress")
        return
      }
      let product = result.network.weight(ofLayer: 1)
      let w = net.layers[0].weight
      let error = (w - product).squaredFrobeniusNorm
      let tail = values[r...].reduce(0) { $0 + $1 * $1 }
      let total = values.reduce(0) { $0 + $1 * $1 }
      // Relative to ‖W‖_F² in Double: 1e-10 allows for rounding in the SVD and products.
      #expect(abs(error - tail) <= 1e-10 * total)
      // The report's τ_r is the same tail, relative.
      #expect(abs(result.report.layers[0].relativeTail - tail / total) < 1e-10)
    }
  }

  @Test("The dense equivalent and the compressed network give the same outputs")
  func denseEquivalent() throws {
    let net = try Self.network(
      values: [5, 4, 3, 2, 1, 0.5, 0.1, 0.01], rows: 12, columns: 8, seed: 3)
    let compressed = try Compression.compress(net, selections: [.rank(2), .dense]).network
    var generator = SeededGenerator(seed: 4)
    let x = Matrix<Double>.randomNormal(rows: 7, columns: 8, using: &generator)
    #expect(compressed.denseEquivalent.depth == 2)
    // The fast forward pass skips V's zero-bias identity pass: adding 0 changes no value.
    #expect(compressed(x) == compressed.network(x))
    #expect(maxDifference(compressed(x), compressed.denseEquivalent(x)) < 1e-12)
    #expect(compressed.networkLayers(ofLayer: 1) == 0..<2)
    #expect(compressed.networkLayers(ofLayer: 2) == 2..<3)
  }

  @Test("Rank 0 (ε ≥ 1) makes the layer output σ(b) for every input")
  func rankZero() throws {
    let net = try Self.network(values: [3, 2, 1, 1, 1, 1, 1, 1], rows: 10, columns: 8, seed: 5)
    let result = try Compression.compress(net, selections: [.tailError(1), .dense])
    #expect(result.report.layers[0].rank == 0)
    #expect(result.report.layers[0].isFactored)
    #expect(result.report.layers[0].tailError == 1)
    #expect(result.report.layers[0].relativeTail == 1)
    var generator = SeededGenerator(seed: 6)
    let x = Matrix<Double>.randomNormal(rows: 4, columns: 8, using: &generator)
    let hidden = result.network.network.layers[1](result.network.network.layers[0](x))
    let bias = net.layers[0].bias.map { Foundation.tanh($0) }
    // The library's tanh kernel and libm's may differ in the last bit: 1e-15 is a few ulps.
    for i in 0..<4 {
      for j in 0..<10 { #expect(abs(hidden[i, j] - bias[0, j]) < 1e-15) }
    }
  }
}
