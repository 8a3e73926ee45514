import RankCollapseTensor
import RealModule

/// Adam (Kingma & Ba 2015), and AdamW when paired with a decoupled penalty.
///
/// With g the gradient at step t (counting from 1): m ← β₁m + (1 − β₁)g,
/// v ← β₂v + (1 − β₂)g², m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), and
/// θ ← θ − η (m̂/(√v̂ + ε) + r θ), where r is the penalty's decoupled rate. With the
/// `DecoupledWeightDecay` penalty of `RankCollapseRegularization` this is AdamW (Loshchilov &
/// Hutter 2019) and matches PyTorch's `AdamW(weight_decay: r)`; with ordinary weight decay the
/// term 2λθ goes through the moments instead (PyTorch's `Adam(weight_decay: 2λ)`).
public struct Adam<Scalar: MatrixScalar>: Optimizer {
  /// β₁, the decay of the first moment.
  public let beta1: Double
  /// β₂, the decay of the second moment.
  public let beta2: Double
  /// ε, added to √v̂.
  public let epsilon: Double
  /// m and v for W_1, b_1, W_2, … (slot 2(l − 1) + 1 for b_l).
  @usableFromInline var firstMoments: [Matrix<Scalar>] = []
  @usableFromInline var secondMoments: [Matrix<Scalar>] = []
  @usableFromInline var steps = 0

  /// An Adam rule.
  ///
  /// - Parameters:
  ///   - beta1: β₁ ∈ [0, 1).
  ///   - beta2: β₂ ∈ [0, 1).
  ///   - epsilon: ε > 0.
  /// - Precondition: the ranges above.
  public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
    precondition(beta1 >= 0 && beta1 < 1, "Adam: beta1 \(beta1) ∉ [0, 1)")
    precondition(beta2 >= 0 && beta2 < 1, "Adam: beta2 \(beta2) ∉ [0, 1)")
    precondition(epsilon > 0, "Adam: epsilon must be positive, got \(epsilon)")
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  /// `"adam"`.
  public var name: String { "adam" }

  /// One Adam step; see the type's description.
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
    if firstMoments.count != 2 * current.depth {
      firstMoments = current.layers.flatMap { layer -> [Matrix<Scalar>] in
        [
          .zeros(rows: layer.weight.rows, columns: layer.weight.columns),
          .zeros(rows: 1, columns: layer.outputSize),
        ]
      }
      secondMoments = firstMoments.map { .zeros(rows: $0.rows, columns: $0.columns) }
    }
    Network.checkStep(
      name, current: current, next: next, gradients: gradients, decoupledRates: decoupledRates,
      states: [firstMoments, secondMoments])
    steps += 1
    let t = Scalar(steps)
    let b1 = Scalar(beta1)
    let b2 = Scalar(beta2)
    let eps = Scalar(epsilon)
    let eta = learningRate
    let correction1 = 1 / (1 - Scalar.pow(b1, t))
    let correction2 = 1 / (1 - Scalar.pow(b2, t))
    var first = firstMoments
    var second = secondMoments
    firstMoments = []
    secondMoments = []
    Network.forEachParameter(current, &next) { l, isBias, theta, nextTheta in
      let g = isBias ? gradients.biases[l] : gradients.weights[l]
      let r = isBias ? decoupledRates[l].bias : decoupledRates[l].weight
      let slot = 2 * l + (isBias ? 1 : 0)
      theta.withUnsafeBufferPointer { th in
        g.withUnsafeBufferPointer { g in
          nextTheta.withUnsafeMutableBufferPointer { out in
            first[slot].withUnsafeMutableBufferPointer { m in
              second[slot].withUnsafeMutableBufferPointer { v in
                let count = th.count
                let chunks = Parallel.chunkCount(elements: count)
                let shared = UncheckedSendable(
                  (
                    th.baseAddress.unsafelyUnwrapped, g.baseAddress.unsafelyUnwrapped,
                    m.baseAddress.unsafelyUnwrapped, v.baseAddress.unsafelyUnwrapped,
                    out.baseAddress.unsafelyUnwrapped
                  ))
                Parallel.run(blocks: chunks) { chunk in
                  let (tp, gp, mp, vp, op) = shared.value
                  for i in Parallel.chunk(chunk, of: chunks, elements: count) {
                    let gi = gp[i]
                    let mi = b1 * mp[i] + (1 - b1) * gi
                    let vi = b2 * vp[i] + (1 - b2) * gi * gi
                    mp[i] = mi
                    vp[i] = vi
                    let update = (mi * correction1) / ((vi * correction2).squareRoot() + eps)
                    op[i] = tp[i] - eta * (update + r * tp[i])
                  }
                }
              }
            }
          }
        }
      }
    }
    firstMoments = first
    secondMoments = second
  }

  /// The step count and the moments `m.layers.<l>.weight|bias`, `v.layers.<l>.weight|bias`.
  public var state: OptimizerState<Scalar> {
    var tensors: [String: Matrix<Scalar>] = [:]
    for slot in firstMoments.indices {
      let name = parameterName(slot / 2, isBias: slot % 2 == 1)
      tensors["m." + name] = firstMoments[slot]
      tensors["v." + name] = secondMoments[slot]
    }
    return OptimizerState(name: name, step: steps, tensors: tensors)
  }

  /// Restores ``state``.
  ///
  /// - Parameter state: A state saved from Adam.
  /// - Throws: ``TrainingError/incompatibleCheckpoint(_:cause:)`` for another rule's state or
  ///   missing moments.
  public mutating func restore(_ state: OptimizerState<Scalar>) throws(TrainingError) {
    guard state.name == name else {
      throw .incompatibleCheckpoint("optimizer state is for '\(state.name)', not '\(name)'")
    }
    let layers = state.tensors.count / 4
    var first: [Matrix<Scalar>] = []
    var second: [Matrix<Scalar>] = []
    for l in 0..<layers {
      for isBias in [false, true] {
        let name = parameterName(l, isBias: isBias)
        guard let m = state.tensors["m." + name], let v = state.tensors["v." + name] else {
          throw .incompatibleCheckpoint("missing Adam moments of \(name)")
        }
        first.append(m)
        second.append(v)
      }
    }
    // Integer division above would drop the last layer's moments if one is missing: refuse.
    guard first.count + second.count == state.tensors.count else {
      throw .incompatibleCheckpoint(
        "the optimizer state holds \(state.tensors.count) moments, not 4 per layer: a layer's "
          + "Adam moment is missing")
    }
    guard !first.isEmpty || state.step == 0 else {
      throw .incompatibleCheckpoint("the Adam moments are missing after \(state.step) steps")
    }
    firstMoments = first
    secondMoments = second
    steps = state.step
  }
}
