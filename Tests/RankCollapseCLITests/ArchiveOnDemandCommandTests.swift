import Foundation
import RankCollapse
import Testing
import _RankCollapseTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Runs `rankcollapse` with `arguments` (output discarded) and returns its exit status and its
/// own peak resident memory in kilobytes (`wait4`'s `ru_maxrss` for that child alone, so other
/// tests' processes do not count).
private func peakMemory(_ arguments: [String]) throws -> (status: Int32, kilobytes: Int) {
  let executable = try builtExecutable("rankcollapse").path
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
  let argv = ([executable] + arguments).map { strdup($0) } + [nil]
  defer { for pointer in argv { free(pointer) } }
  var pid: pid_t = 0
  let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
  try #require(spawned == 0, "posix_spawn failed: \(spawned)")
  var status: Int32 = 0
  var usage = rusage()
  try #require(wait4(pid, &status, 0, &usage) == pid)
  return ((status >> 8) & 0xFF, usage.ru_maxrss)
}

/// Issue 18: the arrays of a `.npz` archive are read one at a time, when analysed.
@Suite("analyze: .npz arrays read on demand")
struct ArchiveOnDemandCommandTests {
  /// A PyTorch-layout kernel 512 × 256 × 3 × 3 of Gaussian `float32` values: 4.7 MB stored,
  /// 9.4 MB as the `Double` matrix 512 × 2304 that `--reshape conv=flatten` analyses.
  static let shape = [512, 256, 3, 3]
  static var doubleKilobytes: Int { shape.reduce(1, *) * 8 / 1024 }

  func kernelBytes(seed: UInt64) -> [UInt8] {
    var generator = SeededGenerator(seed: seed)
    let count = Self.shape.reduce(1, *)
    let values = Matrix<Float>.randomNormal(rows: 1, columns: count, using: &generator)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(4 * count)
    values.withUnsafeBufferPointer { buffer in
      for value in buffer {
        let bits = value.bitPattern
        bytes += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF)]
        bytes.append(UInt8(bits >> 24))
      }
    }
    return npyBytes(shape: Self.shape, data: bytes)
  }

  @Test("Eight kernels take about the memory of one: peak grows by under 3 kernels' Double size")
  func kernelsOneAtATime() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let one = folder.appendingPathComponent("one.npz").path
    let eight = folder.appendingPathComponent("eight.npz").path
    let members = (0..<8).map { ("conv\($0).npy", kernelBytes(seed: UInt64($0))) }
    try Data(storedZipBytes(Array(members.prefix(1)))).write(to: URL(fileURLWithPath: one))
    try Data(storedZipBytes(members)).write(to: URL(fileURLWithPath: eight))
    let arguments = ["analyze", "--format", "json", "--threads", "1", "--reshape", "conv=flatten"]
    let single = try peakMemory(arguments + [one])
    let all = try peakMemory(arguments + [eight])
    #expect(single.status == 0 && all.status == 0)
    // Read eagerly, the eight Double matrices (75 MB) were in memory together: 7 × 9.4 MB more
    // than for one. On demand, one kernel (its stored bytes, then its Double matrix and the
    // SVD's working copy) is in memory at a time; 3 kernels' size leaves room for allocator
    // slack.
    let growth = all.kilobytes - single.kilobytes
    #expect(
      growth < 3 * Self.doubleKilobytes,
      "peak \(single.kilobytes) kB for one kernel, \(all.kilobytes) kB for eight")
  }

  @Test("2-D arrays and kernels of an archive give the same reports read on demand")
  func sameReports() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let archive = folder.appendingPathComponent("model.npz").path
    var generator = SeededGenerator(seed: 4)
    let w = Matrix<Double>.randomNormal(rows: 30, columns: 20, using: &generator)
    let wBytes = npyBytes(
      shape: [30, 20], descriptor: "<f8",
      data: w.withUnsafeBufferPointer { buffer in
        buffer.flatMap { value in (0..<8).map { UInt8((value.bitPattern >> (8 * $0)) & 0xFF) } }
      })
    try Data(storedZipBytes([("w.npy", wBytes), ("conv.npy", kernelBytes(seed: 9))]))
      .write(to: URL(fileURLWithPath: archive))
    let result = try runTool(["analyze", "--format", "json", "--reshape", "conv=flatten", archive])
    #expect(result.status == 0, "\(result.error)")
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    let reports = try #require(document["matrices"] as? [[String: Any]])
    #expect(reports.compactMap { $0["name"] as? String } == ["\(archive):w", "\(archive):conv"])
    let values = try #require(reports.first?["singularValues"] as? [Double])
    let exact = try w.spectrum().singularValues
    #expect(values.count == exact.count)
    for (a, b) in zip(values, exact) { #expect(abs(a - b) <= 1e-12 * exact[0]) }
    #expect(reports.last?["shape"] as? [Int] == [512, 2304])
  }
}
