import Foundation
import RankCollapseData
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

@Suite(".npz archives")
struct NumPyArchiveTests {
  static let x = Matrix<Float>([[1.5, -2, 3.25], [0, 7, -0.5]])
  static let labels = [3, 1, 4, 1, 5, 9, 2, 6]

  @Test(
    "archives written by NumPy (stored and deflated, zip64 local headers) are read",
    arguments: [NumPyWrittenArchives.stored, NumPyWrittenArchives.deflated])
  func numpyWritten(bytes: [UInt8]) throws {
    let archive = try NumPy.decodeArchive(bytes)
    #expect(archive.names == ["x", "labels"])
    #expect(try #require(archive["x"]).matrix(as: Float.self) == Self.x)
    #expect(try #require(archive["labels"]).integers() == Self.labels)
    #expect(try #require(archive["labels"]).dataType == .int64)
  }

  @Test(
    "written archives read back equal, in order, stored and deflated",
    arguments: [NumPy.ArchiveCompression.stored, .deflated])
  func roundTrip(compression: NumPy.ArchiveCompression) throws {
    var generator = SeededGenerator(seed: 11)
    let big = Matrix<Double>.randomNormal(rows: 50, columns: 40, using: &generator)
    let archive = NumPyArchive([
      ("weights", NumPyArray(big)), ("x", NumPyArray(Self.x)),
      ("labels", NumPyArray(integers: Self.labels)), ("empty", NumPyArray(vector: [Float]())),
      ("zeros", NumPyArray(Matrix<Float>.zeros(rows: 100, columns: 100))),
    ])
    let bytes = try NumPy.encodeArchive(archive, compression: compression)
    #expect(try NumPy.decodeArchive(bytes) == archive)
    if compression == .deflated {
      let stored = try NumPy.encodeArchive(archive, compression: .stored)
      #expect(bytes.count < stored.count - 30_000, "100×100 zeros deflate to almost nothing")
    }
  }

  @Test("writeArchive and readArchive go through the file system atomically")
  func files() throws {
    let folder = try temporaryFolder("rankcollapse-npz")
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("a.npz").path
    let archive = NumPyArchive([("x", NumPyArray(Self.x))])
    try NumPy.writeArchive(archive, to: path, compression: .deflated)
    #expect(try NumPy.readArchive(contentsOf: path) == archive)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["a.npz"])
    #expect(throws: NumPyError.fileNotFound(path: path + "x")) {
      try NumPy.readArchive(contentsOf: path + "x")
    }
  }

  @Test("the subscript appends, replaces in place and removes")
  func subscripting() {
    var archive = NumPyArchive()
    archive["a"] = NumPyArray(vector: [1.0])
    archive["b"] = NumPyArray(vector: [2.0])
    archive["a"] = NumPyArray(vector: [3.0])
    #expect(archive.names == ["a", "b"])
    #expect(archive["a"] == NumPyArray(vector: [3.0]))
    archive["a"] = nil
    #expect(archive.names == ["b"])
    #expect(archive.count == 1)
  }

  @Test("a hand-built stored archive is read (independent of the writer)")
  func handBuilt() throws {
    let npy = NumPy.encode(NumPyArray(integers: [Int16(7), -7]))
    let zip = ZipFixture(members: [.init(name: "y.npy", data: npy)])
    let archive = try NumPy.decodeArchive(zip.bytes)
    #expect(try #require(archive["y"]).integers() == [7, -7])
    var commented = zip
    commented.comment = Array("a comment".utf8)
    #expect(try NumPy.decodeArchive(commented.bytes) == archive)
    let empty = try NumPy.decodeArchive(ZipFixture(members: []).bytes)
    #expect(empty.isEmpty)
  }

  // MARK: Malformed archives

  static let npy = NumPy.encode(NumPyArray(vector: [1.0, 2.0]))

  @Test("every truncation of an archive is an error, never a crash")
  func truncations() {
    for bytes in [NumPyWrittenArchives.stored, NumPyWrittenArchives.deflated] {
      for length in 0..<bytes.count {
        #expect(throws: NumPyError.self) { try NumPy.decodeArchive(Array(bytes[..<length])) }
      }
    }
  }

  @Test("bytes that are not a zip file are notZipArchive")
  func notZip() {
    #expect(throws: NumPyError.notZipArchive) { try NumPy.decodeArchive([UInt8]()) }
    #expect(throws: NumPyError.notZipArchive) {
      try NumPy.decodeArchive([UInt8](repeating: 0x41, count: 500))
    }
    #expect(throws: NumPyError.notZipArchive) { try NumPy.decodeArchive(Self.npy) }
  }

  @Test("a flipped data byte is a CRC error naming the member")
  func crcMismatch() throws {
    var zip = ZipFixture(members: [.init(name: "a.npy", data: Self.npy)])
    zip.members[0].crc = 0x1234_5678
    let error = try #require(throws: NumPyError.self) { try NumPy.decodeArchive(zip.bytes) }
    guard case .corruptMember(let member, let reason) = error else {
      Issue.record("expected corruptMember, got \(error)")
      return
    }
    #expect(member == "a.npy")
    #expect(reason.contains("CRC-32"))
  }

  @Test("compression methods other than stored and deflated, and encryption, are refused")
  func unsupportedMethods() {
    for method: UInt16 in [1, 9, 12, 14, 93] {
      let zip = ZipFixture(members: [.init(name: "a.npy", data: Self.npy, method: method)])
      #expect(throws: NumPyError.unsupportedCompression(member: "a.npy", method: Int(method))) {
        try NumPy.decodeArchive(zip.bytes)
      }
    }
    let encrypted = ZipFixture(members: [.init(name: "a.npy", data: Self.npy, flags: 1)])
    #expect(throws: NumPyError.encryptedMember("a.npy")) {
      try NumPy.decodeArchive(encrypted.bytes)
    }
  }

  @Test("duplicate member names and non-.npy members are refused")
  func names() {
    let twice = ZipFixture(members: [
      .init(name: "a.npy", data: Self.npy), .init(name: "a.npy", data: Self.npy),
    ])
    #expect(throws: NumPyError.duplicateMember("a.npy")) { try NumPy.decodeArchive(twice.bytes) }
    let text = ZipFixture(members: [.init(name: "README.txt", data: Array("hi".utf8))])
    #expect(throws: NumPyError.notNumPyMember("README.txt")) {
      try NumPy.decodeArchive(text.bytes)
    }
  }

  @Test("a member whose .npy contents are invalid is reported with the member's name")
  func invalidMember() {
    let zip = ZipFixture(members: [.init(name: "bad.npy", data: Array(Self.npy.dropLast(3)))])
    #expect(
      throws: NumPyError.invalidMember(
        member: "bad.npy",
        error: .truncatedData(
          shape: [2], dataType: .float64, expectedBytes: 16, availableBytes: 13))
    ) {
      try NumPy.decodeArchive(zip.bytes)
    }
  }

  @Test("overlapping members (the zip-bomb layout) are refused")
  func overlapping() throws {
    var zip = ZipFixture(members: [
      .init(name: "a.npy", data: Self.npy), .init(name: "b.npy", data: Self.npy),
    ])
    zip.members[1].headerOffset = 0  // b's entry points at a's local header
    let error = try #require(throws: NumPyError.self) { try NumPy.decodeArchive(zip.bytes) }
    guard case .malformedArchive = error else {
      Issue.record("expected malformedArchive, got \(error)")
      return
    }
  }

  @Test("sizes and offsets outside the file are malformedArchive before allocation")
  func outOfBounds() {
    var sizes = ZipFixture(members: [.init(name: "a.npy", data: Self.npy)])
    sizes.members[0].compressedSize = 0xFFFF_FFF0
    sizes.members[0].uncompressedSize = 0xFFFF_FFF0
    var offset = ZipFixture(members: [.init(name: "a.npy", data: Self.npy)])
    offset.members[0].headerOffset = 0x7FFF_FFFF
    var directory = ZipFixture(members: [.init(name: "a.npy", data: Self.npy)])
    directory.directoryOffset = 0xFFFF_FF00
    var entries = ZipFixture(members: [.init(name: "a.npy", data: Self.npy)])
    entries.entryCount = 5000
    var storedMismatch = ZipFixture(members: [.init(name: "a.npy", data: Self.npy)])
    storedMismatch.members[0].uncompressedSize = 5
    for zip in [sizes, offset, directory, entries, storedMismatch] {
      let error = #expect(throws: NumPyError.self) { try NumPy.decodeArchive(zip.bytes) }
      guard case .malformedArchive = error else {
        Issue.record("expected malformedArchive, got \(String(describing: error))")
        continue
      }
    }
  }

  @Test("a deflated member declaring an impossible inflated size is refused before inflating")
  func bombRatio() {
    var zip = ZipFixture(members: [.init(name: "a.npy", data: [0x03, 0x00], method: 8)])
    zip.members[0].uncompressedSize = 0xFFFF_0000
    #expect(
      throws: NumPyError.corruptMember(
        member: "a.npy",
        reason: "2 deflated bytes cannot inflate to the declared 4294901760 bytes")
    ) {
      try NumPy.decodeArchive(zip.bytes)
    }
  }

  @Test("invalid deflate data and wrong inflated sizes are corruptMember errors")
  func badDeflate() throws {
    let garbage = ZipFixture(members: [
      .init(name: "a.npy", data: [0xFF, 0xFF, 0xFF, 0xFF], method: 8, uncompressedSize: 10)
    ])
    // A valid deflate stream of the empty input is 0x03 0x00; declaring 10 bytes is wrong.
    let short = ZipFixture(members: [
      .init(name: "a.npy", data: [0x03, 0x00], method: 8, crc: 0, uncompressedSize: 10)
    ])
    for zip in [garbage, short] {
      let error = try #require(throws: NumPyError.self) { try NumPy.decodeArchive(zip.bytes) }
      guard case .corruptMember(let member, _) = error else {
        Issue.record("expected corruptMember, got \(error)")
        continue
      }
      #expect(member == "a.npy")
    }
  }

  @Test("archive error messages name the problem")
  func messages() {
    #expect(NumPyError.notZipArchive.description.contains("not a .npz file"))
    #expect(
      NumPyError.invalidMember(member: "w.npy", error: .notNumPyFile).description
        == "member 'w.npy': not a .npy file (magic bytes missing)")
    #expect(NumPyError.unsupportedCompression(member: "a", method: 12).description.contains("12"))
  }
}
