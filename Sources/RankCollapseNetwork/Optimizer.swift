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
  /// - Throws: ``TrainingError/incompatibleCheckpoint(_:)`` when the state does not fit.
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
      next.layers[l].weight = .zeros(
        rows: next.layers[l].weight.rows, columns: next.layers[l].weight.columns)
      next.layers[l].bias = .zeros(rows: 1, columns: next.layers[l].bias.columns)
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
      body(l, false, current.layers[l].weight, &next.layers[l].weight)
      body(l, true, current.layers[l].bias, &next.layers[l].bias)
    }
  }
}
