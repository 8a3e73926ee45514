import RankCollapseTensor
import Testing

@Suite("Vectorised reductions")
struct ReductionTests {
  @Test(
    "sumOfSquares equals a Double loop for every length around the SIMD and block edges",
    arguments: [0, 1, 15, 16, 17, 4095, 4096, 4097, 10_000])
  func sumOfSquares(length: Int) {
    var generator = SeededGenerator(seed: UInt64(length) + 1)
    let a = Matrix<Float>.randomNormal(rows: 1, columns: length, using: &generator)
    let b = Matrix<Float>.randomNormal(rows: 1, columns: length, using: &generator)
    var plain = 0.0
    var combined = 0.0
    for i in 0..<length {
      plain += Double(a[0, i]) * Double(a[0, i])
      let v = Double(a[0, i] + 0.5 * b[0, i])
      combined += v * v
    }
    // Float products rounded once each and summed in 16 lanes per block: relative 1e-6 is
    // generous, while dropping a tail element or a lane misses by far more.
    #expect(abs(a.squaredFrobeniusNorm - plain) <= 1e-6 * max(plain, 1e-30))
    let fused = a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in Reductions.sumOfSquares(pa, plus: 0.5, times: pb) }
    }
    #expect(abs(fused - combined) <= 1e-6 * max(combined, 1e-30))
  }
}
