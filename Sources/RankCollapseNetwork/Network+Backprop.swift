import RankCollapseTensor

extension Network {
  /// Runs the forward pass on a batch, keeping every layer's output in `workspace`.
  ///
  /// After the call `workspace.buffers[l − 1]` holds Z^l; the last one is f(Θ, X).
  ///
  /// - Parameters:
  ///   - inputs: N × d_0.
  ///   - workspace: Buffers, resized if they do not fit.
  /// - Throws: ``NetworkError/inputWidthMismatch(expected:got:)`` or
  ///   ``NetworkError/emptyData``.
  /// - Complexity: 2·N·Σ_l d_l d_{l−1} floating-point operations in `L` matrix products plus one
  ///   fused pass per layer for bias and activation.
  @inlinable
  public func forward(_ inputs: Matrix<Scalar>, workspace: inout Workspace) throws(NetworkError) {
    try validate(inputs: inputs)
    workspace.prepare(for: self, batchSize: inputs.rows)
    forwardUnchecked(inputs, workspace: &workspace)
  }

  @inlinable
  func forwardUnchecked(_ inputs: Matrix<Scalar>, workspace: inout Workspace) {
    let n = inputs.rows
    for index in layers.indices {
      let layer = layers[index]
      let previous = index == 0 ? inputs : workspace.buffers[index - 1]
      workspace.buffers[index].gemm(previous, layer.weight, transposeB: true)
      let columns = layer.outputSize
      let activation = layer.activation
      let blocks = RowBlocks.count(rows: n, columns: columns)
      let needsPre = activation.needsPreActivation
      workspace.buffers[index].withUnsafeMutableBufferPointer { z in
        layer.bias.withUnsafeBufferPointer { b in
          workspace.preActivations[index].withUnsafeMutableBufferPointer { a in
            let shared = UncheckedSendable(
              (
                z.baseAddress.unsafelyUnwrapped, b.baseAddress.unsafelyUnwrapped,
                needsPre ? a.baseAddress : nil
              ))
            RowBlocks.run(blocks: blocks, rows: n) { _, rows in
              let (zp, bp, ap) = shared.value
              activation.applyWithBias(
                zp, bias: bp, rows: rows, columns: columns, preActivation: ap)
            }
          }
        }
      }
    }
  }

  /// The mean loss L_0 = (1/N) Σ_i ℓ(f(Θ, x_i), y_i) on a batch and its gradients with respect to
  /// every weight and bias (manual backpropagation), and optionally with respect to embeddings.
  ///
  /// With G^L = ∂L_0/∂Z^L from the loss, each layer l = L…1 computes
  /// D^l = G^l ⊙ σ_l′(A^l), ∇_{W_l} = D^lᵀ Z^{l−1}, ∇_{b_l} = 1ᵀ D^l and G^{l−1} = D^l W_l.
  ///
  /// - Parameters:
  ///   - inputs: N × d_0.
  ///   - targets: N targets.
  ///   - loss: ℓ.
  ///   - workspace: Buffers, resized if they do not fit; reuse it across calls.
  ///   - gradients: Receives the gradients; reused without allocation when shaped like the
  ///     network.
  ///   - embeddingGradients: Embedding indices j ∈ 0…L whose gradient ∂L_0/∂Z^j to keep in
  ///     `gradients.embeddings` (paper equation 5 looks at the loss from layer j).
  /// - Returns: L_0, accumulated in `Double`.
  /// - Throws: ``NetworkError`` when the data does not fit the network or an embedding index is
  ///   outside 0…L.
  @inlinable
  @discardableResult
  public func gradients(
    inputs: Matrix<Scalar>, targets: Targets<Scalar>, loss: Loss, workspace: inout Workspace,
    into gradients: inout Gradients<Scalar>, embeddingGradients: Set<Int> = []
  ) throws(NetworkError) -> Double {
    try validate(inputs: inputs)
    try targets.validate(count: inputs.rows, outputs: outputSize)
    for j in embeddingGradients where j < 0 || j > depth {
      throw .layerOutOfRange(layer: j, depth: depth)
    }
    workspace.prepare(for: self, batchSize: inputs.rows)
    if !Network.fits(gradients, self) { gradients = Gradients(zeroingParametersOf: self) }
    return lossAndGradientsUnchecked(
      inputs: inputs, targets: targets, loss: loss, workspace: &workspace,
      gradients: &gradients, embeddingGradients: embeddingGradients)
  }

  /// Convenience: L_0 and its gradients in new buffers.
  ///
  /// - Parameters:
  ///   - inputs: N × d_0.
  ///   - targets: N targets.
  ///   - loss: ℓ.
  ///   - embeddingGradients: Embedding indices j whose gradient to keep.
  /// - Returns: L_0 and the gradients.
  /// - Throws: ``NetworkError`` when the data does not fit the network.
  @inlinable
  public func gradients(
    inputs: Matrix<Scalar>, targets: Targets<Scalar>, loss: Loss,
    embeddingGradients: Set<Int> = []
  ) throws(NetworkError) -> (loss: Double, gradients: Gradients<Scalar>) {
    var workspace = Workspace(for: self, batchSize: inputs.rows)
    var result = Gradients(zeroingParametersOf: self)
    let value = try gradients(
      inputs: inputs, targets: targets, loss: loss, workspace: &workspace, into: &result,
      embeddingGradients: embeddingGradients)
    return (value, result)
  }

  /// The gradient of ℓ(f(Θ, x_i), y_i) for each single sample i with respect to W_l — each has
  /// rank at most 1, which is the step of Proposition 3.1's proof.
  ///
  /// - Parameters:
  ///   - inputs: N × d_0.
  ///   - targets: N targets.
  ///   - loss: ℓ.
  ///   - layer: l ∈ 1…L.
  /// - Returns: N matrices of shape d_l × d_{l−1}.
  /// - Throws: ``NetworkError`` when the data does not fit or `layer` is outside 1…L.
  public func sampleGradients(
    inputs: Matrix<Scalar>, targets: Targets<Scalar>, loss: Loss, layer: Int
  ) throws(NetworkError) -> [Matrix<Scalar>] {
    guard layer >= 1 && layer <= depth else { throw .layerOutOfRange(layer: layer, depth: depth) }
    try validate(inputs: inputs)
    try targets.validate(count: inputs.rows, outputs: outputSize)
    var workspace = Workspace(for: self, batchSize: 1)
    var gradients = Gradients(zeroingParametersOf: self)
    var result: [Matrix<Scalar>] = []
    for i in 0..<inputs.rows {
      _ = lossAndGradientsUnchecked(
        inputs: inputs.rows(i..<(i + 1)), targets: targets.samples(at: [i]), loss: loss,
        workspace: &workspace, gradients: &gradients, embeddingGradients: [])
      result.append(gradients.weights[layer - 1])
    }
    return result
  }

  @inlinable
  static func fits(_ gradients: Gradients<Scalar>, _ network: Network) -> Bool {
    guard gradients.weights.count == network.depth, gradients.biases.count == network.depth
    else { return false }
    for (l, layer) in network.layers.enumerated() {
      let w = gradients.weights[l]
      if w.rows != layer.weight.rows || w.columns != layer.weight.columns { return false }
      if gradients.biases[l].columns != layer.outputSize || gradients.biases[l].rows != 1 {
        return false
      }
    }
    return true
  }

  /// Forward, loss and backward on validated inputs with fitting buffers.
  @inlinable
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  func lossAndGradientsUnchecked(
    inputs: Matrix<Scalar>, targets: Targets<Scalar>, loss: Loss, workspace: inout Workspace,
    gradients: inout Gradients<Scalar>, embeddingGradients: Set<Int>
  ) -> Double {
    forwardUnchecked(inputs, workspace: &workspace)
    let n = inputs.rows
    let last = depth - 1
    let outputColumns = outputSize
    let scale = 1 / Scalar(n)
    let blocks = RowBlocks.count(rows: n, columns: outputColumns)

    // G^L = ∂L_0/∂Z^L = (1/N) ∂ℓ/∂f, and the loss sum, per row block.
    workspace.buffers[last].withUnsafeBufferPointer { f in
      workspace.deltas[last].withUnsafeMutableBufferPointer { g in
        workspace.lossPartials.withUnsafeMutableBufferPointer { partials in
          targets.withUnsafePointers { yp, lp in
            let shared = UncheckedSendable(
              (
                f.baseAddress.unsafelyUnwrapped, g.baseAddress.unsafelyUnwrapped,
                partials.baseAddress.unsafelyUnwrapped, yp, lp
              ))
            RowBlocks.run(blocks: blocks, rows: n) { block, rows in
              let (fp, gp, pp, yp, lp) = shared.value
              pp[block] = loss.evaluate(
                outputs: fp, columns: outputColumns, rows: rows, values: yp, labels: lp,
                scale: scale, gradient: gp)
            }
          }
        }
      }
    }
    var total = 0.0
    for block in 0..<blocks { total += workspace.lossPartials[block] }

    for index in stride(from: last, through: 0, by: -1) {
      let layer = layers[index]
      let columns = layer.outputSize
      if embeddingGradients.contains(index + 1) {
        gradients.embeddings[index + 1] = workspace.deltas[index]
      }
      // D^l = G^l ⊙ σ′, with per-block column sums for ∇b_l.
      let activation = layer.activation
      let blocks = RowBlocks.count(rows: n, columns: columns)
      workspace.deltas[index].withUnsafeMutableBufferPointer { g in
        workspace.buffers[index].withUnsafeBufferPointer { z in
          workspace.preActivations[index].withUnsafeBufferPointer { a in
            workspace.partialSums[index].withUnsafeMutableBufferPointer { sums in
              let sp = sums.baseAddress.unsafelyUnwrapped
              let shared = UncheckedSendable(
                (
                  g.baseAddress.unsafelyUnwrapped, z.baseAddress.unsafelyUnwrapped, a.baseAddress,
                  sp
                ))
              RowBlocks.run(blocks: blocks, rows: n) { block, rows in
                let (gp, zp, ap, sp) = shared.value
                let partial = sp + block &* columns
                partial.update(repeating: 0, count: columns)
                activation.multiplyByDerivative(
                  gp, outputs: zp, preActivation: ap, rows: rows, columns: columns,
                  columnSums: partial)
              }
              let hasBias = layer.hasBias
              gradients.biases[index].withUnsafeMutableBufferPointer { bias in
                let bp = bias.baseAddress.unsafelyUnwrapped
                guard hasBias else {
                  bp.update(repeating: 0, count: columns)
                  return
                }
                bp.update(from: sp, count: columns)
                for block in 1..<Swift.max(blocks, 1) {
                  let partial = sp + block &* columns
                  for j in 0..<columns { bp[j] += partial[j] }
                }
              }
            }
          }
        }
      }
      // ∇W_l = D^lᵀ Z^{l−1}.
      let previous = index == 0 ? inputs : workspace.buffers[index - 1]
      gradients.weights[index].gemm(workspace.deltas[index], previous, transposeA: true)
      // G^{l−1} = D^l W_l, needed below layer 1 only for ∂L/∂X.
      if index > 0 {
        workspace.deltas[index - 1].gemm(workspace.deltas[index], layer.weight)
      } else if embeddingGradients.contains(0) {
        if workspace.inputGradient.rows != n || workspace.inputGradient.columns != inputSize {
          workspace.inputGradient = .zeros(rows: n, columns: inputSize)
        }
        workspace.inputGradient.gemm(workspace.deltas[0], layer.weight)
        gradients.embeddings[0] = workspace.inputGradient
      }
    }
    return total / Double(n)
  }
}
