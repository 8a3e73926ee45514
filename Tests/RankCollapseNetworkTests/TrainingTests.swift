import Foundation
import RankCollapseNetwork
import RankCollapseRegularization
import RankCollapseSpectral
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

@Suite("Training")
struct TrainingTests {
  @Test("A 2-8-2 tanh network learns XOR-like data (four noisy clusters, accuracy 1)")
  func learnsXOR() throws {
    var generator = SeededGenerator(seed: 5)
    var rows: [[Double]] = []
    var labels: [Int] = []
    for _ in 0..<50 {
      for (a, b) in [(0.0, 0.0), (0, 1), (1, 0), (1, 1)] {
        rows.append([
          a + Double.random(in: -0.1...0.1, using: &generator),
          b + Double.random(in: -0.1...0.1, using: &generator),
        ])
        labels.append(a == b ? 0 : 1)
      }
    }
    let x = Matrix(rows)
    var network = try Network<Double>(widths: [2, 8, 2], activation: .tanh, using: &generator)
    let before = try network.accuracy(inputs: x, targets: .labels(labels))
    var trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: .softmaxCrossEntropy, learningRate: .constant(0.05), maximumSteps: 600),
      optimizer: Adam<Double>(), penalty: WeightDecay<Double>(lambda: 1e-5))
    let summary = try trainer.fit(&network, inputs: x, targets: .labels(labels))
    let after = try network.accuracy(inputs: x, targets: .labels(labels))
    #expect(before < 0.9, "an untrained network should not already solve XOR (\(before))")
    #expect(after == 1, "accuracy \(after) after \(summary.steps) steps, loss \(summary.loss)")
  }

  @Test(
    "A linear model trained by gradient descent recovers the ridge solution Θ* = Y Xᵀ(XXᵀ + NλI)⁻¹",
    arguments: [0.01, 0.1, 1.0])
  func ridgeRegression(lambda: Double) throws {
    var generator = SeededGenerator(seed: 17)
    let (n, d, c) = (40, 5, 3)
    let x = Matrix<Double>.randomNormal(rows: n, columns: d, using: &generator)
    let y = Matrix<Double>.randomNormal(rows: n, columns: c, using: &generator)
    var network = try Network<Double>(
      widths: [d, c], activation: .identity, biases: false, using: &generator)
    var trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(0.1), gradientTolerance: 1e-12,
        maximumSteps: 200_000),
      optimizer: GradientDescent<Double>(), penalty: WeightDecay<Double>(lambda: lambda))
    let summary = try trainer.fit(&network, inputs: x, targets: .values(y))
    #expect(summary.reason == .gradientTolerance)
    // Rows are samples here: Θ* = Yᵀ X (XᵀX + NλI)⁻¹ (the paper's formula with columns = samples).
    let gram = x.matmul(x, transposeSelf: true) + Matrix.identity(d) * (Double(n) * lambda)
    let rhs = x.matmul(y, transposeSelf: true)  // Xᵀ Y, d × c
    let solution = try gram.solve(rhs).transposed()  // c × d
    let difference = maxDifference(network.layers[0].weight, solution)
    #expect(difference < 1e-6, "max |W − Θ*| = \(difference)")
    // At the minimiser the stationarity residual of eq. (4) vanishes.
    let residuals = try WeightDecay<Double>(lambda: lambda).stationarityResiduals(
      of: network, inputs: x, targets: .values(y), loss: .squaredError)
    #expect(try #require(residuals[0].relative) < 1e-9)
  }

  @Test("The stationarity residual is large at initialisation")
  func residualAtInitialisation() throws {
    let (network, x, y) = try regressionProblem(widths: [4, 6, 3], rows: 30, seed: 2)
    let residuals = try WeightDecay<Double>(lambda: 1e-3).stationarityResiduals(
      of: network, inputs: x, targets: .values(y), loss: .squaredError)
    #expect(residuals.count == 2)
    for residual in residuals {
      #expect(try #require(residual.relative) > 1)
      #expect(residual.decayNorm > 0)
    }
  }

  @Test("A divergent learning rate stops with the divergence error and finite parameters")
  func divergence() throws {
    var generator = SeededGenerator(seed: 8)
    var network = try Network<Float>(widths: [3, 16, 3], activation: .relu, using: &generator)
    let x = Matrix<Float>.randomNormal(
      rows: 64, columns: 3, standardDeviation: 10, using: &generator)
    var trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(50), maximumSteps: 10_000),
      optimizer: GradientDescent<Float>(), penalty: WeightDecay<Float>(lambda: 1e-3))
    var caught: TrainingError?
    do {
      _ = try trainer.fit(&network, inputs: x, targets: .values(x))
    } catch {
      caught = error
    }
    guard case .diverged(let step, let objective, _) = try #require(caught) else {
      Issue.record("expected divergence, got \(String(describing: caught))")
      return
    }
    #expect(step > 0)
    #expect(!objective.isFinite)
    #expect(network.layers.allSatisfy { $0.weight.isFinite && $0.bias.isFinite })
    #expect(try network.loss(inputs: x, targets: .values(x), loss: .squaredError).isFinite)
  }

  @Test("Same seed, same thread count: identical trajectories")
  func determinism() throws {
    func run() throws -> Network<Float> {
      var generator = SeededGenerator(seed: 99)
      var network = try Network<Float>(
        widths: [6, 10, 4], activation: .tanh, initializer: .orthogonal(gain: 1),
        using: &generator)
      let x = Matrix<Float>.randomNormal(rows: 50, columns: 6, using: &generator)
      let labels = (0..<50).map { _ in Int.random(in: 0..<4, using: &generator) }
      var trainer = Trainer(
        configuration: TrainingConfiguration(
          loss: .softmaxCrossEntropy, learningRate: .cosine(initial: 0.1, minimum: 0, steps: 30),
          batchSize: 8, shuffleSeed: 3, maximumSteps: 30),
        optimizer: GradientDescent<Float>(momentum: 0.9, nesterov: true),
        penalty: WeightDecay<Float>(lambda: 1e-3))
      _ = try trainer.fit(&network, inputs: x, targets: .labels(labels))
      return network
    }
    #expect(try run() == run())
  }

  @Test("Invalid configurations and data are typed errors that name the problem")
  func validation() throws {
    var generator = SeededGenerator(seed: 1)
    var network = try Network<Float>(widths: [3, 2], activation: .tanh, using: &generator)
    let x = Matrix<Float>.zeros(rows: 4, columns: 3)
    func error(
      _ configuration: TrainingConfiguration, inputs: Matrix<Float>? = nil,
      targets: Targets<Float>? = nil
    ) -> TrainingError? {
      var trainer = Trainer(
        configuration: configuration, optimizer: GradientDescent<Float>(),
        penalty: NoPenalty<Float>())
      do {
        _ = try trainer.fit(
          &network, inputs: inputs ?? x, targets: targets ?? .values(.zeros(rows: 4, columns: 2)))
        return nil
      } catch {
        return error
      }
    }
    let base = TrainingConfiguration(
      loss: .squaredError, learningRate: .constant(0.1), maximumSteps: 1)
    var noBudget = base
    noBudget.maximumSteps = nil
    #expect(error(noBudget)?.description.contains("maximumSteps") == true)
    var badRate = base
    badRate.learningRate = .constant(-1)
    #expect(error(badRate)?.description.contains("learning-rate") == true)
    var badBatch = base
    badBatch.batchSize = 0
    #expect(error(badBatch)?.description.contains("batchSize") == true)
    #expect(
      error(base, inputs: .zeros(rows: 4, columns: 5))
        == .invalidData(.inputWidthMismatch(expected: 3, got: 5)))
    #expect(
      error(base, targets: .labels([0, 1, 2, 0]))
        == .invalidData(.labelOutOfRange(index: 2, label: 2, classes: 2)))
    #expect(error(base, targets: .labels([0])) != nil)
    #expect(throws: NetworkError.tooFewWidths(count: 1)) {
      try Network<Float>(widths: [3], activation: .tanh, using: &generator)
    }
    #expect(throws: NetworkError.invalidSlope(layer: 1, slope: 2)) {
      try Network<Float>(widths: [3, 2], activations: [.leakyReLU(slope: 2)], using: &generator)
    }
    #expect(throws: NetworkError.invalidWidth(layer: 1, width: 0)) {
      try Network<Float>(widths: [3, 0, 2], activation: .tanh, using: &generator)
    }
  }

  @Test("Embeddings computed in batches equal one forward pass")
  func embeddingsInBatches() throws {
    var generator = SeededGenerator(seed: 4)
    let network = try Network<Double>(
      widths: [5, 7, 3, 4], activations: [.gelu, .sigmoid, .leakyReLU(slope: 0.2)],
      using: &generator)
    let x = Matrix<Double>.randomNormal(rows: 23, columns: 5, using: &generator)
    let full = try network.embeddings(of: x, batchSize: 23)
    #expect(full.count == 4)
    #expect(full[0] == x)
    #expect(maxDifference(full[3], network(x)) < 1e-14)
    for batchSize in [1, 7, 100] {
      let batched = try network.embeddings(of: x, batchSize: batchSize)
      for j in 0...3 { #expect(maxDifference(batched[j], full[j]) < 1e-14) }
    }
    #expect(maxDifference(try network.embedding(layer: 2, of: x, batchSize: 5), full[2]) < 1e-14)
  }

  @Test("Learning-rate schedules: constant, step and cosine values")
  func schedules() {
    #expect(LearningRateSchedule.constant(0.3).rate(atStep: 1000) == 0.3)
    let step = LearningRateSchedule.step(initial: 1, factor: 0.5, every: 10)
    #expect(step.rate(atStep: 9) == 1)
    #expect(step.rate(atStep: 10) == 0.5)
    #expect(step.rate(atStep: 35) == 0.125)
    let cosine = LearningRateSchedule.cosine(initial: 1, minimum: 0.1, steps: 100)
    #expect(abs(cosine.rate(atStep: 0) - 1) < 1e-15)
    #expect(abs(cosine.rate(atStep: 50) - 0.55) < 1e-12)
    #expect(abs(cosine.rate(atStep: 100) - 0.1) < 1e-15)
    #expect(abs(cosine.rate(atStep: 500) - 0.1) < 1e-15)
  }
}
