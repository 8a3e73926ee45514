import RankCollapseTensor

/// A partition `C = {C_1, …, C_r}` of `N` points into `r` non-empty sets, the object paper
/// equation (6) and (7) are stated for.
///
/// Point `i` belongs to set ``assignment``[i] ∈ `0..<count`. A partition built from arbitrary
/// integer labels (class labels such as 0–9, or any other integers) numbers its sets by the
/// labels in increasing order and remembers them in ``labels``.
///
/// ```swift
/// let partition = try Partition(labels: [3, 7, 3, 3, 7])
/// partition.count        // 2
/// partition.assignment   // [0, 1, 0, 0, 1]
/// partition.labels       // [3, 7]
/// ```
public struct Partition: Hashable, Sendable {
  /// The set of each point, in `0..<count`.
  public let assignment: [Int]

  /// The number of sets `r` (every set is non-empty).
  public let count: Int

  /// The label each set was built from (set `k` holds the points labelled `labels[k]`); for a
  /// partition built from an assignment, `labels[k] == k`.
  public let labels: [Int]

  /// The number of points `N`.
  @inlinable
  public var pointCount: Int { assignment.count }

  /// The size `N_k = |C_k|` of each set.
  public var sizes: [Int] {
    var sizes = [Int](repeating: 0, count: count)
    for k in assignment { sizes[k] += 1 }
    return sizes
  }

  /// The partition whose sets are the points sharing a label.
  ///
  /// - Parameter labels: One integer label per point (any integers).
  /// - Throws: ``ClusteringError/emptyData(points:dimension:)`` for an empty list.
  /// - Complexity: O(N log r) for `r` distinct labels.
  public init(labels: [Int]) throws(ClusteringError) {
    guard !labels.isEmpty else { throw .emptyData(points: 0, dimension: 0) }
    let distinct = Array(Set(labels)).sorted()
    var index: [Int: Int] = [:]
    index.reserveCapacity(distinct.count)
    for (k, label) in distinct.enumerated() { index[label] = k }
    self.assignment = labels.map { index[$0].unsafelyUnwrapped }
    self.count = distinct.count
    self.labels = distinct
  }

  /// The partition with the given set indices, dropping sets that are empty (the remaining
  /// sets keep their order and are renumbered `0..<count`).
  ///
  /// - Parameter assignment: The set index of each point, each at least 0.
  /// - Precondition: No index is negative; the list is non-empty.
  public init(assignment: [Int]) {
    precondition(!assignment.isEmpty, "Partition(assignment:) needs at least one point")
    precondition(assignment.allSatisfy { $0 >= 0 }, "Partition set indices must be ≥ 0")
    let upper = assignment.max().unsafelyUnwrapped + 1
    var used = [Bool](repeating: false, count: upper)
    for k in assignment { used[k] = true }
    var renumber = [Int](repeating: -1, count: upper)
    var next = 0
    for k in 0..<upper where used[k] {
      renumber[k] = next
      next += 1
    }
    self.assignment = assignment.map { renumber[$0] }
    self.count = next
    self.labels = Array(0..<next)
  }

  /// The members of each set, in increasing point order.
  public var members: [[Int]] {
    var members = [[Int]](repeating: [], count: count)
    for (i, k) in assignment.enumerated() { members[k].append(i) }
    return members
  }
}
