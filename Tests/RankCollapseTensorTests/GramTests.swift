import PropertyBased
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

/// The largest difference between `symmetricProduct` and `reference` that rounding allows, for
/// products of the rows of an `n × k` matrix `op(A)`.
///
/// Each entry `Σ_l a_il a_jl` computed in floating point (any summation order, with or without
/// FMA) is within `γ_k ‖a_i‖‖a_j‖ ≤ γ_k · max_i ‖a_i‖²` of the exact value, `γ_k = kε/(1 − kε)`
/// (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1). Two such results differ by at
/// most twice that; `max_i ‖a_i‖²` is the largest diagonal entry of the product. `k + 2` instead
/// of `k` leaves room for α and β.
private func roundingBound<S: MatrixScalar>(_: S.Type, k: Int, largestDiagonal: Double) -> Double {
  let epsilon = Double(S.ulpOfOne)
  let kEpsilon = Double(k + 2) * epsilon
  return 2 * kEpsilon / (1 - kEpsilon) * Swift.max(largestDiagonal, Double.leastNormalMagnitude)
}

/// The largest diagonal entry of a square matrix (0 when it is empty).
private func largestDiagonal<S: MatrixScalar>(_ m: Matrix<S>) -> Double {
  (0..<Swift.min(m.rows, m.columns)).reduce(0) { Swift.max($0, Double(m[$1, $1])) }
}

/// Whether a square matrix equals its transpose bit for bit.
private func isExactlySymmetric<S: MatrixScalar>(_ m: Matrix<S>) -> Bool {
  guard m.rows == m.columns else { return false }
  for i in 0..<m.rows {
    for j in 0..<i where m[i, j].bitPattern != m[j, i].bitPattern { return false }
  }
  return true
}

extension MatrixScalar {
  /// The bits of the value, for exact comparisons that also tell `0` from `-0`.
  fileprivate var bitPattern: UInt64 {
    if let value = self as? Double { return value.bitPattern }
    if let value = self as? Float { return UInt64(value.bitPattern) }
    preconditionFailure("MatrixScalar is Float or Double")
  }
}

/// A shape class of the property test: the operand's rows and columns.
private func shape(kind: Int, using generator: inout SeededGenerator) -> (rows: Int, columns: Int) {
  switch kind {
  case 0: return (0, Int.random(in: 0...6, using: &generator))  // empty
  case 1: return (Int.random(in: 1...6, using: &generator), 0)  // empty inner or outer side
  case 2: return (1, 1)
  case 3:
    // Tall.
    return (Int.random(in: 40...400, using: &generator), Int.random(in: 1...40, using: &generator))
  case 4:
    // Wide.
    return (Int.random(in: 1...40, using: &generator), Int.random(in: 40...400, using: &generator))
  case 5:
    return (Int.random(in: 1...80, using: &generator), Int.random(in: 1...80, using: &generator))
  default:
    // Large enough for `.partitionOutput` to split over 2 threads: n ≥ 32, n²k ≥ 2²⁴.
    let n = Int.random(in: 130...420, using: &generator)
    let k = (1 << 24) / (n * n) + Int.random(in: 1...200, using: &generator)
    return Bool.random(using: &generator) ? (k, n) : (n, k)
  }
}

/// Checks `gram` against the GEMM product and for exact symmetry at the current thread settings.
private func checkGram<S: MatrixScalar>(
  _: S.Type, rows: Int, columns: Int, transposeSelf: Bool, seed: UInt64, label: String
) {
  var generator = SeededGenerator(seed: seed)
  let x = Matrix<S>.randomNormal(rows: rows, columns: columns, using: &generator)
  let alpha = S(Double.random(in: 0.25...2, using: &generator))
  let gram = x.gram(transposeSelf: transposeSelf, alpha: alpha)
  let product = x.matmul(
    x, transposeSelf: transposeSelf, transposeOther: !transposeSelf, alpha: alpha)
  let (n, k) = transposeSelf ? (columns, rows) : (rows, columns)
  #expect(gram.rows == n && gram.columns == n, "\(label): shape \(gram.shapeDescription)")
  guard gram.rows == n && gram.columns == n else { return }
  let bound = roundingBound(S.self, k: k, largestDiagonal: largestDiagonal(product))
  #expect(maxDifference(gram, product) <= bound, "\(label): beyond the rounding bound \(bound)")
  #expect(isExactlySymmetric(gram), "\(label): not exactly symmetric")
  if k == 0 { #expect(gram == .zeros(rows: n, columns: n), "\(label): empty inner dimension") }
}

@Suite("Matrix: Gram matrices and symmetric rank-k updates (?syrk)")
struct GramTests {
  @Test(
    """
    gram equals the GEMM product op(X)·op(X)ᵀ within the rounding bound 2γ_k·max‖x_i‖² and is \
    exactly symmetric (random shapes incl. empty, 1×1, tall, wide, partitioned; Float and \
    Double; 1 and 2 threads; both orientations)
    """
  )
  func gramMatchesGEMM() async {
    await propertyCheck(count: 60, input: Gen.int(in: 0...7), Gen.uint64(), Gen.bool) {
      kind, seed, transposeSelf in
      var generator = SeededGenerator(seed: seed)
      let (rows, columns) = shape(kind: kind, using: &generator)
      for threads in [1, 2] {
        let label =
          "\(rows)×\(columns)\(transposeSelf ? "ᵀ" : ""), \(threads) threads, seed \(seed)"
        BLAS.withThreads(threads) {
          checkGram(
            Float.self, rows: rows, columns: columns, transposeSelf: transposeSelf, seed: seed,
            label: "Float " + label)
          checkGram(
            Double.self, rows: rows, columns: columns, transposeSelf: transposeSelf, seed: seed,
            label: "Double " + label)
        }
      }
    }
  }

  @Test(
    "gram of a fixed small matrix is the textbook product, both orientations",
    arguments: [false, true])
  func smallExample(transposeSelf: Bool) {
    let x = Matrix<Double>([[1, 2, 3], [4, 5, 6]])
    let expected: Matrix<Double> =
      transposeSelf
      ? Matrix([[17, 22, 27], [22, 29, 36], [27, 36, 45]]) : Matrix([[14, 32], [32, 77]])
    #expect(x.gram(transposeSelf: transposeSelf) == expected)
    #expect(x.gram(transposeSelf: transposeSelf, alpha: -2) == expected * -2)
    #expect(Matrix<Float>([[3]]).gram() == Matrix([[9]]))
  }

  @Test(
    """
    syrk accumulates α·op(A)op(A)ᵀ + β·C reading only C's lower triangle (NaN in the upper one \
    is ignored), with β = 0 overwriting NaN; blocks are computed exactly once at 1, 2, 3 and 5 \
    threads
    """,
    arguments: [false, true], [1, 2, 3, 5])
  func syrkAccumulates(transposeA: Bool, threads: Int) {
    BLAS.withThreads(threads) { syrkAccumulates(transposeA: transposeA, scopedThreads: threads) }
  }

  func syrkAccumulates(transposeA: Bool, scopedThreads threads: Int) {
    #expect(BLAS.threadCount == threads && BLAS.threading == .partitionOutput)
    var generator = SeededGenerator(seed: 77)
    // 261 rows of op(A): the partitioned path (n²k ≈ 2.7e7 ≥ 2²⁴) with bands of unequal sizes.
    let (n, k) = (261, 400)
    let a = Matrix<Double>.randomNormal(
      rows: transposeA ? k : n, columns: transposeA ? n : k, using: &generator)
    let half = Matrix<Double>.randomNormal(rows: n, columns: n, using: &generator)
    let c0 = half + half.transposed()
    var c = c0
    for i in 0..<n {
      for j in (i + 1)..<n { c[i, j] = .nan }
    }
    c.syrk(a, transposeA: transposeA, alpha: 2, beta: -0.5)
    let reference = a.matmul(a, transposeSelf: transposeA, transposeOther: !transposeA, alpha: 2)
    let expected = reference + c0 * -0.5
    // 2γ_k·max‖a_i‖² (see `roundingBound`) plus the rounding of −0.5·C (|C| ≲ 10, ε each).
    let bound =
      roundingBound(Double.self, k: k, largestDiagonal: largestDiagonal(reference))
      + 2 * Double.ulpOfOne * c0.maxAbsoluteValue
    #expect(maxDifference(c, expected) <= bound)
    #expect(isExactlySymmetric(c))
    // Accumulating twice: a block computed twice (or skipped) would be off by a whole product.
    c.syrk(a, transposeA: transposeA, alpha: 2, beta: 1)
    #expect(maxDifference(c, expected + reference) <= 2 * bound)

    var overwritten = Matrix<Double>(rows: n, columns: n, repeating: .nan)
    overwritten.syrk(a, transposeA: transposeA)
    #expect(overwritten.isFinite)
    #expect(maxDifference(overwritten, reference * 0.5) <= bound)
  }

  @Test("Float syrk and gram agree between partitioned, single-call and OpenBLAS-threaded runs")
  func threadingModesAgree() async {
    // OpenBLAS's own threading is a process-wide mode: switch it on in a child process, so that
    // no test running beside this one computes with it.
    await #expect(processExitsWith: .success) {
      var generator = SeededGenerator(seed: 78)
      let x = Matrix<Float>.randomNormal(rows: 2000, columns: 300, using: &generator)
      let single = BLAS.withThreads(1) { x.gram(transposeSelf: true) }
      let partitioned = BLAS.withThreads(2) { x.gram(transposeSelf: true) }
      BLAS.threadCount = 2
      BLAS.threading = .openBLAS
      let openBLAS = x.gram(transposeSelf: true)
      let bound = roundingBound(Float.self, k: 2000, largestDiagonal: largestDiagonal(single))
      precondition(maxDifference(partitioned, single) <= bound, "partitioned vs single")
      precondition(maxDifference(openBLAS, single) <= bound, "OpenBLAS-threaded vs single")
      precondition(isExactlySymmetric(partitioned) && isExactlySymmetric(openBLAS), "symmetry")
    }
  }

  @Test("An empty inner dimension gives zeros; β still scales C, and C stays symmetric")
  func emptyInnerDimension() {
    #expect(
      Matrix<Double>.zeros(rows: 0, columns: 4).gram(transposeSelf: true)
        == .zeros(rows: 4, columns: 4))
    #expect(Matrix<Float>.zeros(rows: 3, columns: 0).gram() == .zeros(rows: 3, columns: 3))
    #expect(Matrix<Double>.zeros(rows: 3, columns: 0).gram(transposeSelf: true).rows == 0)
    var c = Matrix<Double>([[1, 7], [2, 3]])
    c.syrk(.zeros(rows: 2, columns: 0), beta: 2)
    // The lower triangle is read: [[1, ·], [2, 3]] · 2, mirrored.
    #expect(c == Matrix([[2, 4], [4, 6]]))
  }
}

@Suite("Matrix: syrk shape mismatches stop the program with a message")
struct GramPreconditionTests {
  @Test("syrk into an output of the wrong shape is a precondition failure")
  func syrkOutputMismatch() async {
    await #expect(processExitsWith: .failure) {
      var c = Matrix<Double>.zeros(rows: 3, columns: 3)
      c.syrk(.zeros(rows: 2, columns: 5))
    }
  }
}
