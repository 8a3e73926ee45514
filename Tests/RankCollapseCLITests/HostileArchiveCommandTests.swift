import Foundation
import RankCollapse
import Testing
import _RankCollapseTestSupport

/// Issue 15 at the command line: N-D arrays in an `.npz`, members `--filter` leaves out, and
/// messages that list an archive's members.
@Suite("Hostile archives at the command line")
struct HostileArchiveCommandTests {
  @Test("analyze skips a 4-D array of an .npz with a note and reports its 2-D arrays")
  func convolutionKernel() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("cnn.npz").path
    let kernel = npyBytes(shape: [2, 3, 2, 2], data: [UInt8](repeating: 0, count: 24 * 4))
    let dense = NumPy.encode(NumPyArray(Matrix<Float>([[1, 2], [3, 4], [5, 7]])))
    try Data(storedZipBytes([("conv.weight.npy", kernel), ("fc.weight.npy", dense)]))
      .write(to: URL(fileURLWithPath: path))

    let result = try runTool(["analyze", "--format", "csv", path])
    #expect(result.status == 0, "\(result.error)")
    #expect(result.output.contains("\(path):fc.weight"))
    #expect(!result.output.contains("conv.weight"))
    #expect(result.error.contains("conv.weight (2×3×2×2 float32)"))
  }

  @Test("analyze --filter never reads the members it leaves out, even damaged ones")
  func filteredOutMemberNeverRead() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("damaged.npz").path
    let dense = NumPy.encode(NumPyArray(Matrix<Float>([[1, 2], [3, 4]])))
    try Data(
      storedZipBytes([("broken.npy", dense), ("fc.weight.npy", dense)], damaging: "broken.npy")
    ).write(to: URL(fileURLWithPath: path))

    let filtered = try runTool(["analyze", "--filter", "fc", "--format", "csv", path])
    #expect(filtered.status == 0, "\(filtered.error)")
    #expect(filtered.output.contains("\(path):fc.weight"))
    let unfiltered = try runTool(["analyze", path])
    #expect(unfiltered.status != 0)
    #expect(unfiltered.error.contains("broken.npy"))
  }

  @Test("a missing member of a 20,000-member archive is reported in a line, with a count")
  func longMemberList() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("many.npz").path
    let arrays = (0..<20_000).map { ("array\($0)", NumPyArray(vector: [Float($0)])) }
    try NumPy.writeArchive(NumPyArchive(arrays), to: path)

    let result = try runTool(["collapse", "\(path):absent", "--labels", "\(path):array0"])
    #expect(result.status != 0)
    #expect(result.error.contains("no array named 'absent'"))
    #expect(result.error.contains("'array0', 'array1'"))
    #expect(result.error.contains("and 19990 more"))
    #expect(result.error.utf8.count < 1000)
  }
}
