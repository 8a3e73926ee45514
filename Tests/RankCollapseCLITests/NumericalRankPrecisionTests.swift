import Foundation
import RankCollapse
import Testing
import _RankCollapseTestSupport

/// Issue 18: the numerical rank's tolerance `s_1 · max(m, n) · ε` takes `ε` of the precision the
/// singular values are computed in (`Double`), not of the 16-bit type the file stores.
@Suite("analyze: numerical rank of 16-bit tensors")
struct NumericalRankPrecisionTests {
  /// `rows × columns` normal entries with the last `zeroColumns` columns zero, so the rank is
  /// `columns − zeroColumns`, not just the full rank.
  func matrix(rows: Int, columns: Int, zeroColumns: Int, seed: UInt64) -> Matrix<Float> {
    var generator = SeededGenerator(seed: seed)
    var w = Matrix<Float>.randomNormal(rows: rows, columns: columns, using: &generator)
    for i in 0..<rows {
      for j in (columns - zeroColumns)..<columns { w[i, j] = 0 }
    }
    return w
  }

  @Test(
    "A BF16 or F16 copy of a matrix with a dimension above 256 (F16: 1024) has the numerical rank of its Double conversion",
    arguments: [
      (SafeTensorsDataType.bfloat16, 300), (.bfloat16, 1030), (.float16, 1030),
    ])
  func sixteenBitRankEqualsDoubleRank(dataType: SafeTensorsDataType, rows: Int) throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let w = matrix(rows: rows, columns: 9, zeroColumns: 2, seed: 18)
    // Round to the 16-bit type through a file, then store the rounded values exactly as F64.
    let narrow = folder.appendingPathComponent("narrow.safetensors").path
    try SafeTensors.write(
      SafeTensorsFile(tensors: [SafeTensor(name: "w", matrix: w, dataType: dataType)]),
      to: narrow)
    let rounded = try #require(try SafeTensors.read(contentsOf: narrow).tensors.first)
      .matrix(as: Double.self)
    let wide = folder.appendingPathComponent("wide.safetensors").path
    try SafeTensors.write(
      SafeTensorsFile(tensors: [SafeTensor(name: "w", matrix: rounded)]), to: wide)

    let result = try runTool(["analyze", "--quiet", "--format", "json", narrow, wide])
    #expect(result.status == 0, "\(result.error)")
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    let matrices = try #require(document["matrices"] as? [[String: Any]])
    let ranks = matrices.compactMap { $0["numericalRank"] as? Int }
    // Two zero columns: rank 7 in exact arithmetic of the stored values. The storage type's ε
    // (2⁻⁷ for BF16, 2⁻¹⁰ for F16) times max(m, n) ≥ 1 would put the threshold above s_1: 0.
    #expect(ranks == [7, 7], "\(dataType): \(ranks)")
  }
}
