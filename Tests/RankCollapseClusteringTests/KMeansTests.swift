import PropertyBased
import RankCollapseClustering
import RankCollapseTensor
import Testing

@Suite("k-means")
struct KMeansTests {
  @Test(
    "k-means on well-separated blobs recovers the blobs",
    arguments: KMeans.Algorithm.allCases, [UInt64(1), 2, 3, 4])
  func recoversBlobs(algorithm: KMeans.Algorithm, seed: UInt64) throws {
    // 5 blobs, σ = 0.3 in 6 dimensions, means ≥ 20 apart: no point is nearer another blob.
    let (points, labels) = blobs(
      clusters: 5, perCluster: 60, dimension: 6, sigma: 0.3, separation: 20, seed: seed)
    var generator = SeededGenerator(seed: seed &+ 100)
    let result = try KMeans(clusterCount: 5, restarts: 3, algorithm: algorithm).fit(
      points, using: &generator)
    #expect(samePartition(result.assignment, labels))
    #expect(result.converged)
    let wcss = try Partition(labels: labels).withinClusterSumOfSquares(points: points)
    #expect(abs(result.inertia / Double(points.rows) - wcss) <= 1e-9 * wcss)
  }

  @Test("Hamerly's bounds give the same partition and inertia as plain Lloyd from the same start")
  func hamerlyMatchesLloyd() async {
    await propertyCheck(
      count: 30, input: Gen.int(in: 20...400), Gen.int(in: 1...12), Gen.int(in: 1...8),
      Gen.uint64()
    ) { n, d, k, seed in
      var generator = SeededGenerator(seed: seed)
      let points = Matrix<Double>.randomNormal(rows: n, columns: d, using: &generator)
      let start = try #require(
        try? KMeans.plusPlusCentroids(points, count: k, using: &generator))
      let lloyd = try #require(
        try? KMeans(clusterCount: k, tolerance: 0, algorithm: .lloyd).fit(
          points, initialCentroids: start))
      let hamerly = try #require(
        try? KMeans(clusterCount: k, tolerance: 0, algorithm: .hamerly).fit(
          points, initialCentroids: start))
      // In Double the bounds never mis-skip here: identical iterations.
      #expect(lloyd.assignment == hamerly.assignment)
      #expect(lloyd.iterations == hamerly.iterations)
      #expect(abs(lloyd.inertia - hamerly.inertia) <= 1e-9 * Swift.max(1, lloyd.inertia))
    }
  }

  @Test("The same seed gives the same result; the inertia matches the partition's WCSS")
  func deterministic() throws {
    var generator = SeededGenerator(seed: 9)
    // Below 1024 rows the work is never split, so tests that change the process-wide BLAS
    // thread count concurrently cannot change the rounding here.
    let points = Matrix<Float>.randomNormal(rows: 1000, columns: 20, using: &generator)
    var first = SeededGenerator(seed: 77)
    var second = SeededGenerator(seed: 77)
    let kmeans = KMeans(clusterCount: 7, restarts: 2)
    let a = try kmeans.fit(points, using: &first)
    let b = try kmeans.fit(points, using: &second)
    #expect(a.assignment == b.assignment)
    #expect(a.centroids == b.centroids)
    #expect(a.inertia == b.inertia)
    // Inertia to the final centroids ≥ WCSS to the partition's own means (equal at a fixed
    // point); Float data, Double sums: 1e-5 relative.
    let wcss = try a.partition.withinClusterSumOfSquares(points: points) * Double(points.rows)
    #expect(wcss <= a.inertia * (1 + 1e-6))
    #expect(a.inertia <= wcss * (1 + 1e-3))
  }

  @Test("An empty cluster is repaired: every cluster ends with at least one point")
  func emptyClusterRepair() throws {
    let (points, _) = blobs(
      clusters: 3, perCluster: 30, dimension: 2, sigma: 0.5, separation: 10, seed: 4)
    // Two centroids far away from all data: their clusters are empty after the first step.
    let start = Matrix<Double>([[0, 0], [1000, 1000], [-1000, 1000]])
    for algorithm in KMeans.Algorithm.allCases {
      let result = try KMeans(clusterCount: 3, algorithm: algorithm).fit(
        points, initialCentroids: start)
      #expect(Set(result.assignment) == [0, 1, 2])
      #expect(result.partition.count == 3)
    }
  }

  @Test("One Lloyd iteration equals a naive assignment and mean step")
  func lloydIteration() throws {
    var generator = SeededGenerator(seed: 21)
    let points = Matrix<Double>.randomNormal(rows: 500, columns: 7, using: &generator)
    var centroids = points.rows(0..<4)
    let old = centroids
    var assignment: [Int] = []
    let outcome = KMeans.lloydIteration(
      points: points, squaredNorms: KMeans.squaredRowNorms(points), centroids: &centroids,
      assignment: &assignment)
    var naive: [Int] = []
    var inertia = 0.0
    for i in 0..<points.rows {
      var best = 0
      var bestDistance = Double.infinity
      for j in 0..<4 {
        var distance = 0.0
        for t in 0..<7 { distance += (points[i, t] - old[j, t]) * (points[i, t] - old[j, t]) }
        if distance < bestDistance {
          bestDistance = distance
          best = j
        }
      }
      naive.append(best)
      inertia += bestDistance
    }
    #expect(assignment == naive)
    #expect(outcome.changed == points.rows)
    // The expansion ‖x‖² − 2x·c + ‖c‖² loses ~1e-15 · ‖x‖² per distance.
    #expect(abs(outcome.inertia - inertia) <= 1e-10 * inertia)
    for j in 0..<4 {
      let members = (0..<points.rows).filter { naive[$0] == j }
      for t in 0..<7 {
        let mean = members.reduce(0.0) { $0 + points[$1, t] } / Double(members.count)
        #expect(abs(centroids[j, t] - mean) <= 1e-12)
      }
    }
  }

  @Test("k-means++ picks K distinct data points and spreads them over the blobs")
  func plusPlus() throws {
    let (points, labels) = blobs(
      clusters: 4, perCluster: 50, dimension: 3, sigma: 0.2, separation: 30, seed: 8)
    var generator = SeededGenerator(seed: 1)
    let centres = try KMeans.plusPlusCentroids(points, count: 4, using: &generator)
    var blobsHit = Set<Int>()
    for j in 0..<4 {
      let row = centres.row(j)
      let index = try #require((0..<points.rows).first { points.row($0) == row })
      blobsHit.insert(labels[index])
    }
    // Greedy k-means++ on blobs 30 apart with σ = 0.2 hits every blob.
    #expect(blobsHit.count == 4)
  }

  @Test("k-means rejects K < 1, K > N, empty and non-finite data, bad settings")
  func errors() {
    let points = Matrix<Double>([[0, 1], [1, 0], [2, 2]])
    var generator = SeededGenerator(seed: 0)
    #expect(throws: ClusteringError.invalidClusterCount(clusters: 0, points: 3)) {
      try KMeans(clusterCount: 0).fit(points, using: &generator)
    }
    #expect(throws: ClusteringError.invalidClusterCount(clusters: 4, points: 3)) {
      try KMeans(clusterCount: 4).fit(points, using: &generator)
    }
    #expect(throws: ClusteringError.emptyData(points: 0, dimension: 2)) {
      try KMeans(clusterCount: 1).fit(Matrix<Double>.zeros(rows: 0, columns: 2), using: &generator)
    }
    var bad = points
    bad[1, 0] = .infinity
    #expect(throws: ClusteringError.nonFiniteValue(row: 1, column: 0)) {
      try KMeans(clusterCount: 2).fit(bad, using: &generator)
    }
    #expect(throws: ClusteringError.self) {
      try KMeans(clusterCount: 2, restarts: 0).fit(points, using: &generator)
    }
    #expect(throws: ClusteringError.self) {
      try KMeans(clusterCount: 2, tolerance: -1).fit(points, using: &generator)
    }
  }
}

@Suite("Threaded clustering")
struct ThreadedClusteringTests {
  @Test("Two threads give the one-thread partition, inertia and spectral bound (up to rounding)")
  func threadsAgree() throws {
    let (points, labels) = blobs(
      clusters: 6, perCluster: 1000, dimension: 20, sigma: 1, separation: 12, seed: 31)
    let data = Matrix<Float>(points)
    func run(_ count: Int) throws -> (KMeansResult<Float>, Double) {
      try BLAS.withThreads(count) {
        var generator = SeededGenerator(seed: 4)
        let result = try KMeans(clusterCount: 6, restarts: 2).fit(data, using: &generator)
        let bound = try TotalClusterVariation.spectralLowerBound(points: data, clusters: 6).value
        return (result, bound)
      }
    }
    let (one, oneBound) = try run(1)
    let (two, twoBound) = try run(2)
    #expect(samePartition(one.assignment, labels))
    #expect(one.assignment == two.assignment)
    // Different block splits change only the rounding of Double sums of Float data.
    #expect(abs(one.inertia - two.inertia) <= 1e-9 * one.inertia)
    // Float scatter blocks summed in a different order: relative 1e-5.
    #expect(abs(oneBound - twoBound) <= 1e-5 * oneBound)
    // (Exact run-to-run equality is checked on unsplit data in `deterministic`: other tests may
    // change the process-wide thread count while this one runs.)
  }
}

@Suite("Float assignment kernel")
struct FloatAssignmentTests {
  @Test("Float Lloyd iterations match a naive Double assignment for awkward shapes")
  func awkwardShapes() async {
    // d not a multiple of 8, K not a multiple of 5 (and above 40), odd N: every tail of the
    // vectorised Float kernel (used on processors with AVX2 + FMA) and of the BLAS path.
    await propertyCheck(
      count: 40, input: Gen.int(in: 1...301), Gen.int(in: 1...37), Gen.int(in: 1...45),
      Gen.uint64()
    ) { n, d, k, seed in
      let clusters = Swift.min(k, n)
      var generator = SeededGenerator(seed: seed)
      let points = Matrix<Float>.randomNormal(rows: n, columns: d, using: &generator)
      var centroids = points.rows(0..<clusters)
      let old = Matrix<Double>(centroids)
      var assignment: [Int] = []
      let outcome = KMeans.lloydIteration(
        points: points, squaredNorms: KMeans.squaredRowNorms(points), centroids: &centroids,
        assignment: &assignment)
      #expect(assignment.count == n)
      var inertia = 0.0
      var sums = [Double](repeating: 0, count: clusters * d)
      var counts = [Int](repeating: 0, count: clusters)
      for i in 0..<n {
        var distances: [Double] = []
        for j in 0..<clusters {
          var distance = 0.0
          for t in 0..<d {
            let difference = Double(points[i, t]) - old[j, t]
            distance += difference * difference
          }
          distances.append(distance)
        }
        let sorted = distances.sorted()
        let chosen = distances[assignment[i]]
        // Float products carry relative error ~1e-6 of ‖x‖² + ‖c‖²: the chosen centroid is the
        // nearest up to that.
        let slack = 1e-4 * (1 + sorted[0] + (distances.max() ?? 0))
        #expect(chosen <= sorted[0] + slack)
        inertia += sorted[0]
        counts[assignment[i]] += 1
        for t in 0..<d { sums[assignment[i] * d + t] += Double(points[i, t]) }
      }
      #expect(abs(outcome.inertia - inertia) <= 1e-4 * Swift.max(1, inertia))
      // New centroids: the means of the assigned points (in Double; Float sums of ≤ 256 rows).
      for j in 0..<clusters where counts[j] > 0 {
        for t in 0..<d {
          let mean = sums[j * d + t] / Double(counts[j])
          #expect(abs(Double(centroids[j, t]) - mean) <= 1e-5 * (1 + abs(mean)))
        }
      }
    }
  }
}
