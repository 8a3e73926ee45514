import PropertyBased
import RankCollapseSpectral
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

@Suite("Singular values and the SVD")
struct SVDTests {
  @Test("A diagonal matrix's singular values are its sorted absolute diagonal")
  func diagonal() throws {
    let m = Matrix<Double>.diagonal([3, -7, 0.5, 0], rows: 4, columns: 6)
    #expect(try m.singularValues() == [7, 3, 0.5, 0])
    let f = Matrix<Float>.diagonal([2, -1], rows: 3, columns: 2)
    #expect(try f.singularValues() == [2, 1])
  }

  @Test(
    "An orthogonally rotated diagonal matrix keeps its singular values",
    arguments: [(5, 9), (9, 5), (8, 8), (1, 7), (7, 1)])
  func rotatedDiagonal(shape: (Int, Int)) throws {
    var generator = SeededGenerator(seed: 21)
    let k = min(shape.0, shape.1)
    let values = (0..<k).map { 10 / Double($0 + 1) }
    let m = matrixWithSingularValues(values, rows: shape.0, columns: shape.1, using: &generator)
    // Rounding in building the matrix (two products of orthogonal matrices) is ~1e-15 per entry.
    #expect(maxDifference(try m.singularValues(), values) < 1e-12)
    let f = try Matrix<Float>(m).singularValues()
    #expect(maxDifference(f, values) < 1e-4 * values[0])
  }

  @Test("A product of thin factors has exactly that rank numerically", arguments: [1, 3, 7])
  func rankDeficientProduct(rank: Int) throws {
    var generator = SeededGenerator(seed: 22)
    let a = Matrix<Double>.randomNormal(rows: 40, columns: rank, using: &generator)
    let b = Matrix<Double>.randomNormal(rows: rank, columns: 30, using: &generator)
    let spectrum = try a.matmul(b).spectrum()
    #expect(spectrum.numericalRank() == rank)
    #expect(spectrum.singularValues[rank] < 1e-12 * spectrum.spectralNorm)
    let f = try Matrix<Float>(a.matmul(b)).spectrum()
    #expect(f.numericalRank() == rank)
  }

  @Test(
    "Singular values equal square roots of the eigenvalues of AᵀA (independent solver)",
    arguments: [(30, 12), (12, 30), (20, 20)])
  func againstEigenvalues(shape: (Int, Int)) throws {
    var generator = SeededGenerator(seed: 23)
    let a = Matrix<Double>.randomNormal(rows: shape.0, columns: shape.1, using: &generator)
    // The Gram matrix of the shorter side has the squared singular values as eigenvalues.
    let gram =
      shape.0 >= shape.1 ? a.matmul(a, transposeSelf: true) : a.matmul(a, transposeOther: true)
    let fromEigen = try gram.symmetricEigenvalues().reversed().map { max($0, 0).squareRoot() }
    let values = try a.singularValues()
    // Squaring loses half the digits for the smallest values; relative to s_1 this is ~1e-14.
    #expect(maxDifference(values, fromEigen) < 1e-10 * values[0])
  }

  @Test(
    "Thin SVD: U diag(s) Vᵀ = A with orthonormal U columns and Vᵀ rows",
    arguments: [(17, 9), (9, 17)])
  func thinSVD(shape: (Int, Int)) throws {
    var generator = SeededGenerator(seed: 24)
    let a = Matrix<Double>.randomNormal(rows: shape.0, columns: shape.1, using: &generator)
    let svd = try a.singularValueDecomposition()
    let k = min(shape.0, shape.1)
    #expect(svd.u.shape == (shape.0, k) && svd.vt.shape == (k, shape.1))
    #expect(maxDifference(svd.reconstruction(), a) < 1e-12)
    #expect(
      maxDifference(naiveProduct(svd.u.transposed(), svd.u), Matrix<Double>.identity(k)) < 1e-12)
    #expect(
      maxDifference(naiveProduct(svd.vt, svd.vt.transposed()), Matrix<Double>.identity(k)) < 1e-12)
    // The values-only path takes another LAPACK route; they agree to rounding.
    #expect(maxDifference(svd.singularValues, try a.singularValues()) < 1e-12)
    let f = try Matrix<Float>(a).singularValueDecomposition()
    #expect(maxDifference(f.reconstruction(), a) < 1e-4)
  }

  @Test("NaN or infinite input is a thrown error, not a number")
  func nonFinite() {
    var m = Matrix<Double>.identity(3)
    m[1, 2] = .nan
    #expect(throws: LinearAlgebraError.nonFiniteInput(operation: "singularValues")) {
      try m.singularValues()
    }
    m[1, 2] = .infinity
    #expect(throws: LinearAlgebraError.self) { try m.singularValueDecomposition() }
  }

  @Test("Empty matrices have no singular values")
  func empty() throws {
    #expect(try Matrix<Double>.zeros(rows: 0, columns: 4).singularValues() == [])
    let svd = try Matrix<Double>.zeros(rows: 3, columns: 0).singularValueDecomposition()
    #expect(svd.reconstruction().shape == (3, 0))
  }
}

@Suite("Properties of the spectrum on random matrices")
struct SpectralPropertyTests {
  // Each case draws a shape up to 24×24 and a seed, and builds a Gaussian matrix from them.
  static func matrix(_ rows: Int, _ columns: Int, _ seed: UInt64) -> Matrix<Double> {
    var generator = SeededGenerator(seed: seed)
    return .randomNormal(rows: rows, columns: columns, using: &generator)
  }

  @Test("‖A‖_F² equals the sum of the squared singular values")
  func frobeniusIdentity() async {
    await propertyCheck(count: 60, input: Gen.int(in: 1...24), Gen.int(in: 1...24), Gen.uint64()) {
      rows, columns, seed in
      let a = Self.matrix(rows, columns, seed)
      let spectrum = try? a.spectrum()
      #expect(spectrum != nil)
      guard let spectrum else { return }
      let direct = a.frobeniusNorm
      #expect(abs(spectrum.frobeniusNorm - direct) <= 1e-12 * max(direct, 1))
    }
  }

  @Test("τ_K is non-increasing in K, starts at 1 and reaches 0 at full rank")
  func tailMonotone() async {
    await propertyCheck(count: 60, input: Gen.int(in: 1...24), Gen.int(in: 1...24), Gen.uint64()) {
      rows, columns, seed in
      guard let spectrum = try? Self.matrix(rows, columns, seed).spectrum() else {
        Issue.record("spectrum failed")
        return
      }
      let tails = (0...spectrum.count).map { spectrum.relativeTail(afterRank: $0) }
      #expect(abs(tails[0] - 1) < 1e-12)
      #expect(tails.last == 0)
      for k in 1..<tails.count { #expect(tails[k] <= tails[k - 1]) }
    }
  }

  @Test("The best rank-K error equals sqrt of the tail Σ_{j>K} s_j² (Eckart–Young)")
  func bestRankError() async {
    await propertyCheck(
      count: 40, input: Gen.int(in: 1...24), Gen.int(in: 1...24), Gen.uint64(), Gen.int(in: 0...24)
    ) { rows, columns, seed, rank in
      let a = Self.matrix(rows, columns, seed)
      guard let spectrum = try? a.spectrum(), let approx = try? a.bestRankApproximation(rank) else {
        Issue.record("SVD failed")
        return
      }
      let error = (a - approx).frobeniusNorm
      #expect(abs(error - spectrum.distanceToRank(rank)) <= 1e-11 * max(spectrum.frobeniusNorm, 1))
      let approxRank = (try? approx.spectrum().numericalRank()) ?? -1
      #expect(approxRank <= rank)
    }
  }

  @Test("No random rank-K matrix is closer to A than the truncated SVD (Eckart–Young)")
  func eckartYoungAgainstCompetitors() async {
    await propertyCheck(
      count: 40, input: Gen.int(in: 1...24), Gen.int(in: 1...24), Gen.uint64(), Gen.int(in: 1...6)
    ) { rows, columns, seed, rank in
      let a = Self.matrix(rows, columns, seed)
      guard let best = try? a.spectrum().distanceToRank(rank) else {
        Issue.record("SVD failed")
        return
      }
      var generator = SeededGenerator(seed: seed &+ 1)
      for _ in 0..<10 {
        // A competitor: the projection of A onto a random rank-K column space (a strong one).
        let basis = Matrix<Double>.randomNormal(rows: rows, columns: rank, using: &generator)
        guard let q = try? basis.singularValueDecomposition().u else { continue }
        let competitor = q.matmul(q.matmul(a, transposeSelf: true))
        #expect((a - competitor).frobeniusNorm >= best - 1e-10)
      }
    }
  }
}

@Suite("Float spectra")
struct FloatSpectrumTests {
  @Test("Float singular values agree with Double ones of the same data to Float precision")
  func floatAgreesWithDouble() async {
    await propertyCheck(count: 40, input: Gen.int(in: 1...40), Gen.int(in: 1...40), Gen.uint64()) {
      rows, columns, seed in
      var generator = SeededGenerator(seed: seed)
      let f = Matrix<Float>.randomNormal(rows: rows, columns: columns, using: &generator)
      guard let single = try? f.singularValues(),
        let double = try? Matrix<Double>(f).singularValues()
      else {
        Issue.record("SVD failed")
        return
      }
      // Backward-stable SVD: errors of order ε_float · s_1 · small factor (ε_float ≈ 1.2e-7).
      #expect(maxDifference(single, double) <= 1e-5 * max(double[0], 1e-30))
    }
  }

  @Test("Float best rank-K error equals sqrt of the tail to Float precision")
  func floatBestRank() async {
    await propertyCheck(
      count: 30, input: Gen.int(in: 2...30), Gen.int(in: 2...30), Gen.uint64(), Gen.int(in: 0...5)
    ) { rows, columns, seed, rank in
      var generator = SeededGenerator(seed: seed)
      let a = Matrix<Float>.randomNormal(rows: rows, columns: columns, using: &generator)
      guard let approx = try? a.bestRankApproximation(rank), let spectrum = try? a.spectrum() else {
        Issue.record("SVD failed")
        return
      }
      let error = Double((a - approx).frobeniusNorm)
      let expected = Double(spectrum.distanceToRank(rank))
      #expect(abs(error - expected) <= 1e-5 * Double(spectrum.frobeniusNorm))
    }
  }
}
