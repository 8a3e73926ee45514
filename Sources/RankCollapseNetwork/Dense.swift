import RankCollapseTensor

/// A fully connected layer z = σ(W x + b) (paper equation 1), applied to a batch as
/// `Z_out = σ(Z_in Wᵀ + 1 bᵀ)` with one sample per row.
///
/// The weight W has shape d_out × d_in as in the paper; the bias b is stored as a 1 × d_out row
/// vector so that every parameter of a network is a `Matrix` (optimizers and penalties treat
/// them alike).
public struct Dense<Scalar: MatrixScalar>: Sendable, Equatable {
  /// The weight matrix W_l, d_out × d_in.
  ///
  /// Read-only outside the library: a ``Network`` relies on its layers' shapes for every
  /// buffer it hands to BLAS. Change parameters with
  /// ``Network/setWeight(_:layer:)`` and ``Network/setBias(_:layer:)``, which check them.
  @inlinable public var weight: Matrix<Scalar> { storedWeight }
  /// The bias b_l as a 1 × d_out row vector (read-only, see ``weight``).
  @inlinable public var bias: Matrix<Scalar> { storedBias }
  /// The entrywise nonlinearity σ_l (read-only, see ``weight``).
  @inlinable public var activation: Activation { storedActivation }
  /// Whether the layer has a trainable bias (read-only, see ``weight``).
  ///
  /// Without one, ``bias`` stays zero: its gradient is
  /// reported as zero, so no optimizer or penalty moves it (the deep linear networks of paper
  /// section 5 have no biases).
  @inlinable public var hasBias: Bool { storedHasBias }

  @usableFromInline var storedWeight: Matrix<Scalar>
  @usableFromInline var storedBias: Matrix<Scalar>
  @usableFromInline var storedActivation: Activation
  @usableFromInline var storedHasBias: Bool

  /// A layer from given parameters.
  ///
  /// - Parameters:
  ///   - weight: W, d_out × d_in.
  ///   - bias: b as a 1 × d_out row vector.
  ///   - activation: σ.
  ///   - hasBias: Whether the bias is trainable; when false it must be zero.
  /// - Precondition: `bias` is 1 × `weight.rows` (and zero without a bias).
  public init(
    weight: Matrix<Scalar>, bias: Matrix<Scalar>, activation: Activation, hasBias: Bool = true
  ) {
    precondition(
      bias.rows == 1 && bias.columns == weight.rows,
      "Dense: bias must be 1×\(weight.rows) for a \(weight.shapeDescription) weight, got \(bias.shapeDescription)"
    )
    precondition(
      hasBias || bias.maxAbsoluteValue == 0, "Dense: a layer without bias needs a zero bias")
    self.storedWeight = weight
    self.storedBias = bias
    self.storedActivation = activation
    self.storedHasBias = hasBias
  }

  /// A layer with weights drawn by `initializer` and zero bias.
  ///
  /// - Parameters:
  ///   - inputSize: d_in.
  ///   - outputSize: d_out.
  ///   - activation: σ.
  ///   - initializer: How W is drawn.
  ///   - hasBias: Whether the layer has a trainable bias.
  ///   - generator: The source of randomness.
  public init(
    inputSize: Int, outputSize: Int, activation: Activation,
    initializer: Initializer = .glorotUniform, hasBias: Bool = true,
    using generator: inout some RandomNumberGenerator
  ) {
    self.init(
      weight: initializer.weights(rows: outputSize, columns: inputSize, using: &generator),
      bias: .zeros(rows: 1, columns: outputSize), activation: activation, hasBias: hasBias)
  }

  /// d_in, the number of inputs.
  @inlinable public var inputSize: Int { weight.columns }
  /// d_out, the number of outputs.
  @inlinable public var outputSize: Int { weight.rows }

  /// The layer applied to a batch: `σ(X Wᵀ + 1 bᵀ)`.
  ///
  /// - Parameter input: N × d_in, one sample per row.
  /// - Returns: N × d_out.
  /// - Precondition: `input.columns == inputSize`.
  @inlinable
  public func callAsFunction(_ input: Matrix<Scalar>) -> Matrix<Scalar> {
    precondition(
      input.columns == inputSize,
      "Dense: input \(input.shapeDescription) does not fit a \(weight.shapeDescription) weight")
    var output = Matrix<Scalar>.zeros(rows: input.rows, columns: outputSize)
    output.gemm(input, weight, transposeB: true)
    // GELU writes its pre-activation into a scratch buffer it does not need afterwards.
    var scratch = Matrix<Scalar>.zeros(
      rows: activation.needsPreActivation ? input.rows : 0, columns: outputSize)
    let usesScratch = activation.needsPreActivation
    output.withUnsafeMutableBufferPointer { z in
      bias.withUnsafeBufferPointer { b in
        scratch.withUnsafeMutableBufferPointer { a in
          activation.applyWithBias(
            z.baseAddress.unsafelyUnwrapped, bias: b.baseAddress.unsafelyUnwrapped,
            rows: 0..<input.rows, columns: outputSize,
            preActivation: usesScratch ? a.baseAddress : nil)
        }
      }
    }
    return output
  }
}
