// Times the deep linear bound evaluators (Theorems 5.3 and 5.4, paper section 5) at the issue's
// target size and prints JSON (seconds).
//
//   swift run -c release --package-path Benchmarks BoundsTimings --samples 10000 --dimension 784
//
// Data: a K-component isotropic Gaussian mixture (`--sigma`), targets either the inputs themselves
// (`--targets autoencoder`, c = d, the deep linear autoencoder of Figure 2) or one-hot class
// labels (`--targets onehot`, c = K). TCV by class labels. Each repetition times building the
// problem (the Gram matrices), Theorem 5.3 and Theorem 5.4 separately; `total` is their sum.

import ArgumentParser
import RankCollapse
import TimingSupport

/// Which targets the timed problem uses.
enum TargetKind: String, CaseIterable, ExpressibleByArgument {
  case autoencoder
  case onehot
}

/// The command-line tool.
@main
struct BoundsTimings: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Time evaluating Theorems 5.3 and 5.4 (deep linear case) and print JSON.")

  @Option(help: "Samples N.")
  var samples: Int = 10000

  @Option(help: "Input dimension d.")
  var dimension: Int = 784

  @Option(help: "Mixture components K (also the rank K of Theorem 5.4).")
  var clusters: Int = 10

  @Option(help: "Mixture standard deviation σ.")
  var sigma: Double = 0.1

  @Option(help: "Weight decay λ.")
  var lambda: Double = 1e-2

  @Option(help: "Targets: autoencoder (Y = X) or onehot.")
  var targets: TargetKind = .autoencoder

  @Option(help: "Timed repetitions.")
  var reps: Int = 5

  @OptionGroup var threadOptions: ThreadOptions

  func validate() throws {
    guard reps >= 1 else { throw ValidationError("--reps must be at least 1") }
    guard samples >= 1, dimension >= 1, clusters >= 1 else {
      throw ValidationError("--samples, --dimension and --clusters must be at least 1")
    }
  }

  func run() throws {
    threadOptions.apply()
    var generator = SeededGenerator(seed: 5)
    let mixture = try GaussianMixture<Double>(
      components: clusters, dimension: dimension, standardDeviation: sigma, meanScale: 3,
      using: &generator)
    let sample = mixture.sample(points: samples, using: &generator)
    let y = targets == .autoencoder ? sample.points : sample.oneHotTargets()
    // The pieces of building a problem, timed once: conversion, Gram matrix.
    let p0 = Timing.monotonicSeconds()
    let converted = Matrix<Double>(sample.points)
    let p1 = Timing.monotonicSeconds()
    let gram = converted.gram(transposeSelf: true)
    let p2 = Timing.monotonicSeconds()
    let same = converted == sample.points
    let p3 = Timing.monotonicSeconds()
    let pieces = [p1 - p0, p2 - p1, p3 - p2]
    _ = (gram, same)
    var rows: [[Double]] = []
    var report53: BoundReport?
    var report54: BoundReport?
    for _ in 0..<reps {
      let t0 = Timing.monotonicSeconds()
      let problem = try DeepLinearProblem(inputs: sample.points, targets: y)
      let t1 = Timing.monotonicSeconds()
      report53 = try problem.theorem53(lambda: lambda, estimator: .labels(sample.labels))
      let t2 = Timing.monotonicSeconds()
      report54 = try problem.theorem54(
        rank: min(clusters, y.columns, dimension), lambda: lambda,
        estimator: .labels(sample.labels))
      let t3 = Timing.monotonicSeconds()
      rows.append([t1 - t0, t2 - t1, t3 - t2, t3 - t0])
    }
    func median(_ column: Int) -> Double { Timing.median(rows.map { $0[column] }) }
    let totals = Timing.jsonArray(rows.map { $0[3] })
    print(
      """
      {"samples": \(samples), "dimension": \(dimension), "outputs": \(y.columns), \
      "targets": "\(targets.rawValue)", "threads": \(BLAS.threadCount), "reps": \(reps), \
      "median_setup": \(median(0)), "median_theorem53": \(median(1)), \
      "median_theorem54": \(median(2)), "median_total": \(median(3)), "totals": \(totals), \
      "pieces_convert_gram_compare": \(Timing.jsonArray(pieces)), \
      "theorem53_holds": \(report53?.holds ?? false), "theorem53_ratio": \(report53?.ratio ?? -1), \
      "theorem54_holds": \(report54?.holds ?? false), "theorem54_ratio": \(report54?.ratio ?? -1)}
      """)
  }
}
