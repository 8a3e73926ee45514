import Foundation
import RankCollapseSpectral
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

@Suite("Noise baselines: Marchenko–Pastur fit and shuffled entries")
struct NoiseBaselineTests {
  /// Medians of the Marchenko–Pastur law from SciPy (`quad` of the density, `brentq`), to
  /// 1e-10; the quadrature here is accurate to about 1e-12.
  @Test(
    "The Marchenko–Pastur median matches SciPy's quadrature",
    arguments: [
      (1.0, 0.6527759416335757), (0.5, 0.8304658815832391), (0.25, 0.9160040706866612),
      (0.1, 0.9665651474028366), (384.0 / 30522, 0.9958047350242296),
    ])
  func median(q: Double, expected: Double) {
    #expect(abs(MarchenkoPasturFit.median(aspectRatio: q) - expected) <= 1e-9)
  }

  @Test("Pure noise: σ² recovered within 3 %, no spike above the edge (either orientation)")
  func pureNoise() throws {
    var generator = SeededGenerator(seed: 3)
    let noise = Matrix<Double>.randomNormal(
      rows: 1500, columns: 400, standardDeviation: 0.5, using: &generator)
    for matrix in [noise, noise.transposed()] {
      let fit = try matrix.spectrum().marchenkoPasturFit()
      // The median of 400 values fluctuates by a few 1e-3 relative; 3 % is generous.
      #expect(abs(fit.noiseVariance - 0.25) <= 0.03 * 0.25)
      #expect(abs(fit.aspectRatio - 400.0 / 1500) <= 1e-15)
      // The largest value exceeds the edge by O(N^(-2/3)) fluctuations at most; with σ from
      // the median a count of 0 or 1 is expected, never more.
      #expect(fit.spikes <= 1)
      let edge = 0.5 * (1500.0.squareRoot() + 400.0.squareRoot())
      #expect(abs(fit.edgeSingularValue - edge) <= 0.03 * edge)
      #expect(abs(fit.bulkEdge - fit.edgeSingularValue * fit.edgeSingularValue / 1500) <= 1e-9)
    }
  }

  @Test("Planted spikes: five strong directions over noise give five spikes")
  func plantedSpikes() throws {
    var generator = SeededGenerator(seed: 9)
    // Signal of singular value 3 × the noise edge in five orthogonal directions.
    let (matrix, edge) = try spikedNoise(
      rows: 1200, columns: 300, spikes: 5, factor: 3, using: &generator)
    let spectrum = try matrix.spectrum()
    #expect(spectrum.marchenkoPasturFit().spikes == 5)
    let shuffle = try matrix.shuffleComparison(spectrum: spectrum, seed: 4)
    #expect(shuffle.signalCount == 5)
    #expect(shuffle.largestShuffledSingularValue < 3 * edge)
    #expect(try matrix.shuffleComparison(spectrum: spectrum, seed: 4) == shuffle)
  }

  @Test("Edge cases: no singular values, zero matrix, 1×1")
  func edges() throws {
    let empty = try Matrix<Double>.zeros(rows: 0, columns: 3).spectrum().marchenkoPasturFit()
    #expect(empty.spikes == 0 && empty.noiseVariance == 0)
    let zero = try Matrix<Double>.zeros(rows: 5, columns: 3).spectrum().marchenkoPasturFit()
    #expect(zero.spikes == 0 && zero.noiseVariance == 0 && zero.edgeSingularValue == 0)
    let one = try Matrix<Double>([[2]]).spectrum().marchenkoPasturFit()
    // q = 1, median = s_1 = 2: σ = 2 / sqrt(μ_1), edge = 2σ > s_1: no spike.
    #expect(one.spikes == 0)
    #expect(one.aspectRatio == 1)
  }
}
