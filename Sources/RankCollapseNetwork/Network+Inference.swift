import RankCollapseTensor

extension Network {
  /// The number of rows one block of an inference pass carries through all layers.
  ///
  /// A block's intermediate activations (`rows × max d_l`, about 1 MiB each) should stay in the
  /// processor's caches while the next layer reads one and writes the other, and a block should
  /// be tall enough that BLAS's packing of each weight matrix, repeated for every block, costs
  /// little next to the product (blocks of 128 rows made the dense 784-500-500-500-10 forward
  /// pass slower than blocks of 512). The count is a multiple of 16 (the BLAS kernels' row
  /// tiles) between 16 and 1024.
  ///
  /// - Parameter widest: The widest hidden layer, max d_l over l < L (at least 1).
  /// - Returns: The rows per block.
  @inlinable
  static func inferenceBlockRows(widest: Int) -> Int {
    let budget = 1024 * 1024 / MemoryLayout<Scalar>.stride
    let rows = budget / Swift.max(widest, 1)
    return Swift.min(1024, Swift.max(16, rows & ~15))
  }

  /// f(Θ, X) into `output` (N × d_L), in blocks of rows: the engine behind
  /// ``callAsFunction(_:)``.
  ///
  /// Each block of ``inferenceBlockRows(widest:)`` rows passes through every layer before the
  /// next block starts, so Z^l of a block is still in cache when layer l + 1 reads it, and the
  /// bias and activation of eq. 1 are applied to the block right after its product. A layer
  /// without bias and with the identity activation (the first factor of a factored layer) costs
  /// its product only. With `BLAS.threadCount` T > 1 (and `BLAS.threading` = `.partitionOutput`)
  /// the rows are split into T contiguous shares, each running single-threaded BLAS on its own
  /// scratch buffers. Row i of the result depends only on row i of X and Θ, not on the blocking.
  ///
  /// - Parameters:
  ///   - input: X, N × d_0 with N ≥ 1.
  ///   - output: N × d_L; overwritten.
  @inlinable
  func inferUnchecked(_ input: Matrix<Scalar>, into output: inout Matrix<Scalar>) {
    let n = input.rows
    guard n > 0 else { return }
    let widest = layers.dropLast().map(\.outputSize).max() ?? 1
    let block = Network.inferenceBlockRows(widest: widest)
    let threads = BLAS.threading == .partitionOutput ? BLAS.threadCount : 1
    // Each share keeps at least 16 rows per thread for the BLAS kernels.
    let shares = Swift.max(1, Swift.min(threads, n / 16))
    // GELU's kernel also stores its pre-activation: one more buffer, as wide as the widest GELU
    // layer (which may be the output layer).
    let preActivationWidth =
      layers.filter { $0.activation.needsPreActivation }.map(\.outputSize).max() ?? 0
    let network = self
    input.withUnsafeBufferPointer { x in
      output.withUnsafeMutableBufferPointer { y in
        let pointers = UncheckedSendable(
          (x.baseAddress.unsafelyUnwrapped, y.baseAddress.unsafelyUnwrapped))
        let run = { @Sendable (share: Int) in
          let rows = RowBlocks.range(share, of: shares, rows: n)
          let (x, y) = pointers.value
          let size = block * widest
          let scratchCount = 2 * size + block * preActivationWidth
          withUnsafeTemporaryAllocation(of: Scalar.self, capacity: scratchCount) { scratch in
            let base = scratch.baseAddress.unsafelyUnwrapped
            var start = rows.lowerBound
            while start < rows.upperBound {
              let count = Swift.min(block, rows.upperBound - start)
              network.inferBlock(
                input: x + start * network.inputSize, output: y + start * network.outputSize,
                rows: count, scratch: (base, base + size),
                preActivation: preActivationWidth > 0 ? base + 2 * size : nil)
              start += count
            }
          }
        }
        if shares == 1 {
          run(0)
        } else {
          Parallel.run(blocks: shares, run)
        }
      }
    }
  }

  /// One block of rows through every layer: ping-pong between the two scratch buffers, the last
  /// layer writing straight into the output rows.
  @inlinable
  func inferBlock(
    input: UnsafePointer<Scalar>, output: UnsafeMutablePointer<Scalar>, rows: Int,
    scratch: (UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>),
    preActivation: UnsafeMutablePointer<Scalar>?
  ) {
    var source = input
    var sourceColumns = inputSize
    var targets = scratch
    for (index, layer) in layers.enumerated() {
      let columns = layer.outputSize
      let target = index == layers.count - 1 ? output : targets.0
      layer.weight.withUnsafeBufferPointer { w in
        Scalar.blasGEMM(
          transposeA: false, transposeB: true, m: rows, n: columns, k: sourceColumns, alpha: 1,
          a: source, lda: sourceColumns, b: w.baseAddress.unsafelyUnwrapped, ldb: sourceColumns,
          beta: 0, c: target, ldc: columns)
      }
      if layer.hasBias || layer.activation != .identity {
        layer.bias.withUnsafeBufferPointer { b in
          layer.activation.applyWithBias(
            target, bias: b.baseAddress.unsafelyUnwrapped, rows: 0..<rows, columns: columns,
            preActivation: layer.activation.needsPreActivation ? preActivation : nil)
        }
      }
      source = UnsafePointer(target)
      sourceColumns = columns
      targets = (targets.1, targets.0)
    }
  }
}
