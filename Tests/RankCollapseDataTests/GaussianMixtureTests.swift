import RankCollapseData
import RankCollapseTensor
import Testing

@Suite("Gaussian mixtures (paper section 4)")
struct GaussianMixtureTests {
  /// WCSS of the labelled partition by a direct loop (paper equation 6, l = 0, no targets).
  static func wcss(_ sample: GaussianMixtureSample<Double>) -> Double {
    let means = sample.classMeans()
    var total = 0.0
    for i in 0..<sample.points.rows {
      for j in 0..<sample.points.columns {
        let difference = sample.points[i, j] - means[sample.labels[i], j]
        total += difference * difference
      }
    }
    return total / Double(sample.points.rows)
  }

  @Test("component counts sum to N, are balanced by default and follow the largest remainder")
  func counts() throws {
    var generator = SeededGenerator(seed: 1)
    let balanced = try GaussianMixture<Double>(
      components: 3, dimension: 2, standardDeviation: 1, using: &generator)
    #expect(balanced.componentCounts(points: 10) == [4, 3, 3])
    #expect(balanced.componentCounts(points: 9) == [3, 3, 3])
    #expect(balanced.componentCounts(points: 0) == [0, 0, 0])
    let weighted = try GaussianMixture<Double>(
      components: 3, dimension: 2, standardDeviation: 1, weights: [1, 2, 7], using: &generator)
    #expect(weighted.weights == [0.1, 0.2, 0.7])
    // 0.1·13 = 1.3, 0.2·13 = 2.6, 0.7·13 = 9.1: floors 1, 2, 9 and the one left goes to 2.6.
    #expect(weighted.componentCounts(points: 13) == [1, 3, 9])
    for n in 0..<50 { #expect(weighted.componentCounts(points: n).reduce(0, +) == n) }
  }

  @Test("a sample keeps labels grouped by component, and the same seed gives the same data")
  func labelsAndSeeds() throws {
    var g1 = SeededGenerator(seed: 7)
    var g2 = SeededGenerator(seed: 7)
    let m1 = try GaussianMixture<Float>(
      components: 4, dimension: 5, standardDeviation: 0.3, using: &g1)
    let m2 = try GaussianMixture<Float>(
      components: 4, dimension: 5, standardDeviation: 0.3, using: &g2)
    let s1 = m1.sample(points: 22, using: &g1)
    let s2 = m2.sample(points: 22, using: &g2)
    #expect(s1 == s2)
    #expect(s1.counts == [6, 6, 5, 5])
    #expect(s1.labels == [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3])
    #expect(s1.points.rows == 22 && s1.points.columns == 5)
    #expect(s1.autoencodingTargets == s1.points)
    let other = m1.sample(points: 22, using: &g1)
    #expect(other.points != s1.points)
  }

  @Test("one-hot targets have a single 1 per row, at the label")
  func oneHot() throws {
    var generator = SeededGenerator(seed: 2)
    let mixture = try GaussianMixture<Float>(
      components: 3, dimension: 4, standardDeviation: 1, weights: [1, 0, 2], using: &generator)
    let sample = mixture.sample(points: 9, using: &generator)
    #expect(sample.counts == [3, 0, 6])
    let targets = sample.oneHotTargets()
    #expect(targets.rows == 9 && targets.columns == 3)
    for i in 0..<9 {
      for k in 0..<3 { #expect(targets[i, k] == (k == sample.labels[i] ? 1 : 0)) }
    }
  }

  @Test("means follow N(0, I/d)·scale: the mean squared norm is about scale²")
  func meanRule() {
    var generator = SeededGenerator(seed: 3)
    let means = GaussianMixture<Double>.randomMeans(
      components: 200, dimension: 400, scale: 3, using: &generator)
    let average = means.elements.reduce(0) { $0 + $1 * $1 } / 200
    // ‖μ_k‖² is 9·χ²_400/400 with standard deviation 9·√(2/400) ≈ 0.64; the average of 200 has
    // standard deviation ≈ 0.045, so ±0.3 is more than six of them.
    #expect(abs(average - 9) < 0.3)
  }

  @Test("WCSS of the true partition averages Σ π_k Tr(Σ_k)(1 − 1/N_k), below Proposition 4.1")
  func proposition41() throws {
    let k = 10
    let d = 20
    let n = 400
    let sigma = 0.5
    var generator = SeededGenerator(seed: 41)
    let mixture = try GaussianMixture<Double>(
      components: k, dimension: d, standardDeviation: sigma, using: &generator)
    let counts = mixture.componentCounts(points: n)
    let traces = mixture.covarianceTraces
    let norms = mixture.covarianceFrobeniusNorms
    #expect(abs(traces[0] - Double(d) * sigma * sigma) < 1e-12)
    #expect(abs(norms[0] - Double(d).squareRoot() * sigma * sigma) < 1e-12)
    var bound = 0.0
    var expected = 0.0
    for c in 0..<k {
      let nk = Double(counts[c])
      bound += nk / Double(n) * (traces[c] + norms[c] / nk.squareRoot())
      expected += nk / Double(n) * traces[c] * (1 - 1 / nk)
    }
    // The balanced isotropic form of Proposition 4.1: √d σ² (√d + √(K/N)).
    let closedForm =
      Double(d).squareRoot() * sigma * sigma
      * (Double(d).squareRoot() + (Double(k) / Double(n)).squareRoot())
    #expect(abs(bound - closedForm) < 1e-12)
    var values: [Double] = []
    for _ in 0..<30 {
      let value = Self.wcss(mixture.sample(points: n, using: &generator))
      #expect(value <= bound, "WCSS \(value) exceeds the Proposition 4.1 bound \(bound)")
      values.append(value)
    }
    let average = values.reduce(0, +) / Double(values.count)
    // One draw's WCSS has standard deviation ≈ σ²·√(2d/N) = 0.0079 here; the mean of 30 has
    // ≈ 0.0015, so 0.01 is over six of them.
    #expect(abs(average - expected) < 0.01, "average \(average), expected \(expected)")
  }

  @Test("diagonal and factor covariances give the right sample covariance")
  func covariances() throws {
    var generator = SeededGenerator(seed: 5)
    let a = Matrix<Double>([[2, 0], [1, 1], [0, 0.5]])  // Σ = A Aᵀ, rank 2 in d = 3
    let mixture = try GaussianMixture<Double>(
      means: Matrix([[1, 2, 3], [0, 0, 0]]),
      covariances: [.factor(a), .diagonal(standardDeviations: [0.5, 1, 2])])
    let n = 40_000
    let sample = mixture.sample(points: n, using: &generator)
    let means = sample.classMeans()
    for component in 0..<2 {
      let rows = sample.points.rows(
        at: sample.labels.indices.filter { sample.labels[$0] == component })
      var centred = rows
      centred.addRowVector(means.row(component).map { -$0 })
      let covariance = centred.matmul(centred, transposeSelf: true, alpha: 1 / Double(rows.rows))
      let truth = mixture.covarianceMatrix(component: component)
      // Entry (i, j) of a sample covariance of 20 000 points has standard error
      // ≈ √((Σ_ii Σ_jj + Σ_ij²)/20 000) ≤ √(2·16/20 000) = 0.04; 0.2 is five of them.
      #expect((covariance - truth).maxAbsoluteValue < 0.2, "component \(component)")
      #expect(abs(means[component, 0] - mixture.means[component, 0]) < 0.05)
    }
    let traces = mixture.covarianceTraces
    #expect(abs(traces[0] - 6.25) < 1e-12)  // ‖A‖_F² = 4 + 1 + 1 + 0.25
    #expect(abs(traces[1] - 5.25) < 1e-12)  // 0.25 + 1 + 4
    let norms = mixture.covarianceFrobeniusNorms
    #expect(abs(norms[0] - Double(mixture.covarianceMatrix(component: 0).frobeniusNorm)) < 1e-12)
    #expect(abs(norms[1] - (0.0625 + 1 + 16).squareRoot()) < 1e-12)
  }

  @Test("invalid parameters are typed errors naming the parameter")
  func invalid() {
    var generator = SeededGenerator(seed: 6)
    #expect(throws: GaussianMixtureError.self) {
      try GaussianMixture<Float>(
        components: 0, dimension: 3, standardDeviation: 1, using: &generator)
    }
    #expect(throws: GaussianMixtureError.self) {
      try GaussianMixture<Float>(
        components: 2, dimension: 3, standardDeviation: -1, using: &generator)
    }
    #expect(throws: GaussianMixtureError.self) {
      try GaussianMixture<Float>(
        components: 2, dimension: 3, standardDeviation: 1, weights: [1], using: &generator)
    }
    #expect(throws: GaussianMixtureError.self) {
      try GaussianMixture<Float>(
        components: 2, dimension: 3, standardDeviation: 1, weights: [0, 0], using: &generator)
    }
    #expect(throws: GaussianMixtureError.self) {
      try GaussianMixture<Float>(
        means: .zeros(rows: 2, columns: 3), covariances: [.diagonal(standardDeviations: [1, 2])])
    }
    #expect(throws: GaussianMixtureError.self) {
      try GaussianMixture<Float>(
        means: .zeros(rows: 2, columns: 3), covariances: [.factor(.zeros(rows: 2, columns: 2))])
    }
    #expect(
      GaussianMixtureError.invalidParameter(
        name: "weights", value: "[0.0, 0.0]", requirement: "a positive sum"
      ).description == "invalid Gaussian mixture parameter weights = [0.0, 0.0]: it must be a "
        + "positive sum")
  }
}
