// swift-tools-version: 6.1
// Benchmarks for RankCollapse, kept in their own package so that the library is measured the way a
// consumer sees it: through `import RankCollapse`, with cross-module specialisation only where the
// library makes its code `@inlinable`.
import PackageDescription

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
    // `swift package --disable-sandbox benchmark` finds this target under Benchmarks/.
    .executableTarget(
      name: "MatrixBenchmarks",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "RankCollapse", package: "RankCollapse"),
      ],
      path: "Benchmarks/MatrixBenchmarks",
      plugins: [
        .plugin(name: "BenchmarkPlugin", package: "benchmark")
      ]
    ),

    // Times reading a data file and prints JSON; `compare_data_numpy.py` runs it beside NumPy.
    // `swift package --disable-sandbox benchmark --target ClusteringBenchmarks`.
    .executableTarget(
      name: "ClusteringBenchmarks",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "RankCollapse", package: "RankCollapse"),
      ],
      path: "Benchmarks/ClusteringBenchmarks",
      plugins: [
        .plugin(name: "BenchmarkPlugin", package: "benchmark")
      ]
    ),

    // Clocks, warm-up + timed repetition loops (interleaved, rotating order), medians and JSON
    // arrays of samples, and the `--threads` option: shared by every *Timings executable.
    .target(
      name: "TimingSupport",
      dependencies: [
        .product(name: "RankCollapse", package: "RankCollapse"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    .executableTarget(
      name: "DataTimings",
      dependencies: [
        "TimingSupport",
        .product(name: "RankCollapse", package: "RankCollapse"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // Times one operation and prints JSON; `compare_numpy.py` runs it beside NumPy.
    .executableTarget(
      name: "RankCollapseTimings",
      dependencies: [
        "TimingSupport",
        .product(name: "RankCollapse", package: "RankCollapse"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // Times evaluating Theorems 5.3 and 5.4 (deep linear case) at d = 784, N = 10000.
    .executableTarget(
      name: "BoundsTimings",
      dependencies: [
        "TimingSupport",
        .product(name: "RankCollapse", package: "RankCollapse"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // Times k-means pieces on .npy data; `compare_sklearn.py` runs it beside scikit-learn.
    .executableTarget(
      name: "KMeansTimings",
      dependencies: [
        "TimingSupport",
        .product(name: "RankCollapse", package: "RankCollapse"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // Times Theorem 3.4 (NetworkBounds.evaluate) for the Figure 1 autoencoder; prints JSON.
    .executableTarget(
      name: "NetworkBoundsTimings",
      dependencies: [
        "TimingSupport",
        .product(name: "RankCollapse", package: "RankCollapse"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // Times dense vs factored (low-rank) inference, interleaved; prints JSON.
    .executableTarget(
      name: "CompressionTimings",
      dependencies: [
        "TimingSupport",
        .product(name: "RankCollapse", package: "RankCollapse"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // Times training steps; `compare_training.py` runs it beside NumPy, PyTorch and JAX.
    .executableTarget(
      name: "RankCollapseTrainingTimings",
      dependencies: [
        "TimingSupport",
        .product(name: "RankCollapse", package: "RankCollapse"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // Time and evaluations to ‖∇L_λ‖ ≤ tol (gradient descent, Adam, L-BFGS) and allocations per
    // steady-state iteration; `compare_convergence.py` runs it beside PyTorch and JAX.
    .executableTarget(
      name: "ConvergenceTimings",
      dependencies: [
        "TimingSupport",
        .product(name: "RankCollapse", package: "RankCollapse"),
        .product(name: "RankCollapseExperiments", package: "RankCollapse"),
        .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
  ]
)
