import RankCollapseClustering
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
    // Ten unbalanced, anisotropic components (N_k from 40 to 58, Σ_k diagonal) in d = 50.
    let sizes = (0..<10).map { 40 + 2 * $0 }
    let d = 50
    var generator = SeededGenerator(seed: 2024)
    let scales: [[Double]] = sizes.indices.map { _ in
      (0..<d).map { _ in Double.random(in: 0.5...1.5, using: &generator) }
    }
    let bound = try GaussianMixtureBound.proposition41(
      componentSizes: sizes,
      covarianceTraces: scales.map { $0.reduce(0) { $0 + $1 * $1 } },
      covarianceFrobeniusNorms: scales.map { $0.reduce(0) { $0 + $1 * $1 * $1 * $1 }.squareRoot() })
    var largest = 0.0
    for _ in 0..<200 {
      var rows: [[Double]] = []
      var labels: [Int] = []
      for (k, size) in sizes.enumerated() {
        let mean = (0..<d).map { _ in Double.random(in: -5...5, using: &generator) }
        let noise = Matrix<Double>.randomNormal(rows: size, columns: d, using: &generator)
        for r in 0..<size {
          rows.append((0..<d).map { mean[$0] + scales[k][$0] * noise[r, $0] })
          labels.append(k)
        }
      }
      let wcss = try TotalClusterVariation.byLabels(points: Matrix(rows), labels: labels).value
      largest = Swift.max(largest, wcss)
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
