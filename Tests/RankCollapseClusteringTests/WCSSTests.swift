import PropertyBased
import RankCollapseClustering
import RankCollapseTensor
import Testing

@Suite("Partition and WCSS (paper equation 6)")
struct WCSSTests {
  @Test("Partition(labels:) numbers the sets by sorted label and keeps the labels")
  func partitionFromLabels() throws {
    let partition = try Partition(labels: [3, 7, 3, -1, 7])
    #expect(partition.count == 3)
    #expect(partition.labels == [-1, 3, 7])
    #expect(partition.assignment == [1, 2, 1, 0, 2])
    #expect(partition.sizes == [1, 2, 2])
    #expect(partition.members == [[3], [0, 2], [1, 4]])
    #expect(throws: ClusteringError.emptyData(points: 0, dimension: 0)) {
      try Partition(labels: [])
    }
    #expect(Partition(assignment: [4, 0, 4]).assignment == [1, 0, 1])
  }

  @Test("WCSS by labels equals a direct loop, with and without targets (equation 6)")
  func wcssEqualsDirectLoop() async {
    await propertyCheck(
      count: 80, input: Gen.int(in: 1...40), Gen.int(in: 1...6), Gen.int(in: 0...3),
      Gen.uint64()
    ) { n, d, c, seed in
      var generator = SeededGenerator(seed: seed)
      let points = Matrix<Double>.randomNormal(
        rows: n, columns: d, mean: 3, standardDeviation: 2, using: &generator)
      let targets =
        c == 0 ? nil : Matrix<Double>.randomNormal(rows: n, columns: c, using: &generator)
      let labels = (0..<n).map { _ in Int.random(in: -2...4, using: &generator) }
      let partition = try #require(try? Partition(labels: labels))
      let value = try #require(
        try? partition.withinClusterSumOfSquares(points: points, targets: targets))
      let direct = directWCSS(points, targets, labels: labels)
      // Both sum O(N(d+c)) terms of size O(10) in Double: relative error ≲ 1e-13.
      #expect(abs(value - direct) <= 1e-12 * Swift.max(1, direct))
      // The targets are part of the point: WCSS with targets = WCSS(z) + WCSS(y).
      if let targets {
        let split =
          try #require(try? partition.withinClusterSumOfSquares(points: points))
          + (try #require(try? partition.withinClusterSumOfSquares(points: targets)))
        #expect(abs(value - split) <= 1e-12 * Swift.max(1, direct))
      }
    }
  }

  @Test("Float points give WCSS within Float rounding of the Double value")
  func floatWCSS() throws {
    let (points, labels) = blobs(
      clusters: 3, perCluster: 50, dimension: 8, sigma: 0.5, separation: 10, seed: 3)
    let partition = try Partition(labels: labels)
    let exact = try partition.withinClusterSumOfSquares(points: points)
    let single = try partition.withinClusterSumOfSquares(points: Matrix<Float>(points))
    // Only the inputs are rounded to Float (relative 6e-8 on values up to ~30).
    #expect(abs(single - exact) <= 1e-5 * exact)
  }

  @Test("WCSS rejects mismatched labels and targets and non-finite values")
  func wcssErrors() throws {
    let points = Matrix<Double>([[0, 1], [2, 3], [4, 5]])
    let partition = try Partition(labels: [0, 1, 0])
    #expect(throws: ClusteringError.labelCountMismatch(labels: 3, points: 2)) {
      try partition.withinClusterSumOfSquares(points: points.rows(0..<2))
    }
    #expect(throws: ClusteringError.targetCountMismatch(targets: 2, points: 3)) {
      try partition.withinClusterSumOfSquares(
        points: points, targets: Matrix<Double>([[1], [2]]))
    }
    var bad = points
    bad[2, 1] = .nan
    #expect(throws: ClusteringError.nonFiniteValue(row: 2, column: 1)) {
      try partition.withinClusterSumOfSquares(points: bad)
    }
    #expect(throws: ClusteringError.nonFiniteValue(row: 1, column: 2)) {
      try partition.withinClusterSumOfSquares(
        points: points, targets: Matrix<Double>([[1], [.infinity], [2]]))
    }
    #expect(throws: ClusteringError.emptyData(points: 0, dimension: 2)) {
      try TotalClusterVariation.byLabels(
        points: Matrix<Double>.zeros(rows: 0, columns: 2), labels: [])
    }
  }
}
