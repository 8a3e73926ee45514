import RankCollapseBounds
import RankCollapseClustering
import RankCollapseData
import RankCollapseNetwork
import RankCollapseRegularization
import RankCollapseSpectral
import RankCollapseTensor
import Testing

@Suite("Nonlinear network bounds (Proposition 3.1, Lemma 3.3, Theorem 3.4, Proposition 4.1)")
struct NonlinearBoundsTests {
  static func network(_ widths: [Int], seed: UInt64) throws -> Network<Double> {
    var generator = SeededGenerator(seed: seed)
    return try Network<Double>(widths: widths, activation: .tanh, using: &generator)
  }

  /// K distinct points, each repeated: (x_i, y_i) equals its cluster's centroid.
  static func degenerate(
    k: Int, copies: Int, dimension: Int, outputs: Int, seed: UInt64
  ) -> (x: Matrix<Double>, y: Matrix<Double>, partition: Partition) {
    var generator = SeededGenerator(seed: seed)
    let xs = Matrix<Double>.randomNormal(rows: k, columns: dimension, using: &generator)
    let ys = Matrix<Double>.randomUniform(rows: k, columns: outputs, in: 0..<1, using: &generator)
    let assignment = (0..<(k * copies)).map { $0 % k }
    return (xs.rows(at: assignment), ys.rows(at: assignment), Partition(assignment: assignment))
  }

  @Test("Eq. (8): the centroid loss equals the mean loss over centroids repeated N_k times")
  func centroidLossMatchesRepeatedCentroids() throws {
    var generator = SeededGenerator(seed: 3)
    let network = try Self.network([4, 6, 5, 3], seed: 1)
    let x = Matrix<Double>.randomNormal(rows: 11, columns: 4, using: &generator)
    let y = Matrix<Double>.randomNormal(rows: 11, columns: 3, using: &generator)
    let partition = Partition(assignment: [0, 1, 2, 0, 0, 1, 2, 2, 2, 1, 0])
    for j in 0..<3 {
      let centroid = try CentroidBasedLoss(
        network: network, inputs: x, targets: .values(y), loss: .squaredError,
        partition: partition, layer: j)
      // Reference: the tail network on each centroid repeated N_k times (mean = Σ π_k ℓ_k).
      let repeated = partition.assignment
      let tail = try Network(layers: Array(network.layers[j...]))
      let reference = try tail.gradients(
        inputs: centroid.centroids.rows(at: repeated),
        targets: .values(centroid.centroidTargets.rows(at: repeated)), loss: .squaredError)
      #expect(abs(centroid.value - reference.loss) <= 1e-12 * max(1, reference.loss))
      for l in (j + 1)...3 {
        let difference = centroid.weightGradient(layer: l) - reference.gradients.weights[l - j - 1]
        #expect(difference.frobeniusNorm <= 1e-12)
      }
      #expect(
        abs(
          centroid.regularizedValue(network: network, lambda: 0.5)
            - centroid.value - 0.5 * network.squaredNorm()) <= 1e-12 * centroid.value + 1e-12)
    }
  }

  @Test("Proposition 3.1: the batch gradient of K samples has numerical rank ≤ K (= K here)")
  func proposition31() throws {
    var generator = SeededGenerator(seed: 5)
    let network = try Self.network([7, 9, 8, 6], seed: 2)
    for k in 1...5 {
      let x = Matrix<Double>.randomNormal(rows: k, columns: 7, using: &generator)
      let y = Matrix<Double>.randomNormal(rows: k, columns: 6, using: &generator)
      for l in 1...3 {
        let report = try NetworkBounds.proposition31(
          network: network, inputs: x, targets: .values(y), loss: .squaredError, layer: l)
        #expect(report.holds, "\(report)")
        #expect(report.leftSide == Double(k), "generic data: rank exactly K\n\(report)")
      }
    }
    #expect(throws: NetworkBoundError.self) {
      try NetworkBounds.proposition31(
        network: network, inputs: Matrix<Double>.zeros(rows: 2, columns: 7),
        targets: .values(.zeros(rows: 2, columns: 6)), loss: .squaredError, layer: 4)
    }
  }

  @Test("Lemma 3.3 on degenerate data: R = 0 to rounding for every j < l; Theorem 3.4's M·WCSS = 0")
  func degenerateResidualIsZero() throws {
    let data = Self.degenerate(k: 3, copies: 7, dimension: 5, outputs: 4, seed: 8)
    let network = try Self.network([5, 8, 7, 4], seed: 9)
    let evaluation = try NetworkBounds.evaluate(
      network: network, inputs: data.x, targets: .values(data.y), loss: .squaredError,
      lambda: 0.01, partition: data.partition)
    #expect(evaluation.pairs.count == 6)
    for pair in evaluation.pairs {
      #expect(pair.residualNorm <= 1e-13 * pair.fullGradientNorm, "\(pair)")
      #expect(pair.wcss <= 1e-28)
      #expect(pair.fullGradientNorm > 1e-3)
    }
    for report in evaluation.theorem34Pairs {
      let sampled = try #require(report.terms.first { $0.name.hasPrefix("sampled-M right side") })
      #expect(sampled.value == 0, "\(report)")
      #expect(report.verdict != .fails, "\(report)")
    }
    // ‖R‖ is a rounding residue against M̂·WCSS/2 = 0: undecided (or holds), never FAILS.
    for report in evaluation.lemma33 {
      #expect(report.verdict != .fails, "\(report)")
      #expect(report.sampleIndices == Array(0..<21))
      #expect(report.partition == data.partition.assignment)
    }
  }

  @Test(
    "A trained stationary point on degenerate data with K distinct points has every layer of rank ≤ K"
  )
  func degenerateStationaryPointIsLowRank() throws {
    let k = 2
    let data = Self.degenerate(k: k, copies: 5, dimension: 4, outputs: 3, seed: 21)
    var network = try Self.network([4, 6, 6, 3], seed: 22)
    let lambda = 0.02
    var trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(0.2), gradientTolerance: 1e-10,
        maximumSteps: 200_000),
      optimizer: GradientDescent<Double>(), penalty: WeightDecay<Double>(lambda: lambda))
    let summary = try trainer.fit(&network, inputs: data.x, targets: .values(data.y))
    #expect(summary.gradientNorm <= 1e-10, "\(summary)")
    let evaluation = try NetworkBounds.evaluate(
      network: network, inputs: data.x, targets: .values(data.y), loss: .squaredError,
      lambda: lambda, partition: data.partition)
    for (l, layer) in network.layers.enumerated() {
      let spectrum = try layer.weight.spectrum()
      // At an exact stationary point s_{K+1} = 0; here dist ≤ ‖S‖/(2λ) ≤ 1e-10/(2λ).
      #expect(
        spectrum.numericalRank(tolerance: .relativeToLargest(1e-6)) <= k,
        "layer \(l + 1): \(spectrum.singularValues)")
      // The links are at rounding level here (‖R‖ ≈ 1e-18 is not exactly 0 in floating point
      // while M·WCSS = 0), so compare them with an absolute allowance of 1e-13 instead of the
      // report's relative tolerance.
      let report = evaluation.theorem34[l]
      let links = report.links
      for i in 0..<(links.count - 1) {
        #expect(links[i] <= links[i + 1] + 1e-13, "link \(i)\n\(report)")
      }
      #expect(report.leftSide <= 1e-10 / (2 * lambda) * 1.0001, "\(report)")
    }
  }

  @Test(
    "Theorem 3.4's chain holds link by link on small trained tanh networks across λ",
    arguments: [1e-3, 1e-2, 1e-1])
  func theorem34Chain(lambda: Double) throws {
    var generator = SeededGenerator(seed: 31)
    let mixture = try GaussianMixture<Double>(
      components: 3, dimension: 4, standardDeviation: 0.15, meanScale: 1, using: &generator)
    let sample = mixture.sample(points: 60, using: &generator)
    let partition = try Partition(labels: sample.labels)
    var network = try Self.network([4, 8, 6, 3], seed: 32)
    var trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(0.1), gradientTolerance: 1e-6,
        maximumSteps: 3000),
      optimizer: GradientDescent<Double>(), penalty: WeightDecay<Double>(lambda: lambda))
    _ = try trainer.fit(&network, inputs: sample.points, targets: .labels(sample.labels))
    let evaluation = try NetworkBounds.evaluate(
      network: network, inputs: sample.points, targets: .labels(sample.labels),
      loss: .squaredError, lambda: lambda, partition: partition,
      options: NetworkBoundOptions(segmentSteps: 8))
    #expect(evaluation.theorem34.count == 3)
    #expect(evaluation.theorem34Pairs.count == 6)
    for report in evaluation.theorem34Pairs + evaluation.theorem34 {
      #expect(report.chain.count == 3)
      #expect(report.holds, "\(report)")
    }
    for report in evaluation.lemma33 {
      #expect(report.holds, "\(report)")
    }
  }

  @Test("Proposition 4.1 beside the WCSS of the true partition (isotropic and full covariances)")
  func proposition41() throws {
    var generator = SeededGenerator(seed: 41)
    for sigma in [0.1, 0.5] {
      let mixture = try GaussianMixture<Double>(
        components: 4, dimension: 6, standardDeviation: sigma, using: &generator)
      let sample = mixture.sample(points: 400, using: &generator)
      let partition = try Partition(labels: sample.labels)
      let report = try NetworkBounds.proposition41(
        points: sample.points, partition: partition, standardDeviation: sigma)
      #expect(report.holds, "\(report)")
      #expect(report.leftSide > 0.5 * report.rightSide, "the bound is tight to a factor 2")
      let covariances = (0..<4).map { _ in Matrix<Double>.identity(6) * (sigma * sigma) }
      let full = try NetworkBounds.proposition41(
        points: sample.points, partition: partition, covariances: covariances)
      #expect(abs(full.rightSide - report.rightSide) <= 1e-12 * report.rightSide)
    }
  }

  /// COUNTEREXAMPLE (recorded, not weakened): Proposition 4.1's bound with t = 1/√N_k is about
  /// one standard deviation of the empirical within-class variance above its mean (the sample
  /// variance has mean (1 − 1/N_k) Tr Σ and standard deviation ≈ √2 ‖Σ‖_F/√N_k), so it fails
  /// with a probability that does not vanish as N grows: the "high probability"
  /// 1 − 2Σ_k exp(−C min(N_k, √(N_k s(Σ_k)))) can only hold with a small constant C.
  @Test("Counterexample: Proposition 4.1 fails on a sizeable fraction of seeded mixtures")
  func proposition41Counterexample() throws {
    // The instance first found: seed 41, third draw, σ = 2, K = 4, d = 6, N = 400.
    var generator = SeededGenerator(seed: 41)
    var report: BoundReport?
    for sigma in [0.1, 0.5, 2.0] {
      let mixture = try GaussianMixture<Double>(
        components: 4, dimension: 6, standardDeviation: sigma, using: &generator)
      let sample = mixture.sample(points: 400, using: &generator)
      report = try NetworkBounds.proposition41(
        points: sample.points, partition: Partition(labels: sample.labels),
        standardDeviation: sigma)
    }
    let instance = try #require(report)
    #expect(!instance.holds, "recorded counterexample\n\(instance)")
    #expect(instance.leftSide / instance.rightSide > 1.005)
    // Failure rate over 200 seeded instances (σ = 1, K = 4, d = 6, N = 400): 6 of 200 observed.
    var failures = 0
    var worst = 0.0
    for seed in 0..<200 {
      var g = SeededGenerator(seed: UInt64(1000 + seed))
      let mixture = try GaussianMixture<Double>(
        components: 4, dimension: 6, standardDeviation: 1, using: &g)
      let sample = mixture.sample(points: 400, using: &g)
      let r = try NetworkBounds.proposition41(
        points: sample.points, partition: Partition(labels: sample.labels), standardDeviation: 1)
      if !r.holds { failures += 1 }
      worst = max(worst, r.leftSide / r.rightSide)
    }
    #expect(failures >= 1, "failures \(failures) of 200, worst ratio \(worst)")
    #expect(worst < 1.15, "but never by much: worst ratio \(worst)")
  }

  @Test("Bad input: λ ≤ 0, a partition of the wrong size, bad targets, j out of range")
  func badInput() throws {
    let data = Self.degenerate(k: 2, copies: 3, dimension: 3, outputs: 2, seed: 1)
    let network = try Self.network([3, 4, 2], seed: 2)
    for lambda in [0.0, -1, .nan, .infinity] {
      #expect(throws: NetworkBoundError.self) {
        try NetworkBounds.evaluate(
          network: network, inputs: data.x, targets: .values(data.y), loss: .squaredError,
          lambda: lambda, partition: data.partition)
      }
    }
    #expect(throws: NetworkBoundError.partitionMismatch(partitionPoints: 3, points: 6)) {
      try NetworkBounds.evaluate(
        network: network, inputs: data.x, targets: .values(data.y), loss: .squaredError,
        lambda: 0.1, partition: Partition(assignment: [0, 1, 0]))
    }
    #expect(throws: NetworkBoundError.self) {
      try NetworkBounds.evaluate(
        network: network, inputs: data.x, targets: .labels([0, 1, 2, 0, 1, 0]),
        loss: .squaredError, lambda: 0.1, partition: data.partition)
    }
    #expect(throws: NetworkBoundError.layerOutOfRange(layer: 2, range: 0...1)) {
      try CentroidBasedLoss(
        network: network, inputs: data.x, targets: .values(data.y), loss: .squaredError,
        partition: data.partition, layer: 2)
    }
  }
}
