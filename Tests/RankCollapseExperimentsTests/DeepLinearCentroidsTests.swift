import Foundation
import FoundationXML
import PropertyBased
import RankCollapse
import RankCollapsePlots
import RankCollapseSweep
import Testing
import _RankCollapseTestSupport

@testable import RankCollapseExperiments

typealias DeepLinearFigure2 = Experiments.DeepLinearCentroids

/// A tiny Figure 2: d = 12, widths 12-8-6-8-12 (the paper's proportions, bottleneck r = 6),
/// K = 3, N = 300; λ ∈ {0.01, 0.03, 0.1}, σ ∈ {0.005, 0.01, 0.02} (σ² ≤ 4e-4 ≪ λ: the
/// quadratic regime of the closed forms, where ‖Θ*,C − Θ*‖ ≈ √(#noise directions) σ²/λ).
private func tinyConfiguration(seed: UInt64 = 3) -> DeepLinearFigure2.Configuration {
  DeepLinearFigure2.Configuration(
    dimension: 12, hiddenWidths: [8, 6, 8], components: 3, samples: 300, meanScale: 0.55,
    lambdas: [0.01, 0.03, 0.1], sigmas: [0.005, 0.01, 0.02], learningRate: 0.3, momentum: 0.9,
    gradientTolerance: 1e-7, maximumSteps: 20_000, initializer: .orthogonal(gain: 1), seed: seed)
}

/// A random bias-free linear network with the given widths.
private func linearNetwork(_ widths: [Int], seed: UInt64) -> Network<Double> {
  var generator = SeededGenerator(seed: seed)
  // swift-format-ignore: NeverUseForceTry
  return try! Network<Double>(
    widths: widths, activation: .identity, initializer: .lecunNormal, biases: false,
    using: &generator)
}

@Suite struct EndToEndWeightDecayTests {
  /// R(Θ) = λ‖W_L⋯W_1‖² and its gradient 2λ A_lᵀ Θ B_lᵀ agree with central differences, for
  /// random depths 1…4 and widths 1…6 (Double; step 1e-6, so the difference quotient is exact
  /// to ~1e-9 relative for this quartic-at-most polynomial in each entry).
  @Test func gradientMatchesFiniteDifferences() async {
    await propertyCheck(count: 60, input: Gen.int(in: 1...4), Gen.uint64()) { depth, seed in
      var generator = SeededGenerator(seed: seed)
      let widths = (0...depth).map { _ in Int.random(in: 1...6, using: &generator) }
      let network = linearNetwork(widths, seed: seed)
      let lambda = Double.random(in: 0.01...2, using: &generator)
      let penalty = EndToEndWeightDecay<Double>(lambda: lambda)
      var gradients = Gradients(zeroingParametersOf: network)
      let value = penalty.valueAddingGradient(of: network, to: &gradients)
      let product = EndToEndWeightDecay<Double>.product(of: network)
      #expect(abs(value - lambda * product.squaredFrobeniusNorm) <= 1e-12 * max(value, 1))
      #expect(abs(penalty.value(of: network) - value) <= 1e-12 * max(value, 1))
      let h = 1e-6
      for l in network.layers.indices {
        let weight = network.layers[l].weight
        for i in 0..<weight.rows {
          for j in 0..<weight.columns {
            var (plus, minus) = (network, network)
            var (up, down) = (weight, weight)
            up[i, j] += h
            down[i, j] -= h
            try plus.setWeight(up, layer: l + 1)
            try minus.setWeight(down, layer: l + 1)
            let numeric = (penalty.value(of: plus) - penalty.value(of: minus)) / (2 * h)
            let analytic = gradients.weights[l][i, j]
            #expect(
              abs(numeric - analytic) <= 1e-6 * max(1, abs(analytic)),
              "layer \(l + 1) entry (\(i), \(j)): \(numeric) vs \(analytic), widths \(widths)")
          }
        }
      }
    }
  }

  /// For a single layer, the product penalty IS ordinary weight decay λ‖W‖² (gradient 2λW).
  @Test func oneLayerEqualsWeightDecay() {
    let network = linearNetwork([5, 4], seed: 11)
    var product = Gradients(zeroingParametersOf: network)
    var decay = product
    let a = EndToEndWeightDecay<Double>(lambda: 0.3).valueAddingGradient(
      of: network, to: &product)
    let b = WeightDecay<Double>(lambda: 0.3, includesBiases: false).valueAddingGradient(
      of: network, to: &decay)
    #expect(abs(a - b) <= 1e-12)
    #expect(maxDifference(product.weights[0], decay.weights[0]) <= 1e-12)
  }
}

@Suite struct DeepLinearCentroidsPiecesTests {
  /// The d sufficient-statistic rows give the same mean squared loss and the same gradients
  /// as the N samples (the full loss of Figure 2), for random data and random linear networks;
  /// tolerance 1e-9 relative (the rows come from an eigendecomposition, exact to rounding).
  @Test func sufficientRowsReproduceFullLossAndGradients() async throws {
    await propertyCheck(count: 25, input: Gen.int(in: 2...9), Gen.uint64()) { d, seed in
      var generator = SeededGenerator(seed: seed)
      let n = Int.random(in: d...(4 * d + 5), using: &generator)
      let x = Matrix<Double>.randomNormal(rows: n, columns: d, using: &generator)
      let gram = x.matmul(x, transposeSelf: true)
      guard let rows = try? DeepLinearFigure2.sufficientRows(gram: gram, samples: n) else {
        Issue.record("sufficientRows threw")
        return
      }
      #expect(rows.rows == d && rows.columns == d)
      let network = linearNetwork([d, 3, d], seed: seed &+ 1)
      guard
        let direct = try? network.gradients(inputs: x, targets: .values(x), loss: .squaredError),
        let compressed = try? network.gradients(
          inputs: rows, targets: .values(rows), loss: .squaredError)
      else {
        Issue.record("gradients threw")
        return
      }
      #expect(abs(direct.loss - compressed.loss) <= 1e-9 * direct.loss)
      for l in 0..<2 {
        let scale = max(direct.gradients.weights[l].maxAbsoluteValue, 1e-12)
        #expect(
          maxDifference(direct.gradients.weights[l], compressed.gradients.weights[l])
            <= 1e-9 * scale)
      }
    }
  }

  /// The K centroid rows √(K N_k/N) x̄_k give the centroid-based loss of equation 8 at layer 0 and
  /// its weight gradients, as RankCollapseBounds' `CentroidBasedLoss` computes them (1e-9).
  @Test func centroidRowsReproduceCentroidBasedLoss() async throws {
    await propertyCheck(count: 25, input: Gen.int(in: 1...5), Gen.uint64()) { k, seed in
      var generator = SeededGenerator(seed: seed)
      let d = Int.random(in: 2...8, using: &generator)
      let mixture = try? GaussianMixture<Double>(
        components: k, dimension: d, standardDeviation: 0.3,
        weights: (0..<k).map { _ in Double.random(in: 0.2...1, using: &generator) },
        using: &generator)
      guard let mixture else {
        Issue.record("mixture")
        return
      }
      let n = 10 * k + Int.random(in: 0...20, using: &generator)
      let sample = mixture.sample(points: n, using: &generator)
      guard sample.counts.allSatisfy({ $0 > 0 }),
        let partition = try? Partition(labels: sample.labels)
      else { return }
      let network = linearNetwork([d, 4, 3, d], seed: seed &+ 2)
      let rows = DeepLinearFigure2.centroidRows(
        means: sample.classMeans(), counts: sample.counts, samples: n)
      guard
        let reference = try? CentroidBasedLoss(
          network: network, inputs: sample.points, targets: .values(sample.points),
          loss: .squaredError, partition: partition, layer: 0),
        let compressed = try? network.gradients(
          inputs: rows, targets: .values(rows), loss: .squaredError)
      else {
        Issue.record("evaluation threw")
        return
      }
      #expect(abs(reference.value - compressed.loss) <= 1e-9 * max(reference.value, 1e-12))
      for l in 1...3 {
        let expected = reference.weightGradient(layer: l)
        let scale = max(expected.maxAbsoluteValue, 1e-12)
        #expect(maxDifference(expected, compressed.gradients.weights[l - 1]) <= 1e-9 * scale)
      }
    }
  }

  /// Without a bottleneck (widths ≥ d) the trained end-to-end products reach the closed forms
  /// of equation 21: Θ* for the full loss and Θ*,C for the centroid loss (to 1e-4, for a
  /// gradient tolerance of 1e-8), and the trained centroid product is zero outside the span of
  /// the centroids (W_1 = 0 at the start; 1e-12).
  @Test(arguments: [UInt64(1), 2, 3])
  func trainingReachesClosedFormsWithoutBottleneck(seed: UInt64) throws {
    var configuration = tinyConfiguration(seed: seed)
    configuration.dimension = 8
    configuration.hiddenWidths = [10, 12, 10]
    configuration.gradientTolerance = 1e-8
    configuration.maximumSteps = 40_000
    let experiment = try DeepLinearFigure2(configuration: configuration)
    let lambda = 0.05
    let sample = try experiment.data(sigma: 0.1)
    let problem = try DeepLinearProblem(inputs: sample.points, targets: sample.points)
    let partition = try Partition(labels: sample.labels)
    let full = try experiment.train(
      rows: try DeepLinearFigure2.sufficientRows(
        gram: problem.gram, samples: configuration.samples),
      lambda: lambda, loss: "full")
    let centroid = try experiment.train(
      rows: DeepLinearFigure2.centroidRows(
        means: sample.classMeans(), counts: sample.counts, samples: configuration.samples),
      lambda: lambda, loss: "centroid")
    #expect(full.summary.reason == .gradientTolerance)
    #expect(centroid.summary.reason == .gradientTolerance)
    let thetaFull = EndToEndWeightDecay.product(of: full.network)
    let thetaCentroid = EndToEndWeightDecay.product(of: centroid.network)
    let closedFull = try problem.minimizer(lambda: lambda)
    let closedCentroid = try problem.centroidMinimizer(partition: partition, lambda: lambda)
    #expect(maxDifference(thetaFull, closedFull) <= 1e-4)
    #expect(maxDifference(thetaCentroid, closedCentroid) <= 1e-4)
    // Θ_C v = 0 for every v orthogonal to the centroids.
    let means = sample.classMeans()
    let (values, vectors) = try means.matmul(means, transposeSelf: true)
      .symmetricEigendecomposition()
    for (index, value) in values.enumerated() where value < 1e-10 * (values.last ?? 1) {
      let v = vectors.columns(index..<(index + 1))
      #expect(thetaCentroid.matmul(v).maxAbsoluteValue <= 1e-12)
    }
  }

  /// `logLogSlope` recovers the exponent of y = c·x^p exactly (1e-10), for random p, c, x.
  @Test func slopeOfPowerLaw() async {
    await propertyCheck(count: 100, input: Gen.uint64()) { seed in
      var generator = SeededGenerator(seed: seed)
      let p = Double.random(in: -3...3, using: &generator)
      let c = Double.random(in: 0.01...100, using: &generator)
      let x = (0..<Int.random(in: 2...8, using: &generator)).map {
        Double($0 + 1) * Double.random(in: 0.5...2, using: &generator)
      }
      let y = x.map { c * Double.pow($0, p) }
      #expect(abs(DeepLinearFigure2.logLogSlope(x: x, y: y) - p) <= 1e-10)
    }
  }

  /// Invalid parameters are rejected with the parameter's name.
  @Test func validationNamesTheParameter() {
    var configuration = tinyConfiguration()
    configuration.learningRate = -1
    #expect(throws: DeepLinearCentroidsError.self) { try configuration.validate() }
    do {
      try configuration.validate()
    } catch {
      #expect(error.description.hasPrefix("learningRate = -1"))
    }
    configuration = tinyConfiguration()
    configuration.samples = 5
    #expect(throws: DeepLinearCentroidsError.self) {
      try DeepLinearFigure2(configuration: configuration)
    }
    configuration = tinyConfiguration()
    configuration.sigmas = [0.1, -0.2]
    #expect(throws: DeepLinearCentroidsError.self) { try configuration.validate() }
    let experiment = try? DeepLinearFigure2(configuration: tinyConfiguration())
    #expect(throws: DeepLinearCentroidsError.self) { try experiment?.run(lambda: 0, sigma: 0.1) }
    #expect(throws: DeepLinearCentroidsError.self) { try experiment?.run(lambda: 0.1, sigma: .nan) }
  }
}

/// The paper's qualitative claims about Figure 2, at a scale small enough for a unit test.
@Suite(.serialized) struct DeepLinearCentroidsClaimsTests {
  /// One run of the tiny grid, shared by the claims below.
  static let measurements: [DeepLinearFigure2.Measurement] = {
    // swift-format-ignore: NeverUseForceTry
    let experiment = try! DeepLinearFigure2(configuration: tinyConfiguration())
    return tinyConfiguration().gridPoints.map { point in
      // swift-format-ignore: NeverUseForceTry
      try! experiment.run(lambda: point.lambda, sigma: point.sigma)
    }
  }()

  /// Section 6.2: the trained distance grows about quadratically in σ: the mean fitted
  /// log-log slope is within 2 ± 0.3, and every λ's slope within 2 ± 0.5.
  @Test func distanceGrowsQuadraticallyInSigma() {
    let summary = DeepLinearFigure2.Summary(Self.measurements.map(\.record))
    #expect(summary.trainedSlopes.count == 3)
    #expect(abs(summary.trainedSlope - 2) <= 0.3, "mean slope \(summary.trainedSlope)")
    for slope in summary.trainedSlopes {
      #expect(abs(slope.slope - 2) <= 0.5, "λ = \(slope.lambda): slope \(slope.slope)")
    }
  }

  /// Section 6.2: the trained distance falls with λ at every σ.
  @Test func distanceFallsWithLambda() {
    let summary = DeepLinearFigure2.Summary(Self.measurements.map(\.record))
    #expect(summary.sigmaCount == 3)
    #expect(summary.decreasingInLambda == summary.sigmaCount)
  }

  /// Theorem 5.3: the trained and the closed-form distances stay below the bound (and the
  /// report's own chain holds).
  @Test func distanceStaysBelowTheorem53() {
    for m in Self.measurements {
      #expect(m.belowBound, "λ = \(m.lambda), σ = \(m.sigma): \(m.trainedDistance) vs \(m.bound)")
      #expect(m.report.holds)
    }
  }

  /// The trained products are at their closed forms: the centroid product at Θ*,C (1e-4), the
  /// full product within 1% of the rank-r minimiser's objective L_λ(Θ*_r) (its subspace among
  /// the nearly equal noise directions is ill-determined, so the objective, not Θ, is compared),
  /// and the trained distance within 30% of the rank-r closed-form distance.
  @Test func trainedProductsMatchClosedForms() {
    for m in Self.measurements {
      #expect(m.centroid.distanceToClosedForm <= 1e-4)
      #expect(m.full.relativeObjectiveGap >= -1e-9 && m.full.relativeObjectiveGap <= 1e-2)
      #expect(
        abs(m.trainedDistance - m.rankConstrainedDistance) <= 0.3 * m.rankConstrainedDistance,
        "λ = \(m.lambda), σ = \(m.sigma): \(m.trainedDistance) vs \(m.rankConstrainedDistance)")
    }
  }

  /// The same seed gives the same numbers.
  @Test func deterministic() throws {
    let experiment = try DeepLinearFigure2(configuration: tinyConfiguration())
    let again = try experiment.run(lambda: 0.03, sigma: 0.01)
    let first = try #require(Self.measurements.first { $0.lambda == 0.03 && $0.sigma == 0.01 })
    #expect(again.trainedDistance == first.trainedDistance)
    #expect(again.full.steps == first.full.steps)
  }

  /// The tidy rows go through the sweep (two shards, resume) and come back as the same records;
  /// the figure renders as well-formed XML with four panels.
  @Test func sweepRoundTripAndFigure() throws {
    let folder = NSTemporaryDirectory() + "figure2-test-\(UInt64.random(in: 0...UInt64.max))"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let configuration = tinyConfiguration()
    let grid = try DeepLinearFigure2.grid(configuration)
    #expect(grid.count == Self.measurements.count)
    func open() throws -> Sweep {
      try Sweep(
        folder: folder, experiment: DeepLinearFigure2.experimentName,
        hyperparameters: configuration.hyperparameters, grid: grid,
        measurementColumns: DeepLinearFigure2.measurementColumns)
    }
    func compute(_ point: GridPoint) throws -> [[SweepValue]] {
      let (lambda, sigma) = try DeepLinearFigure2.coordinates(of: point)
      let m = try #require(Self.measurements.first { $0.lambda == lambda && $0.sigma == sigma })
      return m.rows
    }
    let first = try open().run(shard: try Shard(parsing: "1/2"), compute: compute)
    guard case .incomplete = try open().merge(to: nil) else {
      Issue.record("half a grid must not merge")
      return
    }
    let second = try open().run(shard: try Shard(parsing: "2/2"), compute: compute)
    #expect(first.computed + second.computed == grid.count)
    let resumed = try open().run(compute: { _ in
      Issue.record("a finished point was recomputed")
      return []
    })
    #expect(resumed.skipped == grid.count)
    guard case .complete(let table) = try open().merge(to: folder + "/figure2.csv") else {
      Issue.record("complete grid did not merge")
      return
    }
    #expect(table.rows.count == grid.count * DeepLinearFigure2.quantities.count)
    let records = try DeepLinearFigure2.Record.records(from: table)
    #expect(records == Self.measurements.map(\.record))

    let svg = try DeepLinearFigure2.figure(records, title: "Figure 2 test").svg()
    let parser = XMLParser(data: Data(svg.utf8))
    #expect(parser.parse(), "SVG is not well-formed: \(String(describing: parser.parserError))")
    #expect(svg.components(separatedBy: "class=\"panel\"").count - 1 == 4)
    // Unconverged runs are open circles, with a legend entry; converged ones are not.
    let unconverged = records.filter { !($0.fullConverged && $0.centroidConverged) }.count
    #expect(
      svg.components(separatedBy: "class=\"hollow\"").count - 1 == 4 * unconverged,
      "one open circle per unconverged point in each of the four panels")
    var allConverged = records
    for index in allConverged.indices {
      allConverged[index].fullConverged = true
      allConverged[index].centroidConverged = true
    }
    var someUnconverged = allConverged
    someUnconverged[0].fullConverged = false
    let clean = try DeepLinearFigure2.figure(allConverged, title: "t").svg()
    let marked = try DeepLinearFigure2.figure(someUnconverged, title: "t").svg()
    #expect(!clean.contains("class=\"hollow\"") && !clean.contains("not converged"))
    #expect(marked.contains("not converged (open)"))
    #expect(marked.components(separatedBy: "class=\"hollow\"").count - 1 == 4)
  }
}

/// Figure 2 trained with per-layer weight decay instead of the end-to-end penalty.
@Suite struct DeepLinearPerLayerDecayTests {
  /// `max_l ‖W_{l+1}ᵀ W_{l+1} − W_l W_lᵀ‖_F` over the hidden layers: zero for a balanced network.
  static func imbalance(_ network: Network<Double>) -> Double {
    let weights = network.layers.map(\.weight)
    return (0..<(weights.count - 1)).map { l in
      let upper = weights[l + 1].matmul(weights[l + 1], transposeSelf: true)
      let lower = weights[l].matmul(weights[l], transposeOther: true)
      return (upper - lower).frobeniusNorm
    }.max() ?? 0
  }

  /// Per-layer weight decay trains to balanced layers; the end-to-end penalty does not.
  ///
  /// At a stationary point of `L₀ + λ Σ_l ‖W_l‖²` the layers are balanced,
  /// `W_{l+1}ᵀ W_{l+1} = W_l W_lᵀ` (from `W_{l+1}ᵀ ∇_{W_{l+1}} L₀ = ∇_{W_l} L₀ W_lᵀ` and
  /// `∇_{W_l} L₀ = −2λ W_l`), and the product's singular values `t` along the data's
  /// eigen-directions (eigenvalue `c` of `XᵀX/N`) solve the balanced scalar problem
  /// `c (1 − t) = λ t^{(2−L)/L}`. The end-to-end penalty leaves the initial imbalance
  /// (`W_1 = 0`, the others orthogonal) in place, so the same check fails for it: tolerances
  /// 1e-4 (balance, per-layer), > 0.5 (imbalance, end-to-end), 1e-3 relative (scalar equation).
  @Test(arguments: [UInt64(1), 2])
  func perLayerDecayReachesBalancedStationaryPoints(seed: UInt64) throws {
    var configuration = tinyConfiguration(seed: seed)
    configuration.gradientTolerance = 1e-9
    configuration.maximumSteps = 40_000
    configuration.quasiNewtonHistory = 10
    let lambda = 0.01
    var perLayer = configuration
    perLayer.penalty = .perLayer
    let experiment = try DeepLinearFigure2(configuration: perLayer)
    let sample = try experiment.data(sigma: 0.05)
    let problem = try DeepLinearProblem(inputs: sample.points, targets: sample.points)
    let rows = try DeepLinearFigure2.sufficientRows(
      gram: problem.gram, samples: configuration.samples)
    let trained = try experiment.train(rows: rows, lambda: lambda, loss: "full")
    #expect(trained.summary.reason == .gradientTolerance)
    #expect(Self.imbalance(trained.network) <= 1e-4)

    // The scalar equation along each eigen-direction of the data with a kept component.
    let depth = Double(trained.network.layers.count)
    let theta = EndToEndWeightDecay.product(of: trained.network)
    let covariance = (1 / Double(configuration.samples)) * problem.gram
    let (values, vectors) = try covariance.symmetricEigendecomposition()
    var checked = 0
    for (index, c) in values.enumerated() {
      let u = vectors.columns(index..<(index + 1))
      let t = u.matmul(theta.matmul(u), transposeSelf: true)[0, 0]
      guard t > 1e-3 else { continue }
      let left = c * (1 - t)
      let right = lambda * Double.pow(t, (2 - depth) / depth)
      #expect(abs(left - right) <= 1e-3 * right, "c = \(c), t = \(t): \(left) vs \(right)")
      checked += 1
    }
    #expect(checked >= configuration.components, "the K centroid directions are kept")

    let endToEnd = try DeepLinearFigure2(configuration: configuration)
    let unbalanced = try endToEnd.train(rows: rows, lambda: lambda, loss: "full")
    #expect(Self.imbalance(unbalanced.network) > 0.5)
  }

  /// Where per-layer decay removes every direction, both trained products are zero and their
  /// distance is rounding (1e-27 at the default scale's λ = 0.1): such points are counted and
  /// left out of the slope fits, while a small but resolved distance (2e-12) is kept.
  @Test func roundingLevelDistancesAreLeftOutOfTheSlopes() {
    let sigmas = [0.01, 0.02, 0.04]
    func record(_ lambda: Double, _ sigma: Double, trained: Double) -> DeepLinearFigure2.Record {
      DeepLinearFigure2.Record(
        lambda: lambda, sigma: sigma, trainedDistance: trained, closedFormDistance: 0,
        rankConstrainedDistance: 0, bound: 1, fullConverged: true, centroidConverged: true)
    }
    let records =
      sigmas.map { record(0.01, $0, trained: 1e-3 * $0 * $0) }
      + sigmas.map { record(0.1, $0, trained: 1e-27 * $0) }
    let summary = DeepLinearFigure2.Summary(records)
    #expect(summary.atRounding == 3)
    #expect(summary.trainedSlopes.map(\.lambda) == [0.01])
    #expect(abs(summary.trainedSlope - 2) <= 1e-9)
    #expect(!record(0.01, 0.01, trained: 2e-12).trainedDistanceIsRounding)
    #expect(record(0.01, 0.01, trained: 0.5e-12).trainedDistanceIsRounding)
  }

  /// The sidecar JSON names the penalty, so runs of the two forms never resume into each other.
  @Test func hyperparametersNameThePenalty() {
    var configuration = tinyConfiguration()
    let endToEnd = configuration.hyperparameters["penalty"]
    configuration.penalty = .perLayer
    let perLayer = configuration.hyperparameters["penalty"]
    #expect(endToEnd != perLayer)
    #expect("\(String(describing: perLayer))".contains("eq. 3"))
  }
}

/// The per-layer closed form: one scalar problem per eigen-direction of the data.
@Suite struct PerLayerClosedFormTests {
  /// The scalar minimiser is the global minimiser of `h(t) = c(1 − t)² + λ L t^{2/L}` on
  /// [0, 1]: no point of a 20001-point grid is lower (1e-12), for random c, λ and L ∈ 1…6; and
  /// for L = 1 and L = 2 it is the known `c/(c + λ)` and `max(0, 1 − λ/c)` (1e-9).
  @Test func scalarMinimizerIsGlobal() async {
    await propertyCheck(count: 200, input: Gen.uint64()) { seed in
      var generator = SeededGenerator(seed: seed)
      let c = Double.random(in: 1e-4...2, using: &generator)
      let lambda = Double.random(in: 1e-4...0.5, using: &generator)
      let depth = Int.random(in: 1...6, using: &generator)
      let t = DeepLinearFigure2.perLayerScalarMinimizer(c: c, lambda: lambda, depth: depth)
      let h = DeepLinearFigure2.perLayerScalarObjective(t, c: c, lambda: lambda, depth: depth)
      let best = (0...20_000).map {
        DeepLinearFigure2.perLayerScalarObjective(
          Double($0) / 20_000, c: c, lambda: lambda, depth: depth)
      }.min()!
      #expect(t >= 0 && t <= 1)
      #expect(h <= best + 1e-12, "c = \(c), λ = \(lambda), L = \(depth): t = \(t)")
      if depth == 1 { #expect(abs(t - c / (c + lambda)) <= 1e-9) }
      if depth == 2 { #expect(abs(t - Swift.max(0, 1 - lambda / c)) <= 1e-9) }
    }
  }

  /// Trained with per-layer decay, the tiny Figure 2 reaches the per-layer closed forms: the
  /// full-loss and the centroid-loss products within 1e-4 of `perLayerMinimizer`, at every
  /// (λ, σ) of the tiny grid; the objective gap is at most 1e-7 and never below −1e-10 (no
  /// trained network beats the closed form).
  @Test func trainingReachesThePerLayerClosedForms() throws {
    var configuration = tinyConfiguration()
    configuration.penalty = .perLayer
    configuration.gradientTolerance = 1e-9
    configuration.maximumSteps = 40_000
    let experiment = try DeepLinearFigure2(configuration: configuration)
    for point in configuration.gridPoints {
      let m = try experiment.run(lambda: point.lambda, sigma: point.sigma)
      #expect(m.full.distanceToMinimizer <= 1e-4, "λ = \(m.lambda), σ = \(m.sigma), full")
      #expect(m.centroid.distanceToMinimizer <= 1e-4, "λ = \(m.lambda), σ = \(m.sigma), centroid")
      for gap in [m.full.relativeObjectiveGap, m.centroid.relativeObjectiveGap] {
        #expect(gap >= -1e-10 && gap <= 1e-7, "λ = \(m.lambda), σ = \(m.sigma): gap \(gap)")
      }
    }
  }
}
