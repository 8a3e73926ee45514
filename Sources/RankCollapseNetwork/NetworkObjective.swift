import RankCollapseTensor

/// The objective L_λ(Θ) = (1/N) Σ_i ℓ(f(Θ, x_i), y_i) + R(Θ) (paper equation 3) of a network on
/// a full data set, as a function of the network's parameters packed into one vector.
///
/// The packed order is W_1 (row-major), b_1, W_2, b_2, …, W_L, b_L. A ``Penalty``'s decoupled
/// part counts as (r/2)‖θ‖², whose gradient is r·θ, as in ``Trainer``'s stopping criterion, so a
/// stationary point of this objective is the fixed point a first-order rule with the same
/// penalty converges to. Evaluations reuse every buffer: after the first, evaluating allocates
/// nothing.
public struct NetworkObjective<Scalar: MatrixScalar, Regularizer: Penalty>: DifferentiableObjective
where Regularizer.Scalar == Scalar {
  /// The parameters at the last evaluated point (and the architecture).
  public var network: Network<Scalar> { evaluated }
  @usableFromInline var evaluated: Network<Scalar>
  /// X, N × d_0.
  public let inputs: Matrix<Scalar>
  /// The N targets.
  public let targets: Targets<Scalar>
  /// ℓ.
  public let loss: Loss
  /// R(Θ).
  public let penalty: Regularizer
  /// n, the number of parameters (weights and biases).
  public let dimension: Int
  @usableFromInline var workspace: Network<Scalar>.Workspace
  @usableFromInline var gradients: Gradients<Scalar>
  @usableFromInline var penaltyGradients: Gradients<Scalar>
  @usableFromInline let rates: [(weight: Scalar, bias: Scalar)]
  /// One block per layer: W_l and b_l, in the packed order.
  public let scalingBlocks: [Range<Int>]

  /// The objective of `network`'s architecture on the data.
  ///
  /// - Parameters:
  ///   - network: The architecture (its current parameters are only a starting copy).
  ///   - inputs: X, N × d_0.
  ///   - targets: N targets.
  ///   - loss: ℓ.
  ///   - penalty: R(Θ).
  /// - Throws: ``TrainingError/invalidData(_:)`` when the data does not fit the network.
  public init(
    network: Network<Scalar>, inputs: Matrix<Scalar>, targets: Targets<Scalar>, loss: Loss,
    penalty: Regularizer
  ) throws(TrainingError) {
    do {
      try network.validate(inputs: inputs)
      try targets.validate(count: inputs.rows, outputs: network.outputSize)
    } catch {
      throw .invalidData(error)
    }
    // Own storage for the evaluation copy, so that unpacking never copies on write.
    var own = network
    for l in own.layers.indices {
      let (weight, bias) = (network.layers[l].weight, network.storedLayers[l].storedBias)
      own.storedLayers[l].storedWeight = Matrix(
        rows: weight.rows, columns: weight.columns, elements: weight.elements)
      own.storedLayers[l].storedBias = Matrix(
        rows: 1, columns: bias.columns, elements: bias.elements)
    }
    self.evaluated = own
    self.inputs = inputs
    self.targets = targets
    self.loss = loss
    self.penalty = penalty
    dimension = network.parameterCount
    var start = 0
    scalingBlocks = network.layers.map { layer in
      let end = start + layer.weight.count + layer.bias.count
      defer { start = end }
      return start..<end
    }
    workspace = Network.Workspace(for: network, batchSize: inputs.rows)
    gradients = Gradients(zeroingParametersOf: network)
    penaltyGradients = Gradients(zeroingParametersOf: network)
    rates = (0..<network.depth).map { l in
      (
        weight: penalty.decoupledRate(layer: l + 1, isBias: false),
        bias: penalty.decoupledRate(layer: l + 1, isBias: true)
      )
    }
  }

  /// L_λ(x) and ∇L_λ(x) (decoupled decay included as r·θ).
  ///
  /// - Parameters:
  ///   - point: Packed parameters.
  ///   - gradient: Receives the packed gradient.
  /// - Returns: L_λ(x).
  @inlinable
  public mutating func valueAndGradient(
    at point: UnsafeBufferPointer<Scalar>, gradient: UnsafeMutableBufferPointer<Scalar>
  ) -> Double {
    precondition(
      point.count == dimension && gradient.count == dimension,
      "NetworkObjective: point of \(point.count) and gradient of \(gradient.count) values for \(dimension) parameters"
    )
    Self.unpack(point, into: &evaluated)
    let data = evaluated.lossAndGradientsUnchecked(
      inputs: inputs, targets: targets, loss: loss, workspace: &workspace,
      gradients: &gradients, embeddingGradients: [])
    var value = data + penalty.valueAddingGradient(of: evaluated, to: &gradients)
    var offset = 0
    for l in evaluated.layers.indices {
      for isBias in [false, true] {
        let theta = isBias ? evaluated.layers[l].bias : evaluated.layers[l].weight
        let g = isBias ? gradients.biases[l] : gradients.weights[l]
        let r = isBias ? rates[l].bias : rates[l].weight
        theta.withUnsafeBufferPointer { t in
          g.withUnsafeBufferPointer { g in
            let out = UnsafeMutableBufferPointer(rebasing: gradient[offset..<(offset + g.count)])
            if r == 0 {
              _ = out.update(fromContentsOf: g)
            } else {
              FlatVector.sum(g, r, t, into: out)
              value += Double(r) / 2 * Reductions.sumOfSquares(t)
            }
            offset += g.count
          }
        }
      }
    }
    return value
  }

  /// R(x), the penalty's value with the decoupled part as (r/2)‖θ‖².
  ///
  /// - Parameter point: Packed parameters.
  /// - Returns: The penalty part of L_λ(x).
  @inlinable
  public mutating func penaltyValue(at point: UnsafeBufferPointer<Scalar>) -> Double {
    Self.unpack(point, into: &evaluated)
    var value = penalty.value(of: evaluated)
    for l in evaluated.layers.indices where rates[l].weight != 0 || rates[l].bias != 0 {
      value += Double(rates[l].weight) / 2 * Network.squaredNorm(evaluated.layers[l].weight)
      value += Double(rates[l].bias) / 2 * Network.squaredNorm(evaluated.layers[l].bias)
    }
    return value
  }

  /// The stationarity ratios ρ_l = ‖∇_{W_l}L_λ‖_F / ‖∇_{W_l}R‖_F of every weight at a point with
  /// gradient `gradient` (paper equation 4: at a stationary point of L_0 + λ‖Θ‖², ∇_{W_l}L_0 +
  /// 2λW_l = 0, so ρ_l is the relative violation of that balance; see ``Network/stationarity(gradients:penaltyGradients:decoupledRates:)``).
  ///
  /// - Parameters:
  ///   - point: Packed parameters.
  ///   - gradient: ∇L_λ at `point`, packed.
  /// - Returns: ρ_l for l = 1…L, `nil` where the penalty's gradient on W_l is zero.
  @inlinable
  public mutating func stationarity(
    at point: UnsafeBufferPointer<Scalar>, gradient: UnsafeBufferPointer<Scalar>
  ) -> [Double?] {
    loadStationarityTerms(at: point, gradient: gradient)
    // The packed gradient already holds the decoupled terms r·θ.
    return evaluated.stationarity(
      gradients: gradients, penaltyGradients: penaltyGradients, decoupledRates: rates,
      gradientsIncludeDecoupledTerms: true)
  }

  /// max_l ρ_l at a point (see ``stationarity(at:gradient:)``), without allocating.
  ///
  /// - Parameters:
  ///   - point: Packed parameters.
  ///   - gradient: ∇L_λ at `point`, packed.
  /// - Returns: The largest defined ρ_l, or `nil` when none is defined.
  @inlinable
  public mutating func maximumStationarity(
    at point: UnsafeBufferPointer<Scalar>, gradient: UnsafeBufferPointer<Scalar>
  ) -> Double? {
    loadStationarityTerms(at: point, gradient: gradient)
    return evaluated.maximumStationarity(
      gradients: gradients, penaltyGradients: penaltyGradients, decoupledRates: rates,
      gradientsIncludeDecoupledTerms: true)
  }

  /// Unpacks the point and its gradient and computes the coupled penalty's gradient ∇R, the
  /// two sides of every ρ_l.
  @inlinable
  mutating func loadStationarityTerms(
    at point: UnsafeBufferPointer<Scalar>, gradient: UnsafeBufferPointer<Scalar>
  ) {
    Self.unpack(point, into: &evaluated)
    Self.unpack(gradient, into: &gradients)
    for l in penaltyGradients.weights.indices {
      penaltyGradients.weights[l].withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
      penaltyGradients.biases[l].withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
    penalty.addGradient(of: evaluated, to: &penaltyGradients)
  }

  /// Copies a network's parameters into a packed vector.
  ///
  /// - Parameters:
  ///   - network: The parameters.
  ///   - point: Receives the `network.parameterCount` packed values.
  @inlinable
  public static func pack(
    _ network: Network<Scalar>, into point: UnsafeMutableBufferPointer<Scalar>
  ) {
    let count = parameterCount(of: network)
    precondition(point.count == count, "pack: \(point.count) values for \(count) parameters")
    var offset = 0
    for layer in network.layers {
      for theta in [layer.weight, layer.bias] {
        theta.withUnsafeBufferPointer { t in
          _ = UnsafeMutableBufferPointer(rebasing: point[offset..<(offset + t.count)])
            .update(fromContentsOf: t)
          offset += t.count
        }
      }
    }
  }

  /// Copies packed values into a network's parameters (its shapes stay).
  ///
  /// - Parameters:
  ///   - point: `network.parameterCount` packed values.
  ///   - network: Receives them.
  @inlinable
  public static func unpack(
    _ point: UnsafeBufferPointer<Scalar>, into network: inout Network<Scalar>
  ) {
    let count = parameterCount(of: network)
    precondition(
      point.count == count, "unpack: \(point.count) values for \(count) parameters")
    var offset = 0
    for l in network.layers.indices {
      network.storedLayers[l].storedWeight.withUnsafeMutableBufferPointer { t in
        _ = t.update(
          fromContentsOf: UnsafeBufferPointer(rebasing: point[offset..<(offset + t.count)]))
        offset += t.count
      }
      network.storedLayers[l].storedBias.withUnsafeMutableBufferPointer { t in
        _ = t.update(
          fromContentsOf: UnsafeBufferPointer(rebasing: point[offset..<(offset + t.count)]))
        offset += t.count
      }
    }
  }

  /// Σ_l (|W_l| + |b_l|), the same number as ``Network/parameterCount``.
  ///
  /// A loop that is specialised where it is inlined: `Network.parameterCount` is not inlinable,
  /// and its generic `reduce` over the layers allocates a box for every layer it visits (four
  /// allocations per evaluation of a four-layer network, from `unpack`'s precondition alone).
  @inlinable
  static func parameterCount(of network: Network<Scalar>) -> Int {
    var total = 0
    for layer in network.layers { total += layer.weight.count + layer.bias.count }
    return total
  }

  /// Copies packed values into gradients shaped like the network.
  @inlinable
  static func unpack(_ point: UnsafeBufferPointer<Scalar>, into gradients: inout Gradients<Scalar>)
  {
    var offset = 0
    for l in gradients.weights.indices {
      gradients.weights[l].withUnsafeMutableBufferPointer { t in
        _ = t.update(
          fromContentsOf: UnsafeBufferPointer(rebasing: point[offset..<(offset + t.count)]))
        offset += t.count
      }
      gradients.biases[l].withUnsafeMutableBufferPointer { t in
        _ = t.update(
          fromContentsOf: UnsafeBufferPointer(rebasing: point[offset..<(offset + t.count)]))
        offset += t.count
      }
    }
  }
}

extension Network {
  /// The stationarity ratio of every weight: ρ_l = ‖∇_{W_l}L_λ‖_F / ‖∇_{W_l}R + r_l W_l‖_F.
  ///
  /// At a critical point of L_λ = L_0 + λ‖Θ‖², ∇_{W_l}L_0 + 2λW_l = 0 (paper equation 4 with the
  /// factor 2 of this library's convention written out). With weight decay the denominator is
  /// ‖2λ_l W_l‖_F and the numerator ‖∇_{W_l}L_0 + 2λ_l W_l‖_F, so ρ_l is the per-layer relative
  /// residual of `StationarityResidual` in RankCollapseRegularization: it does not shrink with
  /// λ the way the absolute gradient norm does, and ρ_l ≤ ρ says that the data gradient balances
  /// the decay to a relative accuracy ρ.
  ///
  /// - Parameters:
  ///   - gradients: ∇L_λ (coupled penalty included; decoupled rates are added here).
  ///   - penaltyGradients: ∇R of the coupled penalty alone.
  ///   - decoupledRates: The decoupled rates r_l (zero for ordinary weight decay).
  /// - Returns: ρ_l for l = 1…L; `nil` where the denominator is zero (λ_l = 0 or W_l = 0: the
  ///   ratio is undefined there).
  @inlinable
  public func stationarity(
    gradients: Gradients<Scalar>, penaltyGradients: Gradients<Scalar>,
    decoupledRates: [(weight: Scalar, bias: Scalar)]? = nil
  ) -> [Double?] {
    stationarity(
      gradients: gradients, penaltyGradients: penaltyGradients, decoupledRates: decoupledRates,
      gradientsIncludeDecoupledTerms: false)
  }

  @inlinable
  func stationarity(
    gradients: Gradients<Scalar>, penaltyGradients: Gradients<Scalar>,
    decoupledRates: [(weight: Scalar, bias: Scalar)]?, gradientsIncludeDecoupledTerms: Bool
  ) -> [Double?] {
    precondition(
      Network.fits(gradients, self) && Network.fits(penaltyGradients, self),
      "stationarity: gradients do not have the network's shapes")
    precondition(
      decoupledRates == nil || decoupledRates?.count == depth,
      "stationarity: \(decoupledRates?.count ?? 0) decoupled rates for \(depth) layers")
    return layers.indices.map { l in
      stationarity(
        layer: l, gradients: gradients, penaltyGradients: penaltyGradients,
        decoupledRates: decoupledRates,
        gradientsIncludeDecoupledTerms: gradientsIncludeDecoupledTerms)
    }
  }

  /// max_l ρ_l without allocating (`nil` when every ρ_l is undefined); the shapes must fit.
  @inlinable
  func maximumStationarity(
    gradients: Gradients<Scalar>, penaltyGradients: Gradients<Scalar>,
    decoupledRates: [(weight: Scalar, bias: Scalar)]?, gradientsIncludeDecoupledTerms: Bool
  ) -> Double? {
    var largest: Double?
    for l in layers.indices {
      if let ratio = stationarity(
        layer: l, gradients: gradients, penaltyGradients: penaltyGradients,
        decoupledRates: decoupledRates,
        gradientsIncludeDecoupledTerms: gradientsIncludeDecoupledTerms)
      {
        largest = Swift.max(largest ?? ratio, ratio)
      }
    }
    return largest
  }

  /// ρ_l of 0-based layer `l`.
  @inlinable
  func stationarity(
    layer l: Int, gradients: Gradients<Scalar>, penaltyGradients: Gradients<Scalar>,
    decoupledRates: [(weight: Scalar, bias: Scalar)]?, gradientsIncludeDecoupledTerms: Bool
  ) -> Double? {
    let r = decoupledRates?[l].weight ?? 0
    let added = gradientsIncludeDecoupledTerms ? 0 : r
    let numerator = gradients.weights[l].withUnsafeBufferPointer { g in
      layers[l].weight.withUnsafeBufferPointer { w in
        Reductions.sumOfSquares(g, plus: added, times: w)
      }
    }
    let denominator = penaltyGradients.weights[l].withUnsafeBufferPointer { g in
      layers[l].weight.withUnsafeBufferPointer { w in
        Reductions.sumOfSquares(g, plus: r, times: w)
      }
    }
    return denominator > 0 ? (numerator / denominator).squareRoot() : nil
  }
}
