import RankCollapseTensor

/// An update rule θ_{t+1} = θ_t − η_t · u_t(∇L) for the parameters of a ``Network``.
///
/// The update reads the current parameters and writes the new ones into a second network of the
/// same shape, so that a trainer can keep the last good parameters when a step diverges without
/// copying them (the two buffers are swapped after each step). Decoupled decay rates r from a
/// ``Penalty`` are applied in the same pass: θ_{t+1} = θ_t − η_t (u_t + r θ_t).
public protocol Optimizer<Scalar>: Sendable {
  /// The scalar type of the networks it updates.
  associatedtype Scalar: MatrixScalar

  /// A short name used in checkpoints and progress lines, such as `"adam"`.
  var name: String { get }

  /// Computes θ_{t+1} from θ_t and the gradient, writing it into `next`.
  ///
  /// - Parameters:
  ///   - current: θ_t.
  ///   - next: Receives θ_{t+1}; must have `current`'s shape. Its old contents are overwritten.
  ///   - gradients: ∇L at θ_t (including coupled penalties).
  ///   - learningRate: η_t.
  ///   - decoupledRates: For layer l (0-based), the decoupled decay rates of W_l and b_l.
  mutating func step(
    from current: Network<Scalar>, to next: inout Network<Scalar>,
    gradients: Gradients<Scalar>, learningRate: Scalar,
    decoupledRates: [(weight: Scalar, bias: Scalar)])

  /// The optimizer's state (step count, moment buffers) for a checkpoint.
  var state: OptimizerState<Scalar> { get }

  /// Restores a state saved from an optimizer of the same kind and network shape.
  ///
  /// - Parameter state: The saved state.
  /// - Throws: ``TrainingError/incompatibleCheckpoint(_:cause:)`` when the state does not fit.
  mutating func restore(_ state: OptimizerState<Scalar>) throws(TrainingError)
}

extension Optimizer {
  /// Updates `network` in place (allocates a new parameter buffer; trainers use
  /// ``step(from:to:gradients:learningRate:decoupledRates:)`` with two buffers instead).
  ///
  /// - Parameters:
  ///   - network: θ_t, replaced by θ_{t+1}.
  ///   - gradients: ∇L at θ_t.
  ///   - learningRate: η_t.
  public mutating func update(
    _ network: inout Network<Scalar>, gradients: Gradients<Scalar>, learningRate: Scalar
  ) {
    var next = network
    for l in next.layers.indices {
      next.storedLayers[l].storedWeight = .zeros(
        rows: next.layers[l].weight.rows, columns: next.layers[l].weight.columns)
      next.storedLayers[l].storedBias = .zeros(rows: 1, columns: next.layers[l].bias.columns)
    }
    step(
      from: network, to: &next, gradients: gradients, learningRate: learningRate,
      decoupledRates: Array(repeating: (0, 0), count: network.depth))
    network = next
  }
}

/// What an optimizer carries from one step to the next, in a form a checkpoint can store.
public struct OptimizerState<Scalar: MatrixScalar>: Sendable, Equatable {
  /// The optimizer's ``Optimizer/name``.
  public var name: String
  /// The number of updates made so far.
  public var step: Int
  /// Named buffers, such as `"m.layers.0.weight"` for Adam's first moment of W_1.
  public var tensors: [String: Matrix<Scalar>]

  /// A state.
  ///
  /// - Parameters:
  ///   - name: The optimizer's name.
  ///   - step: Updates made so far.
  ///   - tensors: Named buffers.
  public init(name: String, step: Int, tensors: [String: Matrix<Scalar>]) {
    self.name = name
    self.step = step
    self.tensors = tensors
  }
}

/// The name of parameter `isBias ? b : W` of 0-based layer `index` in checkpoints:
/// `layers.<index>.weight` or `layers.<index>.bias`.
@inlinable
func parameterName(_ index: Int, isBias: Bool) -> String {
  "layers.\(index).\(isBias ? "bias" : "weight")"
}

extension Network {
  /// Stops with a message naming the mismatch unless `next`, `gradients`, `decoupledRates` and
  /// every per-parameter optimizer state in `states` (W_1, b_1, W_2, … in turn) fit `current`.
  ///
  /// Optimizers read these buffers with raw pointers sized by `current`: a gradient, a rate
  /// list or a restored state of another network's shape must stop here, never be read past
  /// its end.
  @inlinable
  static func checkStep(
    _ optimizer: String, current: Network, next: Network, gradients: Gradients<Scalar>,
    decoupledRates: [(weight: Scalar, bias: Scalar)], states: [[Matrix<Scalar>]] = []
  ) {
    let depth = current.depth
    precondition(
      next.depth == depth, "\(optimizer): networks of depth \(depth) and \(next.depth)")
    precondition(
      gradients.weights.count == depth && gradients.biases.count == depth,
      "\(optimizer): gradients of \(gradients.weights.count) weights and \(gradients.biases.count) biases for a network of depth \(depth)"
    )
    precondition(
      decoupledRates.count == depth,
      "\(optimizer): \(decoupledRates.count) decoupled rates for a network of depth \(depth)")
    for (index, state) in states.enumerated() {
      precondition(
        state.count == 2 * depth,
        "\(optimizer): state \(index) holds \(state.count) tensors for \(2 * depth) parameters")
    }
    func same(_ a: Matrix<Scalar>, _ b: Matrix<Scalar>) -> Bool {
      a.rows == b.rows && a.columns == b.columns
    }
    for l in 0..<depth {
      let weight = current.storedLayers[l].storedWeight
      let bias = current.storedLayers[l].storedBias
      precondition(
        same(weight, next.storedLayers[l].storedWeight)
          && same(bias, next.storedLayers[l].storedBias),
        "\(optimizer): layer \(l + 1) is \(weight.shapeDescription) in one network and \(next.storedLayers[l].storedWeight.shapeDescription) in the other"
      )
      precondition(
        same(weight, gradients.weights[l]) && same(bias, gradients.biases[l]),
        "\(optimizer): layer \(l + 1) gradient \(gradients.weights[l].shapeDescription) (bias \(gradients.biases[l].shapeDescription)) for a \(weight.shapeDescription) weight"
      )
      for state in states {
        precondition(
          same(weight, state[2 * l]) && same(bias, state[2 * l + 1]),
          "\(optimizer): layer \(l + 1) state \(state[2 * l].shapeDescription) for a \(weight.shapeDescription) weight (a state restored from another network?)"
        )
      }
    }
  }

  /// Calls `body` with layer index, whether it is the bias, and the matching parameters of
  /// `current` and `next` (mutable) — the traversal every optimizer uses.
  @inlinable
  static func forEachParameter(
    _ current: Network, _ next: inout Network,
    _ body: (Int, Bool, Matrix<Scalar>, inout Matrix<Scalar>) -> Void
  ) {
    precondition(
      current.depth == next.depth,
      "optimizer: networks of depth \(current.depth) and \(next.depth)")
    for l in current.layers.indices {
      precondition(
        current.layers[l].weight.rows == next.layers[l].weight.rows
          && current.layers[l].weight.columns == next.layers[l].weight.columns,
        "optimizer: layer \(l + 1) weights \(current.layers[l].weight.shapeDescription) and \(next.layers[l].weight.shapeDescription)"
      )
      body(l, false, current.storedLayers[l].storedWeight, &next.storedLayers[l].storedWeight)
      body(l, true, current.layers[l].bias, &next.storedLayers[l].storedBias)
    }
  }
}
