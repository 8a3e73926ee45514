import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

/// Checks `C ← α op(A) op(B) + β C` against the textbook loop for one scalar type.
private func checkGEMM<S: MatrixScalar>(
  _: S.Type, transposeA: Bool, transposeB: Bool, tolerance: Double
) {
  var generator = SeededGenerator(seed: 11)
  let (m, k, n) = (23, 17, 29)
  let a = Matrix<S>.randomNormal(
    rows: transposeA ? k : m, columns: transposeA ? m : k, using: &generator)
  let b = Matrix<S>.randomNormal(
    rows: transposeB ? n : k, columns: transposeB ? k : n, using: &generator)
  let opA = transposeA ? a.transposed() : a
  let opB = transposeB ? b.transposed() : b
  let expected = naiveProduct(opA, opB)
  // Entries are sums of k products of standard normals, so of size about sqrt(k) ≈ 4.
  let product = a.matmul(b, transposeSelf: transposeA, transposeOther: transposeB)
  #expect(maxDifference(product, expected) < tolerance * 10)

  let c0 = Matrix<S>.randomNormal(rows: m, columns: n, using: &generator)
  var c = c0
  c.gemm(a, b, transposeA: transposeA, transposeB: transposeB, alpha: 2, beta: -0.5)
  let accumulated = Matrix<Double>(c0).zipMap(expected) { -0.5 * $0 + 2 * $1 }
  #expect(maxDifference(c, accumulated) < tolerance * 20)
}

@Suite("Matrix: BLAS products")
struct BLASTests {
  @Test(
    "gemm and matmul equal the textbook product for every transpose combination",
    arguments: Precision.allCases, [(false, false), (true, false), (false, true), (true, true)])
  func gemm(precision: Precision, transposes: (Bool, Bool)) {
    checkGEMM(
      precision.type, transposeA: transposes.0, transposeB: transposes.1,
      tolerance: precision.tolerance)
  }

  @Test("A product with an empty inner dimension is zero; beta still scales C")
  func emptyInnerDimension() {
    let a = Matrix<Double>.zeros(rows: 2, columns: 0)
    let b = Matrix<Double>.zeros(rows: 0, columns: 3)
    #expect(a.matmul(b) == .zeros(rows: 2, columns: 3))
    var c = Matrix<Double>.ones(rows: 2, columns: 3)
    c.gemm(a, b, beta: 2)
    #expect(c == Matrix(rows: 2, columns: 3, repeating: 2))
  }

  @Test("gemv equals the textbook matrix–vector product, plain and transposed")
  func gemv() {
    let a = Matrix<Double>([[1, 2, 3], [4, 5, 6]])
    #expect(a.multiply([1, 0, -1]) == [-2, -2])
    #expect(a.multiply([1, -1], transpose: true) == [-3, -3, -3])
  }

}

/// Tests that change the process-wide BLAS settings; serialised so they do not undo each other.
@Suite("BLAS threading", .serialized)
struct BLASThreadingTests {
  @Test(
    "The process-wide thread count and mode can be set (in a child process); a scope overrides the count for its task only"
  )
  func settings() async {
    await #expect(processExitsWith: .success) {
      BLAS.threadCount = 3
      BLAS.threading = .openBLAS
      precondition(BLAS.threadCount == 3 && BLAS.threading == .openBLAS, "global settings")
      BLAS.withThreads(2) {
        precondition(BLAS.threadCount == 2 && BLAS.threading == .partitionOutput, "scope")
      }
      precondition(BLAS.threadCount == 3 && BLAS.threading == .openBLAS, "after the scope")
      precondition(BLAS.partitionCount(m: 10_000, n: 400, k: 784) == 1, "openBLAS: no split")
      BLAS.threading = .partitionOutput
      precondition(BLAS.threading == .partitionOutput, "mode back")
      precondition(!BLAS.coreName.isEmpty, "core name")
    }
    let outside = BLAS.threadCount
    let inside = BLAS.withThreads(outside + 4) { BLAS.threadCount }
    #expect(inside == outside + 4 && BLAS.threadCount == outside)
    // Concurrent scopes see their own counts.
    await withTaskGroup(of: Bool.self) { group in
      for threads in 1...6 {
        group.addTask {
          BLAS.withThreads(threads) {
            (0..<200).allSatisfy { _ in BLAS.threadCount == threads }
          }
        }
      }
      for await sawOwnCount in group { #expect(sawOwnCount) }
    }
  }

  @Test(
    "Partitioned products equal single-call products for every transpose and split direction",
    arguments: [(300, 40, 800), (40, 300, 800)],
    [(false, false), (true, false), (false, true), (true, true)])
  func partitioned(shape: (Int, Int, Int), transposes: (Bool, Bool)) {
    let (m, n, k) = shape
    var generator = SeededGenerator(seed: 16)
    let a = Matrix<Double>.randomNormal(
      rows: transposes.0 ? k : m, columns: transposes.0 ? m : k, using: &generator)
    let b = Matrix<Double>.randomNormal(
      rows: transposes.1 ? n : k, columns: transposes.1 ? k : n, using: &generator)
    let c0 = Matrix<Double>.randomNormal(rows: m, columns: n, using: &generator)

    var single = c0
    BLAS.withThreads(1) {
      #expect(BLAS.partitionCount(m: m, n: n, k: k) == 1)
      single.gemm(a, b, transposeA: transposes.0, transposeB: transposes.1, alpha: 1.5, beta: -1)
    }
    var split = c0
    BLAS.withThreads(3) {
      #expect(BLAS.partitionCount(m: m, n: n, k: k) == 3)
      split.gemm(a, b, transposeA: transposes.0, transposeB: transposes.1, alpha: 1.5, beta: -1)
    }
    // Entries are sums of 800 products of standard normals (size ~30); every block is a BLAS call
    // of the same kind, so the results agree to rounding.
    #expect(maxDifference(split, single) < 1e-11)
    let product = BLAS.withThreads(3) {
      a.matmul(b, transposeSelf: transposes.0, transposeOther: transposes.1)
    }
    let productSingle = BLAS.withThreads(1) {
      a.matmul(b, transposeSelf: transposes.0, transposeOther: transposes.1)
    }
    #expect(maxDifference(product, productSingle) < 1e-11)
  }

  @Test("Small products are not partitioned")
  func smallNotPartitioned() {
    BLAS.withThreads(2) {
      #expect(BLAS.partitionCount(m: 10, n: 10, k: 10) == 1)
      #expect(BLAS.partitionCount(m: 20, n: 20, k: 1_000_000) == 1)
      #expect(BLAS.partitionCount(m: 10_000, n: 400, k: 784) == 2)
    }
  }
}

@Suite("Matrix: LAPACK solves and eigendecompositions")
struct LAPACKTests {
  @Test("solve returns X with A X = B", arguments: Precision.allCases)
  func solve(precision: Precision) throws {
    var generator = SeededGenerator(seed: 12)
    // A well-conditioned system: a random matrix plus a dominant diagonal.
    let a =
      Matrix<Double>.randomNormal(rows: 30, columns: 30, using: &generator)
      + 30 * .identity(30)
    let b = Matrix<Double>.randomNormal(rows: 30, columns: 4, using: &generator)
    if precision == .float {
      let x = try Matrix<Float>(a).solve(Matrix<Float>(b))
      #expect(maxDifference(naiveProduct(Matrix<Float>(a), x), Matrix<Float>(b)) < 1e-4)
    } else {
      let x = try a.solve(b)
      #expect(maxDifference(naiveProduct(a, x), b) < 1e-12)
    }
  }

  @Test("solve reports an exactly singular matrix with its pivot")
  func singular() {
    let a = Matrix<Double>([[1, 2], [2, 4]])
    #expect(throws: LinearAlgebraError.singularMatrix(pivot: 2)) {
      try a.solve(.identity(2))
    }
  }

  @Test("choleskySolve solves SPD systems and rejects indefinite ones")
  func cholesky() throws {
    var generator = SeededGenerator(seed: 13)
    let g = Matrix<Double>.randomNormal(rows: 20, columns: 20, using: &generator)
    let spd = g.matmul(g, transposeSelf: true) + .identity(20)
    let b = Matrix<Double>.randomNormal(rows: 20, columns: 2, using: &generator)
    let x = try spd.choleskySolve(b)
    #expect(maxDifference(naiveProduct(spd, x), b) < 1e-10)
    let indefinite = Matrix<Double>([[1, 0], [0, -1]])
    #expect(throws: LinearAlgebraError.notPositiveDefinite(order: 2)) {
      try indefinite.choleskySolve(.identity(2))
    }
  }

  @Test("Symmetric eigendecomposition: A V = V Λ, VᵀV = I, ascending values")
  func eigen() throws {
    var generator = SeededGenerator(seed: 14)
    let g = Matrix<Double>.randomNormal(rows: 25, columns: 25, using: &generator)
    let a = g + g.transposed()
    let (values, v) = try a.symmetricEigendecomposition()
    #expect(values == values.sorted())
    let av = naiveProduct(a, v)
    let vl = naiveProduct(v, .diagonal(values))
    #expect(maxDifference(av, vl) < 1e-11)
    #expect(maxDifference(naiveProduct(v.transposed(), v), Matrix<Double>.identity(25)) < 1e-12)
    #expect(maxDifference(try a.symmetricEigenvalues(), values) < 1e-11)
    // Known spectrum: the trace is the sum of the eigenvalues.
    let trace = (0..<25).reduce(0.0) { $0 + a[$1, $1] }
    #expect(abs(values.reduce(0, +) - trace) < 1e-10)
  }

  @Test("inverseSquareRoot: S A S = I for SPD A; non-SPD is an error")
  func inverseSquareRoot() throws {
    var generator = SeededGenerator(seed: 15)
    let g = Matrix<Double>.randomNormal(rows: 15, columns: 15, using: &generator)
    let a = g.matmul(g, transposeOther: true) + 0.5 * .identity(15)
    let s = try a.inverseSquareRoot()
    #expect(maxDifference(naiveProduct(naiveProduct(s, a), s), Matrix<Double>.identity(15)) < 1e-9)
    #expect(maxDifference(s, s.transposed()) < 1e-12)
    let singular = Matrix<Double>([[1, 1], [1, 1]])
    #expect(throws: LinearAlgebraError.notPositiveDefinite(order: 1)) {
      try singular.inverseSquareRoot()
    }
  }

  @Test("LAPACK-backed operations reject NaN and infinite input with a thrown error")
  func nonFinite() {
    let bad = Matrix<Double>([[1, .nan], [0, 1]])
    #expect(throws: LinearAlgebraError.self) { try bad.solve(.identity(2)) }
    #expect(throws: LinearAlgebraError.self) { try bad.symmetricEigenvalues() }
    #expect(throws: LinearAlgebraError.notSquare(rows: 1, columns: 2)) {
      try Matrix<Double>([[1, 2]]).symmetricEigenvalues()
    }
  }
}

@Suite("Matrix: shape mismatches stop the program with a message")
struct PreconditionTests {
  @Test("matmul with mismatched inner dimensions is a precondition failure")
  func matmulMismatch() async {
    await #expect(processExitsWith: .failure) {
      _ = Matrix<Double>.zeros(rows: 2, columns: 3).matmul(.zeros(rows: 2, columns: 3))
    }
  }

  @Test("Adding matrices of different shapes is a precondition failure")
  func addMismatch() async {
    await #expect(processExitsWith: .failure) {
      _ = Matrix<Float>.zeros(rows: 2, columns: 3) + .zeros(rows: 3, columns: 2)
    }
  }

  @Test("gemm into an output of the wrong shape is a precondition failure")
  func gemmOutputMismatch() async {
    await #expect(processExitsWith: .failure) {
      var c = Matrix<Double>.zeros(rows: 2, columns: 2)
      c.gemm(.zeros(rows: 2, columns: 3), .zeros(rows: 3, columns: 3))
    }
  }

  @Test("Out-of-range element access is a precondition failure")
  func indexOutOfRange() async {
    await #expect(processExitsWith: .failure) {
      _ = Matrix<Double>.zeros(rows: 2, columns: 2)[2, 0]
    }
  }
}
