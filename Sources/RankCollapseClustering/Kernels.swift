import Dispatch
import RankCollapseTensor
import _RankCollapseKernels

/// Small loops shared by the clustering routines, written so that the optimiser keeps several
/// independent accumulators (floating-point sums are not reassociated automatically).
enum Kernels {
  /// `Σ_t a[t]²`, accumulated in `Double` with eight independent partial sums.
  @inline(__always)
  static func sumOfSquares<S: MatrixScalar>(_ a: UnsafePointer<S>, count: Int) -> Double {
    var s0 = 0.0
    var s1 = 0.0
    var s2 = 0.0
    var s3 = 0.0
    var s4 = 0.0
    var s5 = 0.0
    var s6 = 0.0
    var s7 = 0.0
    var t = 0
    while t &+ 8 <= count {
      let v0 = Double(a[t])
      let v1 = Double(a[t &+ 1])
      let v2 = Double(a[t &+ 2])
      let v3 = Double(a[t &+ 3])
      let v4 = Double(a[t &+ 4])
      let v5 = Double(a[t &+ 5])
      let v6 = Double(a[t &+ 6])
      let v7 = Double(a[t &+ 7])
      s0 += v0 * v0
      s1 += v1 * v1
      s2 += v2 * v2
      s3 += v3 * v3
      s4 += v4 * v4
      s5 += v5 * v5
      s6 += v6 * v6
      s7 += v7 * v7
      t &+= 8
    }
    while t < count {
      let v = Double(a[t])
      s0 += v * v
      t &+= 1
    }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
  }

  /// `Σ_t (a[t] − b[t])²` with `b` in `Double`, accumulated in `Double`.
  @inline(__always)
  static func squaredDistance<S: MatrixScalar>(
    _ a: UnsafePointer<S>, _ b: UnsafePointer<Double>, count: Int
  ) -> Double {
    var s0 = 0.0
    var s1 = 0.0
    var s2 = 0.0
    var s3 = 0.0
    var t = 0
    while t &+ 4 <= count {
      let v0 = Double(a[t]) - b[t]
      let v1 = Double(a[t &+ 1]) - b[t &+ 1]
      let v2 = Double(a[t &+ 2]) - b[t &+ 2]
      let v3 = Double(a[t &+ 3]) - b[t &+ 3]
      s0 += v0 * v0
      s1 += v1 * v1
      s2 += v2 * v2
      s3 += v3 * v3
      t &+= 4
    }
    while t < count {
      let v = Double(a[t]) - b[t]
      s0 += v * v
      t &+= 1
    }
    return (s0 + s1) + (s2 + s3)
  }

  /// `sum[t] += a[t]` for `t < count`, converting to `Double`.
  @inline(__always)
  static func accumulate<S: MatrixScalar>(
    _ a: UnsafePointer<S>, into sum: UnsafeMutablePointer<Double>, count: Int
  ) {
    for t in 0..<count { sum[t] += Double(a[t]) }
  }

  /// `sum[t] += a[t]` for `t < count` in the scalar type itself.
  @inline(__always)
  static func add<S: MatrixScalar>(
    _ a: UnsafePointer<S>, into sum: UnsafeMutablePointer<S>, count: Int
  ) {
    for t in 0..<count { sum[t] += a[t] }
  }

  /// `sum[t] -= a[t]` for `t < count`, converting to `Double`.
  @inline(__always)
  static func subtract<S: MatrixScalar>(
    _ a: UnsafePointer<S>, from sum: UnsafeMutablePointer<Double>, count: Int
  ) {
    for t in 0..<count { sum[t] -= Double(a[t]) }
  }

  /// Whether this processor runs the fused AVX2 + FMA assignment kernel (checked once).
  static let fusedAssignmentAvailable = rc_kernels_have_avx2_fma() != 0

  /// How many contiguous row ranges the threaded loops split `rows` rows into.
  ///
  /// It is the BLAS thread count under its partitioned threading (each range then calls BLAS single-threaded),
  /// otherwise 1. A given thread count always gives the same ranges, hence the same numbers.
  static func partCount(rows: Int) -> Int {
    guard BLAS.threading == .partitionOutput else { return 1 }
    return Swift.max(1, Swift.min(BLAS.threadCount, rows / 1024))
  }

  /// The `part`-th of `parts` near-equal contiguous ranges of `0..<count`.
  @inline(__always)
  static func range(part: Int, of parts: Int, count: Int) -> Range<Int> {
    let lower = count * part / parts
    let upper = count * (part + 1) / parts
    return lower..<upper
  }

  /// Runs `body(part)` for `part` in `0..<parts`, concurrently when `parts > 1`.
  static func forEachPart(_ parts: Int, _ body: @Sendable (Int) -> Void) {
    if parts == 1 {
      body(0)
    } else {
      Parallel.run(blocks: parts, body)
    }
  }
}
