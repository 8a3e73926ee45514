import Foundation
import RankCollapseSpectral
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

/// Issue 15, item 3: a matrix times 1e-300 or 1e300, or with one 1e300 entry, once gave
/// ‖W‖_F = 0 and τ_K = 0 ("perfect collapse") or inf and nan.
@Suite("Spectrum at extreme scales: scaled sums, Float80 references")
struct ExtremeScaleTests {
  /// Every quantity of the report from singular values in Float80, whose exponent range
  /// (about 1e±4932) holds the squares of any Double: the plain formulas are right there.
  struct Reference {
    var frobenius, nuclear, stableRank, effectiveRank, tail, distance: Float80
    var tailErrors: [Float80]
    var softRank: Int

    init(_ values: [Double], rank: Int, epsilon: Double) {
      let s = values.map(Float80.init)
      let squares = s.map { $0 * $0 }
      let total = s.reduce(0, +)
      let squareTotal = squares.reduce(0, +)
      frobenius = squareTotal.squareRoot()
      nuclear = total
      stableRank = squareTotal / (s[0] * s[0])
      var entropy: Float80 = 0
      for value in s where value > 0 {
        let p = value / total
        entropy -= p * Float80(log(Double(p)))
      }
      effectiveRank = Float80(exp(Double(entropy)))
      let tailSquares = squares[rank...].reduce(0, +)
      tail = tailSquares / squareTotal
      distance = tailSquares.squareRoot()
      tailErrors = (1...s.count).map { r in s[(r - 1)...].reduce(0, +) / total }
      softRank =
        (0...s.count).first { k in s[k...].reduce(0, +) <= Float80(epsilon) * total } ?? s.count
    }
  }

  /// Relative difference, with 0 for two zeros.
  func relative(_ value: Double, _ reference: Float80) -> Double {
    let want = Double(reference)
    if want == 0 { return abs(value) }
    return abs(value - want) / abs(want)
  }

  /// A 30×20 Gaussian matrix with the given transformation applied.
  static func matrix(_ transform: (inout Matrix<Double>) -> Void) -> Matrix<Double> {
    var generator = SeededGenerator(seed: 15)
    var a = Matrix<Double>.randomNormal(rows: 30, columns: 20, using: &generator)
    transform(&a)
    return a
  }

  static let cases: [(String, Matrix<Double>)] = [
    ("times 1e-300", matrix { $0 *= 1e-300 }),
    ("times 1e300", matrix { $0 *= 1e300 }),
    ("one 1e300 entry", matrix { $0[3, 4] = 1e300 }),
    ("times 1e-150", matrix { $0 *= 1e-150 }),
    ("times 1e160", matrix { $0 *= 1e160 }),
  ]

  @Test(
    "Every quantity agrees with Float80 sums over LAPACK's singular values to 1e-12 relative",
    arguments: cases)
  func againstFloat80(name: String, matrix: Matrix<Double>) throws {
    let spectrum = try matrix.spectrum()
    let values = spectrum.singularValues
    #expect(values.allSatisfy { $0.isFinite && $0 >= 0 }, "\(name)")
    let rank = 10
    let epsilon = 0.1
    let want = Reference(values, rank: rank, epsilon: epsilon)
    // 1e-12: 20 terms summed in Double carry a relative error of at most about 20 ulp (4e-15);
    // the effective rank goes through log and exp (a few more ulp).
    let tolerance = 1e-12
    #expect(relative(spectrum.frobeniusNorm, want.frobenius) < tolerance, "\(name)")
    #expect(relative(spectrum.nuclearNorm, want.nuclear) < tolerance, "\(name)")
    #expect(relative(spectrum.stableRank, want.stableRank) < tolerance, "\(name)")
    #expect(relative(spectrum.effectiveRank, want.effectiveRank) < tolerance, "\(name)")
    #expect(relative(spectrum.relativeTail(afterRank: rank), want.tail) < tolerance, "\(name)")
    #expect(relative(spectrum.distanceToRank(rank), want.distance) < tolerance, "\(name)")
    for (got, expected) in zip(spectrum.tailErrors, want.tailErrors) {
      #expect(relative(got, expected) < tolerance, "\(name)")
    }
    #expect(spectrum.softRank(epsilon: epsilon) == want.softRank, "\(name)")
  }

  @Test(
    "Scale invariance: a matrix times 1e-300 or 1e300 has the ratios and ranks of the matrix",
    arguments: [1e-300, 1e300, 0x1p-1000, 0x1p1000])
  func scaleInvariance(factor: Double) throws {
    let base = try Self.matrix { _ in }.spectrum()
    let scaled = try Self.matrix { $0 *= factor }.spectrum()
    for rank in [0, 1, 5, 10, 19] {
      let want = base.relativeTail(afterRank: rank)
      #expect(abs(scaled.relativeTail(afterRank: rank) - want) <= 1e-12 * want)
    }
    #expect(abs(scaled.stableRank - base.stableRank) <= 1e-12 * base.stableRank)
    #expect(abs(scaled.effectiveRank - base.effectiveRank) <= 1e-12 * base.effectiveRank)
    #expect(scaled.softRank(epsilon: 0.1) == base.softRank(epsilon: 0.1))
    #expect(scaled.numericalRank() == base.numericalRank())
    let norm = base.frobeniusNorm * factor
    #expect(abs(scaled.frobeniusNorm - norm) <= 1e-12 * norm)
  }

  @Test("The distance to rank 1 next to one 1e300 entry is the norm of the rest, not 0")
  func mixedDistance() throws {
    let spectrum = try Self.matrix { $0[3, 4] = 1e300 }.spectrum()
    let rest = spectrum.singularValues.dropFirst()
    let want = rest.map { Float80($0) * Float80($0) }.reduce(0, +).squareRoot()
    #expect(relative(spectrum.distanceToRank(1), want) < 1e-12)
    #expect(spectrum.distanceToRank(1) > 1)
  }

  @Test("Entries near the largest Double: finite ratios, infinite norms reported as undefined")
  func overflow() throws {
    let spectrum = try Self.matrix { $0 *= 1.5e307 }.spectrum()
    let base = try Self.matrix { _ in }.spectrum()
    #expect(spectrum.frobeniusNorm == .infinity)
    #expect(abs(spectrum.relativeTail(afterRank: 10) - base.relativeTail(afterRank: 10)) < 1e-12)
    #expect(abs(spectrum.stableRank - base.stableRank) < 1e-12 * base.stableRank)
    let report = SpectralReport(name: "w", spectrum: spectrum, rank: 10, epsilon: 0.1)
    #expect(report.notes.contains { $0.hasPrefix("frobeniusNorm is undefined") })
    let data = try JSONEncoder().encode(report)
    let object = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(object["frobeniusNorm"] is NSNull)
    #expect((object["notes"] as? [String])?.isEmpty == false)
    let decoded = try JSONDecoder().decode(SpectralReport.self, from: data)
    #expect(decoded.frobeniusNorm == .infinity && decoded.relativeTail == report.relativeTail)
  }

  @Test("A subnormal largest singular value still gives finite ratios")
  func subnormal() {
    let spectrum = Spectrum<Double>(singularValues: [4e-320, 2e-320, 1e-320], rows: 3, columns: 3)
    #expect(spectrum.stableRank.isFinite && spectrum.stableRank >= 1)
    #expect(spectrum.relativeTail(afterRank: 1) > 0 && spectrum.relativeTail(afterRank: 1) < 1)
    #expect(spectrum.singularValues == [4e-320, 2e-320, 1e-320])
  }
}
