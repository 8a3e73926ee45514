import Foundation
import RankCollapseData
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

/// Issue 18: N-D floating-point arrays read as `d₀ × (d₁·…)` matrices.
@Suite("N-D .npy and .npz arrays, flattened")
struct NumPyFlattenedTests {
  /// `a[i, j, k] = 100 i + 10 j + k` of shape (2, 3, 4), in C order.
  let values: [Double] = (0..<24).map { (n: Int) -> Double in
    let (i, j, k): (Int, Int, Int) = (n / 12, n / 4 % 3, n % 4)
    return Double(100 * i + 10 * j + k)
  }

  /// Big-endian float64 bytes of `values` permuted to Fortran order (`a[i, j, k]` at
  /// `i + 2 j + 6 k`).
  func fortranBigEndianBytes() -> [UInt8] {
    var ordered = [Double](repeating: 0, count: 24)
    for i in 0..<2 {
      for j in 0..<3 {
        for k in 0..<4 { ordered[i + 2 * j + 6 * k] = values[12 * i + 4 * j + k] }
      }
    }
    return ordered.flatMap { value in
      (0..<8).reversed().map { UInt8((value.bitPattern >> (8 * UInt64($0))) & 0xFF) }
    }
  }

  func littleEndianFloatBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in (0..<4).map { UInt8((value.bitPattern >> (8 * $0)) & 0xFF) } }
  }

  @Test("A Fortran-ordered big-endian 3-D file reads as the C-order 2 × 12 matrix")
  func fortranFile() throws {
    let folder = try temporaryFolder("rankcollapse-flattened")
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("a.npy").path
    try Data(
      npyBytes(
        shape: [2, 3, 4], descriptor: ">f8", fortranOrder: true, data: fortranBigEndianBytes())
    ).write(to: URL(fileURLWithPath: path))
    let info = try NumPy.arrayInfo(contentsOf: path)
    #expect(info.shape == [2, 3, 4] && info.dataType == .float64)
    let (shape, matrix) = try #require(try NumPy.readFlattened(contentsOf: path))
    #expect(shape == [2, 3, 4])
    #expect(matrix.rows == 2 && matrix.columns == 12)
    #expect(matrix.elements == values)
    // The 1-D and 2-D reader still refuses the 3-D array.
    #expect(throws: NumPyError.self) { try NumPy.read(contentsOf: path) }
    // And the widening 2-D reader leaves it alone.
    #expect(try NumPy.readWidenedMatrix(contentsOf: path) == nil)
  }

  @Test("A .npz archive: float members of any rank are read, integer members skipped")
  func archive() throws {
    let folder = try temporaryFolder("rankcollapse-flattened")
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("a.npz").path
    let kernel = values.map(Float.init)
    try Data(
      storedZipBytes([
        ("kernel.npy", npyBytes(shape: [2, 3, 4], data: littleEndianFloatBytes(kernel))),
        ("bias.npy", npyBytes(shape: [3], data: littleEndianFloatBytes([1, 2, 3]))),
        ("ids.npy", npyBytes(shape: [2], descriptor: "<i4", data: [1, 0, 0, 0, 2, 0, 0, 0])),
        ("skipped.npy", npyBytes(shape: [1, 1], data: littleEndianFloatBytes([7]))),
      ])
    ).write(to: URL(fileURLWithPath: path))
    let arrays = try NumPy.readFlattenedArchive(contentsOf: path) { $0 != "skipped" }
    #expect(arrays.map(\.name) == ["kernel", "bias"])
    #expect(arrays.first?.shape == [2, 3, 4])
    #expect(arrays.first?.matrix.rows == 2 && arrays.first?.matrix.elements == values)
    #expect(arrays.last?.matrix.rows == 1 && arrays.last?.matrix.elements == [1, 2, 3])
  }
}
