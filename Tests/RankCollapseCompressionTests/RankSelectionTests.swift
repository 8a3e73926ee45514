import RankCollapse
import RankCollapseCompression
import Testing
import _RankCollapseTestSupport

@Suite("Rank selection")
struct RankSelectionTests {
  // s = [4, 3, 2, 1]: Σ s = 10, e(2) = 0.6, e(3) = 0.3, e(4) = 0.1; Σ s² = 30, τ_1 = 14/30,
  // τ_2 = 5/30, τ_3 = 1/30.
  static let spectrum = Spectrum<Double>(singularValues: [4, 3, 2, 1], rows: 4, columns: 6)

  @Test(
    "ε on e(r): keeping r values leaves e(r + 1) (the off-by-one of equation 22)",
    arguments: [
      (0.3, 2), (0.29, 3), (0.6, 1), (0.59, 2), (0.1, 3), (0.09, 4), (0, 4), (1, 0), (7, 0),
    ])
  func tailError(epsilon: Double, rank: Int) {
    #expect(RankSelection.tailError(epsilon).rank(for: Self.spectrum) == rank)
  }

  @Test(
    "ε on τ_K: the fewest K with τ_K ≤ ε",
    arguments: [(0.2, 2), (0.16, 3), (0.5, 1), (0.03, 4), (0, 4), (1, 0), (3, 0)])
  func relativeTail(epsilon: Double, rank: Int) {
    #expect(RankSelection.relativeTail(epsilon).rank(for: Self.spectrum) == rank)
  }

  @Test("A requested rank is clamped to min(m, n); dense selects nothing")
  func explicitRank() {
    #expect(RankSelection.rank(100).rank(for: Self.spectrum) == 4)
    #expect(RankSelection.rank(0).rank(for: Self.spectrum) == 0)
    #expect(RankSelection.dense.rank(for: Self.spectrum) == nil)
  }

  @Test("ε = 0 keeps exactly the non-zero singular values; the zero matrix needs rank 0")
  func edges() {
    let deficient = Spectrum<Double>(singularValues: [2, 1, 0, 0], rows: 4, columns: 4)
    #expect(RankSelection.tailError(0).rank(for: deficient) == 2)
    #expect(RankSelection.relativeTail(0).rank(for: deficient) == 2)
    let zero = Spectrum<Double>(singularValues: [0, 0, 0], rows: 3, columns: 5)
    #expect(RankSelection.tailError(0).rank(for: zero) == 0)
    #expect(RankSelection.relativeTail(0).rank(for: zero) == 0)
    #expect(RankSelection.tailError(1).rank(for: zero) == 0)
  }

  @Test("A zero weight compresses to rank 0 with zero criterion values")
  func zeroMatrix() throws {
    let layer = Dense<Double>(
      weight: .zeros(rows: 12, columns: 9), bias: .ones(rows: 1, columns: 12),
      activation: .identity)
    let net = try Network(layers: [layer])
    for selection in [RankSelection.tailError(0), .relativeTail(0), .rank(0)] {
      let result = try Compression.compress(net, selection: selection)
      #expect(result.report.layers[0].rank == 0)
      #expect(result.report.layers[0].tailError == 0)
      #expect(result.report.layers[0].relativeTail == 0)
      #expect(result.network.weight(ofLayer: 1).maxAbsoluteValue == 0)
    }
  }

  @Test("Invalid criteria are rejected naming the layer")
  func invalid() throws {
    var generator = SeededGenerator(seed: 1)
    let net = try Network<Double>(widths: [6, 5, 4], activation: .tanh, using: &generator)
    #expect(throws: CompressionError.invalidSelection(layer: 2, reason: "rank -1 is negative")) {
      try Compression.compress(net, selections: [.dense, .rank(-1)])
    }
    #expect(throws: CompressionError.self) {
      try Compression.compress(net, selections: [.tailError(.nan), .dense])
    }
    #expect(throws: CompressionError.self) {
      try Compression.compress(net, selections: [.relativeTail(-0.5), .dense])
    }
    #expect(throws: CompressionError.selectionCountMismatch(layers: 2, selections: 1)) {
      try Compression.compress(net, selections: [.dense])
    }
    #expect(
      CompressionError.invalidSelection(layer: 2, reason: "x").description.contains("layer 2"))
  }
}
