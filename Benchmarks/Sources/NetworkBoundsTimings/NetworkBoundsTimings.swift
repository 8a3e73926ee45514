// Times Theorem 3.4 (all layers, all pairs j < l, Lemma 3.3 included) for the Figure 1
// autoencoder 784-400-300-400-784 (tanh) on N Gaussian-mixture points and prints JSON.
import ArgumentParser
import Foundation
import RankCollapse
import TimingSupport

@main
struct NetworkBoundsTimings: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Time NetworkBounds.evaluate on the Figure 1 autoencoder.")

  @Option(help: "Number of samples N.") var points = 10_000
  @Option(help: "Points visited by the M estimate.") var sample = 1000
  @Option(help: "Steps T per centroid-to-point segment.") var steps = 4
  @Option(help: "Standard deviation σ of the K = 10 blobs.") var sigma = 0.1
  @Option(help: "λ.") var lambda = 1e-3
  @Option(help: "BLAS threads.") var threads = 1
  @Flag(help: "Print the reports.") var verbose = false

  func validate() throws { try ThreadOptions.validate(threads) }

  func run() throws {
    BLAS.threadCount = threads
    var generator = SeededGenerator(seed: 7)
    let mixture = try GaussianMixture<Double>(
      components: 10, dimension: 784, standardDeviation: sigma, using: &generator)
    let data = mixture.sample(points: points, using: &generator)
    let network = try Network<Double>(
      widths: [784, 400, 300, 400, 784], activation: .tanh, using: &generator)
    let partition = try Partition(labels: data.labels)
    let start = Timing.monotonicSeconds()
    let evaluation = try NetworkBounds.evaluate(
      network: network, inputs: data.points, targets: .values(data.autoencodingTargets),
      loss: .squaredError, lambda: lambda, partition: partition,
      options: NetworkBoundOptions(curvatureSampleSize: sample, segmentSteps: steps))
    let seconds = Timing.monotonicSeconds() - start
    if verbose {
      for report in evaluation.theorem34 {
        FileHandle.standardError.write(Data("\(report)\n".utf8))
      }
    }
    let holds = evaluation.theorem34Pairs.allSatisfy(\.holds)
    print(
      """
      {"op":"theorem34-figure1","points":\(points),"curvatureSample":\(evaluation.curvatureSampleSize),\
      "segmentSteps":\(steps),"threads":\(threads),"seconds":\(seconds),"allChainsHold":\(holds)}
      """)
  }
}
