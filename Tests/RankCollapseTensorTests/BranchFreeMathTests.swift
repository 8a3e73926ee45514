import Foundation
import RankCollapseTensor
import Testing

/// The branch-free elementary functions against the C library, in units in the last place.
///
/// The bounds are the measured worst cases rounded up (Float tanh 5.6 ulp, the others below 3):
/// an error in a coefficient or in the range reduction shows up as thousands of ulp.
@Suite("Branch-free exp, tanh and logistic")
struct BranchFreeMathTests {
  /// Every 97th Float in [−lower, upper] (by bit pattern, from 10⁻³⁰ outwards), and 0.
  static func floatGrid(_ lower: Float, _ upper: Float) -> [Float] {
    var values: [Float] = [0]
    var bits = Float(1e-30).bitPattern
    while true {
      let x = Float(bitPattern: bits)
      if x > max(lower, upper) { break }
      if x <= upper { values.append(x) }
      if x <= lower { values.append(-x) }
      bits &+= 97
    }
    return values
  }

  static func ulpError(_ value: Float, _ reference: Double) -> Double {
    let rounded = Float(reference)
    guard rounded.isFinite, rounded != 0 else { return value == rounded ? 0 : .infinity }
    return abs(Double(value) - reference) / Double(rounded.ulp)
  }

  static func ulpError(_ value: Double, _ reference: Double) -> Double {
    guard reference != 0 else { return value == 0 ? 0 : abs(value) / Double.leastNormalMagnitude }
    return abs(value - reference) / reference.ulp
  }

  /// The largest error, in ulp, of `function` against `reference` over `grid`.
  static func worstFloatError(
    _ grid: [Float], _ function: (Float) -> Float, _ reference: (Double) -> Double
  ) -> Double {
    grid.reduce(0) { max($0, ulpError(function($1), reference(Double($1)))) }
  }

  @Test("Float exp within 3 ulp of exp on [−87, 88]")
  func floatExp() {
    let worst = Self.worstFloatError(
      Self.floatGrid(87, 88), Float.branchFreeExp, { Foundation.exp($0) })
    #expect(worst <= 3, "worst \(worst) ulp")
  }

  @Test("Float tanh within 6 ulp of tanh on [−12, 12]")
  func floatTanh() {
    let worst = Self.worstFloatError(
      Self.floatGrid(12, 12), Float.branchFreeTanh, { Foundation.tanh($0) })
    #expect(worst <= 6, "worst \(worst) ulp")
  }

  @Test("Float logistic within 3 ulp of 1/(1+e⁻ˣ) on [−80, 80]")
  func floatLogistic() {
    let worst = Self.worstFloatError(
      Self.floatGrid(80, 80), Float.branchFreeLogistic, { 1 / (1 + Foundation.exp(-$0)) })
    #expect(worst <= 3, "worst \(worst) ulp")
  }

  @Test("Double exp and logistic within 3 ulp, tanh within 4, on random arguments")
  func doubleFunctions() {
    var generator = SeededGenerator(seed: 11)
    var worstExp = 0.0
    var worstTanh = 0.0
    var worstLogistic = 0.0
    for _ in 0..<200_000 {
      let scale = [0.01, 0.3, 1, 5, 30, 700][Int.random(in: 0..<6, using: &generator)]
      let x = Double.random(in: -scale...scale, using: &generator)
      worstExp = max(worstExp, Self.ulpError(Double.branchFreeExp(x), Foundation.exp(x)))
      worstTanh = max(worstTanh, Self.ulpError(Double.branchFreeTanh(x), Foundation.tanh(x)))
      let logistic =
        x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
      worstLogistic = max(worstLogistic, Self.ulpError(Double.branchFreeLogistic(x), logistic))
    }
    #expect(worstExp <= 3, "exp: \(worstExp) ulp")
    #expect(worstTanh <= 4, "tanh: \(worstTanh) ulp")
    #expect(worstLogistic <= 3, "logistic: \(worstLogistic) ulp")
  }

  @Test("Special values: NaN propagates, infinities and the range ends saturate")
  func specialValues() {
    #expect(Float.branchFreeTanh(.nan).isNaN)
    #expect(Double.branchFreeTanh(.nan).isNaN)
    #expect(Float.branchFreeExp(.nan).isNaN)
    #expect(Double.branchFreeExp(.nan).isNaN)
    #expect(Float.branchFreeLogistic(.nan).isNaN)
    #expect(Float.branchFreeTanh(.infinity) == 1)
    #expect(Float.branchFreeTanh(-.infinity) == -1)
    #expect(Double.branchFreeTanh(-.infinity) == -1)
    #expect(Float.branchFreeExp(.infinity) == .infinity)
    #expect(Float.branchFreeExp(-.infinity) == 0)
    #expect(Double.branchFreeExp(1000) == .infinity)
    #expect(Double.branchFreeExp(-1000) == 0)
    #expect(Float.branchFreeLogistic(-.infinity) == 0)
    #expect(Float.branchFreeLogistic(.infinity) == 1)
    #expect(Float.branchFreeTanh(-0.0).sign == .minus)
    #expect(Float.branchFreeTanh(1e-30) == 1e-30)
  }
}
