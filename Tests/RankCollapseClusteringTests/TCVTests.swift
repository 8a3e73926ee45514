import PropertyBased
import RankCollapseClustering
import RankCollapseTensor
import Testing

/// The minimum of equation (6) over all K^N labellings, by brute force.
private func bruteForceTCV(_ points: Matrix<Double>, _ targets: Matrix<Double>?, k: Int) -> Double {
  let n = points.rows
  var best = Double.infinity
  var labels = [Int](repeating: 0, count: n)
  var total = 1
  for _ in 0..<n { total *= k }
  for code in 0..<total {
    var rest = code
    for i in 0..<n {
      labels[i] = rest % k
      rest /= k
    }
    best = Swift.min(best, directWCSS(points, targets, labels: labels))
  }
  return best
}

@Suite("TCV estimators (paper equation 7)")
struct TCVTests {
  @Test("Exhaustive TCV equals brute force over all K^N labellings on tiny sets")
  func exhaustiveEqualsBruteForce() async {
    await propertyCheck(
      count: 40, input: Gen.int(in: 1...7), Gen.int(in: 1...3), Gen.int(in: 1...3),
      Gen.int(in: 0...2), Gen.uint64()
    ) { n, k, d, c, seed in
      var generator = SeededGenerator(seed: seed)
      let points = Matrix<Double>.randomNormal(rows: n, columns: d, using: &generator)
      let targets =
        c == 0 ? nil : Matrix<Double>.randomNormal(rows: n, columns: c, using: &generator)
      let clusters = Swift.min(k, n)
      let exhaustive = try #require(
        try? TotalClusterVariation.exhaustive(
          points: points, targets: targets, clusters: clusters))
      let brute = bruteForceTCV(points, targets, k: clusters)
      #expect(abs(exhaustive.estimate.value - brute) <= 1e-12 * Swift.max(1, brute))
      #expect(exhaustive.estimate.kind == .exhaustive)
      // The returned partition attains the value.
      let attained = directWCSS(points, targets, labels: exhaustive.partition.assignment)
      #expect(abs(attained - brute) <= 1e-12 * Swift.max(1, brute))
      #expect(exhaustive.partition.count <= clusters)
    }
  }

  @Test("Exhaustive TCV lies in [spectral lower bound, k-means upper bound]")
  func certifiedInterval() async {
    await propertyCheck(
      count: 120, input: Gen.int(in: 2...9), Gen.int(in: 1...4), Gen.int(in: 1...4),
      Gen.int(in: 0...2), Gen.uint64()
    ) { n, k, d, c, seed in
      var generator = SeededGenerator(seed: seed)
      // Mixed scales so that some instances are clustered and some are not.
      let scale = Double.random(in: 0.1...3, using: &generator)
      var points = Matrix<Double>.randomNormal(rows: n, columns: d, using: &generator)
      for i in 0..<n where i % 2 == 0 { points[i, 0] += 5 * scale }
      let targets =
        c == 0 ? nil : Matrix<Double>.randomNormal(rows: n, columns: c, using: &generator)
      let clusters = Swift.min(k, n)
      let exact = try #require(
        try? TotalClusterVariation.exhaustive(
          points: points, targets: targets, clusters: clusters)
      ).estimate.value
      let bounds = try #require(
        try? TotalClusterVariation.interval(
          points: points, targets: targets, clusters: clusters, restarts: 2,
          using: &generator))
      // Double rounding of O(N (d+c)) terms of size O(10): 1e-10 absolute is ample.
      #expect(bounds.lower.value <= exact + 1e-10)
      #expect(exact <= bounds.upper.value + 1e-10)
      #expect(bounds.lower.kind == .spectralLowerBound && bounds.lower.isLowerBound)
      #expect(bounds.upper.kind == .kMeansUpperBound && bounds.upper.isUpperBound)
    }
  }

  @Test("Spectral bound: K = 1 gives the total variance exactly; K = N gives 0")
  func spectralEdges() throws {
    let (points, _) = blobs(
      clusters: 3, perCluster: 20, dimension: 5, sigma: 1, separation: 6, seed: 11)
    let one = try TotalClusterVariation.spectralLowerBound(points: points, clusters: 1)
    let total = try Partition(labels: Array(repeating: 0, count: points.rows))
      .withinClusterSumOfSquares(points: points)
    #expect(abs(one.value - total) <= 1e-12 * total)
    let all = try TotalClusterVariation.spectralLowerBound(points: points, clusters: points.rows)
    #expect(all.value == 0)
    // With K = 3 well-separated blobs, the bound is close to the blobs' WCSS (it loses only
    // the cross terms); it can never exceed it.
    let three = try TotalClusterVariation.spectralLowerBound(points: points, clusters: 3)
    let blobsWCSS = try TotalClusterVariation.byLabels(
      points: points,
      labels: blobs(
        clusters: 3, perCluster: 20, dimension: 5, sigma: 1, separation: 6, seed: 11
      ).labels)
    #expect(three.value <= blobsWCSS.value)
    #expect(three.value >= 0.5 * blobsWCSS.value)
  }

  @Test("Spectral bound on Float data agrees with the Double computation")
  func spectralFloat() throws {
    let (points, _) = blobs(
      clusters: 4, perCluster: 300, dimension: 30, sigma: 1, separation: 8, seed: 5)
    let exact = try TotalClusterVariation.spectralLowerBound(points: points, clusters: 4).value
    let single = try TotalClusterVariation.spectralLowerBound(
      points: Matrix<Float>(points), clusters: 4
    ).value
    // Float scatter entries carry relative error ~1e-6 of ‖S‖; the tail is ~1/3 of the trace.
    #expect(abs(single - exact) <= 1e-4 * exact)
  }

  @Test("Estimators reject K < 1, K > N, too many points for exhaustive search")
  func estimatorErrors() {
    let points = Matrix<Double>([[0], [1], [2]])
    #expect(throws: ClusteringError.invalidClusterCount(clusters: 0, points: 3)) {
      try TotalClusterVariation.spectralLowerBound(points: points, clusters: 0)
    }
    #expect(throws: ClusteringError.invalidClusterCount(clusters: 4, points: 3)) {
      try TotalClusterVariation.exhaustive(points: points, clusters: 4)
    }
    #expect(throws: ClusteringError.tooManyPointsForExhaustiveSearch(points: 13, limit: 12)) {
      try TotalClusterVariation.exhaustive(
        points: Matrix<Double>.zeros(rows: 13, columns: 1), clusters: 2)
    }
    #expect(throws: ClusteringError.labelCountMismatch(labels: 2, points: 3)) {
      try TotalClusterVariation.byLabels(points: points, labels: [0, 1])
    }
  }
}
