import RankCollapseSpectral
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

@Suite("Spectrum: the paper's spectral quantities")
struct SpectrumTests {
  /// Singular values 4, 3, 2, 1 on a 4×5 matrix: Σ s = 10, Σ s² = 30.
  let spectrum = Spectrum<Double>(singularValues: [1, 4, 2, 3], rows: 4, columns: 5)

  @Test("Norms: Frobenius sqrt(30), spectral 4, nuclear 10")
  func norms() {
    #expect(spectrum.singularValues == [4, 3, 2, 1])
    #expect(abs(spectrum.frobeniusNorm - 30.0.squareRoot()) < 1e-15)
    #expect(spectrum.spectralNorm == 4)
    #expect(spectrum.nuclearNorm == 10)
  }

  @Test("τ_K = Σ_{j>K} s_j² / Σ s_j² and the rank-K distance sqrt(Σ_{j>K} s_j²)")
  func tails() {
    #expect(spectrum.relativeTail(afterRank: 0) == 1)
    #expect(abs(spectrum.relativeTail(afterRank: 1) - 14.0 / 30) < 1e-15)
    #expect(abs(spectrum.relativeTail(afterRank: 2) - 5.0 / 30) < 1e-15)
    #expect(spectrum.relativeTail(afterRank: 4) == 0)
    #expect(spectrum.relativeTail(afterRank: 100) == 0)
    #expect(abs(spectrum.distanceToRank(2) - 5.0.squareRoot()) < 1e-15)
    #expect(spectrum.distanceToRank(0) == spectrum.frobeniusNorm)
  }

  @Test("e(r) starts at i = r: e(1) = 1, e(2) = 0.6, e(4) = 0.1, e(5) = 0")
  func tailErrorOffByOne() {
    #expect(spectrum.tailError(1) == 1)
    #expect(abs(spectrum.tailError(2) - 0.6) < 1e-15)
    #expect(abs(spectrum.tailError(4) - 0.1) < 1e-15)
    #expect(spectrum.tailError(5) == 0)
    #expect(spectrum.tailErrors.count == 4)
    #expect(maxDifference(spectrum.tailErrors, [1, 0.6, 0.3, 0.1]) < 1e-15)
  }

  @Test(
    "rk(ε) counts kept values: the least k with e(k+1) ≤ ε",
    arguments: [
      (1.0, 0), (2.0, 0), (0.99, 1), (0.6, 1), (0.59, 2), (0.3, 2), (0.1, 3), (0.05, 4), (0, 4),
    ])
  func softRank(epsilon: Double, expected: Int) {
    #expect(spectrum.softRank(epsilon: epsilon) == expected)
  }

  @Test("rk(ε) satisfies e(rk+1) ≤ ε < e(rk) on random spectra")
  func softRankDefinition() {
    var generator = SeededGenerator(seed: 31)
    for _ in 0..<200 {
      let n = Int.random(in: 1...30, using: &generator)
      let values = (0..<n).map { _ in Double.random(in: 0..<1, using: &generator) }
      let s = Spectrum<Double>(singularValues: values, rows: n, columns: n + 3)
      let epsilon = Double.random(in: 0..<1, using: &generator)
      let rank = s.softRank(epsilon: epsilon)
      #expect(s.tailError(rank + 1) <= epsilon)
      if rank > 0 { #expect(s.tailError(rank) > epsilon) }
    }
  }

  @Test("rk(0) is the number of non-zero singular values")
  func softRankAtZero() {
    let s = Spectrum<Double>(singularValues: [5, 1, 0, 0], rows: 4, columns: 4)
    #expect(s.softRank(epsilon: 0) == 2)
  }

  @Test("Stable and effective rank: n for the identity, 1 for rank one")
  func ranks() {
    let identity = Spectrum<Double>(
      singularValues: Array(repeating: 1, count: 6), rows: 6, columns: 6)
    #expect(abs(identity.stableRank - 6) < 1e-12)
    #expect(abs(identity.effectiveRank - 6) < 1e-12)
    let rankOne = Spectrum<Double>(singularValues: [3, 0, 0], rows: 3, columns: 3)
    #expect(rankOne.stableRank == 1)
    #expect(rankOne.effectiveRank == 1)
    #expect(abs(spectrum.stableRank - 30.0 / 16) < 1e-15)
  }

  @Test("Numerical rank: NumPy's default tolerance s_1·max(m,n)·ε, and explicit tolerances")
  func numericalRank() {
    let tiny = 5 * Double.ulpOfOne  // s_1 · max(4, 5) · ε
    let s = Spectrum<Double>(
      singularValues: [1, 0.5, tiny * 0.99, tiny * 1.01], rows: 4, columns: 5)
    #expect(s.numericalRank() == 3)
    #expect(s.threshold(for: .numpyDefault()) == 5 * Double.ulpOfOne)
    #expect(s.numericalRank(tolerance: .absolute(0.6)) == 1)
    #expect(s.numericalRank(tolerance: .relativeToLargest(0.4)) == 2)
    #expect(s.numericalRank(tolerance: .numpyDefault(machineEpsilon: 0x1p-23)) == 2)
  }

  @Test("The zero matrix: every rank, tail and norm is 0")
  func zeroMatrix() throws {
    let s = try Matrix<Double>.zeros(rows: 3, columns: 5).spectrum()
    #expect(s.singularValues == [0, 0, 0])
    #expect(s.relativeTail(afterRank: 0) == 0)
    #expect(s.tailError(1) == 0)
    #expect(s.softRank(epsilon: 0) == 0)
    #expect(s.softRank(epsilon: 0.1) == 0)
    #expect(s.stableRank == 0 && s.effectiveRank == 0 && s.numericalRank() == 0)
    #expect(s.frobeniusNorm == 0 && s.nuclearNorm == 0 && s.spectralNorm == 0)
  }

  @Test(
    "1×n and n×1 matrices have one singular value, the vector's norm", arguments: [(1, 6), (6, 1)])
  func vectors(shape: (Int, Int)) throws {
    let m = Matrix<Double>(rows: shape.0, columns: shape.1, elements: [3, 0, 4, 0, 0, 0])
    let s = try m.spectrum()
    #expect(s.singularValues.count == 1)
    #expect(abs(s.spectralNorm - 5) < 1e-14)
    #expect(s.numericalRank() == 1 && s.softRank(epsilon: 0.1) == 1)
    #expect(s.relativeTail(afterRank: 1) == 0 && s.tailErrors == [1])
  }

  @Test("The report carries the spectrum's values under the stable JSON keys")
  func report() throws {
    let report = SpectralReport(name: "w", spectrum: spectrum, rank: 2, epsilon: 0.3)
    #expect(report.shape == [4, 5])
    #expect(report.softRank == 2)
    #expect(report.relativeTail == spectrum.relativeTail(afterRank: 2))
    #expect(report.rankDistance == spectrum.distanceToRank(2))
    #expect(report.numericalRank == 4)
    #expect(report.tailError == spectrum.tailErrors)
  }

  @Test("A negative ε is a precondition failure")
  func negativeEpsilon() async {
    await #expect(processExitsWith: .failure) {
      _ = Spectrum<Double>(singularValues: [1], rows: 1, columns: 1).softRank(epsilon: -0.1)
    }
  }
}
