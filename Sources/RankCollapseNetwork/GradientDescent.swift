import RankCollapseTensor

/// Gradient descent with optional (Nesterov) momentum: full-batch gradient descent, or minibatch
/// SGD when the ``Trainer`` feeds it minibatch gradients.
///
/// With momentum μ the velocity is v ← μ v + g and the update u = v (heavy ball) or u = g + μ v
/// (Nesterov), as in PyTorch's `SGD`; with μ = 0, u = g. Then θ ← θ − η (u + r θ) with the
/// decoupled rate r of the penalty (zero for ordinary weight decay, whose gradient 2λθ is already
/// in g).
public struct GradientDescent<Scalar: MatrixScalar>: Optimizer {
  /// μ ∈ [0, 1).
  public let momentum: Double
  /// Whether to use Nesterov's look-ahead form.
  public let nesterov: Bool
  @usableFromInline var velocities: [Matrix<Scalar>] = []
  @usableFromInline var steps = 0

  /// A gradient-descent rule.
  ///
  /// - Parameters:
  ///   - momentum: μ ∈ [0, 1); 0 for plain gradient descent.
  ///   - nesterov: Nesterov momentum (needs μ > 0 to make a difference).
  /// - Precondition: 0 ≤ μ < 1.
  public init(momentum: Double = 0, nesterov: Bool = false) {
    precondition(momentum >= 0 && momentum < 1, "GradientDescent: momentum \(momentum) ∉ [0, 1)")
    self.momentum = momentum
    self.nesterov = nesterov
  }

  /// `"sgd"`, `"momentum"` or `"nesterov"`.
  public var name: String { momentum == 0 ? "sgd" : (nesterov ? "nesterov" : "momentum") }

  /// θ_{t+1} = θ_t − η (u_t + r θ_t); see the type's description.
  ///
  /// - Parameters:
  ///   - current: θ_t.
  ///   - next: Receives θ_{t+1}.
  ///   - gradients: ∇L at θ_t.
  ///   - learningRate: η_t.
  ///   - decoupledRates: Decoupled decay rates per layer.
  @inlinable
  public mutating func step(
    from current: Network<Scalar>, to next: inout Network<Scalar>,
    gradients: Gradients<Scalar>, learningRate: Scalar,
    decoupledRates: [(weight: Scalar, bias: Scalar)]
  ) {
    if momentum > 0 && velocities.count != 2 * current.depth {
      velocities = current.layers.flatMap {
        [
          Matrix<Scalar>.zeros(rows: $0.weight.rows, columns: $0.weight.columns),
          Matrix<Scalar>.zeros(rows: 1, columns: $0.outputSize),
        ]
      }
    }
    Network.checkStep(
      name, current: current, next: next, gradients: gradients, decoupledRates: decoupledRates,
      states: momentum > 0 ? [velocities] : [])
    let eta = learningRate
    let mu = Scalar(momentum)
    let useMomentum = momentum > 0
    let useNesterov = nesterov
    var velocities = self.velocities
    self.velocities = []
    Network.forEachParameter(current, &next) { l, isBias, theta, nextTheta in
      let g = isBias ? gradients.biases[l] : gradients.weights[l]
      let r = isBias ? decoupledRates[l].bias : decoupledRates[l].weight
      let slot = 2 * l + (isBias ? 1 : 0)
      theta.withUnsafeBufferPointer { t in
        g.withUnsafeBufferPointer { g in
          nextTheta.withUnsafeMutableBufferPointer { out in
            let count = t.count
            let chunks = Parallel.chunkCount(elements: count)
            let shared = UncheckedSendable(
              (
                t.baseAddress.unsafelyUnwrapped, g.baseAddress.unsafelyUnwrapped,
                out.baseAddress.unsafelyUnwrapped
              ))
            if useMomentum {
              velocities[slot].withUnsafeMutableBufferPointer { v in
                let velocity = UncheckedSendable(v.baseAddress.unsafelyUnwrapped)
                Parallel.run(blocks: chunks) { chunk in
                  let (tp, gp, op) = shared.value
                  let vp = velocity.value
                  for i in Parallel.chunk(chunk, of: chunks, elements: count) {
                    let velocity = mu * vp[i] + gp[i]
                    vp[i] = velocity
                    let u = useNesterov ? gp[i] + mu * velocity : velocity
                    op[i] = tp[i] - eta * (u + r * tp[i])
                  }
                }
              }
            } else {
              Parallel.run(blocks: chunks) { chunk in
                let (tp, gp, op) = shared.value
                for i in Parallel.chunk(chunk, of: chunks, elements: count) {
                  op[i] = tp[i] - eta * (gp[i] + r * tp[i])
                }
              }
            }
          }
        }
      }
    }
    self.velocities = velocities
    steps += 1
  }

  /// The step count and, with momentum, the velocities `v.layers.<l>.weight|bias`.
  public var state: OptimizerState<Scalar> {
    var tensors: [String: Matrix<Scalar>] = [:]
    for (slot, v) in velocities.enumerated() {
      tensors["v." + parameterName(slot / 2, isBias: slot % 2 == 1)] = v
    }
    return OptimizerState(name: name, step: steps, tensors: tensors)
  }

  /// Restores ``state``.
  ///
  /// - Parameter state: A state saved from a rule with the same name.
  /// - Throws: ``TrainingError/incompatibleCheckpoint(_:cause:)`` for another rule's state.
  public mutating func restore(_ state: OptimizerState<Scalar>) throws(TrainingError) {
    guard state.name == name else {
      throw .incompatibleCheckpoint("optimizer state is for '\(state.name)', not '\(name)'")
    }
    steps = state.step
    guard momentum > 0 else { return }
    let count = state.tensors.count / 2
    var restored: [Matrix<Scalar>] = []
    for l in 0..<count {
      for isBias in [false, true] {
        guard let v = state.tensors["v." + parameterName(l, isBias: isBias)] else {
          throw .incompatibleCheckpoint("missing velocity of \(parameterName(l, isBias: isBias))")
        }
        restored.append(v)
      }
    }
    // Integer division above would drop an unpaired buffer (the last layer's): refuse it.
    guard restored.count == state.tensors.count else {
      throw .incompatibleCheckpoint(
        "the optimizer state holds \(state.tensors.count) velocities, not 2 per layer: a "
          + "layer's weight or bias velocity is missing")
    }
    guard !restored.isEmpty || state.step == 0 else {
      throw .incompatibleCheckpoint("the velocities are missing after \(state.step) steps")
    }
    velocities = restored
  }
}
