import RankCollapseTensor

extension Network {
  /// Buffers the forward and backward passes reuse from one step to the next.
  ///
  /// A workspace holds, for a batch of N samples, every layer's output Z^l (N × d_l), the
  /// pre-activations of layers that need them (``Activation/gelu``), the backpropagated gradients
  /// ∂L/∂Z^l and per-thread partial sums. Creating one allocates; using it again with the same
  /// network shape and batch size allocates nothing.
  public struct Workspace: Sendable {
    /// The number of samples the buffers hold.
    public private(set) var batchSize: Int
    /// Z^1 … Z^L of the last forward pass (`outputs[l − 1]` is Z^l).
    public var outputs: [Matrix<Scalar>] { buffers }
    @usableFromInline var buffers: [Matrix<Scalar>]
    @usableFromInline var preActivations: [Matrix<Scalar>]
    @usableFromInline var deltas: [Matrix<Scalar>]
    @usableFromInline var inputGradient: Matrix<Scalar>
    @usableFromInline var partialSums: [Matrix<Scalar>]
    @usableFromInline var lossPartials: [Double]
    @usableFromInline var widths: [Int]
    @usableFromInline var threads: Int

    /// Buffers for `network` and batches of `batchSize` samples.
    ///
    /// - Parameters:
    ///   - network: The network (only its shape and activations matter).
    ///   - batchSize: N, the number of samples per pass.
    public init(for network: Network, batchSize: Int) {
      self.batchSize = batchSize
      widths = network.widths
      threads = BLAS.threadCount
      buffers = network.layers.map { .zeros(rows: batchSize, columns: $0.outputSize) }
      preActivations = network.layers.map {
        $0.activation.needsPreActivation
          ? .zeros(rows: batchSize, columns: $0.outputSize) : .zeros(rows: 0, columns: 0)
      }
      deltas = network.layers.map { .zeros(rows: batchSize, columns: $0.outputSize) }
      inputGradient = .zeros(rows: 0, columns: 0)
      partialSums = network.layers.map { .zeros(rows: BLAS.threadCount, columns: $0.outputSize) }
      lossPartials = Array(repeating: 0, count: BLAS.threadCount)
    }

    /// Whether the buffers fit `network` and `batchSize` under the current thread count.
    @inlinable
    func fits(_ network: Network, batchSize: Int) -> Bool {
      guard self.batchSize == batchSize, threads == BLAS.threadCount,
        widths.count == network.depth + 1, widths[0] == network.inputSize
      else { return false }
      for (l, layer) in network.layers.enumerated() {
        if widths[l + 1] != layer.outputSize { return false }
        if layer.activation.needsPreActivation && preActivations[l].rows != batchSize {
          return false
        }
      }
      return true
    }

    /// Makes the buffers fit `network` and `batchSize`, reallocating only when they do not.
    ///
    /// - Parameters:
    ///   - network: The network.
    ///   - batchSize: N.
    @inlinable
    public mutating func prepare(for network: Network, batchSize: Int) {
      if !fits(network, batchSize: batchSize) {
        self = Workspace(for: network, batchSize: batchSize)
      }
    }
  }
}
