// Times RankCollapseClustering's k-means pieces on data from .npy files and prints JSON, for
// `compare_sklearn.py` to set beside scikit-learn (same data, same initial centroids).
//
//   swift run -c release KMeansTimings --op lloyd-iteration --points X.npy --centroids C.npy
//
// Every operation is called exactly as a consumer of the library would call it.

import ArgumentParser
import RankCollapse
import TimingSupport

/// An operation the tool can time, named as in `compare_sklearn.py`.
enum ClusteringOperation: String, TimedOperations {
  static let defaultRepetitions = 5
  static let defaultWarmup = 1

  /// One `KMeans.lloydIteration` from the given centroids.
  case lloydIteration = "lloyd-iteration"
  /// A full fit (Hamerly bounds) from the given centroids to tolerance 1e-4.
  case fitHamerly = "fit-hamerly"
  /// A full fit with plain Lloyd iterations from the given centroids to tolerance 1e-4.
  case fitLloyd = "fit-lloyd"
  /// Greedy k-means++ seeding of K centres (seed = repetition number).
  case plusPlus = "plusplus"
  /// The spectral TCV lower bound (Ding & He) for K clusters.
  case spectral = "spectral"
}

/// The command-line tool: load the operands, time the repetitions.
@main
struct KMeansTimings: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Time one k-means operation of RankCollapseClustering and print JSON (seconds).")

  @OptionGroup var timing: TimingOptions<ClusteringOperation>

  @Option(help: "An N×d float32 .npy file of points.")
  var points: String

  @Option(help: "A K×d float32 .npy file of initial centroids (lloyd-iteration, fit-*).")
  var centroids: String?

  @Option(help: "K for plusplus and spectral.")
  var clusters: Int = 10

  @OptionGroup var threadOptions: ThreadOptions

  func run() throws {
    threadOptions.apply()
    let x = try NumPy.read(contentsOf: points).matrix(as: Float.self)
    let start = try centroids.map { try NumPy.read(contentsOf: $0).matrix(as: Float.self) }
    var inertia = 0.0
    var iterations = 0
    var repetition: UInt64 = 0
    let body: () throws -> Void
    switch timing.op {
    case .lloydIteration:
      guard let start else { throw ValidationError("lloyd-iteration needs --centroids") }
      // Row norms are computed once per fit, so once here too.
      let norms = KMeans.squaredRowNorms(x)
      body = {
        var centres = start
        var assignment: [Int] = []
        inertia =
          KMeans.lloydIteration(
            points: x, squaredNorms: norms, centroids: &centres, assignment: &assignment
          ).inertia
        iterations = 1
      }
    case .fitHamerly, .fitLloyd:
      guard let start else { throw ValidationError("\(timing.op.rawValue) needs --centroids") }
      let kmeans = KMeans(
        clusterCount: start.rows, maximumIterations: 300, tolerance: 1e-4,
        algorithm: timing.op == .fitLloyd ? .lloyd : .hamerly)
      body = {
        let result = try kmeans.fit(x, initialCentroids: start)
        inertia = result.inertia
        iterations = result.iterations
      }
    case .plusPlus:
      body = {
        var generator = SeededGenerator(seed: repetition)
        repetition += 1
        let centres = try KMeans.plusPlusCentroids(x, count: clusters, using: &generator)
        inertia = Double(centres.sum)
      }
    case .spectral:
      body = {
        inertia = try TotalClusterVariation.spectralLowerBound(points: x, clusters: clusters).value
      }
    }
    let times = try Timing.repeated(warmup: timing.warmup, reps: timing.reps) {
      try body()
      return 0
    }.seconds
    // The upper median, as this tool has always printed (see `Timing.upperMedian`).
    print(
      """
      {"op": "\(timing.op.rawValue)", "threads": \(BLAS.threadCount), "reps": \(timing.reps), \
      "median": \(Timing.upperMedian(times)), "min": \(Timing.minimum(times)), \
      "times": \(Timing.jsonArray(times)), "inertia": \(inertia), "iterations": \(iterations)}
      """)
  }
}
