import Dispatch
import RankCollapseTensor

/// Splits the rows of an elementwise pass into blocks computed concurrently.
///
/// The number of blocks depends only on the row count, the work per row and
/// `BLAS.threadCount`, so the same settings always give the same blocks (and the same sums).
@usableFromInline
enum RowBlocks {
  /// Elements below which a pass runs on the calling thread.
  @usableFromInline static let minimumElements = 1 << 16

  /// The number of blocks for `rows × columns` elements.
  @inlinable
  static func count(rows: Int, columns: Int) -> Int {
    let threads = BLAS.threadCount
    guard threads > 1, rows >= 2 * threads, rows &* columns >= minimumElements else { return 1 }
    return threads
  }

  /// The rows of block `index` out of `blocks`.
  @inlinable
  static func range(_ index: Int, of blocks: Int, rows: Int) -> Range<Int> {
    let size = (rows + blocks - 1) / blocks
    let start = Swift.min(index * size, rows)
    return start..<Swift.min(start + size, rows)
  }

  /// Runs `body(block, rows)` for every block, concurrently when there are several.
  @inlinable
  static func run(blocks: Int, rows: Int, _ body: @Sendable (Int, Range<Int>) -> Void) {
    if blocks == 1 {
      body(0, 0..<rows)
      return
    }
    Parallel.run(blocks: blocks) { index in
      body(index, range(index, of: blocks, rows: rows))
    }
  }
}
