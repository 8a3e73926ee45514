import RankCollapse
import RankCollapseSweep

extension Experiments {
  /// The hyperparameters of the MNIST-format classifier experiment (Figures 3–5).
  ///
  /// The network (paper section 6.3–6.4) is fully connected, `d_0 → d_1 → … → d_{L−1} → K`,
  /// with tanh hidden layers and identity output (logits), trained on softmax cross-entropy
  /// plus weight decay λ‖Θ‖² (paper equation 3).
  ///
  /// The paper gives no optimizer, learning rate, batch size, initialisation or epoch count; the
  /// defaults here are this library's choice, printed by the example programs and written into
  /// their sidecar JSON. The penalty's gradient is 2λΘ (PyTorch's `weight_decay = 2λ`).
  public struct ClassifierConfiguration: Sendable, Hashable, Codable {
    /// The update rule.
    public enum OptimizerKind: String, Sendable, Hashable, Codable, CaseIterable {
      /// Adam (β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸) with the coupled penalty: 2λΘ goes through the
      /// moments, so its fixed points are the stationary points of L_λ.
      case adam
      /// Stochastic gradient descent with heavy-ball ``ClassifierConfiguration/momentum``.
      case sgd
    }

    /// The hidden widths d_1 … d_{L−1} (the network has `hiddenWidths.count + 1` layers).
    public var hiddenWidths: [Int]
    /// λ ≥ 0 of the penalty λ‖Θ‖².
    public var lambda: Double
    /// Passes over the training images.
    public var epochs: Int
    /// Measure every this many epochs (and at epoch 0 and at the end).
    public var recordEvery: Int
    /// Images per minibatch.
    public var batchSize: Int
    /// The (constant) learning rate η.
    public var learningRate: Double
    /// The update rule.
    public var optimizer: OptimizerKind
    /// The heavy-ball momentum of ``OptimizerKind/sgd`` (ignored by Adam).
    public var momentum: Double
    /// How weights are drawn (biases start at zero).
    public var initializer: Initializer
    /// Whether the biases are part of ‖Θ‖² (the paper's equation 3 includes them).
    public var decaysBiases: Bool
    /// Seeds the initial weights and the order of the minibatches.
    public var seed: UInt64
    /// How many training images (the first ones) the per-layer TCV is measured on; `nil`: all.
    public var measurementSamples: Int?
    /// ε of the soft rank rk(ε) (the paper's Figures 4–5 use 0.1).
    public var epsilon: Double

    /// A configuration; the defaults are those of the examples' default scale.
    ///
    /// - Parameters:
    ///   - hiddenWidths: d_1 … d_{L−1}, each ≥ 1 (at least one).
    ///   - lambda: λ ≥ 0.
    ///   - epochs: Training epochs, ≥ 0.
    ///   - recordEvery: Epochs between measurements, ≥ 1.
    ///   - batchSize: Images per step, ≥ 1.
    ///   - learningRate: η > 0.
    ///   - optimizer: The update rule.
    ///   - momentum: Momentum of SGD, in [0, 1).
    ///   - initializer: The weight initialisation.
    ///   - decaysBiases: Whether biases are penalised.
    ///   - seed: The random seed.
    ///   - measurementSamples: Training images used for the TCV, or `nil` for all.
    ///   - epsilon: ε of rk(ε), in [0, 1].
    public init(
      hiddenWidths: [Int] = [256, 128, 64], lambda: Double = 1e-3, epochs: Int = 20,
      recordEvery: Int = 2, batchSize: Int = 128, learningRate: Double = 1e-3,
      optimizer: OptimizerKind = .adam, momentum: Double = 0.9,
      initializer: Initializer = .glorotUniform, decaysBiases: Bool = true, seed: UInt64 = 1,
      measurementSamples: Int? = nil, epsilon: Double = 0.1
    ) {
      self.hiddenWidths = hiddenWidths
      self.lambda = lambda
      self.epochs = epochs
      self.recordEvery = recordEvery
      self.batchSize = batchSize
      self.learningRate = learningRate
      self.optimizer = optimizer
      self.momentum = momentum
      self.initializer = initializer
      self.decaysBiases = decaysBiases
      self.seed = seed
      self.measurementSamples = measurementSamples
      self.epsilon = epsilon
    }

    /// The widths d_0, d_1, …, d_{L−1}, K of the network for `inputSize` pixels and `classCount`
    /// classes.
    ///
    /// - Parameters:
    ///   - inputSize: d_0.
    ///   - classCount: K, the output width.
    /// - Returns: `hiddenWidths.count + 2` widths.
    public func widths(inputSize: Int, classCount: Int) -> [Int] {
      [inputSize] + hiddenWidths + [classCount]
    }

    /// Checks every hyperparameter.
    ///
    /// - Throws: ``ClassifierError/invalidConfiguration(_:)`` naming the first bad one.
    public func validate() throws(ClassifierError) {
      func fail(_ message: String) -> ClassifierError { .invalidConfiguration(message) }
      guard !hiddenWidths.isEmpty else { throw fail("at least one hidden layer is needed") }
      if let width = hiddenWidths.first(where: { $0 < 1 }) {
        throw fail("hidden widths must be at least 1, got \(width)")
      }
      guard lambda >= 0, lambda.isFinite else { throw fail("λ must be ≥ 0, got \(lambda)") }
      guard epochs >= 0 else { throw fail("epochs must be ≥ 0, got \(epochs)") }
      guard recordEvery >= 1 else { throw fail("recordEvery must be ≥ 1, got \(recordEvery)") }
      guard batchSize >= 1 else { throw fail("batch size must be ≥ 1, got \(batchSize)") }
      guard learningRate > 0, learningRate.isFinite else {
        throw fail("learning rate must be > 0, got \(learningRate)")
      }
      guard momentum >= 0, momentum < 1 else {
        throw fail("momentum must be in [0, 1), got \(momentum)")
      }
      if let samples = measurementSamples, samples < 2 {
        throw fail("measurementSamples must be at least 2, got \(samples)")
      }
      guard epsilon >= 0, epsilon <= 1 else { throw fail("ε must be in [0, 1], got \(epsilon)") }
    }

    /// The hyperparameters as `(name, value)` pairs for printing and for a sidecar file.
    public var entries: [(name: String, value: String)] {
      [
        ("architecture", "fully connected, tanh hidden layers, identity output (logits)"),
        ("loss", "softmax cross-entropy + λ‖Θ‖² (gradient 2λΘ)"),
        ("hiddenWidths", hiddenWidths.map(String.init).joined(separator: ",")),
        ("lambda", "\(lambda)"),
        ("epochs", "\(epochs)"),
        ("recordEvery", "\(recordEvery)"),
        ("batchSize", "\(batchSize)"),
        ("learningRate", "\(learningRate) (constant)"),
        ("optimizer", optimizer == .adam ? "adam (β₁ 0.9, β₂ 0.999, ε 1e-8)" : "sgd"),
        ("momentum", optimizer == .sgd ? "\(momentum)" : "n/a"),
        ("initializer", "\(initializer)"),
        ("decaysBiases", "\(decaysBiases)"),
        ("seed", "\(seed)"),
        ("measurementSamples", measurementSamples.map(String.init) ?? "all training images"),
        ("epsilon", "\(epsilon)"),
      ]
    }
  }
}

extension Experiments.ClassifierConfiguration {
  /// The hyperparameters for a sweep's sidecar JSON (`Sweep` compares them on resume), in
  /// the order of ``entries``, with typed values.
  public var hyperparameters: Hyperparameters {
    var result = Hyperparameters()
    result["architecture"] = "fully connected, tanh hidden layers, identity output (logits)"
    result["loss"] = "softmax cross-entropy + lambda * |Theta|^2 (gradient 2 lambda Theta)"
    result["hidden_widths"] = .integers(hiddenWidths)
    result["lambda"] = .number(lambda)
    result["epochs"] = .integer(epochs)
    result["record_every"] = .integer(recordEvery)
    result["batch_size"] = .integer(batchSize)
    result["learning_rate"] = .number(learningRate)
    result["learning_rate_schedule"] = "constant"
    result["optimizer"] = .text(optimizer.rawValue)
    if optimizer == .adam {
      result["adam"] = "beta1 0.9, beta2 0.999, epsilon 1e-8"
    } else {
      result["momentum"] = .number(momentum)
    }
    result["initializer"] = .text("\(initializer)")
    result["biases"] = "zero at initialisation"
    result["decays_biases"] = .boolean(decaysBiases)
    result["seed"] = .integer(Int(truncatingIfNeeded: seed))
    result["measurement_samples"] = measurementSamples.map { .integer($0) } ?? "all"
    result["epsilon"] = .number(epsilon)
    return result
  }
}
