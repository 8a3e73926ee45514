import Foundation
import RankCollapseData
import RankCollapseTensor
import Testing

#if canImport(Glibc)
import Glibc
import _RankCollapseTestSupport
#endif

/// Issue 15: an atomic write never replaces what is not a regular file.
@Suite("Atomic writes refuse non-regular destinations")
struct AtomicWriteSafetyTests {
  @Test("A symbolic link or a named pipe is not replaced, and nothing is written")
  func nonRegularDestinations() throws {
    let folder = try temporaryFolder("rankcollapse-atomic")
    defer { try? FileManager.default.removeItem(at: folder) }
    let (target, link, pipe) = try linkAndPipe(
      in: folder, target: "target.txt", link: "w.npy", pipe: "pipe.npy")
    #expect(!pipe.isEmpty, "no named pipe")
    let array = NumPyArray(Matrix<Double>.identity(3))
    for path in [link, pipe] {
      #expect(throws: NumPyError.self) { try NumPy.write(array, to: path) }
      #expect(throws: FileAccessError.self) { try AtomicFile.write("x", to: path) }
    }
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
    #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
    let kind = try FileManager.default.attributesOfItem(atPath: pipe)[.type] as? FileAttributeType
    #expect(kind != .typeRegular, "the pipe is still a pipe")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
      .filter { $0.hasSuffix(".tmp") }
    #expect(leftovers.isEmpty)
  }
}
