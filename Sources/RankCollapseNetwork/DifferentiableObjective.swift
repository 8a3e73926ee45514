import RankCollapseTensor

/// A smooth function f: Rⁿ → R with its gradient, evaluated at points given as flat vectors: what
/// a line-search method such as ``LBFGS`` needs (several evaluations per iteration).
///
/// ``NetworkObjective`` is the objective L_λ(Θ) of paper equation (3) as a function of a
/// network's packed parameters; any other conforming type (a test function, a model of your own)
/// can be minimised by the same ``LBFGS`` rule.
public protocol DifferentiableObjective<Scalar> {
  /// The scalar type of the points and gradients.
  associatedtype Scalar: MatrixScalar

  /// n, the length of a point.
  var dimension: Int { get }

  /// Evaluates f(x) and writes ∇f(x).
  ///
  /// - Parameters:
  ///   - point: x, `dimension` values.
  ///   - gradient: Receives ∇f(x), `dimension` values.
  /// - Returns: f(x), in `Double`. A non-finite value (or gradient) marks a point outside the
  ///   region where f is usable; a line search then shortens its step.
  mutating func valueAndGradient(
    at point: UnsafeBufferPointer<Scalar>, gradient: UnsafeMutableBufferPointer<Scalar>
  ) -> Double

  /// Consecutive ranges of the parameter vector that a quasi-Newton method may scale
  /// separately (for a network: one per weight matrix and bias), or empty for one scale.
  ///
  /// ``LBFGS`` with ``LBFGS/Scaling/blockwise`` starts each two-loop recursion from a
  /// block-diagonal H⁰ = diag(γ_b I) with γ_b = s_bᵀy_b / y_bᵀy_b of the newest pair restricted
  /// to block b. The ranges must be sorted, disjoint and within `0..<dimension`.
  var scalingBlocks: [Range<Int>] { get }
}

extension DifferentiableObjective {
  /// No blocks: one scale for the whole parameter vector.
  public var scalingBlocks: [Range<Int>] { [] }
}

/// Vector kernels of the quasi-Newton methods: dot products accumulated in `Double`, and
/// y ← y + a·x, over flat buffers.
@usableFromInline
enum FlatVector {
  /// Σ a_i b_i, with sixteen partial sums per block of 4096 values in the buffers' precision and
  /// the block sums added in `Double` (the order depends only on the length: reproducible).
  @inlinable
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  static func dot<Scalar: MatrixScalar>(
    _ a: UnsafeBufferPointer<Scalar>, _ b: UnsafeBufferPointer<Scalar>
  ) -> Double {
    let n = a.count
    precondition(b.count == n, "dot: lengths \(n) and \(b.count)")
    guard n > 0 else { return 0 }
    let pa = a.baseAddress.unsafelyUnwrapped
    let pb = b.baseAddress.unsafelyUnwrapped
    var total = 0.0
    var start = 0
    while start < n {
      let end = Swift.min(start + 4096, n)
      var accumulator = SIMD16<Scalar>(repeating: 0)
      var i = start
      while i + 16 <= end {
        let x = UnsafeRawPointer(pa + i).loadUnaligned(as: SIMD16<Scalar>.self)
        let y = UnsafeRawPointer(pb + i).loadUnaligned(as: SIMD16<Scalar>.self)
        accumulator += x * y
        i += 16
      }
      var block = Double(accumulator.sum())
      while i < end {
        block += Double(pa[i]) * Double(pb[i])
        i += 1
      }
      total += block
      start = end
    }
    return total
  }

  /// y ← y + a·x.
  @inlinable
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  static func addScaled<Scalar: MatrixScalar>(
    _ x: UnsafeBufferPointer<Scalar>, times a: Scalar, to y: UnsafeMutableBufferPointer<Scalar>
  ) {
    precondition(x.count == y.count, "addScaled: lengths \(x.count) and \(y.count)")
    guard let px = x.baseAddress, let py = y.baseAddress else { return }
    for i in 0..<x.count { py[i] += a * px[i] }
  }

  /// z ← x + a·y.
  @inlinable
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  static func sum<Scalar: MatrixScalar>(
    _ x: UnsafeBufferPointer<Scalar>, _ a: Scalar, _ y: UnsafeBufferPointer<Scalar>,
    into z: UnsafeMutableBufferPointer<Scalar>
  ) {
    precondition(
      x.count == y.count && x.count == z.count,
      "sum: lengths \(x.count), \(y.count) and \(z.count)")
    guard let px = x.baseAddress, let py = y.baseAddress, let pz = z.baseAddress else { return }
    for i in 0..<x.count { pz[i] = px[i] + a * py[i] }
  }

  /// Whether every value is finite.
  @inlinable
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  static func isFinite<Scalar: MatrixScalar>(_ x: UnsafeBufferPointer<Scalar>) -> Bool {
    var finite = true
    for value in x where !value.isFinite {
      finite = false
      break
    }
    return finite
  }
}
