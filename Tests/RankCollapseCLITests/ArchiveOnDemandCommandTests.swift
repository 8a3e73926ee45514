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

/// Issue 18 (and issue 15's 2.5 times the file): `--svd top-k` on a `float32` `.npy` file keeps
/// the matrix as stored and never makes a `Double` copy of it.
@Suite("analyze --svd top-k: float32 matrices stay float32")
struct SinglePrecisionTopKCommandTests {
  /// A 10000 × 2000 Gaussian matrix with column j scaled by 1/(j + 1) (s_j close to
  /// sqrt(10000)/j, like `Benchmarks/compare_topk.py`'s synthetic matrices).
  func powerLaw() -> Matrix<Double> {
    var generator = SeededGenerator(seed: 12)
    var matrix = Matrix<Double>.randomNormal(rows: 10000, columns: 2000, using: &generator)
    matrix.withUnsafeMutableBufferPointer { buffer in
      for i in 0..<10000 {
        for j in 0..<2000 { buffer[i * 2000 + j] /= Double(j + 1) }
      }
    }
    return matrix
  }

  @Test("Peak memory grows by under 1.5 times the file (it was 2.1), and τ_K agrees with float64")
  func floatStaysFloat() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let matrix = powerLaw()
    let single = folder.appendingPathComponent("single.npy").path
    let double = folder.appendingPathComponent("double.npy").path
    let tiny = folder.appendingPathComponent("tiny.npy").path
    let rounded = Matrix<Float>(matrix)
    try NumPy.write(NumPyArray(rounded), to: single)
    try NumPy.write(NumPyArray(Matrix<Double>(rounded)), to: double)
    try NumPy.write(NumPyArray(Matrix<Float>(matrix.rows(0..<30))), to: tiny)
    let arguments = ["analyze", "--svd", "top-k", "--format", "json", "--threads", "1", "--quiet"]
    let baseline = try peakMemory(arguments + [tiny])
    let topK = try peakMemory(arguments + [single])
    #expect(baseline.status == 0 && topK.status == 0)
    // The file holds 80 MB of float32 values. Widened to Double the matrix alone took 160 MB
    // (measured growth 2.1 times the file); as stored it takes 80 MB, plus the Double blocks of
    // the checks (about 30 columns of 10000 rows, a few times) and one 8 MB converted block.
    let fileKilobytes = 10000 * 2000 * 4 / 1024
    let growth = topK.kilobytes - baseline.kilobytes
    #expect(
      Double(growth) < 1.5 * Double(fileKilobytes),
      "peak \(topK.kilobytes) kB against \(baseline.kilobytes) kB for a tiny file")

    // The same values in float64 go through the Double path: both results lie within their
    // bounds of the exact τ_K, so within the sum of the bounds of each other.
    func tau(_ path: String) throws -> (tau: Double, bound: Double) {
      let result = try runTool(["analyze", "--svd", "top-k", "--format", "json", path])
      #expect(result.status == 0, "\(result.error)")
      let document = try #require(
        try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
      let entry = try #require((document["matrices"] as? [[String: Any]])?.first)
      let topK = try #require(entry["topK"] as? [String: Any])
      #expect(topK["meetsAccuracy"] as? Bool == true)
      return (
        try #require(entry["relativeTail"] as? Double),
        try #require(topK["relativeTailErrorBound"] as? Double)
      )
    }
    let (a, b) = (try tau(single), try tau(double))
    #expect(abs(a.tau - b.tau) <= a.bound + b.bound + 1e-14)
    #expect(abs(a.tau - b.tau) <= 1e-6 * b.tau)
  }
}
