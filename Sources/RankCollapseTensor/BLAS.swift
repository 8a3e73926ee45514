import COpenBLAS
import Dispatch
import Synchronization

/// Settings of the BLAS library underneath (OpenBLAS), and how RankCollapse spreads a matrix
/// product over threads.
///
/// ## Threads
///
/// ``threadCount`` starts at OpenBLAS's own default: the `OPENBLAS_NUM_THREADS` environment
/// variable, or one thread per core. How the threads are used depends on ``threading``:
///
/// - ``Threading/partitionOutput`` (the default): RankCollapse splits a large product's output
///   into ``threadCount`` blocks of rows (or columns) and computes them concurrently, each with a
///   single-threaded BLAS call; OpenBLAS itself is kept at one thread, so LAPACK routines run on
///   one thread. On this project's reference machine this is faster than OpenBLAS 0.3.21's own
///   threading for the shapes of the paper's networks (see `Benchmarks/`).
/// - ``Threading/openBLAS``: every call uses OpenBLAS's own threading with ``threadCount``
///   threads.
///
/// The same thread count and mode give the same numbers on every run; different thread counts can
/// differ in the last bits. The settings are process-wide defaults; ``withThreads(_:_:)`` sets
/// the thread count for one task's work without touching them (what concurrent tests use). When RankCollapse first touches BLAS in
/// ``Threading/partitionOutput`` mode it sets OpenBLAS's own thread count to 1, which other code
/// in the process calling OpenBLAS directly will see.
public enum BLAS {
  /// How a matrix product uses several threads.
  public enum Threading: Int, Sendable, CaseIterable {
    /// Split the output into blocks computed concurrently by single-threaded BLAS calls.
    case partitionOutput
    /// Let OpenBLAS thread each call itself.
    case openBLAS
  }

  /// The number of threads one matrix product may use (at least 1).
  ///
  /// Inside ``withThreads(_:_:)`` this is the scope's count for the task running it; elsewhere
  /// it is the process-wide default, which setting this property changes. Libraries and tests
  /// that run concurrently with other code should use ``withThreads(_:_:)`` instead of setting
  /// it.
  public static var threadCount: Int {
    get { scopedThreadCount ?? state.threads.load(ordering: .relaxed) }
    set {
      precondition(newValue >= 1, "BLAS thread count must be at least 1, got \(newValue)")
      state.threads.store(newValue, ordering: .relaxed)
      state.applyToOpenBLAS()
    }
  }

  /// The thread count of the innermost ``withThreads(_:_:)`` around the current code, if any.
  @TaskLocal static var scopedThreadCount: Int?

  /// Runs `body` with ``threadCount`` equal to `threads` for the current task and the
  /// synchronous code it calls, leaving the process-wide default and every other task alone.
  ///
  /// Concurrent tests and library calls that each need their own thread count cannot race:
  ///
  /// ```swift
  /// let spectra = try BLAS.withThreads(2) { try matrices.map { try $0.singularValues() } }
  /// ```
  ///
  /// Inside the scope ``threading`` is ``Threading/partitionOutput``: RankCollapse splits
  /// products over `threads` threads itself. (OpenBLAS's own thread count is process-wide, so
  /// ``Threading/openBLAS`` mode cannot be scoped; it is meant to be chosen once for the process,
  /// and a scope assumes the default mode outside it.)
  ///
  /// - Parameters:
  ///   - threads: The thread count, at least 1 (checked by a precondition).
  ///   - body: The work.
  /// - Returns: What `body` returns.
  /// - Throws: What `body` throws.
  public static func withThreads<Result, Failure: Error>(
    _ threads: Int, _ body: () throws(Failure) -> Result
  ) throws(Failure) -> Result {
    precondition(threads >= 1, "BLAS thread count must be at least 1, got \(threads)")
    var outcome: Swift.Result<Result, Failure>?
    $scopedThreadCount.withValue(threads) {
      outcome = Swift.Result { () throws(Failure) -> Result in try body() }
    }
    return try outcome.unsafelyUnwrapped.get()
  }

  /// How products use ``threadCount`` threads; see ``Threading``.
  public static var threading: Threading {
    get {
      guard scopedThreadCount == nil else { return .partitionOutput }
      return Threading(rawValue: state.mode.load(ordering: .relaxed)) ?? .partitionOutput
    }
    set {
      state.mode.store(newValue.rawValue, ordering: .relaxed)
      state.applyToOpenBLAS()
    }
  }

  /// The smallest product, in floating-point operations `2·m·n·k`, that
  /// ``Threading/partitionOutput`` splits; smaller ones run on the calling thread, where thread
  /// start-up would cost more than it saves.
  public static let minimumPartitionedOperations = 1 << 24

  /// The name of the compute kernel OpenBLAS chose for this processor, such as `"Haswell"`.
  public static var coreName: String {
    guard let name = openblas_get_corename() else { return "unknown" }
    return String(cString: name)
  }

  /// Makes sure OpenBLAS's own thread count follows ``threading`` before a BLAS or LAPACK call.
  @inlinable
  static func prepare() { _ = state }

  /// The process-wide settings, created on first use from OpenBLAS's own thread count.
  @usableFromInline
  static let state = ThreadingState()

  /// How many concurrent blocks a product with an `m × n` output and inner dimension `k` is split
  /// into under the current settings: 1 unless ``threading`` is ``Threading/partitionOutput``,
  /// ``threadCount`` is above 1, the product has at least ``minimumPartitionedOperations``
  /// operations, and its output's longer side has at least 16 rows or columns per thread.
  ///
  /// - Parameters:
  ///   - m: Rows of the output.
  ///   - n: Columns of the output.
  ///   - k: The inner dimension.
  /// - Returns: The number of concurrent blocks, at least 1.
  @inlinable
  package static func partitionCount(m: Int, n: Int, k: Int) -> Int {
    let threads = threadCount
    guard threads > 1, threading == .partitionOutput else { return 1 }
    // Each block should keep at least 16 rows or columns for the BLAS kernels to stay efficient.
    guard 2 * Double(m) * Double(n) * Double(k) >= Double(minimumPartitionedOperations),
      Swift.max(m, n) >= 16 * threads
    else { return 1 }
    return threads
  }

  /// `C ← α op(A) op(B) + β C` on raw row-major storage, split over threads as ``threading`` says.
  ///
  /// The output is split along its longer side into equal blocks (multiples of 8 rows or
  /// columns); each block is one single-threaded BLAS call, so the arithmetic of every element is
  /// the same however many blocks there are.
  @inlinable
  static func gemm<Scalar: MatrixScalar>(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Scalar, a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
    beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int
  ) {
    let parts = partitionCount(m: m, n: n, k: k)
    guard parts > 1 else {
      Scalar.blasGEMM(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a,
        lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
      return
    }
    let splitRows = m >= n
    let length = splitRows ? m : n
    let block = ((length + parts - 1) / parts + 7) & ~7
    let blocks = (length + block - 1) / block
    // The blocks write disjoint parts of C, so sharing the pointers across threads is safe.
    let operands = UncheckedSendable((a, b, c))
    Parallel.run(blocks: blocks) { index in
      let (a, b, c) = operands.value
      let start = index * block
      let size = Swift.min(block, length - start)
      if splitRows {
        // Rows `start ..< start + size` of op(A) and of C.
        Scalar.blasGEMM(
          transposeA: transposeA, transposeB: transposeB, m: size, n: n, k: k, alpha: alpha,
          a: transposeA ? a + start : a + start * lda, lda: lda, b: b, ldb: ldb, beta: beta,
          c: c + start * ldc, ldc: ldc)
      } else {
        // Columns `start ..< start + size` of op(B) and of C.
        Scalar.blasGEMM(
          transposeA: transposeA, transposeB: transposeB, m: m, n: size, k: k, alpha: alpha,
          a: a, lda: lda, b: transposeB ? b + start * ldb : b + start, ldb: ldb, beta: beta,
          c: c + start, ldc: ldc)
      }
    }
  }

  /// `C ← α op(A) op(A)ᵀ + β C` on raw row-major storage (BLAS `?syrk`), with both triangles of
  /// the `n × n` output written, split over threads as ``threading`` says.
  ///
  /// Only the lower triangle of `C` is read (when `beta` is not 0). It is computed once; the
  /// strict upper triangle is then copied from it, so the result is exactly symmetric. Under
  /// ``Threading/partitionOutput`` the rows of `C` are split into bands `[r_p, r_{p+1})` that
  /// hold equal parts of the lower triangle (`r_p ≈ n·√(p/P)`, multiples of 8): each band's
  /// block left of the diagonal is one single-threaded `?gemm` call, its diagonal block one
  /// single-threaded `?syrk` call, and the band mirrors its own part of the triangle. Nothing is
  /// allocated beyond the closure context of `Parallel.run(blocks:_:)`.
  ///
  /// - Parameters:
  ///   - transpose: Whether `op(A) = Aᵀ` (`A` stored `k × n`); otherwise `A` is stored `n × k`.
  ///   - n: The order of `C`.
  ///   - k: Columns of `op(A)` (at least 1).
  ///   - alpha: The factor on the product.
  ///   - a: The operand's elements.
  ///   - lda: The row stride of `A` as stored.
  ///   - beta: The factor on the old contents of `C`.
  ///   - c: The output's elements.
  ///   - ldc: The row stride of `C`.
  @inlinable
  static func syrk<Scalar: MatrixScalar>(
    transpose: Bool, n: Int, k: Int, alpha: Scalar, a: UnsafePointer<Scalar>, lda: Int,
    beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int
  ) {
    // The lower triangle is half of an n × n product: n²k operations.
    let parts = partitionCount(m: n, n: (n + 1) / 2, k: k)
    guard parts > 1 else {
      Scalar.blasSYRK(
        transpose: transpose, n: n, k: k, alpha: alpha, a: a, lda: lda, beta: beta, c: c,
        ldc: ldc)
      mirrorLowerTriangle(rows: 0..<n, c: c, ldc: ldc)
      return
    }
    let operands = UncheckedSendable((a, c))
    Parallel.run(blocks: parts) { index in
      let (a, c) = operands.value
      let start = syrkBandStart(index, of: parts, order: n)
      let end = syrkBandStart(index + 1, of: parts, order: n)
      // Rounding can empty a band of a small output; its rows belong to the next one.
      guard end > start else { return }
      // Row i of op(A): row i of A, or column i of A when transposed.
      let band = transpose ? a + start : a + start * lda
      if start > 0 {
        // C[start..<end, 0..<start] = α op(A)[start..<end] op(A)[0..<start]ᵀ + β C.
        Scalar.blasGEMM(
          transposeA: transpose, transposeB: !transpose, m: end - start, n: start, k: k,
          alpha: alpha, a: band, lda: lda, b: a, ldb: lda, beta: beta, c: c + start * ldc,
          ldc: ldc)
      }
      Scalar.blasSYRK(
        transpose: transpose, n: end - start, k: k, alpha: alpha, a: band, lda: lda, beta: beta,
        c: c + start * ldc + start, ldc: ldc)
      mirrorLowerTriangle(rows: start..<end, c: c, ldc: ldc)
    }
  }

  /// The first row `r_p` of band `p` of a partitioned ``syrk``.
  ///
  /// Band `p` holds rows `r_p ..< r_{p+1}`, about `1/P` of the lower triangle's `n(n+1)/2`
  /// elements: `r_p ≈ n·√(p/P)` rounded to a multiple of 8, `r_0 = 0`, `r_P = n`. The boundaries
  /// never decrease; a band that rounding empties has `r_{p+1} = r_p`.
  ///
  /// - Parameters:
  ///   - band: `p`, in `0...parts`.
  ///   - parts: The number of bands, `P ≥ 1`.
  ///   - order: `n`, the order of the output.
  /// - Returns: `r_p`.
  @inlinable
  static func syrkBandStart(_ band: Int, of parts: Int, order: Int) -> Int {
    guard band > 0 else { return 0 }
    guard band < parts else { return order }
    let exact = Double(order) * (Double(band) / Double(parts)).squareRoot()
    return Swift.min(order, Int((exact / 8).rounded()) * 8)
  }

  /// Copies the lower triangle of rows `rows` of a row-major matrix into the upper triangle:
  /// `c[j, i] ← c[i, j]` for `i` in `rows`, `j < i`, in 32 × 32 tiles to keep the column writes
  /// in cache.
  ///
  /// - Parameters:
  ///   - rows: The rows whose strict lower part is copied.
  ///   - c: The matrix's elements.
  ///   - ldc: Its row stride.
  @inlinable
  static func mirrorLowerTriangle<Scalar>(
    rows: Range<Int>, c: UnsafeMutablePointer<Scalar>, ldc: Int
  ) {
    let tile = 32
    var rowTile = rows.lowerBound
    while rowTile < rows.upperBound {
      let rowEnd = Swift.min(rowTile + tile, rows.upperBound)
      var columnTile = 0
      while columnTile < rowEnd - 1 {
        let columnEnd = Swift.min(columnTile + tile, rowEnd - 1)
        for i in rowTile..<rowEnd {
          let source = c + i * ldc
          var j = columnTile
          let last = Swift.min(columnEnd, i)
          while j < last {
            c[j * ldc + i] = source[j]
            j += 1
          }
        }
        columnTile += tile
      }
      rowTile = rowEnd
    }
  }
}

/// The process-wide threading settings of ``BLAS``.
@usableFromInline
final class ThreadingState: Sendable {
  /// ``BLAS/threadCount``.
  @usableFromInline let threads: Atomic<Int>
  /// ``BLAS/threading`` as its raw value.
  @usableFromInline let mode: Atomic<Int>
  /// Serialises changes of OpenBLAS's own thread count.
  let lock = Mutex(())

  init() {
    threads = Atomic(Swift.max(1, Int(openblas_get_num_threads())))
    mode = Atomic(BLAS.Threading.partitionOutput.rawValue)
    applyToOpenBLAS()
  }

  /// Sets OpenBLAS's own thread count to what the current mode needs.
  func applyToOpenBLAS() {
    lock.withLock { _ in
      let openBLASThreads =
        mode.load(ordering: .relaxed) == BLAS.Threading.openBLAS.rawValue
        ? threads.load(ordering: .relaxed) : 1
      openblas_set_num_threads(Int32(openBLASThreads))
    }
  }
}
