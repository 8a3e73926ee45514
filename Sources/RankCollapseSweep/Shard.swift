/// One of `n` disjoint parts of a sweep's grid, written `i/n` with `i` counted from 1.
///
/// Shard `i/n` holds the grid points whose index p (0-based, in grid order) satisfies
/// `p mod n = i − 1`: round-robin, so every shard gets a mix of cheap and expensive points, and
/// the n shards `1/n … n/n` together hold every point exactly once. `1/1` (``all``) is the
/// whole grid.
///
/// Shards are counted from 1 so that a SLURM job array declared `--array=1-N` passes its task id
/// unchanged: `--shard ${SLURM_ARRAY_TASK_ID}/N`.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
  /// i, from 1 to ``count``.
  public let index: Int
  /// n ≥ 1, the number of shards.
  public let count: Int

  /// The whole grid, `1/1`.
  public static let all = Shard(uncheckedIndex: 1, count: 1)

  private init(uncheckedIndex index: Int, count: Int) {
    self.index = index
    self.count = count
  }

  /// Shard `index` of `count`.
  ///
  /// - Parameters:
  ///   - index: i with 1 ≤ i ≤ n.
  ///   - count: n ≥ 1.
  /// - Throws: ``SweepError/invalidShard(text:reason:)`` when i or n is out of range.
  public init(index: Int, of count: Int) throws(SweepError) {
    let text = "\(index)/\(count)"
    guard count >= 1 else {
      throw .invalidShard(text: text, reason: "the shard count n must be at least 1")
    }
    guard index >= 1 && index <= count else {
      throw .invalidShard(
        text: text, reason: "the shard number i must be between 1 and n = \(count) (counted from 1)"
      )
    }
    self.init(uncheckedIndex: index, count: count)
  }

  /// Parses `"i/n"`, such as a `--shard` argument.
  ///
  /// - Parameter text: Two decimal integers separated by `/`, `1 ≤ i ≤ n`.
  /// - Throws: ``SweepError/invalidShard(text:reason:)`` naming what is wrong.
  public init(parsing text: String) throws(SweepError) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2 else {
      throw .invalidShard(text: text, reason: "expected i/n, such as 2/8")
    }
    guard let index = Int(parts[0].trimmingSpaces), let count = Int(parts[1].trimmingSpaces)
    else {
      throw .invalidShard(text: text, reason: "i and n must be whole numbers, such as 2/8")
    }
    try self.init(index: index, of: count)
  }

  /// `"i/n"`.
  public var description: String { "\(index)/\(count)" }

  /// Whether the grid point with 0-based `pointIndex` belongs to this shard.
  ///
  /// - Parameter pointIndex: p ≥ 0.
  /// - Returns: `p mod n == i − 1`.
  public func contains(_ pointIndex: Int) -> Bool {
    pointIndex % count == index - 1
  }

  /// The points of `grid` in this shard, in grid order.
  ///
  /// - Parameter grid: The whole grid.
  /// - Returns: The points whose ``GridPoint/index`` this shard contains.
  public func select(_ grid: [GridPoint]) -> [GridPoint] {
    grid.filter { contains($0.index) }
  }
}

extension Substring {
  fileprivate var trimmingSpaces: Substring {
    var text = self
    while text.first == " " { text.removeFirst() }
    while text.last == " " { text.removeLast() }
    return text
  }
}
