import RankCollapseBounds
import RankCollapseClustering
import RankCollapseNetwork
import RankCollapseRegularization
import RankCollapseTensor
import Testing

@Suite("Network bounds from the penalty that trained the network")
struct PenaltyBoundsTests {
  /// The stationarity term ‖∇L_0 + 2λ_l W_l‖/(2λ_l) of layer l's Theorem 3.4 report.
  static func stationarity(_ evaluation: NetworkBoundsEvaluation, layer l: Int) -> Double {
    evaluation.theorem34[l - 1].terms.first { $0.name.hasPrefix("stationarity") }?.value ?? .nan
  }

  @Test(
    "penalty: WeightDecay(λ) and DecoupledWeightDecay(λ) give the reports of lambda: λ (relative 1e-12)"
  )
  func uniformMatchesLambda() throws {
    let data = NonlinearBoundsTests.degenerate(k: 3, copies: 4, dimension: 5, outputs: 4, seed: 3)
    let network = try NonlinearBoundsTests.network([5, 8, 7, 4], seed: 4)
    let lambda = 0.03
    let reference = try NetworkBounds.evaluate(
      network: network, inputs: data.x, targets: .values(data.y), loss: .squaredError,
      lambda: lambda, partition: data.partition)
    for evaluation in [
      try NetworkBounds.evaluate(
        network: network, inputs: data.x, targets: .values(data.y), loss: .squaredError,
        penalty: WeightDecay<Double>(lambda: lambda), partition: data.partition),
      try NetworkBounds.evaluate(
        network: network, inputs: data.x, targets: .values(data.y), loss: .squaredError,
        penalty: DecoupledWeightDecay<Double>(lambda: lambda), partition: data.partition),
    ] {
      for l in 0..<network.depth {
        #expect(abs(evaluation.layerLambdas![l] - lambda) <= 1e-15)
      }
      for (a, b) in zip(evaluation.theorem34, reference.theorem34) {
        #expect(abs(a.rightSide - b.rightSide) <= 1e-12 * abs(b.rightSide))
        #expect(a.leftSide == b.leftSide)
      }
    }
  }

  @Test(
    "Per-layer weight decay: λ_l is read from the penalty, and at a stationary point each layer's residual is small only with its own λ_l"
  )
  func perLayerLambdas() throws {
    let data = NonlinearBoundsTests.degenerate(k: 2, copies: 5, dimension: 4, outputs: 3, seed: 21)
    var network = try NonlinearBoundsTests.network([4, 6, 6, 3], seed: 22)
    let lambdas = [0.01, 0.05, 0.02]
    let penalty = WeightDecay<Double>(lambdas: lambdas)
    var trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(0.2), gradientTolerance: 1e-10,
        maximumSteps: 200_000),
      optimizer: GradientDescent<Double>(), penalty: penalty)
    let summary = try trainer.fit(&network, inputs: data.x, targets: .values(data.y))
    #expect(summary.gradientNorm <= 1e-10, "\(summary)")
    let evaluation = try NetworkBounds.evaluate(
      network: network, inputs: data.x, targets: .values(data.y), loss: .squaredError,
      penalty: penalty, partition: data.partition)
    #expect(evaluation.lambda.isNaN)
    let uniform = try NetworkBounds.evaluate(
      network: network, inputs: data.x, targets: .values(data.y), loss: .squaredError,
      lambda: lambdas[0], partition: data.partition)
    for l in 1...3 {
      #expect(abs(evaluation.layerLambdas![l - 1] - lambdas[l - 1]) <= 1e-14 * lambdas[l - 1])
      let own = Self.stationarity(evaluation, layer: l)
      #expect(own <= 1e-8, "layer \(l): stationarity with its own λ_l = \(own)")
      if l > 1 {
        // λ_1 for every layer: layers 2 and 3 look far from stationary.
        let wrong = Self.stationarity(uniform, layer: l)
        #expect(wrong > 1e3 * own + 1e-6, "layer \(l): with λ_1 \(wrong), own \(own)")
      }
    }
  }

  @Test("A penalty that is not weight decay on some layer is a typed error naming the penalty")
  func rejectsOtherPenalties() throws {
    let data = NonlinearBoundsTests.degenerate(k: 2, copies: 3, dimension: 4, outputs: 3, seed: 2)
    let network = try NonlinearBoundsTests.network([4, 5, 3], seed: 3)
    #expect(throws: NetworkBoundError.self) {
      try NetworkBounds.evaluate(
        network: network, inputs: data.x, targets: .values(data.y), loss: .squaredError,
        penalty: NoPenalty<Double>(), partition: data.partition)
    }
    #expect(throws: NetworkBoundError.self) {
      try NetworkBounds.evaluate(
        network: network, inputs: data.x, targets: .values(data.y), loss: .squaredError,
        penalty: WeightDecay<Double>(lambdas: [0.01, 0]), partition: data.partition)
    }
  }
}
