import RankCollapse
import Testing
import _RankCollapseTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small clustered data: blobs in dimension `d` with `sizes[k]` points each and noise σ.
private func blobs(
  sizes: [Int], d: Int, sigma: Double, seed: UInt64
) -> (x: Matrix<Double>, labels: [Int]) {
  var generator = SeededGenerator(seed: seed)
  let means = Matrix<Double>.randomNormal(rows: sizes.count, columns: d, using: &generator)
  var rows: [[Double]] = []
  var labels: [Int] = []
  for (k, size) in sizes.enumerated() {
    for _ in 0..<size {
      let noise = Matrix<Double>.randomNormal(rows: 1, columns: d, using: &generator)
      rows.append((0..<d).map { means.row(k)[$0] + sigma * noise.row(0)[$0] })
      labels.append(k)
    }
  }
  return (Matrix(rows), labels)
}

private func network(_ widths: [Int], seed: UInt64) -> Network<Double> {
  var generator = SeededGenerator(seed: seed)
  guard let network = try? Network<Double>(widths: widths, activation: .tanh, using: &generator)
  else { preconditionFailure("test widths \(widths) are valid") }
  return network
}

/// A configuration whose full phase makes no update (the warm-up alone is observed).
private func noFullPhase(_ loss: Loss = .squaredError, rate: Double = 0.1)
  -> TrainingConfiguration
{
  TrainingConfiguration(loss: loss, learningRate: .constant(rate), maximumSteps: 0)
}

/// (Θ_0 − Θ_1)/η for every weight and bias, in layer order.
private func impliedGradient(
  _ before: Network<Double>, _ after: Network<Double>, rate: Double
) -> [Matrix<Double>] {
  before.layers.indices.flatMap { l in
    [
      (before.layers[l].weight - after.layers[l].weight) * (1 / rate),
      (before.layers[l].bias - after.layers[l].bias) * (1 / rate),
    ]
  }
}

private func contiguous(_ sizes: [Int]) -> Partition {
  Partition(assignment: sizes.enumerated().flatMap { Array(repeating: $0, count: $1) })
}

@Suite struct CentroidWarmupTests {
  /// One warm-up step of plain gradient descent moves Θ by −η∇L_λ^{0,𝒞} (equation 8 at j = 0),
  /// with ∇L_0^{0,𝒞} from `CentroidBasedLoss` and 2λΘ from weight decay; balanced partitions take
  /// the batched path, unbalanced ones the per-centroid weighted path.
  @Test(arguments: [[6, 6, 6], [3, 9, 5]])
  func centroidStepFollowsCentroidBasedGradient(sizes: [Int]) throws {
    let (x, _) = blobs(sizes: sizes, d: 4, sigma: 0.3, seed: 7)
    let start = network([4, 5, 3, 4], seed: 11)
    let partition = contiguous(sizes)
    let lambda = 0.01
    let rate = 0.1
    var trainer = CentroidWarmupTrainer(
      configuration: noFullPhase(rate: rate),
      warmup: CentroidWarmupConfiguration(
        partition: .partition(partition), residualFraction: 1e9, maximumSteps: 1),
      optimizer: GradientDescent<Double>(), penalty: WeightDecay<Double>(lambda: lambda))
    var trained = start
    let result = try trainer.fit(&trained, inputs: x, targets: .values(x))
    #expect(result.switchStep == 1)
    #expect(result.switchReason == .stepCap)
    let reference = try CentroidBasedLoss(
      network: start, inputs: x, targets: .values(x), loss: .squaredError, partition: partition,
      layer: 0)
    var expected: [Matrix<Double>] = []
    for l in start.layers.indices {
      expected.append(reference.weightGradients[l] + start.layers[l].weight * (2 * lambda))
      expected.append(reference.biasGradients[l] + start.layers[l].bias * (2 * lambda))
    }
    let implied = impliedGradient(start, trained, rate: rate)
    // Double arithmetic on O(1) values; dividing by η = 0.1 keeps rounding far below 1e-10.
    for (a, b) in zip(implied, expected) { #expect(maxDifference(a, b) < 1e-10) }
    let objective = reference.regularizedValue(network: start, lambda: lambda)
    #expect(abs(result.warmup[0].centroidObjective - objective) < 1e-12 * max(1, objective))
  }

  /// With labels and softmax cross-entropy the centroid targets are class-frequency vectors;
  /// the step still follows `CentroidBasedLoss` (an unbalanced partition that mixes classes).
  @Test func labelTargetsUseClassFrequencyCentroids() throws {
    let (x, labels) = blobs(sizes: [5, 7, 4], d: 3, sigma: 0.5, seed: 3)
    let start = network([3, 6, 3], seed: 5)
    let partition = Partition(assignment: (0..<16).map { $0 % 4 == 0 ? 1 : ($0 < 8 ? 0 : 2) })
    let rate = 0.05
    var trainer = CentroidWarmupTrainer(
      configuration: noFullPhase(.softmaxCrossEntropy, rate: rate),
      warmup: CentroidWarmupConfiguration(
        partition: .partition(partition), residualFraction: 1e9, maximumSteps: 1),
      optimizer: GradientDescent<Double>(), penalty: NoPenalty<Double>())
    var trained = start
    _ = try trainer.fit(&trained, inputs: x, targets: .labels(labels))
    let reference = try CentroidBasedLoss(
      network: start, inputs: x, targets: .labels(labels), loss: .softmaxCrossEntropy,
      partition: partition, layer: 0)
    let implied = impliedGradient(start, trained, rate: rate)
    for l in start.layers.indices {
      #expect(maxDifference(implied[2 * l], reference.weightGradients[l]) < 1e-10)
      #expect(maxDifference(implied[2 * l + 1], reference.biasGradients[l]) < 1e-10)
    }
  }

  /// With the whole data as the sample, the first residual check is exactly Lemma 3.3's
  /// ‖∇L_0 − ∇L_0^{0,𝒞}‖, computed here independently.
  @Test func residualEstimateIsLemma33Residual() throws {
    let (x, labels) = blobs(sizes: [8, 8, 8], d: 4, sigma: 0.4, seed: 21)
    let start = network([4, 6, 4], seed: 2)
    let partition = try Partition(labels: labels)
    var trainer = CentroidWarmupTrainer(
      configuration: noFullPhase(),
      warmup: CentroidWarmupConfiguration(
        partition: .partition(partition), residualFraction: 1e9, sampleSize: 1000,
        maximumSteps: 1),
      optimizer: GradientDescent<Double>(), penalty: WeightDecay<Double>(lambda: 0.1))
    var trained = start
    let result = try trainer.fit(&trained, inputs: x, targets: .values(x))
    let (_, full) = try start.gradients(inputs: x, targets: .values(x), loss: .squaredError)
    let centroid = try CentroidBasedLoss(
      network: start, inputs: x, targets: .values(x), loss: .squaredError, partition: partition,
      layer: 0)
    var squared = 0.0
    for l in start.layers.indices {
      squared += (full.weights[l] - centroid.weightGradients[l]).frobeniusNorm.squared
      squared += (full.biases[l] - centroid.biasGradients[l]).frobeniusNorm.squared
    }
    let check = try #require(result.checks.first)
    #expect(check.step == 0)
    #expect(squared > 1e-6)  // the data is not degenerate, so the next line is not 0 ≈ 0
    #expect(abs(check.residual - squared.squareRoot()) < 1e-10)
  }

  /// ρ far below the residual ratio switches at the first check (step 0); degenerate clusters
  /// (every point on its centroid) have zero residual, never switch by the rule and run to the
  /// cap, checking every m steps.
  @Test func switchRuleTriggersOnlyWhenResidualExceedsFraction() throws {
    let (noisy, _) = blobs(sizes: [10, 10], d: 3, sigma: 0.5, seed: 1)
    let (exact, labels) = blobs(sizes: [10, 10], d: 3, sigma: 0, seed: 1)
    let start = network([3, 4, 3], seed: 9)
    func run(_ x: Matrix<Double>, rho: Double) throws -> CentroidWarmupResult {
      var trainer = CentroidWarmupTrainer(
        configuration: noFullPhase(rate: 0.01),
        warmup: CentroidWarmupConfiguration(
          partition: .partition(try Partition(labels: labels)), residualFraction: rho,
          checkInterval: 3, sampleSize: 8, maximumSteps: 25),
        optimizer: GradientDescent<Double>(), penalty: WeightDecay<Double>(lambda: 1e-3))
      var net = start
      return try trainer.fit(&net, inputs: x, targets: .values(x))
    }
    let early = try run(noisy, rho: 1e-6)
    #expect(early.switchReason == .residual)
    #expect(early.switchStep == 0)
    #expect(early.checks.count == 1)

    let never = try run(exact, rho: 0.5)
    #expect(never.switchReason == .stepCap)
    #expect(never.switchStep == 25)
    #expect(never.checks.map(\.step) == Array(stride(from: 0, through: 24, by: 3)))
    for check in never.checks { #expect(check.ratio < 1e-8) }
    #expect(never.warmup.count == 26)
  }

  /// On noisy data the warm-up continues while r̂ ≤ ρ‖∇L_λ^{0,𝒞}‖ and switches at the first
  /// check where it is exceeded: the centroid gradient shrinks while the residual does not.
  @Test func switchHappensAtFirstCheckAboveFraction() throws {
    let (x, labels) = blobs(sizes: [30, 30, 30], d: 4, sigma: 0.15, seed: 4)
    var net = network([4, 8, 4], seed: 8)
    var trainer = CentroidWarmupTrainer(
      configuration: noFullPhase(rate: 0.05),
      warmup: CentroidWarmupConfiguration(
        partition: .partition(try Partition(labels: labels)), residualFraction: 0.5,
        checkInterval: 5, sampleSize: 90, maximumSteps: 5000),
      optimizer: GradientDescent<Double>(momentum: 0.9),
      penalty: WeightDecay<Double>(lambda: 1e-3))
    let result = try trainer.fit(&net, inputs: x, targets: .values(x))
    #expect(result.switchReason == .residual)
    #expect(result.switchStep > 0)
    #expect(result.switchStep < 5000)
    let last = try #require(result.checks.last)
    #expect(last.step == result.switchStep)
    #expect(last.residual > 0.5 * last.centroidGradientNorm)
    for check in result.checks.dropLast() {
      #expect(check.residual <= 0.5 * check.centroidGradientNorm)
    }
    #expect(
      result.checks.map(\.step) == Array(stride(from: 0, through: result.switchStep, by: 5)))
  }

  /// A huge gradient tolerance makes the centroid objective count as stationary at once.
  @Test func centroidStationarySwitch() throws {
    let (x, labels) = blobs(sizes: [5, 5], d: 3, sigma: 0, seed: 2)
    var net = network([3, 4, 3], seed: 1)
    var trainer = CentroidWarmupTrainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(0.01), gradientTolerance: 1e6,
        maximumSteps: 0),
      warmup: CentroidWarmupConfiguration(
        partition: .partition(try Partition(labels: labels)), maximumSteps: 100),
      optimizer: GradientDescent<Double>(), penalty: NoPenalty<Double>())
    let result = try trainer.fit(&net, inputs: x, targets: .values(x))
    #expect(result.switchReason == .centroidStationary)
    #expect(result.switchStep == 0)
  }

  /// Refreshing from a hidden layer recovers two well-separated blobs from a scrambled starting
  /// partition, at the scheduled steps; without a refresh the partition stays.
  @Test func refreshRecoversClustersFromHiddenLayer() throws {
    var generator = SeededGenerator(seed: 12)
    let offsets = Matrix<Double>.randomNormal(rows: 40, columns: 3, using: &generator)
    let x = Matrix<Double>(
      (0..<40).map { i in (0..<3).map { (i < 20 ? -2.0 : 2.0) + 0.05 * offsets.row(i)[$0] } })
    let scrambled = Partition(assignment: (0..<40).map { $0 % 2 })
    var net = network([3, 6, 3], seed: 3)
    var trainer = CentroidWarmupTrainer(
      configuration: noFullPhase(rate: 0.01),
      warmup: CentroidWarmupConfiguration(
        partition: .partition(scrambled), residualFraction: 1e9, maximumSteps: 12,
        refresh: PartitionRefresh(layer: 1, everySteps: 5)),
      optimizer: GradientDescent<Double>(), penalty: NoPenalty<Double>())
    let result = try trainer.fit(&net, inputs: x, targets: .values(x))
    #expect(result.refreshSteps == [5, 10])
    let a = result.partition.assignment
    #expect(result.partition.count == 2)
    #expect(Set(a[0..<20]).count == 1)
    #expect(Set(a[20..<40]).count == 1)
    #expect(a[0] != a[20])
    trainer.warmup.refresh = nil
    var other = network([3, 6, 3], seed: 3)
    let kept = try trainer.fit(&other, inputs: x, targets: .values(x))
    #expect(kept.partition == scrambled)
    #expect(kept.refreshSteps.isEmpty)
  }

  /// Same seed ⇒ same parameters and trajectories (k-means partition, sampled checks, Adam
  /// state, full phase); a different seed changes the sampled residuals.
  @Test func deterministicForSeed() throws {
    let (x, _) = blobs(sizes: [15, 15, 15], d: 4, sigma: 0.3, seed: 6)
    func run(seed: UInt64) throws -> (Network<Double>, CentroidWarmupResult) {
      var net = network([4, 5, 4], seed: 4)
      var trainer = CentroidWarmupTrainer(
        configuration: TrainingConfiguration(
          loss: .squaredError, learningRate: .constant(0.05), maximumSteps: 10),
        warmup: CentroidWarmupConfiguration(
          partition: .kMeans(clusters: 3), residualFraction: 2, checkInterval: 2, sampleSize: 10,
          maximumSteps: 15, seed: seed),
        optimizer: Adam<Double>(), penalty: WeightDecay<Double>(lambda: 1e-3))
      let result = try trainer.fit(&net, inputs: x, targets: .values(x))
      return (net, result)
    }
    let (a, ra) = try run(seed: 1)
    let (b, rb) = try run(seed: 1)
    let (_, rc) = try run(seed: 2)
    #expect(a == b)
    #expect(ra.checks == rb.checks)
    #expect(ra.warmup.map(\.centroidObjective) == rb.warmup.map(\.centroidObjective))
    #expect(ra.full.map(\.objective) == rb.full.map(\.objective))
    #expect(ra.full.count == 11)
    #expect(ra.checks.map(\.residual) != rc.checks.map(\.residual))
  }

  /// The full phase's observer sees the full-data steps at the configured interval (after
  /// their records), can stop training, and its time is left out of the recorded seconds:
  /// the trainer's clock runs inside the caller's, and the observer's sleeps (measured here)
  /// are subtracted, so result.seconds ≤ outer wall time − observer time (an inequality that
  /// holds however loaded the machine is, and fails without the exclusion since the sleeps
  /// dominate the run).
  @Test func fullPhaseObserverIsCalledAndExcludedFromTime() throws {
    let (x, labels) = blobs(sizes: [10, 10], d: 3, sigma: 0.2, seed: 8)
    var net = network([3, 4, 2], seed: 5)
    var configuration = TrainingConfiguration(
      loss: .softmaxCrossEntropy, learningRate: .constant(0.05), maximumSteps: 20,
      observerInterval: 3)
    configuration.batchSize = 8
    var trainer = CentroidWarmupTrainer(
      configuration: configuration,
      warmup: CentroidWarmupConfiguration(
        partition: .labels, residualFraction: 1e9, maximumSteps: 4),
      optimizer: GradientDescent<Double>(), penalty: WeightDecay<Double>(lambda: 1e-3))
    var seen: [Int] = []
    var observed = Duration.zero
    var captured: CentroidWarmupResult?
    let clock = ContinuousClock()
    let outer = try clock.measure {
      captured = try trainer.fit(&net, inputs: x, targets: .labels(labels)) { snapshot in
        let started = clock.now
        seen.append(snapshot.step)
        usleep(50_000)
        observed += clock.now - started
        return snapshot.step >= 12 ? .stop : .proceed
      }
    }
    let result = try #require(captured)
    #expect(seen == [0, 3, 6, 9, 12])
    #expect(result.full.map(\.step) == [0, 3, 6, 9, 12])
    #expect(result.summary.reason == .observer)
    #expect(result.summary.steps == 12)
    #expect(result.switchStep == 4)
    func seconds(_ d: Duration) -> Double {
      Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
    #expect(seconds(observed) >= 0.25)
    #expect(result.seconds <= seconds(outer) - seconds(observed))
    #expect(result.full.last?.seconds ?? .infinity <= result.seconds)
  }

  /// Bad settings are typed errors, thrown before the network changes.
  @Test func badConfigurationsThrowTypedErrors() throws {
    let (x, labels) = blobs(sizes: [3, 3], d: 2, sigma: 0.1, seed: 1)
    let start = network([2, 3, 2], seed: 1)
    func attempt(
      _ warmup: CentroidWarmupConfiguration,
      configuration: TrainingConfiguration = noFullPhase(), targets: Targets<Double>? = nil
    ) -> WarmupError? {
      var trainer = CentroidWarmupTrainer(
        configuration: configuration, warmup: warmup, optimizer: GradientDescent<Double>(),
        penalty: NoPenalty<Double>())
      var net = start
      do {
        _ = try trainer.fit(&net, inputs: x, targets: targets ?? .values(x))
        return nil
      } catch {
        #expect(net == start)
        return error
      }
    }
    func message(_ error: WarmupError?) -> String { error.map { "\($0)" } ?? "no error" }
    let byLabels = CentroidWarmupConfiguration(partition: .labels)
    let labelTargets = Targets<Double>.labels(labels)
    var w = byLabels
    w.residualFraction = 0
    #expect(
      attempt(w, targets: labelTargets)
        == .invalidParameter(name: "residualFraction", value: "0.0", requirement: "finite and > 0"))
    w.residualFraction = -.infinity
    #expect(message(attempt(w, targets: labelTargets)).contains("residualFraction"))
    w = byLabels
    w.checkInterval = 0
    #expect(message(attempt(w, targets: labelTargets)).contains("checkInterval"))
    w = byLabels
    w.maximumSteps = -1
    #expect(message(attempt(w, targets: labelTargets)).contains("maximumSteps"))
    w = byLabels
    w.sampleSize = 0
    #expect(message(attempt(w, targets: labelTargets)).contains("sampleSize"))
    #expect(
      attempt(CentroidWarmupConfiguration(partition: .kMeans(clusters: 7)))
        == .tooManyClusters(clusters: 7, points: 6))
    #expect(attempt(byLabels) == .labelsRequired)
    #expect(
      attempt(CentroidWarmupConfiguration(partition: .partition(Partition(assignment: [0, 1]))))
        == .partitionMismatch(partitionPoints: 2, points: 6))
    w = byLabels
    w.refresh = PartitionRefresh(layer: 2, everySteps: 1)
    #expect(message(attempt(w, targets: labelTargets)).contains("refresh.layer"))
    let unbounded = TrainingConfiguration(loss: .squaredError, learningRate: .constant(0.1))
    let error = attempt(byLabels, configuration: unbounded, targets: labelTargets)
    guard case .training(.invalidConfiguration) = error else {
      Issue.record("a configuration without a budget must be rejected, got \(message(error))")
      return
    }
    #expect(
      attempt(byLabels, targets: .labels([0, 1, 0, 1, 0, 5]))
        == .invalidData(.labelOutOfRange(index: 5, label: 5, classes: 2)))
  }
}

extension Double {
  fileprivate var squared: Double { self * self }
}
