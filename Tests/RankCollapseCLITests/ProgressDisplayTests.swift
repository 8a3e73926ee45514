import Foundation
import RankCollapse
import Testing
import _RankCollapseTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// What a reader thread collected.
private final class Received: @unchecked Sendable {
  private let lock = NSLock()
  private var data = Data()

  func append(_ bytes: ArraySlice<UInt8>) {
    lock.lock()
    defer { lock.unlock() }
    data.append(contentsOf: bytes)
  }

  var text: String {
    lock.lock()
    defer { lock.unlock() }
    return String(decoding: data, as: UTF8.self)
  }
}

/// Runs `rankcollapse` with standard error on the slave side of a new pseudo-terminal, so that
/// `isatty` is true for it (standard output goes to /dev/null), and returns the exit status and
/// what the terminal received.
private func runToolOnTerminal(_ arguments: [String]) throws -> (status: Int32, error: String) {
  var master: Int32 = -1
  var slave: Int32 = -1
  try #require(openpty(&master, &slave, nil, nil, nil) == 0, "openpty failed: errno \(errno)")
  // Other tests' children must not inherit the terminal (the child's own copy, made by dup2,
  // does not keep the flag).
  _ = fcntl(master, F_SETFD, FD_CLOEXEC)
  _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
  let process = Process()
  process.executableURL = try builtExecutable("rankcollapse")
  process.arguments = arguments
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
  // Read the terminal while the child runs, until the last slave descriptor closes (EIO).
  let received = Received()
  let done = DispatchSemaphore(value: 0)
  let masterDescriptor = master
  try process.run()
  close(slave)
  DispatchQueue.global().async {
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = read(masterDescriptor, &buffer, buffer.count)
      guard count > 0 else { break }
      received.append(buffer[0..<count])
    }
    done.signal()
  }
  process.waitUntilExit()
  done.wait()
  close(master)
  return (process.terminationStatus, received.text)
}

/// Issue 18: the progress display on standard error.
@Suite("analyze: progress on standard error")
struct ProgressDisplayTests {
  /// A folder with one 1600 × 1600 matrix: `m·n·min(m, n)` = 4.1e9 is above
  /// `SVDProgress.minimumCost` (4e9), so its SVD gets a progress line whatever its duration.
  func largeMatrixFile() throws -> (folder: URL, path: String) {
    let folder = try temporaryFolder()
    let path = folder.appendingPathComponent("large.npy").path
    var generator = SeededGenerator(seed: 18)
    let matrix = Matrix<Float>.randomNormal(rows: 1600, columns: 1600, using: &generator)
    try NumPy.write(NumPyArray(matrix), to: path)
    return (folder, path)
  }

  @Test("Not a terminal: plain lines when the SVD starts and ends, nothing with --quiet")
  func plainLines() throws {
    let (folder, path) = try largeMatrixFile()
    defer { try? FileManager.default.removeItem(at: folder) }
    let label = "singular values of \(path) (1600×1600)"
    let run = try runTool(["analyze", "--threads", "1", "--format", "csv", path])
    #expect(run.status == 0, "\(run.error)")
    #expect(run.error.contains("\(label): started\n"), "\(run.error)")
    // The end line: "LABEL: N s" with a whole number of seconds.
    let ends = run.error.split(separator: "\n").filter { line in
      guard line.hasPrefix("\(label): "), line.hasSuffix(" s") else { return false }
      let seconds = line.dropFirst(label.count + 2).dropLast(2)
      return !seconds.isEmpty && seconds.allSatisfy(\.isNumber)
    }
    #expect(ends.count == 1, "\(run.error)")
    // No cursor movement: no carriage return, no escape sequence.
    #expect(!run.error.contains("\r") && !run.error.contains("\u{1B}"))
    let quiet = try runTool(["analyze", "--threads", "1", "--format", "csv", "--quiet", path])
    #expect(quiet.status == 0)
    #expect(!quiet.error.contains("singular values of"), "\(quiet.error)")
    // The report is the same either way.
    #expect(quiet.output == run.output)
  }

  @Test("A terminal: the line is rewritten in place and ends with the time; --quiet is silent")
  func inPlaceOnTerminal() throws {
    let (folder, path) = try largeMatrixFile()
    defer { try? FileManager.default.removeItem(at: folder) }
    let label = "singular values of \(path) (1600×1600)"
    let run = try runToolOnTerminal(["analyze", "--threads", "1", "--format", "json", path])
    #expect(run.status == 0, "\(run.error)")
    // Carriage return and erase-line before the final line, no "started" line.
    #expect(run.error.contains("\r\u{1B}[K\(label): "), "\(run.error.debugDescription)")
    #expect(!run.error.contains("started"))
    let quiet = try runToolOnTerminal([
      "analyze", "--threads", "1", "--format", "json", "--quiet", path,
    ])
    #expect(quiet.status == 0)
    #expect(quiet.error.isEmpty, "\(quiet.error.debugDescription)")
  }
}
