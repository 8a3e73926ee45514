/// Sums over buffers that vectorise.
///
/// A plain `for` loop that adds into one accumulator cannot be vectorised without reordering the
/// additions, which the compiler does not do for floating point. These reductions keep sixteen
/// independent partial sums (one SIMD register or two per step) in the buffer's precision over
/// blocks of 4096 elements and add the block totals in `Double`, which is both fast and more
/// accurate than one long running sum. The order of additions depends only on the length, so
/// results are reproducible.
@usableFromInline
package enum Reductions {
  /// Σ_i (a_i + r·b_i)² over two buffers of equal length (`b` may be `nil`, meaning Σ a_i²).
  ///
  /// - Parameters:
  ///   - a: The first buffer.
  ///   - r: The factor on `b`.
  ///   - b: An optional second buffer of the same length.
  /// - Returns: The sum of squares, in `Double`.
  /// - Complexity: O(n), one pass over each buffer.
  @inlinable
  package static func sumOfSquares<Scalar: MatrixScalar>(
    _ a: UnsafeBufferPointer<Scalar>, plus r: Scalar = 0,
    times b: UnsafeBufferPointer<Scalar>? = nil
  ) -> Double {
    let n = a.count
    guard let pa = a.baseAddress, n > 0 else { return 0 }
    if let b { precondition(b.count == n, "sumOfSquares: lengths \(n) and \(b.count)") }
    let pb = b?.baseAddress
    var total = 0.0
    var start = 0
    while start < n {
      let end = Swift.min(start + 4096, n)
      var accumulator = SIMD16<Scalar>(repeating: 0)
      var i = start
      if let pb {
        while i + 16 <= end {
          let x = UnsafeRawPointer(pa + i).loadUnaligned(as: SIMD16<Scalar>.self)
          let y = UnsafeRawPointer(pb + i).loadUnaligned(as: SIMD16<Scalar>.self)
          let v = x + r * y
          accumulator += v * v
          i += 16
        }
      } else {
        while i + 16 <= end {
          let x = UnsafeRawPointer(pa + i).loadUnaligned(as: SIMD16<Scalar>.self)
          accumulator += x * x
          i += 16
        }
      }
      var block = Double(accumulator.sum())
      while i < end {
        let v = pa[i] + (pb.map { r * $0[i] } ?? 0)
        block += Double(v * v)
        i += 1
      }
      total += block
      start = end
    }
    return total
  }
}

extension Matrix {
  /// ‖A‖_F² = Σ a_ij², accumulated in `Double` with vectorised partial sums.
  ///
  /// - Complexity: O(rows · columns).
  @inlinable
  public var squaredFrobeniusNorm: Double {
    withUnsafeBufferPointer { Reductions.sumOfSquares($0) }
  }
}
