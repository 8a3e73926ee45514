import RankCollapseClustering
import RankCollapseData
import RankCollapseTensor
import Testing

@Suite("Proposition 4.1: the Gaussian-mixture TCV bound")
struct GaussianMixtureBoundTests {
  @Test("The balanced isotropic form equals the general formula")
  func balancedIsotropic() throws {
    let (d, sigma, k, n) = (20, 0.7, 4, 400)
    let general = try GaussianMixtureBound.proposition41(
      componentSizes: Array(repeating: n / k, count: k),
      covarianceTraces: Array(repeating: Double(d) * sigma * sigma, count: k),
      covarianceFrobeniusNorms: Array(repeating: Double(d).squareRoot() * sigma * sigma, count: k))
    let special = try GaussianMixtureBound.balancedIsotropic(
      dimension: d, standardDeviation: sigma, components: k, points: n)
    #expect(abs(general - special) <= 1e-12 * special)
    let fromMatrices = try GaussianMixtureBound.proposition41(
      componentSizes: Array(repeating: n / k, count: k),
      covariances: Array(repeating: Matrix<Double>.identity(d) * (sigma * sigma), count: k))
    #expect(abs(fromMatrices - special) <= 1e-12 * special)
  }

  @Test("WCSS of the true partition stays below the bound over 200 seeded draws")
  func boundHoldsOverDraws() throws {
    // Ten unbalanced components (weights 40…58) with diagonal covariances in d = 50, from
    // RankCollapseData's Gaussian-mixture generator.
    let d = 50
    var generator = SeededGenerator(seed: 2024)
    let sigmas: [GaussianMixture<Double>.Covariance] = (0..<10).map { _ in
      .diagonal(
        standardDeviations: (0..<d).map { _ in Double.random(in: 0.5...1.5, using: &generator) })
    }
    let mixture = try GaussianMixture<Double>(
      means: GaussianMixture<Double>.randomMeans(
        components: 10, dimension: d, scale: 20, using: &generator),
      covariances: sigmas, weights: (0..<10).map { 40 + 2 * Double($0) })
    let n = 490
    let counts = mixture.componentCounts(points: n)
    let bound = try GaussianMixtureBound.proposition41(
      componentSizes: counts, covarianceTraces: mixture.covarianceTraces,
      covarianceFrobeniusNorms: mixture.covarianceFrobeniusNorms)
    var largest = 0.0
    for _ in 0..<200 {
      let sample = mixture.sample(points: n, using: &generator)
      #expect(sample.counts == counts)
      let wcss = try TotalClusterVariation.byLabels(points: sample.points, labels: sample.labels)
      largest = Swift.max(largest, wcss.value)
    }
    // E[WCSS] = Σ_k π_k (1 − 1/N_k) Tr Σ_k sits about 4.5 standard deviations
    // (≈ √(2 Σ_k N_k ‖Σ_k‖_F²) / N) below the bound here: the chance that one of the 200 draws
    // exceeds it is below 1e-3. With fewer components the margin shrinks to ~1.5 standard
    // deviations (the proposition's constant C is not explicit).
    #expect(largest <= bound)
    // …and the bound is not vacuous: within 10% of what is observed.
    #expect(largest >= 0.9 * bound)
  }

  @Test("Invalid mixture parameters are rejected")
  func errors() {
    #expect(throws: ClusteringError.self) {
      try GaussianMixtureBound.proposition41(
        componentSizes: [], covarianceTraces: [], covarianceFrobeniusNorms: [])
    }
    #expect(throws: ClusteringError.self) {
      try GaussianMixtureBound.proposition41(
        componentSizes: [0, 3], covarianceTraces: [1, 1], covarianceFrobeniusNorms: [1, 1])
    }
    #expect(throws: ClusteringError.self) {
      try GaussianMixtureBound.proposition41(
        componentSizes: [3], covarianceTraces: [-1], covarianceFrobeniusNorms: [1])
    }
    #expect(throws: ClusteringError.self) {
      try GaussianMixtureBound.balancedIsotropic(
        dimension: 3, standardDeviation: .nan, components: 2, points: 10)
    }
  }
}
