import RankCollapse
import RankCollapseCompression
import Testing
import _RankCollapseTestSupport

@Suite("Compression reports")
struct CompressionReportTests {
  static func layer(rows m: Int, columns n: Int, seed: UInt64) throws -> Network<Double> {
    var generator = SeededGenerator(seed: seed)
    return try Network(
      layers: [
        Dense(inputSize: n, outputSize: m, activation: .relu, using: &generator)
      ])
  }

  @Test("A layer stays dense, unchanged, when r(m + n) ≥ m n", arguments: [3, 2, 4])
  func keptDense(rank: Int) throws {
    // 4 × 4: rank 2 costs 2 · 8 = 16 = m n, so only rank 1 saves anything.
    let net = try Self.layer(rows: 4, columns: 4, seed: 2)
    let result = try Compression.compress(net, selection: .rank(rank))
    #expect(result.network.isFactored == [false])
    #expect(result.network.network == net)
    let entry = result.report.layers[0]
    #expect(entry.rank == rank)
    #expect(!entry.isFactored)
    #expect(entry.parameters == entry.denseParameters)
    #expect(entry.flops == entry.denseFLOPs)
  }

  @Test("Parameters and FLOPs per sample count r(m + n) and 2 r(m + n) plus the bias")
  func counts() throws {
    var generator = SeededGenerator(seed: 3)
    let net = try Network<Float>(widths: [40, 30, 20, 5], activation: .tanh, using: &generator)
    let result = try Compression.compress(net, selections: [.rank(1), .rank(5), .rank(5)])
    let layers = result.report.layers
    #expect(layers.map(\.isFactored) == [true, true, false])
    #expect(layers[0].parameters == 1 * (30 + 40) + 30)
    #expect(layers[0].flops == 2 * 1 * (30 + 40) + 30)
    #expect(layers[0].denseParameters == 30 * 40 + 30)
    #expect(layers[1].parameters == 5 * (20 + 30) + 20)
    #expect(layers[1].denseFLOPs == 2 * 20 * 30 + 20)
    // The last layer (5 × 20, k = 5) keeps its full rank and stays dense.
    #expect(layers[2].parameters == 5 * 20 + 5)
    #expect(result.report.denseParameters == net.parameterCount)
    #expect(result.report.parameters == result.network.parameterCount)
    #expect(result.report.flops == result.network.flopsPerSample)
    #expect(result.report.parameterRatio < 1)
    #expect(result.report.flopRatio < 1)
  }

  @Test("evaluate: the dense baseline first; an exact truncation gives the dense loss")
  func evaluate() throws {
    var generator = SeededGenerator(seed: 9)
    let net = try Network<Double>(widths: [12, 16, 3], activation: .tanh, using: &generator)
    let x = Matrix<Double>.randomNormal(rows: 50, columns: 12, using: &generator)
    let labels = (0..<50).map { $0 % 3 }
    let measurements = try Compression.evaluate(
      net, selections: [.rank(1), .tailError(0)], inputs: x, targets: .labels(labels),
      loss: .softmaxCrossEntropy, timingRounds: 1)
    #expect(measurements.map(\.selection) == ["dense", "rank 1", "e(r+1) ≤ 0.0"])
    let denseLoss = try net.loss(inputs: x, targets: .labels(labels), loss: .softmaxCrossEntropy)
    #expect(measurements[0].loss == denseLoss)
    #expect(measurements[0].accuracy != nil)
    // ε = 0 keeps every singular value; the layer stays dense (k(m + n) ≥ m n): same loss.
    #expect(measurements[2].loss == denseLoss)
    #expect(measurements[1].report.layers[0].rank == 1)
    #expect(
      measurements.allSatisfy { $0.seconds > 0 && $0.denseSeconds == measurements[0].seconds })
    #expect(throws: CompressionError.self) {
      try Compression.evaluate(
        net, selections: [.rank(1)], inputs: .zeros(rows: 3, columns: 5),
        targets: .labels([0, 1, 2]), loss: .softmaxCrossEntropy)
    }
  }

  @Test("evaluate over given networks: names, the first as the baseline, typed data errors")
  func evaluateVariants() throws {
    var generator = SeededGenerator(seed: 12)
    let net = try Network<Double>(widths: [12, 16, 3], activation: .tanh, using: &generator)
    let x = Matrix<Double>.randomNormal(rows: 40, columns: 12, using: &generator)
    let labels = (0..<40).map { $0 % 3 }
    let dense = try Compression.compress(net, selection: .dense)
    let truncated = try Compression.compress(net, selection: .rank(2))
    // A changed network keeps its report (the shapes do not change).
    var changed = truncated.network
    var bias = changed.network.layers[1].bias
    bias[0, 0] += 1
    try changed.network.setBias(bias, layer: 2)
    let variants = [
      dense, truncated, CompressionResult(network: changed, report: truncated.report),
    ]
    let measurements = try Compression.evaluate(
      variants, names: ["dense", "rank 2", "changed"], inputs: x, targets: .labels(labels),
      loss: .softmaxCrossEntropy, timingRounds: 2)
    #expect(measurements.map(\.selection) == ["dense", "rank 2", "changed"])
    for (measurement, variant) in zip(measurements, variants) {
      let loss = try variant.network.network.loss(
        inputs: x, targets: .labels(labels), loss: .softmaxCrossEntropy)
      #expect(measurement.loss == loss)
      #expect(measurement.report == variant.report)
      #expect(measurement.denseSeconds == measurements[0].seconds)
      #expect(measurement.seconds > 0)
    }
    #expect(measurements[1].loss != measurements[2].loss)
    #expect(measurements[0].speedup == 1)
    // Squared error on value targets: no accuracy; cross-entropy on one-hot rows: the labels'.
    var oneHot = Matrix<Double>.zeros(rows: 40, columns: 3)
    for (i, label) in labels.enumerated() { oneHot[i, label] = 1 }
    let noAccuracy = try Compression.evaluate(
      [dense], names: ["dense"], inputs: x, targets: .values(oneHot), loss: .squaredError,
      timingRounds: 0)
    #expect(noAccuracy[0].accuracy == nil && noAccuracy[0].seconds == 0)
    let rows = try Compression.evaluate(
      [dense], names: ["dense"], inputs: x, targets: .values(oneHot), loss: .softmaxCrossEntropy,
      timingRounds: 0)
    #expect(rows[0].accuracy == measurements[0].accuracy)
    #expect(Compression.isClassification(targets: Targets<Float>.labels([0]), loss: .squaredError))
    #expect(
      !Compression.isClassification(
        targets: Targets<Float>.values(.zeros(rows: 1, columns: 2)),
        loss: .squaredError))
    // Data of the wrong width or labels out of range: the NetworkError names the sizes.
    #expect(throws: CompressionError.invalidData(.inputWidthMismatch(expected: 12, got: 5))) {
      try Compression.evaluate(
        [dense], names: ["dense"], inputs: .zeros(rows: 3, columns: 5),
        targets: .labels([0, 1, 2]), loss: .softmaxCrossEntropy)
    }
    #expect(
      throws: CompressionError.invalidData(.labelOutOfRange(index: 1, label: 3, classes: 3))
    ) {
      try Compression.evaluate(
        [dense], names: ["dense"], inputs: x.rows(0..<2), targets: .labels([0, 3]),
        loss: .softmaxCrossEntropy)
    }
    #expect(
      CompressionError.invalidData(.inputWidthMismatch(expected: 12, got: 5)).description
        == "the data does not fit the network: the network takes inputs of width 12, the data "
        + "has 5 columns")
  }
}
