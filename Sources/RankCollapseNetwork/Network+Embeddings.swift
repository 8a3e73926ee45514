import RankCollapseTensor

extension Network {
  /// The embeddings Z^0 = X, Z^1, …, Z^L of a whole data set (paper: 𝒵^l = {z_i^l}), computed in
  /// batches so that the working memory stays bounded.
  ///
  /// - Parameters:
  ///   - inputs: N × d_0.
  ///   - batchSize: Samples per forward pass (working memory ∝ batchSize · Σ_l d_l).
  /// - Returns: L + 1 matrices; element j is Z^j (N × d_j), element 0 shares `inputs`' storage.
  /// - Throws: ``NetworkError`` when the inputs do not fit.
  public func embeddings(
    of inputs: Matrix<Scalar>, batchSize: Int = 2048
  ) throws(NetworkError) -> [Matrix<Scalar>] {
    try validate(inputs: inputs)
    let n = inputs.rows
    let size = Swift.max(1, Swift.min(batchSize, n))
    var result = [inputs] + layers.map { Matrix<Scalar>.zeros(rows: n, columns: $0.outputSize) }
    var workspace = Workspace(for: self, batchSize: size)
    var start = 0
    while start < n {
      let end = Swift.min(start + size, n)
      let batch = end - start == n ? inputs : inputs.rows(start..<end)
      workspace.prepare(for: self, batchSize: end - start)
      forwardUnchecked(batch, workspace: &workspace)
      for l in layers.indices {
        let columns = layers[l].outputSize
        workspace.buffers[l].withUnsafeBufferPointer { source in
          result[l + 1].withUnsafeMutableBufferPointer { target in
            (target.baseAddress.unsafelyUnwrapped + start * columns).update(
              from: source.baseAddress.unsafelyUnwrapped, count: (end - start) * columns)
          }
        }
      }
      start = end
    }
    return result
  }

  /// The embedding Z^j of a whole data set, in batches.
  ///
  /// - Parameters:
  ///   - layer: j ∈ 0…L (0 returns the inputs).
  ///   - inputs: N × d_0.
  ///   - batchSize: Samples per forward pass.
  /// - Returns: Z^j, N × d_j.
  /// - Throws: ``NetworkError`` when the inputs do not fit or `layer` is outside 0…L.
  public func embedding(
    layer: Int, of inputs: Matrix<Scalar>, batchSize: Int = 2048
  ) throws(NetworkError) -> Matrix<Scalar> {
    guard layer >= 0 && layer <= depth else { throw .layerOutOfRange(layer: layer, depth: depth) }
    guard layer > 0 else {
      try validate(inputs: inputs)
      return inputs
    }
    let truncated = try Network(layers: Array(layers[0..<layer]))
    return try truncated.embeddings(of: inputs, batchSize: batchSize)[layer]
  }
}
