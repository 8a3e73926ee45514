import PropertyBased
import RankCollapseSpectral
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

@Suite("Singular values of tall and wide matrices")
struct TallMatrixTests {
  @Test("A matrix and its transpose have the same singular values as the thin SVD's")
  func transposeAgrees() async {
    // singularValues() transposes tall matrices before LAPACK; the SVD and the transpose take
    // the other path. Both are backward stable: differences ~ n·ε·s_1, allowed 1e-12·s_1.
    await propertyCheck(count: 60, input: Gen.int(in: 1...40), Gen.int(in: 1...40), Gen.uint64()) {
      rows, columns, seed in
      var generator = SeededGenerator(seed: seed)
      let m = Matrix<Double>.randomNormal(rows: rows, columns: columns, using: &generator)
      let values = try? m.singularValues()
      let transposed = try? m.transposed().singularValues()
      let svd = try? m.singularValueDecomposition()
      #expect(values?.count == min(rows, columns))
      guard let values, let transposed, let svd, let largest = values.first else {
        Issue.record("a finite matrix has singular values")
        return
      }
      #expect(maxDifference(values, transposed) <= 1e-12 * largest, "\(rows)×\(columns)")
      #expect(maxDifference(values, svd.singularValues) <= 1e-12 * largest, "\(rows)×\(columns)")
      #expect(zip(values, values.dropFirst()).allSatisfy { $0 >= $1 })
    }
  }
}
