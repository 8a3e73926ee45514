import Foundation
import PropertyBased
import RankCollapseBounds
import RankCollapseClustering
import RankCollapseData
import RankCollapseNetwork
import RankCollapseTensor
import Testing

@Suite("Nonlinear network bounds over random instances")
struct NonlinearPropertyTests {
  /// Theorem 3.4's chain and Lemma 3.3 on random instances.
  ///
  /// At any Θ (not only stationary points) the chain of Theorem 3.4 holds, since it carries the
  /// stationarity term; Lemma 3.3's ‖R‖ ≤ M·WCSS/2 holds when the M estimate is good enough.
  /// Random widths, depth, K, σ, λ and activation, seeded.
  @Test("Lemma 3.3 and Theorem 3.4's chain hold link by link on random networks and mixtures")
  func chainOnRandomInstances() async {
    await propertyCheck(count: 100, input: Gen.uint64()) { seed in
      var g = SeededGenerator(seed: seed)
      let depth = Int.random(in: 1...3, using: &g)
      let widths = (0...depth).map { _ in Int.random(in: 2...6, using: &g) }
      let k = Int.random(in: 1...4, using: &g)
      let sigma = [0.01, 0.1, 0.5][Int.random(in: 0...2, using: &g)]
      let lambda = [1e-3, 1e-2, 1e-1, 1][Int.random(in: 0...3, using: &g)]
      let activation: Activation = Bool.random(using: &g) ? .tanh : .sigmoid
      let n = Int.random(in: (2 * k)...30, using: &g)
      let mixture = try #require(
        try? GaussianMixture<Double>(
          components: k, dimension: widths[0], standardDeviation: sigma, using: &g))
      let sample = mixture.sample(points: n, using: &g)
      let network = try #require(
        try? Network<Double>(widths: widths, activation: activation, using: &g))
      let y = Matrix<Double>.randomNormal(rows: n, columns: widths[depth], using: &g)
      let partition = try #require(try? Partition(labels: sample.labels))
      let evaluation = try #require(
        try? NetworkBounds.evaluate(
          network: network, inputs: sample.points, targets: .values(y), loss: .squaredError,
          lambda: lambda, partition: partition, options: NetworkBoundOptions(segmentSteps: 6)))
      #expect(evaluation.theorem34.count == depth)
      #expect(evaluation.pairs.count == depth * (depth + 1) / 2)
      for report in evaluation.theorem34Pairs + evaluation.lemma33 {
        #expect(report.holds, "seed \(seed)\n\(report)")
      }
    }
  }

  @Test("An evaluation encodes as JSON and decodes to the same value; reports print as tables")
  func jsonRoundTrip() throws {
    var g = SeededGenerator(seed: 4)
    let network = try Network<Double>(widths: [3, 4, 2], activation: .tanh, using: &g)
    let x = Matrix<Double>.randomNormal(rows: 8, columns: 3, using: &g)
    let evaluation = try NetworkBounds.evaluate(
      network: network, inputs: x, targets: .labels([0, 1, 0, 1, 1, 0, 0, 1]),
      loss: .squaredError, lambda: 0.01, partition: Partition(assignment: [0, 1, 0, 1, 1, 0, 0, 1]))
    let data = try JSONEncoder().encode(evaluation)
    let decoded = try JSONDecoder().decode(NetworkBoundsEvaluation.self, from: data)
    #expect(decoded == evaluation)
    #expect(evaluation.theorem34[1].description.contains("Eckart–Young"))
  }
}
