import Foundation
import PropertyBased
import RankCollapseNetwork
import RankCollapseRegularization
import RankCollapseSpectral
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

@Suite("Optimizers and Proposition 3.1")
struct OptimizerTests {
  /// A one-layer network whose single weight and bias we can follow by hand.
  static func scalarNetwork(weight: Double, bias: Double) throws -> Network<Double> {
    try Network(layers: [
      Dense(weight: Matrix([[weight]]), bias: Matrix([[bias]]), activation: .identity)
    ])
  }

  static func gradients(_ gw: Double, _ gb: Double) throws -> Gradients<Double> {
    var g = Gradients(zeroingParametersOf: try scalarNetwork(weight: 0, bias: 0))
    g.weights[0][0, 0] = gw
    g.biases[0][0, 0] = gb
    return g
  }

  @Test("Adam follows Kingma & Ba's update (bias-corrected moments), AdamW adds η·r·θ")
  func adamMatchesReference() throws {
    var adam = Adam<Double>(beta1: 0.8, beta2: 0.95, epsilon: 1e-6)
    var network = try Self.scalarNetwork(weight: 1.5, bias: -0.5)
    var next = try Self.scalarNetwork(weight: 0, bias: 0)
    let sequence = [(0.3, -1.0), (-0.2, 0.4), (0.7, 0.1)]
    var (m, v, theta) = (0.0, 0.0, 1.5)
    for (t, (g, gb)) in sequence.enumerated() {
      adam.step(
        from: network, to: &next, gradients: try Self.gradients(g, gb), learningRate: 0.1,
        decoupledRates: [(weight: 0.2, bias: 0)])
      swap(&network, &next)
      m = 0.8 * m + 0.2 * g
      v = 0.95 * v + 0.05 * g * g
      let mHat = m / (1 - pow(0.8, Double(t + 1)))
      let vHat = v / (1 - pow(0.95, Double(t + 1)))
      theta -= 0.1 * (mHat / (vHat.squareRoot() + 1e-6) + 0.2 * theta)
      #expect(abs(network.layers[0].weight[0, 0] - theta) < 1e-14)
    }
    #expect(adam.state.step == 3)
  }

  @Test("Heavy-ball and Nesterov momentum follow PyTorch's SGD formulas")
  func momentumMatchesReference() throws {
    for nesterov in [false, true] {
      var rule = GradientDescent<Double>(momentum: 0.9, nesterov: nesterov)
      var network = try Self.scalarNetwork(weight: 2, bias: 0)
      var next = try Self.scalarNetwork(weight: 0, bias: 0)
      var (velocity, theta) = (0.0, 2.0)
      for g in [1.0, -0.5, 0.25, 2.0] {
        rule.step(
          from: network, to: &next, gradients: try Self.gradients(g, 0), learningRate: 0.01,
          decoupledRates: [(0, 0)])
        swap(&network, &next)
        velocity = 0.9 * velocity + g
        theta -= 0.01 * (nesterov ? g + 0.9 * velocity : velocity)
        #expect(abs(network.layers[0].weight[0, 0] - theta) < 1e-15)
      }
      #expect(rule.name == (nesterov ? "nesterov" : "momentum"))
    }
  }

  @Test("With plain gradient descent, decoupled weight decay equals weight decay")
  func decoupledEqualsCoupledForGradientDescent() throws {
    let (start, x, y) = try regressionProblem(widths: [4, 5, 2], rows: 20, seed: 6)
    let configuration = TrainingConfiguration(
      loss: .squaredError, learningRate: .constant(0.05), maximumSteps: 50)
    var coupled = start
    var decoupled = start
    var first = Trainer(
      configuration: configuration, optimizer: GradientDescent<Double>(),
      penalty: WeightDecay<Double>(lambda: 0.01))
    var second = Trainer(
      configuration: configuration, optimizer: GradientDescent<Double>(),
      penalty: DecoupledWeightDecay<Double>(lambda: 0.01))
    let a = try first.fit(&coupled, inputs: x, targets: .values(y))
    let b = try second.fit(&decoupled, inputs: x, targets: .values(y))
    for l in 0..<2 {
      #expect(maxDifference(coupled.layers[l].weight, decoupled.layers[l].weight) < 1e-12)
    }
    #expect(abs(a.gradientNorm - b.gradientNorm) < 1e-10)
  }

  @Test("Weight decay: value λ‖Θ‖², biases optional, per-layer λ")
  func weightDecayValue() throws {
    var generator = SeededGenerator(seed: 1)
    var network = try Network<Double>(widths: [2, 3, 1], activation: .tanh, using: &generator)
    try network.setBias(Matrix([[1, 2, 2]]), layer: 1)
    let w0 = network.layers[0].weight.frobeniusNorm
    let w1 = network.layers[1].weight.frobeniusNorm
    let withBiases = WeightDecay<Double>(lambda: 0.5).value(of: network)
    let withoutBiases = WeightDecay<Double>(lambda: 0.5, includesBiases: false).value(of: network)
    #expect(abs(withBiases - 0.5 * (w0 * w0 + w1 * w1 + 9)) < 1e-12)
    #expect(abs(withoutBiases - 0.5 * (w0 * w0 + w1 * w1)) < 1e-12)
    let perLayer = WeightDecay<Double>(lambdas: [1, 0], includesBiases: false).value(of: network)
    #expect(abs(perLayer - w0 * w0) < 1e-12)
    #expect(DecoupledWeightDecay<Double>(lambda: 0.5).decoupledRate(layer: 1, isBias: false) == 1)
    #expect(
      DecoupledWeightDecay<Double>(lambda: 0.5, includesBiases: false).decoupledRate(
        layer: 1, isBias: true) == 0)
  }

  @Test("Proposition 3.1: the batch gradient of K samples has numerical rank ≤ K")
  func batchGradientRank() async {
    await propertyCheck(count: 40, input: Gen.int(in: 1...5), Gen.uint64()) { k, seed in
      var generator = SeededGenerator(seed: seed)
      let depth = Int.random(in: 1...3, using: &generator)
      let widths = (0...depth).map { _ in Int.random(in: (k + 3)...(k + 10), using: &generator) }
      let activation = [Activation.tanh, .relu, .sigmoid, .gelu][
        Int.random(in: 0..<4, using: &generator)]
      guard
        let network = try? Network<Double>(
          widths: widths, activation: activation, using: &generator)
      else {
        Issue.record("network construction failed")
        return
      }
      let x = Matrix<Double>.randomNormal(rows: k, columns: widths[0], using: &generator)
      let y = Matrix<Double>.randomNormal(rows: k, columns: widths[depth], using: &generator)
      guard
        let (_, gradients) = try? network.gradients(
          inputs: x, targets: .values(y), loss: .squaredError),
        let samples = try? network.sampleGradients(
          inputs: x, targets: .values(y), loss: .squaredError, layer: depth)
      else {
        Issue.record("gradient computation failed")
        return
      }
      for l in 0..<depth {
        guard let spectrum = try? gradients.weights[l].spectrum() else {
          Issue.record("SVD failed")
          return
        }
        // Full-rank candidates: d_l, d_{l−1} ≥ K + 3, so rank ≤ K is a real restriction.
        #expect(
          spectrum.numericalRank() <= k,
          "layer \(l + 1): rank \(spectrum.numericalRank()) > K = \(k)")
      }
      for sample in samples {
        #expect((try? sample.spectrum().numericalRank()).map { $0 <= 1 } == true)
      }
    }
  }
}
