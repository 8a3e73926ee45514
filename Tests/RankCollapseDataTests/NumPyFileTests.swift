import Foundation
import RankCollapseData
import RankCollapseTensor
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Reading and writing .npy files on disk")
struct NumPyFileTests {
  static let sample = NumPyArray(Matrix<Float>([[1, 2, 3], [4, 5, 6]]))

  @Test("reading a missing file names the path")
  func missingFile() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("absent.npy")
    #expect(throws: NumPyError.fileNotFound(path: path)) { try NumPy.read(contentsOf: path) }
    let inMissingFolder = folder.file("absent/x.npy")
    #expect(throws: NumPyError.fileNotFound(path: inMissingFolder)) {
      try NumPy.read(contentsOf: inMissingFolder)
    }
  }

  @Test("reading a folder says it is a folder")
  func readFolder() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    #expect(throws: NumPyError.isDirectory(path: folder.path)) {
      try NumPy.read(contentsOf: folder.path)
    }
  }

  @Test("reading a named pipe is refused at once instead of waiting for a writer")
  func readPipe() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("pipe.npy")
    try #require(mkfifo(path, 0o600) == 0)
    #expect(throws: NumPyError.notRegularFile(path: path)) { try NumPy.read(contentsOf: path) }
  }

  @Test(
    "reading an unreadable file reports permission denied",
    .enabled(if: getuid() != 0, "root reads any file, so permissions cannot be tested as root"))
  func unreadable() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("secret.npy")
    try NumPy.write(Self.sample, to: path)
    try #require(chmod(path, 0) == 0)
    #expect(throws: NumPyError.permissionDenied(path: path)) { try NumPy.read(contentsOf: path) }
  }

  @Test("reading checks the file's size: truncated and padded files are refused")
  func sizeChecks() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let bytes = NumPy.encode(Self.sample)
    try folder.write(Array(bytes.dropLast(3)), to: "short.npy")
    try folder.write(bytes + [0, 0], to: "long.npy")
    #expect(
      throws: NumPyError.truncatedData(
        shape: [2, 3], dataType: .float32, expectedBytes: 24, availableBytes: 21)
    ) { try NumPy.read(contentsOf: folder.file("short.npy")) }
    #expect(
      throws: NumPyError.trailingData(
        shape: [2, 3], dataType: .float32, expectedBytes: 24, availableBytes: 26)
    ) { try NumPy.read(contentsOf: folder.file("long.npy")) }
    try folder.write([], to: "empty.npy")
    #expect(throws: NumPyError.notNumPyFile) {
      try NumPy.read(contentsOf: folder.file("empty.npy"))
    }
    try folder.write(Array(bytes.prefix(40)), to: "cut.npy")
    #expect(throws: NumPyError.truncatedHeader(requiredBytes: 128, fileBytes: 40)) {
      try NumPy.read(contentsOf: folder.file("cut.npy"))
    }
  }

  @Test("reading a tiny file that declares a 4 EiB Fortran matrix fails before allocating")
  func hugeShapeOnDisk() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    // 2^30 × 2^29 float64 = 2^62 bytes: allocating it (or a transposition buffer) would trap.
    try folder.write(
      NumPyFixture.file(
        dictionary: "{'descr': '<f8', 'fortran_order': True, 'shape': (1073741824, 536870912)}",
        payload: Array(repeating: 0, count: 16)),
      to: "huge.npy")
    // Reaching the error at all shows nothing of the declared size was allocated: that would trap.
    #expect(
      throws: NumPyError.truncatedData(
        shape: [1 << 30, 1 << 29], dataType: .float64, expectedBytes: 1 << 62,
        availableBytes: 16)
    ) { try NumPy.read(contentsOf: folder.file("huge.npy")) }
  }

  @Test("reading a C- and a Fortran-ordered big-endian file from disk gives the same matrix")
  func readFlavoursFromDisk() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let rows: [[Double]] = [[1, 2, 3], [4, 5, 6]]
    // (file, format version, Fortran order, the elements in file order).
    let flavours: [(String, (major: UInt8, minor: UInt8), Bool, [Double])] = [
      ("c.npy", (2, 0), false, [1, 2, 3, 4, 5, 6]), ("f.npy", (3, 0), true, [1, 4, 2, 5, 3, 6]),
    ]
    for (name, version, fortran, elements) in flavours {
      try folder.write(
        NumPyFixture.file(
          version: version,
          dictionary:
            "{'descr': '>f8', 'fortran_order': \(fortran ? "True" : "False"), 'shape': (2, 3), }",
          payload: NumPyFixture.bytes(elements, bigEndian: true)),
        to: name)
      #expect(
        try NumPy.read(contentsOf: folder.file(name)).matrix(as: Double.self) == Matrix(rows),
        "\(name)")
    }
  }

  @Test("write replaces an existing file and leaves no temporary file behind")
  func writeReplaces() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.file("w.npy")
    try folder.write(Array("old contents".utf8), to: "w.npy")
    try NumPy.write(Self.sample, to: path)
    #expect(try folder.contents() == ["w.npy"])
    #expect(try NumPy.read(contentsOf: path) == Self.sample)
    #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == NumPy.encode(Self.sample))
  }

  @Test("write works for a file name near the 255-byte limit (the temporary name is shortened)")
  func writeLongName() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let name = String(repeating: "w", count: 250) + ".npy"
    try NumPy.write(Self.sample, to: folder.file(name))
    #expect(try folder.contents() == [name])
    #expect(try NumPy.read(contentsOf: folder.file(name)) == Self.sample)
  }

  @Test("write into a missing folder fails naming the folder and creates nothing")
  func writeMissingFolder() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let missing = folder.file("missing")
    #expect(throws: NumPyError.fileNotFound(path: missing)) {
      try NumPy.write(Self.sample, to: missing + "/x.npy")
    }
    #expect(try folder.contents().isEmpty)
  }

  @Test("write onto a folder fails and leaves the folder alone")
  func writeOntoFolder() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let target = folder.file("target")
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
    #expect(throws: NumPyError.isDirectory(path: target)) {
      try NumPy.write(Self.sample, to: target)
    }
    #expect(try folder.contents() == ["target"])
  }

  @Test(
    "write into a read-only folder reports permission denied",
    .enabled(if: getuid() != 0, "root writes anywhere, so permissions cannot be tested as root"))
  func writeReadOnlyFolder() throws {
    let folder = try TemporaryFolder()
    defer {
      _ = chmod(folder.path, 0o700)
      folder.remove()
    }
    try #require(chmod(folder.path, 0o500) == 0)
    #expect(throws: NumPyError.permissionDenied(path: folder.path)) {
      try NumPy.write(Self.sample, to: folder.file("x.npy"))
    }
  }

  @Test("error messages for file problems name the path")
  func fileMessages() {
    #expect(NumPyError.fileNotFound(path: "/a/b.npy").description.contains("/a/b.npy"))
    #expect(NumPyError.isDirectory(path: "/a").description == "/a is a folder, not a .npy file")
    #expect(
      NumPyError.io(path: "/a/b.npy", operation: "write", message: "No space left on device")
        .description == "cannot write /a/b.npy: No space left on device")
    // Every format words file problems the same way, naming what the file should have been.
    #expect(
      SafeTensorsError.isDirectory(path: "/m").description
        == "/m is a folder, not a safetensors file")
    #expect(
      IDXError.notRegularFile(path: "/p").description
        == "/p is not a regular file (a pipe or device cannot be read as an IDX file)")
    #expect(IDXError.permissionDenied(path: "/q").path == "/q")
    #expect(SafeTensorsError.notIntegerTensor(tensor: "t", dataType: .float32).path == nil)
  }
}

@Suite("NumPyError.path")
struct NumPyErrorPathTests {
  @Test("file-system errors carry their path; format errors carry none")
  func path() {
    #expect(NumPyError.fileNotFound(path: "a.npy").path == "a.npy")
    #expect(NumPyError.io(path: "b.npy", operation: "read", message: "EIO").path == "b.npy")
    #expect(NumPyError.notNumPyFile.path == nil)
    #expect(NumPyError.unsupportedDataType(descriptor: "<i8").path == nil)
  }
}
