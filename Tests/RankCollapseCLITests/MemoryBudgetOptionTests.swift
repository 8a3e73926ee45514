import Foundation
import RankCollapse
import Testing

@Suite("--memory-budget")
struct MemoryBudgetOptionTests {
  @Test("A file larger than --memory-budget is refused with status 1; a bad size is a usage error")
  func budget() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("w.npy").path
    // 64 × 64 doubles: 32 KiB of data.
    try NumPy.write(NumPyArray(Matrix<Double>.identity(64)), to: path)
    let refused = try runTool(["analyze", "--memory-budget", "1K", path])
    #expect(refused.status == 1, "\(refused.error)")
    #expect(refused.error.contains("budget"), "\(refused.error)")
    let allowed = try runTool(["analyze", "--memory-budget", "64M", path])
    #expect(allowed.status == 0, "\(allowed.error)")
    for bad in ["0", "-5", "lots", "1.5G"] {
      let result = try runTool(["analyze", "--memory-budget", bad, path])
      #expect(result.status == 64, "\(bad): \(result.error)")
      #expect(result.error.contains("--memory-budget"), "\(bad): \(result.error)")
    }
  }
}
