import RankCollapseNetwork
import RankCollapseTensor

/// Weight decay R(Θ) = λ‖Θ‖² = Σ_l λ_l (‖W_l‖_F² + ‖b_l‖²), the regulariser of paper equation (3).
///
/// Its gradient is 2λ_l W_l (and 2λ_l b_l): this library keeps the factor 2 that the paper's
/// eq. (4) absorbs into λ, so a stationary point satisfies W_l = −∇_{W_l}L_0 / (2λ) and every
/// bound that divides by λ divides by 2λ. PyTorch's `weight_decay = wd` corresponds to
/// λ = wd / 2 here.
///
/// Biases are penalised by default, as in the paper; ``includesBiases`` turns that off. A
/// per-layer λ_l is possible with ``init(lambdas:includesBiases:)``.
public struct WeightDecay<Scalar: MatrixScalar>: Penalty {
  /// The same λ_l and bias rule for `Double` parameters.
  ///
  /// - Returns: `WeightDecay<Double>` with these settings.
  public func inDoublePrecision() -> (any Penalty<Double>)? {
    WeightDecay<Double>(lambdas: lambdas, includesBiases: includesBiases)
  }

  /// λ_l for each layer l = 1…L, or one λ for all layers when it has a single entry.
  public let lambdas: [Double]
  /// Whether ‖b_l‖² is part of the penalty.
  public let includesBiases: Bool

  /// λ‖Θ‖² with one λ for every layer.
  ///
  /// - Parameters:
  ///   - lambda: λ ≥ 0.
  ///   - includesBiases: Whether biases are penalised (default, as paper eq. 3).
  /// - Precondition: λ ≥ 0 and finite.
  public init(lambda: Double, includesBiases: Bool = true) {
    precondition(lambda >= 0 && lambda.isFinite, "WeightDecay: λ must be ≥ 0, got \(lambda)")
    self.lambdas = [lambda]
    self.includesBiases = includesBiases
  }

  /// Σ_l λ_l ‖θ_l‖² with one λ_l per layer.
  ///
  /// - Parameters:
  ///   - lambdas: λ_1 … λ_L, each ≥ 0.
  ///   - includesBiases: Whether biases are penalised.
  /// - Precondition: every λ_l ≥ 0 and finite, at least one.
  public init(lambdas: [Double], includesBiases: Bool = true) {
    precondition(!lambdas.isEmpty, "WeightDecay: give at least one λ")
    precondition(
      lambdas.allSatisfy { $0 >= 0 && $0.isFinite }, "WeightDecay: every λ must be ≥ 0: \(lambdas)")
    self.lambdas = lambdas
    self.includesBiases = includesBiases
  }

  /// λ_l for layer l (1-based).
  ///
  /// - Parameter layer: l ∈ 1…L.
  /// - Returns: λ_l.
  /// - Precondition: a per-layer penalty has an entry for `layer`.
  @inlinable
  public func lambda(layer: Int) -> Double {
    if lambdas.count == 1 { return lambdas[0] }
    precondition(
      layer >= 1 && layer <= lambdas.count,
      "WeightDecay: no λ for layer \(layer) (have \(lambdas.count))")
    return lambdas[layer - 1]
  }

  /// Σ_l λ_l (‖W_l‖_F² + ‖b_l‖²).
  ///
  /// - Parameter network: Θ.
  /// - Returns: R(Θ).
  @inlinable
  public func value(of network: Network<Scalar>) -> Double {
    var total = 0.0
    for (index, layer) in network.layers.enumerated() {
      let lambda = lambda(layer: index + 1)
      total += lambda * squaredNorm(layer.weight)
      if includesBiases { total += lambda * squaredNorm(layer.bias) }
    }
    return total
  }

  /// Adds 2λ_l W_l (and 2λ_l b_l) to the gradients.
  ///
  /// - Parameters:
  ///   - network: Θ.
  ///   - gradients: ∇L_0, becomes ∇L_λ.
  @inlinable
  public func addGradient(of network: Network<Scalar>, to gradients: inout Gradients<Scalar>) {
    for (index, layer) in network.layers.enumerated() {
      let factor = Scalar(2 * lambda(layer: index + 1))
      guard factor != 0 else { continue }
      WeightDecay.addScaled(layer.weight, factor, to: &gradients.weights[index])
      if includesBiases { WeightDecay.addScaled(layer.bias, factor, to: &gradients.biases[index]) }
    }
  }

  /// Adds 2λ_l θ to each gradient and returns Σ_l λ_l ‖θ_l‖², in one vectorised pass per
  /// parameter.
  ///
  /// - Parameters:
  ///   - network: Θ.
  ///   - gradients: ∇L_0, becomes ∇L_λ.
  /// - Returns: R(Θ).
  @inlinable
  public func valueAddingGradient(
    of network: Network<Scalar>, to gradients: inout Gradients<Scalar>
  ) -> Double {
    var total = 0.0
    for (index, layer) in network.layers.enumerated() {
      let lambda = lambda(layer: index + 1)
      guard lambda != 0 else { continue }
      total +=
        lambda
        * WeightDecay.fusedAdd(layer.weight, Scalar(2 * lambda), to: &gradients.weights[index])
      if includesBiases {
        total +=
          lambda
          * WeightDecay.fusedAdd(layer.bias, Scalar(2 * lambda), to: &gradients.biases[index])
      }
    }
    return total
  }

  /// `target ← target + factor · source`, returning ‖source‖² (vectorised, Double block sums).
  @inlinable
  static func fusedAdd(
    _ source: Matrix<Scalar>, _ factor: Scalar, to target: inout Matrix<Scalar>
  ) -> Double {
    precondition(
      source.rows == target.rows && source.columns == target.columns,
      "WeightDecay: parameter \(source.shapeDescription) and gradient \(target.shapeDescription)")
    return source.withUnsafeBufferPointer { s in
      target.withUnsafeMutableBufferPointer { t in
        let n = s.count
        guard let ps = s.baseAddress, let pt = t.baseAddress, n > 0 else { return 0 }
        // Long parameters are split across threads; partial sums are added in chunk order.
        let chunks = Parallel.chunkCount(elements: n)
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: chunks) { partials in
          let shared = UncheckedSendable((partials.baseAddress.unsafelyUnwrapped, ps, pt))
          Parallel.run(blocks: chunks) { chunk in
            let (pp, ps, pt) = shared.value
            let range = Parallel.chunk(chunk, of: chunks, elements: n)
            pp[chunk] = WeightDecay.fusedAdd(ps, factor, to: pt, range)
          }
          var total = 0.0
          for chunk in 0..<chunks { total += partials[chunk] }
          return total
        }
      }
    }
  }

  /// `t[i] += factor · s[i]` for i in `range`, returning Σ s[i]² (vectorised, Double block sums).
  @inlinable
  static func fusedAdd(
    _ ps: UnsafePointer<Scalar>, _ factor: Scalar, to pt: UnsafeMutablePointer<Scalar>,
    _ range: Range<Int>
  ) -> Double {
    var total = 0.0
    var start = range.lowerBound
    while start < range.upperBound {
      let end = Swift.min(start + 4096, range.upperBound)
      var accumulator = SIMD16<Scalar>(repeating: 0)
      var i = start
      while i + 16 <= end {
        let x = UnsafeRawPointer(ps + i).loadUnaligned(as: SIMD16<Scalar>.self)
        let y = UnsafeRawPointer(pt + i).loadUnaligned(as: SIMD16<Scalar>.self)
        UnsafeMutableRawPointer(pt + i).storeBytes(of: y + factor * x, as: SIMD16<Scalar>.self)
        accumulator += x * x
        i += 16
      }
      var block = Double(accumulator.sum())
      while i < end {
        pt[i] += factor * ps[i]
        block += Double(ps[i] * ps[i])
        i += 1
      }
      total += block
      start = end
    }
    return total
  }

  /// Zero: ordinary weight decay acts through the gradient.
  ///
  /// - Parameters:
  ///   - layer: Ignored.
  ///   - isBias: Ignored.
  /// - Returns: 0.
  @inlinable
  public func decoupledRate(layer: Int, isBias: Bool) -> Scalar { 0 }

  /// `target ← target + factor · source`.
  @inlinable
  static func addScaled(_ source: Matrix<Scalar>, _ factor: Scalar, to target: inout Matrix<Scalar>)
  {
    precondition(
      source.rows == target.rows && source.columns == target.columns,
      "WeightDecay: parameter \(source.shapeDescription) and gradient \(target.shapeDescription)")
    source.withUnsafeBufferPointer { s in
      target.withUnsafeMutableBufferPointer { t in
        for i in 0..<s.count { t[i] += factor * s[i] }
      }
    }
  }
}

/// Decoupled weight decay for AdamW-style updates: the optimizer shrinks each parameter by
/// η · 2λ · θ after its own update instead of feeding 2λθ through its moments.
///
/// For plain gradient descent this is the same as ``WeightDecay``; for Adam it is AdamW
/// (Loshchilov & Hutter 2019) with PyTorch's `weight_decay = 2λ`. The objective reported and
/// monitored is still L_0 + λ‖Θ‖² (gradient ∇L_0 + 2λΘ).
public struct DecoupledWeightDecay<Scalar: MatrixScalar>: Penalty {
  /// The same decoupled λ_l and bias rule for `Double` parameters.
  ///
  /// - Returns: `DecoupledWeightDecay<Double>` with these settings.
  public func inDoublePrecision() -> (any Penalty<Double>)? {
    DecoupledWeightDecay<Double>(
      lambdas: weightDecay.lambdas, includesBiases: weightDecay.includesBiases)
  }

  /// The coupled description of the same penalty: λ, per-layer λ_l and bias inclusion.
  public let weightDecay: WeightDecay<Scalar>

  /// Decoupled λ‖Θ‖².
  ///
  /// - Parameters:
  ///   - lambda: λ ≥ 0 (the decay rate is 2λ).
  ///   - includesBiases: Whether biases decay.
  public init(lambda: Double, includesBiases: Bool = true) {
    weightDecay = WeightDecay(lambda: lambda, includesBiases: includesBiases)
  }

  /// Decoupled Σ_l λ_l‖θ_l‖² with one λ_l per layer.
  ///
  /// - Parameters:
  ///   - lambdas: λ_1 … λ_L.
  ///   - includesBiases: Whether biases decay.
  public init(lambdas: [Double], includesBiases: Bool = true) {
    weightDecay = WeightDecay(lambdas: lambdas, includesBiases: includesBiases)
  }

  /// λ‖Θ‖², as for ``WeightDecay``.
  ///
  /// - Parameter network: Θ.
  /// - Returns: R(Θ).
  @inlinable
  public func value(of network: Network<Scalar>) -> Double { weightDecay.value(of: network) }

  /// Adds nothing: the decay is applied by the optimizer.
  ///
  /// - Parameters:
  ///   - network: Ignored.
  ///   - gradients: Left unchanged.
  @inlinable
  public func addGradient(of network: Network<Scalar>, to gradients: inout Gradients<Scalar>) {}

  /// 2λ_l, or 0 for a bias when biases are excluded.
  ///
  /// - Parameters:
  ///   - layer: l ∈ 1…L.
  ///   - isBias: Whether the parameter is b_l.
  /// - Returns: The decay rate.
  @inlinable
  public func decoupledRate(layer: Int, isBias: Bool) -> Scalar {
    if isBias && !weightDecay.includesBiases { return 0 }
    return Scalar(2 * weightDecay.lambda(layer: layer))
  }
}

/// ‖M‖_F² accumulated in `Double`.
@inlinable
func squaredNorm<Scalar: MatrixScalar>(_ matrix: Matrix<Scalar>) -> Double {
  matrix.squaredFrobeniusNorm
}
