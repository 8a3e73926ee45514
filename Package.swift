// swift-tools-version: 6.1
// RankCollapse: measure, test and use the neural rank collapse phenomenon.
import PackageDescription

let package = Package(
  name: "RankCollapse",
  products: [
    .library(name: "RankCollapse", targets: ["RankCollapse"]),
    .library(name: "RankCollapsePlots", targets: ["RankCollapsePlots"]),
    .library(name: "RankCollapseSweep", targets: ["RankCollapseSweep"]),
    .library(name: "RankCollapseExperiments", targets: ["RankCollapseExperiments"]),
    .executable(name: "rankcollapse", targets: ["rankcollapse"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-numerics.git", from: "1.1.1"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
  ],
  targets: [
    // System libraries (Debian: libopenblas-dev, liblapacke-dev, zlib1g-dev).
    .systemLibrary(
      name: "COpenBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]
    ),
    .systemLibrary(
      name: "CLAPACKE",
      pkgConfig: "lapacke",
      providers: [.apt(["liblapacke-dev"])]
    ),
    .systemLibrary(
      name: "CZlib",
      pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"])]
    ),

    // Library modules (see DESIGN.md for the module graph).
    .target(
      name: "RankCollapseTensor",
      dependencies: [
        "COpenBLAS", "CLAPACKE",
        .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    .target(name: "RankCollapseSpectral", dependencies: ["RankCollapseTensor"]),
    // Vectorised kernels (AVX2 + FMA per function, chosen at run time); not for users.
    .target(name: "_RankCollapseKernels"),
    .target(
      name: "RankCollapseClustering", dependencies: ["RankCollapseTensor", "_RankCollapseKernels"]
    ),
    .target(
      name: "RankCollapseNetwork",
      dependencies: [
        "RankCollapseTensor", "_RankCollapseKernels",
        .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    .target(
      name: "RankCollapseRegularization",
      dependencies: ["RankCollapseTensor", "RankCollapseNetwork"]
    ),
    .target(name: "RankCollapseData", dependencies: ["RankCollapseTensor", "CZlib"]),
    .target(
      name: "RankCollapseBounds",
      dependencies: [
        "RankCollapseTensor", "RankCollapseSpectral", "RankCollapseClustering",
        "RankCollapseNetwork",
      ]
    ),
    .target(
      name: "RankCollapse",
      dependencies: [
        "RankCollapseTensor", "RankCollapseSpectral", "RankCollapseClustering",
        "RankCollapseNetwork", "RankCollapseRegularization", "RankCollapseData",
        "RankCollapseBounds", "RankCollapseTraining", "RankCollapseCompression",
      ]
    ),
    // Training around the network module: checkpoint files, progress on standard error, and
    // strategies built on the theory (centroid warm-up, Lemma 3.3).
    .target(
      name: "RankCollapseTraining",
      dependencies: [
        "RankCollapseTensor", "RankCollapseClustering", "RankCollapseNetwork", "RankCollapseData",
      ]
    ),
    // Low-rank compression of trained networks (factored layers W ≈ U V).
    .target(
      name: "RankCollapseCompression",
      dependencies: [
        "RankCollapseTensor", "RankCollapseSpectral", "RankCollapseNetwork", "RankCollapseData",
        "RankCollapseTraining", "RankCollapseRegularization",
      ]
    ),

    // SVG charts for the command and the examples; no dependencies, not in the umbrella.
    .target(name: "RankCollapsePlots"),

    // Sweeps that persist every grid point and resume, shards, tidy CSV: no numerical types.
    .target(name: "RankCollapseSweep", dependencies: ["RankCollapseTensor", "RankCollapseData"]),
    // The paper's experiments as library code (shared by the command and the examples), their
    // figures and their sweeps.
    .target(
      name: "RankCollapseExperiments",
      dependencies: ["RankCollapse", "RankCollapsePlots", "RankCollapseSweep"]
    ),

    // The thin command-line tool.
    .executableTarget(
      name: "rankcollapse",
      dependencies: [
        "RankCollapse", "RankCollapseExperiments", "RankCollapsePlots", "RankCollapseSweep",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // The options the example programs share (--seed, --threads, --output, --shard, lists).
    .target(
      name: "ExampleSupport",
      dependencies: [
        "RankCollapseData", "RankCollapseExperiments", "RankCollapseSweep", "RankCollapseTensor",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Examples/ExampleSupport"
    ),

    // One example program per paper figure (Examples/<Name>), sharing the library and
    // ExampleSupport only.
    .executableTarget(
      name: "GaussianBlobsAutoencoder",
      dependencies: [
        "RankCollapse", "ExampleSupport", "RankCollapseExperiments", "RankCollapsePlots",
        "RankCollapseSweep",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Examples/GaussianBlobsAutoencoder"
    ),
    .executableTarget(
      name: "DeepLinearCentroids",
      dependencies: [
        "RankCollapse", "ExampleSupport", "RankCollapseExperiments", "RankCollapseSweep",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Examples/DeepLinearCentroids"
    ),
    .executableTarget(
      name: "MNISTRankEvolution",
      dependencies: [
        "RankCollapse", "RankCollapseExperiments", "ExampleSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Examples/MNISTRankEvolution"
    ),
    .executableTarget(
      name: "WidthDepthSweep",
      dependencies: [
        "RankCollapse", "RankCollapseExperiments", "ExampleSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Examples/WidthDepthSweep"
    ),
    .executableTarget(
      name: "CentroidWarmup",
      dependencies: [
        "RankCollapse", "RankCollapseExperiments", "ExampleSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Examples/CentroidWarmup"
    ),
    .executableTarget(
      name: "LowRankCompression",
      dependencies: [
        "RankCollapse", "RankCollapseExperiments", "ExampleSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Examples/LowRankCompression"
    ),

    // Tests.
    // The module graph: Package.swift, the imports and Docs/Architecture.md agree.
    .testTarget(name: "PackageStructureTests"),
    .target(
      name: "_RankCollapseTestSupport",
      dependencies: ["RankCollapseTensor", "RankCollapseSpectral", "RankCollapseData"],
      path: "Tests/_RankCollapseTestSupport"
    ),
    .testTarget(
      name: "RankCollapseTensorTests",
      dependencies: [
        "RankCollapseTensor", "_RankCollapseTestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    .testTarget(
      name: "RankCollapseSpectralTests",
      dependencies: [
        "RankCollapseSpectral", "_RankCollapseTestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    .testTarget(
      name: "RankCollapseBoundsTests",
      dependencies: [
        "RankCollapseBounds", "RankCollapseNetwork", "RankCollapseRegularization",
        "RankCollapseClustering", "RankCollapseSpectral", "RankCollapseData",
        "_RankCollapseTestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    .testTarget(
      name: "RankCollapseNetworkTests",
      dependencies: [
        "RankCollapseNetwork", "RankCollapseRegularization", "RankCollapseSpectral",
        "RankCollapseData", "RankCollapseTraining",
        "_RankCollapseTestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    .testTarget(
      name: "RankCollapseDataTests",
      dependencies: ["RankCollapseData", "_RankCollapseTestSupport"]
    ),
    .testTarget(
      name: "RankCollapseClusteringTests",
      dependencies: [
        "RankCollapseClustering", "RankCollapseData", "_RankCollapseTestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    .testTarget(name: "RankCollapsePlotsTests", dependencies: ["RankCollapsePlots"]),
    .testTarget(
      name: "RankCollapseTrainingTests",
      dependencies: [
        "RankCollapseTraining", "RankCollapse", "_RankCollapseTestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    .testTarget(
      name: "RankCollapseCompressionTests",
      dependencies: [
        "RankCollapseCompression", "RankCollapse", "_RankCollapseTestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    // The README's and the DocC catalogs' Swift examples, compiled (Scripts/extract-doc-examples.py).
    .testTarget(
      name: "DocumentationExamplesTests",
      dependencies: [
        "RankCollapse", "RankCollapseExperiments", "RankCollapsePlots", "RankCollapseSweep",
      ]
    ),
    .testTarget(
      name: "RankCollapseExperimentsTests",
      dependencies: [
        "RankCollapse", "RankCollapseExperiments", "RankCollapsePlots", "RankCollapseSweep",
        "_RankCollapseTestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    .testTarget(
      name: "RankCollapseCLITests",
      dependencies: [
        "rankcollapse", "RankCollapse", "_RankCollapseTestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
  ]
)
