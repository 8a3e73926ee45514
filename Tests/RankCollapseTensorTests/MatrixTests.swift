import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

@Suite("Matrix: creation, access and layout")
struct MatrixBasicsTests {
  @Test("Row-major layout: element (i, j) is stored at i * columns + j")
  func rowMajorLayout() {
    let m = Matrix<Double>([[1, 2, 3], [4, 5, 6]])
    #expect(m.rows == 2 && m.columns == 3)
    #expect(m.elements == [1, 2, 3, 4, 5, 6])
    #expect(m[1, 0] == 4)
    #expect(m.row(1) == [4, 5, 6])
    #expect(m.column(2) == [3, 6])
  }

  @Test("zeros, ones, identity and diagonal have the documented entries")
  func constructors() {
    #expect(Matrix<Float>.zeros(rows: 2, columns: 3).elements == [0, 0, 0, 0, 0, 0])
    #expect(Matrix<Float>.ones(rows: 1, columns: 2).elements == [1, 1])
    #expect(Matrix<Double>.identity(3) == Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]]))
    #expect(
      Matrix<Double>.diagonal([2, 3], rows: 2, columns: 3) == Matrix([[2, 0, 0], [0, 3, 0]]))
    #expect(Matrix<Double>(rowVector: [1, 2]).shape == (1, 2))
    #expect(Matrix<Double>(columnVector: [1, 2]).shape == (2, 1))
  }

  @Test("Copies are independent (copy-on-write)")
  func copyOnWrite() {
    let original = Matrix<Double>([[1, 2], [3, 4]])
    var copy = original
    copy[0, 0] = 9
    #expect(original[0, 0] == 1)
    #expect(copy[0, 0] == 9)
  }

  @Test("Float ↔ Double conversion keeps values representable in Float")
  func conversion() {
    let d = Matrix<Double>([[0.5, -1.25], [3, 1e-3]])
    let f = Matrix<Float>(d)
    #expect(f.elements == [0.5, -1.25, 3, Float(1e-3)])
    #expect(Matrix<Double>(f).elements == [0.5, -1.25, 3, Double(Float(1e-3))])
  }

  @Test("The same seed gives the same random matrix; different seeds differ")
  func seededRandomness() {
    var g1 = SeededGenerator(seed: 7)
    var g2 = SeededGenerator(seed: 7)
    var g3 = SeededGenerator(seed: 8)
    let a = Matrix<Float>.randomNormal(rows: 5, columns: 4, using: &g1)
    let b = Matrix<Float>.randomNormal(rows: 5, columns: 4, using: &g2)
    let c = Matrix<Float>.randomNormal(rows: 5, columns: 4, using: &g3)
    #expect(a == b)
    #expect(a != c)
  }

  @Test("Normal samples have the requested mean and standard deviation")
  func normalMoments() {
    var generator = SeededGenerator(seed: 1)
    let n = 200_000
    let m = Matrix<Double>.randomNormal(
      rows: n, columns: 1, mean: 3, standardDeviation: 2, using: &generator)
    let mean = m.sum / Double(n)
    let variance = m.map { ($0 - mean) * ($0 - mean) }.sum / Double(n - 1)
    // Standard errors: 2/sqrt(n) ≈ 0.0045 for the mean, about 4·sqrt(2/n) ≈ 0.013 for the
    // variance; the bounds are five standard errors.
    #expect(abs(mean - 3) < 0.025)
    #expect(abs(variance - 4) < 0.07)
  }

  @Test("Uniform samples stay inside their range and fill it")
  func uniformRange() {
    var generator = SeededGenerator(seed: 2)
    let m = Matrix<Float>.randomUniform(rows: 100, columns: 100, in: -1..<2, using: &generator)
    #expect(m.elements.allSatisfy { $0 >= -1 && $0 < 2 })
    #expect(m.elements.min()! < -0.99 && m.elements.max()! > 1.99)
  }

  @Test("transpose swaps indices, across block boundaries", arguments: [(1, 1), (3, 70), (65, 33)])
  func transpose(shape: (Int, Int)) {
    var generator = SeededGenerator(seed: 3)
    let m = Matrix<Double>.randomNormal(rows: shape.0, columns: shape.1, using: &generator)
    let t = m.transposed()
    #expect(t.shape == (shape.1, shape.0))
    for i in 0..<m.rows {
      for j in 0..<m.columns where t[j, i] != m[i, j] {
        Issue.record("transpose differs at (\(i), \(j))")
      }
    }
    #expect(t.transposed() == m)
  }

  @Test("Row and column slices, gathers and stacking")
  func slicing() {
    let m = Matrix<Double>([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    #expect(m.rows(1..<3) == Matrix([[4, 5, 6], [7, 8, 9]]))
    #expect(m.columns(1..<2) == Matrix([[2], [5], [8]]))
    #expect(m.rows(at: [2, 0, 2]) == Matrix([[7, 8, 9], [1, 2, 3], [7, 8, 9]]))
    #expect(
      Matrix(verticallyStacking: [m.rows(0..<1), m.rows(2..<3)])
        == Matrix([[1, 2, 3], [7, 8, 9]]))
    #expect(
      Matrix(horizontallyStacking: [m.columns(2..<3), m.columns(0..<1)])
        == Matrix([[3, 1], [6, 4], [9, 7]]))
    #expect(m.reshaped(rows: 1, columns: 9).elements == m.elements)
    var n = m
    n.setRow(0, to: [0, 0, 0])
    n.setColumn(2, to: [1, 1, 1])
    #expect(n == Matrix([[0, 0, 1], [4, 5, 1], [7, 8, 1]]))
  }
}

@Suite("Matrix: elementwise arithmetic and reductions")
struct MatrixElementwiseTests {
  let a = Matrix<Double>([[1, -2], [3, 4]])
  let b = Matrix<Double>([[0.5, 2], [-1, 1]])

  @Test("+, -, scalar *, Hadamard and negation act elementwise")
  func arithmetic() {
    #expect((a + b).elements == [1.5, 0, 2, 5])
    #expect((a - b).elements == [0.5, -4, 4, 3])
    #expect((2 * a).elements == [2, -4, 6, 8])
    #expect((a * 2) == 2 * a)
    #expect(a.hadamard(b).elements == [0.5, -4, -3, 4])
    #expect((-a).elements == [-1, 2, -3, -4])
    var c = a
    c += b
    c -= b
    c *= 3
    #expect(c == 3 * a)
  }

  @Test("map allocates a new matrix; apply changes in place")
  func mapAndApply() {
    let squared = a.map { $0 * $0 }
    #expect(squared.elements == [1, 4, 9, 16])
    var c = a
    c.apply { Double.tanh($0) }
    #expect(maxDifference(c.elements, a.elements.map { Double.tanh($0) }) == 0)
    #expect(a.elements == [1, -2, 3, 4])
  }

  @Test("Row broadcast adds element j to column j of every row")
  func rowBroadcast() {
    #expect(a.addingRowVector([10, 20]).elements == [11, 18, 13, 24])
  }

  @Test("Row and column sums and means")
  func reductions() {
    #expect(a.rowSums() == [-1, 7])
    #expect(a.columnSums() == [4, 2])
    #expect(a.rowMeans() == [-0.5, 3.5])
    #expect(a.columnMeans() == [2, 1])
    #expect(a.sum == 6)
    #expect(Matrix<Double>.zeros(rows: 0, columns: 3).columnMeans() == [0, 0, 0])
  }

  @Test("Frobenius norm equals sqrt of the sum of squares", arguments: Precision.allCases)
  func frobenius(precision: Precision) {
    var generator = SeededGenerator(seed: 4)
    let m = Matrix<Double>.randomNormal(rows: 37, columns: 19, using: &generator)
    let expected = m.elements.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let value: Double =
      precision == .float ? Double(Matrix<Float>(m).frobeniusNorm) : m.frobeniusNorm
    #expect(abs(value - expected) <= precision.tolerance * expected)
  }

  @Test("isFinite and maxAbsoluteValue see NaN and infinities")
  func finiteness() {
    #expect(a.isFinite)
    #expect(a.maxAbsoluteValue == 4)
    var n = a
    n[1, 1] = .nan
    #expect(!n.isFinite)
    #expect(n.maxAbsoluteValue.isNaN)
    n[1, 1] = -.infinity
    #expect(!n.isFinite)
  }
}
