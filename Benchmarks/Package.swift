// swift-tools-version: 6.1
// Benchmarks for RankCollapse, kept in their own package so that the library is measured the way a
// consumer sees it: through `import RankCollapse`, with cross-module specialisation only where the
// library makes its code `@inlinable`.
import PackageDescription

/// A `benchmark` suite under Benchmarks/: `swift package --disable-sandbox benchmark` finds it
/// (`--target NAME` for one suite).
func benchmarkSuite(_ name: String) -> Target {
  .executableTarget(
    name: name,
    dependencies: [
      .product(name: "Benchmark", package: "benchmark"),
      .product(name: "RankCollapse", package: "RankCollapse"),
    ],
    path: "Benchmarks/\(name)",
    plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
  )
}

/// A *Timings executable: times one part of the library and prints JSON, with the shared timing
/// loops and `--threads` of TimingSupport.
func timings(_ name: String, also extra: [Target.Dependency] = []) -> Target {
  .executableTarget(
    name: name,
    dependencies: [
      "TimingSupport",
      .product(name: "RankCollapse", package: "RankCollapse"),
      .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ] + extra
  )
}

let package = Package(
  name: "RankCollapseBenchmarks",
  platforms: [.macOS(.v13)],
  dependencies: [
    // CI clones the library into a folder of another name, so the dependency is named explicitly.
    .package(name: "RankCollapse", path: "../"),
    .package(
      url: "https://github.com/ordo-one/benchmark", from: "1.38.1",
      traits: ["MallocInterposer"]),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    // Already a dependency of `benchmark`; ConvergenceTimings counts allocations with it directly.
    .package(url: "https://github.com/ordo-one/malloc-interposer.git", from: "1.6.1"),
  ],
  targets: [
    benchmarkSuite("MatrixBenchmarks"),
    benchmarkSuite("ClusteringBenchmarks"),

    // Clocks, warm-up + timed repetition loops (interleaved, rotating order), medians and JSON
    // arrays of samples, and the `--threads` option: shared by every *Timings executable.
    .target(
      name: "TimingSupport",
      dependencies: [
        .product(name: "RankCollapse", package: "RankCollapse"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // Times reading a data file and prints JSON; `compare_data_numpy.py` runs it beside NumPy.
    timings("DataTimings"),
    // Times one operation and prints JSON; `compare_numpy.py` runs it beside NumPy.
    timings("RankCollapseTimings"),
    // Times evaluating Theorems 5.3 and 5.4 (deep linear case) at d = 784, N = 10000.
    timings("BoundsTimings"),
    // Times k-means pieces on .npy data; `compare_sklearn.py` runs it beside scikit-learn.
    timings("KMeansTimings"),
    // Times Theorem 3.4 (NetworkBounds.evaluate) for the Figure 1 autoencoder; prints JSON.
    timings("NetworkBoundsTimings"),
    // Times dense vs factored (low-rank) inference, interleaved; prints JSON.
    timings("CompressionTimings"),
    // Times training steps; `compare_training.py` runs it beside NumPy, PyTorch and JAX.
    timings("RankCollapseTrainingTimings"),
    // Time and evaluations to ‖∇L_λ‖ ≤ tol (gradient descent, Adam, L-BFGS) and allocations per
    // steady-state iteration; `compare_convergence.py` runs it beside PyTorch and JAX.
    timings(
      "ConvergenceTimings",
      also: [
        .product(name: "RankCollapseExperiments", package: "RankCollapse"),
        .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
      ]),
  ]
)
