import Foundation
import PropertyBased
import RankCollapseNetwork
import RankCollapseRegularization
import RankCollapseTensor
import Testing

/// The Rosenbrock function f(x) = Σ_i 100 (x_{i+1} − x_i²)² + (1 − x_i)², minimum 0 at (1, …, 1).
struct Rosenbrock: DifferentiableObjective {
  let dimension: Int
  var evaluations = 0

  mutating func valueAndGradient(
    at point: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double {
    evaluations += 1
    var value = 0.0
    for i in 0..<dimension { gradient[i] = 0 }
    for i in 0..<(dimension - 1) {
      let a = point[i + 1] - point[i] * point[i]
      let b = 1 - point[i]
      value += 100 * a * a + b * b
      gradient[i] += -400 * a * point[i] - 2 * b
      gradient[i + 1] += 200 * a
    }
    return value
  }
}

/// f(x) = ½ xᵀA x − bᵀx with A symmetric positive definite: minimiser A⁻¹b.
struct Quadratic: DifferentiableObjective {
  let a: Matrix<Double>
  let b: [Double]
  var dimension: Int { b.count }

  mutating func valueAndGradient(
    at point: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double {
    var value = 0.0
    for i in 0..<dimension {
      var row = 0.0
      for j in 0..<dimension { row += a[i, j] * point[j] }
      gradient[i] = row - b[i]
      value += 0.5 * point[i] * row - b[i] * point[i]
    }
    return value
  }
}

/// Runs L-BFGS until ‖∇f‖ ≤ tolerance or a failure; returns the final point, value, gradient
/// norm and every step's outcome.
func minimize<O: DifferentiableObjective>(
  _ objective: inout O, from start: [Double], history: Int = 10,
  scaling: LBFGS<Double>.Scaling = .scalar, tolerance: Double, iterations: Int
) -> (point: [Double], value: Double, norm: Double, steps: [LBFGSStep]) where O.Scalar == Double {
  var method = LBFGS<Double>(historySize: history, scaling: scaling)
  var x = start
  var g = [Double](repeating: 0, count: start.count)
  var f = x.withUnsafeBufferPointer { x in
    g.withUnsafeMutableBufferPointer { objective.valueAndGradient(at: x, gradient: $0) }
  }
  var steps: [LBFGSStep] = []
  func norm() -> Double { g.reduce(0) { $0 + $1 * $1 }.squareRoot() }
  while norm() > tolerance && steps.count < iterations {
    let step = method.iterate(&objective, point: &x, value: &f, gradient: &g)
    steps.append(step)
    guard case .accepted = step else { break }
  }
  return (x, f, norm(), steps)
}

@Suite("L-BFGS and its strong Wolfe line search")
struct LBFGSTests {
  @Test("Rosenbrock in 2 and 10 dimensions: reaches the minimiser (1, …, 1) to 1e-8")
  func rosenbrock() {
    for dimension in [2, 10] {
      var objective = Rosenbrock(dimension: dimension)
      let start = (0..<dimension).map { $0 % 2 == 0 ? -1.2 : 1.0 }
      let result = minimize(&objective, from: start, tolerance: 1e-10, iterations: 500)
      #expect(result.norm <= 1e-10, "dimension \(dimension): ‖∇f‖ = \(result.norm)")
      // Near the minimiser f ≈ ½ eᵀHe with ‖H‖ ≲ 10³, so ‖∇f‖ ≤ 1e-10 puts x within ~1e-8.
      #expect(result.point.allSatisfy { abs($0 - 1) < 1e-8 }, "\(result.point)")
      // Quasi-Newton convergence: far fewer evaluations than gradient descent's thousands.
      #expect(objective.evaluations < 200, "\(objective.evaluations) evaluations")
    }
  }

  @Test("Every accepted step meets the strong Wolfe conditions (random starts on Rosenbrock)")
  func wolfeConditions() async {
    let c1 = 1e-4
    let c2 = 0.9
    await propertyCheck(count: 60, input: Gen.double(in: -2...2).array(of: 4)) { start in
      var objective = Rosenbrock(dimension: 4)
      var method = LBFGS<Double>(historySize: 5)
      var x = start
      var g = [Double](repeating: 0, count: 4)
      var f = x.withUnsafeBufferPointer { x in
        g.withUnsafeMutableBufferPointer { objective.valueAndGradient(at: x, gradient: $0) }
      }
      for _ in 0..<30 {
        // At the rounding floor of ∇f (near the minimiser) the recomputed slopes say nothing.
        if g.reduce(0, { $0 + $1 * $1 }).squareRoot() < 1e-8 { break }
        let (oldX, oldF, oldG) = (x, f, g)
        let step = method.iterate(&objective, point: &x, value: &f, gradient: &g)
        guard case .accepted(_, _, let approximate) = step else { break }
        let s = zip(x, oldX).map { $0 - $1 }
        let slope0 = zip(oldG, s).reduce(0) { $0 + $1.0 * $1.1 }
        let slope1 = zip(g, s).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(slope0 < 0, "not a descent step")
        // A predicted decrease gᵀs below 1e-14 is at f's rounding level near its zero minimum:
        // there the search may end on its best point with sufficient decrease only.
        if abs(slope0) < 1e-14 { break }
        if !approximate {
          // With s = t·d: f(x + s) ≤ f(x) + c₁ gᵀs and |g₊ᵀs| ≤ c₂ |gᵀs|, up to rounding of
          // the recomputed products (1e-12 relative) and of f itself near its zero minimum
          // (u·Σ|terms| ≤ 1e-13 for |x_i| ≤ 2 in four dimensions).
          #expect(f <= oldF + c1 * slope0 + 1e-12 * abs(oldF) + 1e-13)
          let scale = (g.reduce(0) { $0 + $1 * $1 } * s.reduce(0) { $0 + $1 * $1 }).squareRoot()
          #expect(abs(slope1) <= c2 * abs(slope0) * (1 + 1e-9) + 1e-12 * scale)
        }
      }
    }
  }

  @Test("Random convex quadratics (n = 30): converges to A⁻¹b")
  func quadratics() throws {
    var generator = SeededGenerator(seed: 7)
    for trial in 0..<20 {
      let n = 30
      let q = Matrix<Double>.randomNormal(rows: n, columns: n, using: &generator)
      var a = q.matmul(q, transposeSelf: true)
      for i in 0..<n { a[i, i] += 0.1 * Double(trial + 1) }
      let xStar = (0..<n).map { _ in Double.random(in: -1...1, using: &generator) }
      let b = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + a[i, $1] * xStar[$1] } }
      var objective = Quadratic(a: a, b: b)
      let result = minimize(
        &objective, from: Array(repeating: 0, count: n), tolerance: 1e-9, iterations: 1000)
      #expect(result.norm <= 1e-9, "trial \(trial): ‖∇f‖ = \(result.norm)")
      // ‖x − x*‖ ≤ ‖A⁻¹‖ ‖∇f‖ ≤ ‖∇f‖ / λ_min(A), and λ_min ≥ 0.1.
      let error = zip(result.point, xStar).map { abs($0 - $1) }.max() ?? 0
      #expect(error <= 1e-8, "trial \(trial): error \(error)")
    }
  }

  @Test("A gradient that points the wrong way ends in a reported failure, not a hang")
  func lyingGradient() {
    struct Liar: DifferentiableObjective {
      let dimension = 3
      var evaluations = 0
      mutating func valueAndGradient(
        at point: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
      ) -> Double {
        evaluations += 1
        // f = ‖x‖², but the reported gradient is −∇f: every "descent" direction ascends.
        for i in 0..<3 { gradient[i] = -2 * point[i] }
        return point.reduce(0) { $0 + $1 * $1 }
      }
    }
    var objective = Liar()
    let result = minimize(&objective, from: [1, 2, 3], tolerance: 0, iterations: 10)
    guard case .failed(let evaluations, let precision) = result.steps.last else {
      Issue.record("expected a failed step, got \(result.steps)")
      return
    }
    #expect(!precision)
    #expect(result.point == [1, 2, 3])
    // At most two searches (the retry along −g), each within its 25 evaluations.
    #expect(evaluations <= 50 && objective.evaluations <= 51)
  }

  @Test("A function flat to its rounding level reports a precision limit")
  func precisionLimit() {
    struct Flat: DifferentiableObjective {
      let dimension = 2
      mutating func valueAndGradient(
        at point: UnsafeBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>
      ) -> Double {
        // f = 1 + 1e-12 ‖x‖², rounded to Float: every change is below Float's resolution.
        for i in 0..<2 { gradient[i] = 2e-12 * point[i] }
        return Double(Float(1 + 1e-12 * Double(point[0] * point[0] + point[1] * point[1])))
      }
    }
    var objective = Flat()
    var method = LBFGS<Float>()
    var x: [Float] = [1, 1]
    var g: [Float] = [2e-12, 2e-12]
    var f = 1.0
    let step = method.iterate(&objective, point: &x, value: &f, gradient: &g)
    switch step {
    case .failed(_, let precisionLimited): #expect(precisionLimited)
    // The approximate Wolfe conditions may accept a step that f cannot see; that step must
    // then be marked as such.
    case .accepted(_, _, let approximate): #expect(approximate)
    case .evaluationBudget: Issue.record("unexpected budget stop")
    }
  }

  @Test("Trial points with non-finite values shorten the step instead of ending the run")
  func nonFiniteRegion() {
    struct Walled: DifferentiableObjective {
      let dimension = 2
      mutating func valueAndGradient(
        at point: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
      ) -> Double {
        // (x − 3)² + (y − 3)² but undefined (NaN) beyond |x|, |y| > 3.5.
        if abs(point[0]) > 3.5 || abs(point[1]) > 3.5 {
          gradient[0] = .nan
          gradient[1] = .nan
          return .nan
        }
        gradient[0] = 2 * (point[0] - 3)
        gradient[1] = 2 * (point[1] - 3)
        return (point[0] - 3) * (point[0] - 3) + (point[1] - 3) * (point[1] - 3)
      }
    }
    var objective = Walled()
    let result = minimize(&objective, from: [0, 0], tolerance: 1e-10, iterations: 50)
    #expect(result.norm <= 1e-10)
    #expect(abs(result.point[0] - 3) < 1e-9 && abs(result.point[1] - 3) < 1e-9)
  }

  @Test("Bad settings are typed errors naming the setting")
  func badSettings() {
    let cases: [(LBFGS<Double>, String)] = [
      (LBFGS(historySize: 0), "historySize"),
      (LBFGS(historySize: -3), "historySize"),
      (LBFGS(lineSearch: StrongWolfeLineSearch(sufficientDecrease: 0.95, curvature: 0.9)), "c1"),
      (LBFGS(lineSearch: StrongWolfeLineSearch(sufficientDecrease: 0)), "c1"),
      (LBFGS(lineSearch: StrongWolfeLineSearch(curvature: 1)), "c2"),
      (LBFGS(lineSearch: StrongWolfeLineSearch(maximumEvaluations: 0)), "maximumEvaluations"),
      (LBFGS(lineSearch: StrongWolfeLineSearch(noiseFactor: .nan)), "noiseFactor"),
    ]
    for (method, name) in cases {
      #expect(throws: TrainingError.self) { try method.validate() }
      do {
        try method.validate()
      } catch {
        #expect("\(error)".contains(name), "\(error) should name \(name)")
      }
    }
    #expect(throws: Never.self) { try LBFGS<Double>().validate() }
  }
}

/// Two blocks of a separable quadratic whose curvatures differ by `ratio`, each block's Hessian
/// ill-conditioned within the block only by a factor of 4: f = ½ Σ_i c_i x_i².
struct TwoScaleQuadratic: DifferentiableObjective {
  let curvatures: [Double]
  let half: Int
  var dimension: Int { curvatures.count }
  var scalingBlocks: [Range<Int>] { [0..<half, half..<dimension] }

  mutating func valueAndGradient(
    at point: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double {
    var value = 0.0
    for i in 0..<dimension {
      gradient[i] = curvatures[i] * point[i]
      value += 0.5 * curvatures[i] * point[i] * point[i]
    }
    return value
  }
}

@Suite("L-BFGS blockwise initial scaling")
struct LBFGSScalingTests {
  @Test(
    "Blocks whose curvatures differ by 1e6: blockwise H⁰ needs fewer iterations than scalar H⁰ on 20 random instances, and both reach the minimiser"
  )
  func blockwiseHelpsSeparatedScales() {
    var generator = SeededGenerator(seed: 7)
    var wins = 0
    for _ in 0..<20 {
      let half = 40
      let curvatures = (0..<(2 * half)).map { i in
        (i < half ? 1e6 : 1.0) * (1 + 3 * Double.random(in: 0..<1, using: &generator))
      }
      let start = (0..<(2 * half)).map { _ in Double.random(in: -1..<1, using: &generator) }
      var scalar = TwoScaleQuadratic(curvatures: curvatures, half: half)
      var blockwise = scalar
      // ‖∇f‖ starts near 1e7: ask for a reduction by 1e9, well above the rounding floor.
      let a = minimize(&scalar, from: start, history: 5, tolerance: 1e-2, iterations: 5000)
      let b = minimize(
        &blockwise, from: start, history: 5, scaling: .blockwise, tolerance: 1e-2,
        iterations: 5000)
      #expect(a.norm <= 1e-2 && b.norm <= 1e-2, "‖∇f‖ = \(a.norm) (scalar), \(b.norm) (blockwise)")
      if b.steps.count < a.steps.count { wins += 1 }
    }
    #expect(wins >= 18, "blockwise took fewer iterations on \(wins) of 20 instances")
  }

  @Test("Without scaling blocks, blockwise scaling takes exactly the scalar steps")
  func noBlocksIsScalar() {
    var generator = SeededGenerator(seed: 3)
    let n = 12
    var entries = [Double](repeating: 0, count: n * n)
    for i in 0..<n { entries[i * n + i] = 1 + 10 * Double.random(in: 0..<1, using: &generator) }
    var plain = Quadratic(
      a: Matrix(rows: n, columns: n, elements: entries),
      b: (0..<n).map { _ in Double.random(in: -1..<1, using: &generator) })
    var other = plain
    let start = [Double](repeating: 0.5, count: n)
    let a = minimize(&plain, from: start, tolerance: 1e-10, iterations: 200)
    let b = minimize(&other, from: start, scaling: .blockwise, tolerance: 1e-10, iterations: 200)
    #expect(a.point == b.point && a.steps == b.steps)
  }
}
