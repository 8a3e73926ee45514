import Foundation
import RankCollapseNetwork
import RankCollapseRegularization
import RankCollapseTensor
import Testing

/// Central finite differences of L_λ(Θ) against the manual backpropagation, in Double.
///
/// With h = 10⁻⁶ the central difference has truncation error O(h²) ≈ 10⁻¹² and rounding error
/// O(ε/h) ≈ 10⁻¹⁰ relative to the objective, so a correct gradient agrees to well within the
/// 10⁻⁶ relative error the issue asks for, and a wrong factor (a missing 2, a transposed
/// product) misses it by orders of magnitude.
@Suite("Gradients match finite differences")
struct GradientCheckTests {
  static let activations: [Activation] = [
    .identity, .tanh, .relu, .leakyReLU(slope: 0.1), .sigmoid, .gelu,
  ]

  struct Case: CustomStringConvertible, Sendable {
    var activation: Activation
    var loss: Loss
    var lambda: Double
    var includesBiases: Bool
    var labels: Bool
    var description: String {
      "\(activation) \(loss) λ=\(lambda) biases=\(includesBiases) labels=\(labels)"
    }
  }

  static let cases: [Case] = activations.flatMap { activation in
    Loss.allCases.flatMap { loss in
      [(0.0, true), (0.03, true), (0.03, false)].flatMap { lambda, biases in
        [false, true].map { labels in
          Case(
            activation: activation, loss: loss, lambda: lambda, includesBiases: biases,
            labels: labels)
        }
      }
    }
  }

  @Test("∇L_λ from backprop equals central differences (relative error < 1e-6)", arguments: cases)
  func gradientMatchesFiniteDifferences(_ testCase: Case) throws {
    // Several random networks of random depth and widths per case.
    // A seed from the case's name (Hasher is randomised per process, so fold the bytes).
    let seed = testCase.description.utf8.reduce(UInt64(1_469_598_103_934_665_603)) {
      ($0 ^ UInt64($1)) &* 1_099_511_628_211
    }
    var generator = SeededGenerator(seed: seed)
    for trial in 0..<4 {
      let depth = Int.random(in: 1...4, using: &generator)
      var widths = (0...depth).map { _ in Int.random(in: 2...5, using: &generator) }
      if testCase.labels { widths[depth] = Swift.max(widths[depth], 2) }
      let n = Int.random(in: 2...6, using: &generator)
      var network = try Network<Double>(
        widths: widths, activation: testCase.activation, outputActivation: .identity,
        initializer: .normal(standardDeviation: 0.8), using: &generator)
      // Non-zero biases so that their gradients are exercised.
      for l in network.layers.indices {
        try network.setBias(
          .randomNormal(rows: 1, columns: widths[l + 1], standardDeviation: 0.3, using: &generator),
          layer: l + 1)
      }
      let x = Matrix<Double>.randomNormal(rows: n, columns: widths[0], using: &generator)
      let targets: Targets<Double> =
        testCase.labels
        ? .labels((0..<n).map { _ in Int.random(in: 0..<widths[depth], using: &generator) })
        : .values(
          testCase.loss == .softmaxCrossEntropy
            ? Matrix.randomUniform(rows: n, columns: widths[depth], in: 0..<1, using: &generator)
            : Matrix.randomNormal(rows: n, columns: widths[depth], using: &generator))
      let penalty = WeightDecay<Double>(
        lambda: testCase.lambda, includesBiases: testCase.includesBiases)

      func objective(_ candidate: Network<Double>) throws -> Double {
        try candidate.loss(inputs: x, targets: targets, loss: testCase.loss)
          + penalty.value(of: candidate)
      }
      var (_, gradients) = try network.gradients(inputs: x, targets: targets, loss: testCase.loss)
      penalty.addGradient(of: network, to: &gradients)

      let h = 1e-6
      var differenceSquared = 0.0
      var normSquared = 0.0
      for l in network.layers.indices {
        for isBias in [false, true] {
          let count = isBias ? network.layers[l].bias.count : network.layers[l].weight.count
          for index in 0..<count {
            var plus = network
            var minus = network
            let columns = isBias ? widths[l + 1] : widths[l]
            let (r, c) = (index / columns, index % columns)
            if isBias {
              var (up, down) = (plus.layers[l].bias, minus.layers[l].bias)
              up[r, c] += h
              down[r, c] -= h
              try plus.setBias(up, layer: l + 1)
              try minus.setBias(down, layer: l + 1)
            } else {
              var (up, down) = (plus.layers[l].weight, minus.layers[l].weight)
              up[r, c] += h
              down[r, c] -= h
              try plus.setWeight(up, layer: l + 1)
              try minus.setWeight(down, layer: l + 1)
            }
            let numeric = (try objective(plus) - objective(minus)) / (2 * h)
            let analytic = isBias ? gradients.biases[l][r, c] : gradients.weights[l][r, c]
            differenceSquared += (numeric - analytic) * (numeric - analytic)
            normSquared += analytic * analytic
          }
        }
      }
      let relative = (differenceSquared / Swift.max(normSquared, 1e-300)).squareRoot()
      #expect(relative < 1e-6, "trial \(trial), widths \(widths): relative error \(relative)")
    }
  }

  @Test("∂L/∂Z^j from backprop equals finite differences of the network above layer j")
  func embeddingGradients() throws {
    var generator = SeededGenerator(seed: 42)
    for activation in Self.activations {
      let widths = [3, 4, 5, 2]
      let network = try Network<Double>(
        widths: widths, activation: activation, initializer: .normal(standardDeviation: 0.9),
        using: &generator)
      let x = Matrix<Double>.randomNormal(rows: 4, columns: 3, using: &generator)
      let y = Matrix<Double>.randomNormal(rows: 4, columns: 2, using: &generator)
      let (_, gradients) = try network.gradients(
        inputs: x, targets: .values(y), loss: .squaredError, embeddingGradients: [0, 1, 2, 3])
      let embeddings = try network.embeddings(of: x)
      for j in 0...3 {
        let upper = j < 3 ? try Network(layers: Array(network.layers[j...])) : network
        let z = embeddings[j]
        let analytic = try #require(gradients.embeddings[j])
        var worst = 0.0
        let h = 1e-6
        for r in 0..<z.rows {
          for c in 0..<z.columns {
            var plus = z
            var minus = z
            plus[r, c] += h
            minus[r, c] -= h
            let lossPlus: Double
            let lossMinus: Double
            if j == 3 {
              // Z^L is the output: L = (1/N)‖Z − Y‖².
              lossPlus = (plus - y).frobeniusNorm * (plus - y).frobeniusNorm / 4
              lossMinus = (minus - y).frobeniusNorm * (minus - y).frobeniusNorm / 4
            } else {
              lossPlus = try upper.loss(inputs: plus, targets: .values(y), loss: .squaredError)
              lossMinus = try upper.loss(inputs: minus, targets: .values(y), loss: .squaredError)
            }
            let numeric = (lossPlus - lossMinus) / (2 * h)
            worst = Swift.max(worst, abs(numeric - analytic[r, c]))
          }
        }
        #expect(
          worst < 1e-6 * Swift.max(analytic.maxAbsoluteValue, 1e-3),
          "\(activation) embedding \(j): max error \(worst)")
      }
    }
  }

  @Test("A layer without bias reports a zero bias gradient and keeps a zero bias")
  func biasFreeLayers() throws {
    var generator = SeededGenerator(seed: 3)
    var network = try Network<Double>(
      widths: [3, 4, 2], activation: .tanh, biases: false, using: &generator)
    let x = Matrix<Double>.randomNormal(rows: 5, columns: 3, using: &generator)
    let y = Matrix<Double>.randomNormal(rows: 5, columns: 2, using: &generator)
    let (_, gradients) = try network.gradients(inputs: x, targets: .values(y), loss: .squaredError)
    #expect(gradients.biases.allSatisfy { $0.maxAbsoluteValue == 0 })
    var trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(0.1), maximumSteps: 20),
      optimizer: Adam<Double>(), penalty: DecoupledWeightDecay<Double>(lambda: 0.1))
    _ = try trainer.fit(&network, inputs: x, targets: .values(y))
    #expect(network.layers.allSatisfy { $0.bias.maxAbsoluteValue == 0 })
  }
}

@Suite("Forward kernels")
struct ForwardKernelTests {
  @Test("The tanh layer (AVX2 kernel where available) is within a few ulp of tanh")
  func tanhLayer() throws {
    var generator = SeededGenerator(seed: 12)
    let n = 4001
    let x = Matrix<Double>.randomNormal(
      rows: 1, columns: n, standardDeviation: 4, using: &generator)
    let bias = Matrix<Double>.randomNormal(
      rows: 1, columns: n, standardDeviation: 0.1, using: &generator)
    let layer64 = Dense(weight: .identity(n), bias: bias, activation: .tanh)
    let layer32 = Dense(
      weight: Matrix<Float>.identity(n), bias: Matrix<Float>(bias), activation: .tanh)
    let output64 = layer64(x)
    let output32 = layer32(Matrix<Float>(x))
    var worst64 = 0.0
    var worst32 = 0.0
    for j in 0..<n {
      let argument = x[0, j] + bias[0, j]
      let reference = Foundation.tanh(argument)
      worst64 = max(worst64, abs(output64[0, j] - reference) / reference.ulp)
      let argument32 = Float(x[0, j]) + Float(bias[0, j])
      let reference32 = Foundation.tanh(Double(argument32))
      worst32 = max(
        worst32, abs(Double(output32[0, j]) - reference32) / Double(Float(reference32).ulp))
    }
    // Double: 4 ulp (the bound of branchFreeTanh); Float: 6 ulp. An error in a kernel's
    // coefficients or its scaling is off by orders of magnitude.
    #expect(worst64 <= 4, "Double: \(worst64) ulp")
    #expect(worst32 <= 6, "Float: \(worst32) ulp")
  }
}
