// Benchmarks of RankCollapseClustering at Fashion-MNIST's shape (d = 784, K = 10) on a seeded
// Gaussian mixture of 20000 points, run from outside the library.
//
//   cd Benchmarks && swift package --disable-sandbox benchmark --target ClusteringBenchmarks
//
// Every benchmark exists for 1 and 2 threads (`BLAS.threadCount` is set in its setup closure).
// The side-by-side comparison with scikit-learn on the real Fashion-MNIST images is
// `compare_sklearn.py`.

import Benchmark
import RankCollapse

/// The points, their squared norms and initial centroids, built once per benchmark.
private final class ClusteringWorkspace: @unchecked Sendable {
  let points: Matrix<Float>
  let norms: [Float]
  let start: Matrix<Float>

  init() {
    var generator = SeededGenerator(seed: 11)
    let means = GaussianMixture<Float>.randomMeans(
      components: 10, dimension: 784, scale: 6, using: &generator)
    // swift-format-ignore: NeverUseForceTry
    let mixture = try! GaussianMixture<Float>(
      means: means, covariances: [.isotropic(standardDeviation: 0.3)])
    points = mixture.sample(points: 20_000, using: &generator).points
    norms = KMeans.squaredRowNorms(points)
    // swift-format-ignore: NeverUseForceTry
    start = try! KMeans.plusPlusCentroids(points, count: 10, using: &generator)
  }
}

/// Registers a benchmark with `threads` threads, set before the warm-up iterations.
private func clusteringBenchmark(
  _ title: String, threads: Int, _ body: @escaping (ClusteringWorkspace) throws -> Void
) {
  Benchmark("\(title) (\(threads) thread\(threads == 1 ? "" : "s"))") {
    (_: Benchmark, work: ClusteringWorkspace) throws in
    try body(work)
  } setup: {
    BLAS.threadCount = threads
    return ClusteringWorkspace()
  }
}

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .mallocCountTotal],
    timeUnits: .milliseconds,
    warmupIterations: 1,
    maxDuration: .seconds(4),
    maxIterations: 30
  )

  for threads in [1, 2] {
    clusteringBenchmark("k-means Lloyd iteration 20000x784 K=10", threads: threads) { work in
      var centroids = work.start
      var assignment: [Int] = []
      blackHole(
        KMeans.lloydIteration(
          points: work.points, squaredNorms: work.norms, centroids: &centroids,
          assignment: &assignment))
    }

    clusteringBenchmark("k-means fit (Hamerly) 20000x784 K=10", threads: threads) { work in
      blackHole(try KMeans(clusterCount: 10).fit(work.points, initialCentroids: work.start))
    }

    clusteringBenchmark("k-means++ 20000x784 K=10", threads: threads) { work in
      var generator = SeededGenerator(seed: 5)
      blackHole(try KMeans.plusPlusCentroids(work.points, count: 10, using: &generator))
    }

    clusteringBenchmark("spectral TCV lower bound 20000x784 K=10", threads: threads) { work in
      blackHole(try TotalClusterVariation.spectralLowerBound(points: work.points, clusters: 10))
    }
  }
}
