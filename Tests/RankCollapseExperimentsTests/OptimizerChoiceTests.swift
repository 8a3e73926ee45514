import RankCollapse
import RankCollapseExperiments
import Testing

@Suite("Choosing the update rule of an experiment")
struct OptimizerChoiceTests {
  @Test("Command-line names parse to rules; unknown names and bad settings are refused")
  func names() {
    #expect(OptimizerChoice(name: "gd", momentum: 0.5) == .gradientDescent(momentum: 0.5))
    #expect(OptimizerChoice(name: "adam") == .adam)
    #expect(OptimizerChoice(name: "lbfgs", history: 7) == .lbfgs(history: 7))
    #expect(OptimizerChoice(name: "LBFGS") == nil && OptimizerChoice(name: "") == nil)
    #expect(OptimizerChoice.names.compactMap { OptimizerChoice(name: $0) }.count == 3)
    #expect(throws: ParameterError.self) { try OptimizerChoice.lbfgs(history: 0).validate() }
    #expect(throws: ParameterError.self) {
      try OptimizerChoice.gradientDescent(momentum: 1).validate()
    }
    #expect(!OptimizerChoice.lbfgs.usesLearningRate && OptimizerChoice.adam.usesLearningRate)
  }

  /// A 10-8-3-8-10 tanh autoencoder on 60 points from 3 blobs.
  static func problem() throws -> (Network<Float>, Matrix<Float>) {
    var experiment = BlobsAutoencoderExperiment(
      widths: [10, 8, 3, 8, 10], clusters: 3, points: 60, seed: 4)
    experiment.meanScale = 3
    let x = try experiment.data(sigma: 0.1).points
    var generator = SeededGenerator(seed: 9)
    let network = try Network<Float>(
      widths: experiment.widths, activation: .tanh, outputActivation: .identity, using: &generator)
    return (network, x)
  }

  @Test("Beyond Float's resolution, L-BFGS continues in Double and reaches the tolerance")
  func polish() throws {
    var (network, x) = try Self.problem()
    let configuration = TrainingConfiguration(
      loss: .squaredError, stationarityTolerance: 1e-9, maximumSteps: 20_000)
    let outcome = try network.train(
      inputs: x, targets: .values(x), optimizer: .lbfgs, penalty: WeightDecay(lambda: 1e-2),
      configuration: configuration)
    // ρ ≤ 1e-9 is below what Float gradients resolve (their rounding is ~1e-7 relative): the
    // Float phase must stop on the precision limit and the Double phase finish the job.
    #expect(outcome.polishIterations > 0)
    #expect(outcome.summary.reason == .stationarityTolerance)
    #expect((outcome.summary.stationarity ?? .nan) <= 1e-9)
    #expect(outcome.summary.steps > outcome.polishIterations)
  }

  @Test("Without a polish phase the Float run reports why it stopped")
  func floatOnly() throws {
    var (network, x) = try Self.problem()
    var trainer = QuasiNewtonTrainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, stationarityTolerance: 1e-9, maximumSteps: 20_000),
      method: LBFGS<Float>(), penalty: WeightDecay<Float>(lambda: 1e-2))
    let summary = try trainer.fit(&network, inputs: x, targets: .values(x))
    #expect(summary.reason == .precisionLimit || summary.reason == .lineSearchFailed)
    #expect(!summary.reason.isConverged)
    #expect(summary.steps < 20_000)
  }
}
