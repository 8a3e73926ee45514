import RankCollapseNetwork
import RankCollapseRegularization
import RankCollapseTensor
import Testing

@Suite("Training with a rule chosen at run time, the scalar type written once")
struct TrainingCallTests {
  /// A 6-4-6 tanh autoencoder and 40 inputs.
  private func problem<Scalar: MatrixScalar>(_: Scalar.Type) throws -> (
    Network<Scalar>, Matrix<Scalar>
  ) {
    var generator = SeededGenerator(seed: 11)
    let network = try Network<Scalar>(
      widths: [6, 4, 6], activation: .tanh, outputActivation: .identity, using: &generator)
    return (network, Matrix<Scalar>.randomNormal(rows: 40, columns: 6, using: &generator))
  }

  @Test(
    "Every rule named on a command line trains through Network.train and lowers L_λ",
    arguments: OptimizerChoice.names)
  func everyRule(name: String) throws {
    let choice = try #require(OptimizerChoice(name: name))
    var (network, x) = try problem(Float.self)
    let configuration = TrainingConfiguration(
      loss: .squaredError, learningRate: .constant(0.01), maximumSteps: 200)
    let penalty = WeightDecay<Float>(lambda: 1e-3)
    let before =
      try network.loss(inputs: x, targets: .values(x), loss: .squaredError)
      + penalty.value(of: network)
    let outcome = try network.train(
      inputs: x, targets: .values(x), optimizer: choice, penalty: WeightDecay(lambda: 1e-3),
      configuration: configuration)
    #expect(outcome.summary.objective < before, "\(name): \(outcome.summary)")
    #expect(outcome.polishIterations == 0)
  }

  @Test("Double networks train with the same call; the result equals the explicit trainer's")
  func sameAsExplicitTrainer() throws {
    var (network, x) = try problem(Double.self)
    var explicit = network
    let configuration = TrainingConfiguration(loss: .squaredError, maximumSteps: 50)
    let outcome = try network.train(
      inputs: x, targets: .values(x), optimizer: .lbfgs(history: 5),
      penalty: WeightDecay(lambda: 1e-2), configuration: configuration)
    var trainer = QuasiNewtonTrainer(
      configuration: configuration, method: LBFGS<Double>(historySize: 5),
      penalty: WeightDecay<Double>(lambda: 1e-2))
    let summary = try trainer.fit(&explicit, inputs: x, targets: .values(x))
    #expect(network == explicit)
    #expect(outcome.summary.steps == summary.steps)
  }

  @Test("An out-of-range history or momentum is a configuration error, before any step")
  func invalidRule() throws {
    for choice in [OptimizerChoice.lbfgs(history: 0), .gradientDescent(momentum: 1)] {
      var (network, x) = try problem(Float.self)
      let start = network
      #expect(throws: TrainingError.self) {
        try network.train(
          inputs: x, targets: .values(x), optimizer: choice, penalty: NoPenalty(),
          configuration: TrainingConfiguration(loss: .squaredError, maximumSteps: 5))
      }
      #expect(network == start)
    }
  }

  @Test("Penalties know their Double version; one without stops after the Float phase")
  func doubleVersions() throws {
    #expect(WeightDecay<Float>(lambdas: [1e-3, 2e-3]).inDoublePrecision() is WeightDecay<Double>)
    #expect(DecoupledWeightDecay<Float>(lambda: 1e-3).inDoublePrecision() != nil)
    #expect(EndToEndWeightDecay<Float>(lambda: 1e-3).inDoublePrecision() != nil)
    let decay = try #require(
      WeightDecay<Float>(lambdas: [1e-3, 2e-3], includesBiases: false).inDoublePrecision()
        as? WeightDecay<Double>)
    #expect(decay.lambdas == [1e-3, 2e-3] && !decay.includesBiases)
    #expect(FloatOnlyPenalty().inDoublePrecision() == nil)
    // ρ ≤ 1e-12 is out of Float's reach: L-BFGS stops on the precision limit or a failed line
    // search, and with no Double penalty there is no polish phase.
    var (network, x) = try problem(Float.self)
    let outcome = try network.train(
      inputs: x, targets: .values(x), optimizer: .lbfgs, penalty: FloatOnlyPenalty(),
      configuration: TrainingConfiguration(
        loss: .squaredError, stationarityTolerance: 1e-12, maximumSteps: 5000))
    #expect(outcome.polishIterations == 0)
    #expect(!outcome.summary.reason.isConverged)
  }
}

/// λ‖Θ‖² with λ = 0.01 and no `Double` version.
private struct FloatOnlyPenalty: Penalty {
  let decay = WeightDecay<Float>(lambda: 1e-2)
  func value(of network: Network<Float>) -> Double { decay.value(of: network) }
  func addGradient(of network: Network<Float>, to gradients: inout Gradients<Float>) {
    decay.addGradient(of: network, to: &gradients)
  }
  func decoupledRate(layer: Int, isBias: Bool) -> Float { 0 }
}
