import Foundation
import RankCollapseData
import RankCollapseTensor
import Testing

/// Issue 15: compressed bombs, the memory budget, linear loading and messages that name the
/// real cause.
@Suite("Hostile files: bombs, memory budget, linear loading, messages")
struct HostileFileTests {
  static let gibibyte = 1 << 30

  // MARK: Compressed bombs

  @Test("an .npz whose .npy header says 6×5 while the zip entry says 1 GiB fails on the header")
  func npzHeaderAgainstEntry() throws {
    let header = HostileFixture.npyHeader(shape: [6, 5])
    let bytes = HostileFixture.zip(
      data: HostileFixture.bombData(prefix: header, declaredSize: Self.gibibyte),
      uncompressedSize: Self.gibibyte)
    #expect(
      throws: NumPyError.invalidMember(
        member: "w.npy",
        error: .trailingData(
          shape: [6, 5], dataType: .float64, expectedBytes: 240,
          availableBytes: Self.gibibyte - header.count))
    ) {
      try NumPy.decodeArchive(bytes)
    }
  }

  @Test("a zip64 member declaring 10 GiB behind a 6×5 header fails on the header, not after 10 GiB")
  func zip64Bomb() throws {
    let declared = 10 * Self.gibibyte
    let header = HostileFixture.npyHeader(shape: [6, 5])
    let bytes = HostileFixture.zip(
      data: HostileFixture.bombData(prefix: header, declaredSize: declared),
      uncompressedSize: declared)
    #expect(
      throws: NumPyError.invalidMember(
        member: "w.npy",
        error: .trailingData(
          shape: [6, 5], dataType: .float64, expectedBytes: 240,
          availableBytes: declared - header.count))
    ) {
      try NumPy.decodeArchive(bytes)
    }
  }

  @Test("a zip64 member whose header agrees on 10 GiB is described, and refused by the budget")
  func zip64ConsistentBomb() throws {
    let shape = [40_960, 32_768]  // 10 GiB of float64
    let header = HostileFixture.npyHeader(shape: shape)
    let declared = header.count + 10 * Self.gibibyte
    let bytes = HostileFixture.zip(
      data: HostileFixture.bombData(prefix: header, declaredSize: declared),
      uncompressedSize: declared)
    // Describing it inflates the header only.
    #expect(
      try NumPy.archiveInfo(bytes)
        == [NumPyArrayInfo(name: "w", dataType: .float64, shape: shape)])
    MemoryBudget.withLimit(Self.gibibyte) {
      #expect(
        throws: NumPyError.exceedsMemoryBudget(bytes: declared, budget: Self.gibibyte)
      ) {
        try NumPy.decodeArchive(bytes)
      }
    }
  }

  @Test("a gzipped IDX file declaring 5,000,000 images is refused by the budget before allocating")
  func idxBomb() throws {
    let header = IDXFixture.file(shape: [5_000_000, 28, 28], data: [])
    let gzipHeader: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
    let bytes =
      gzipHeader + HostileFixture.bombData(prefix: header, declaredSize: 5_000_000 * 784)
    let needed = 5_000_000 * 784 * MemoryLayout<Float>.stride
    MemoryBudget.withLimit(Self.gibibyte) {
      #expect(throws: IDXError.exceedsMemoryBudget(bytes: needed, budget: Self.gibibyte)) {
        try IDX.decodeImages(bytes, as: Float.self)
      }
    }
  }

  @Test("a deflated member inflating past its declared size stops there")
  func inflationStopsAtDeclaredSize() throws {
    let array = NumPy.encode(NumPyArray(vector: [1.0, 2.0]))
    let bytes = HostileFixture.zip(
      data: HostileFixture.deflateStored(array + [UInt8](repeating: 7, count: 4096)),
      crc: ZipFixture.crc32(array), uncompressedSize: array.count)
    let error = try #require(throws: NumPyError.self) { try NumPy.decodeArchive(bytes) }
    guard case .corruptMember(let member, let reason) = error else {
      Issue.record("expected corruptMember, got \(error)")
      return
    }
    #expect(member == "w.npy")
    #expect(reason.contains("more than the declared \(array.count) bytes"))
  }

  // MARK: Memory budget

  @Test("every reader refuses a decoded size above the budget, naming both sizes")
  func budgetEveryReader() throws {
    let matrix = Matrix<Double>.zeros(rows: 64, columns: 64)  // 32 KiB
    let npy = NumPy.encode(NumPyArray(matrix))
    let npz = try NumPy.encodeArchive(NumPyArchive([("w", NumPyArray(matrix))]))
    let safetensors = SafeTensors.encode(
      SafeTensorsFile(tensors: [SafeTensor(name: "w", matrix: matrix)]))
    let idx = IDXFixture.file(shape: [64, 8, 8], data: [UInt8](repeating: 0, count: 4096))
    let budget = 10_000
    MemoryBudget.withLimit(budget) {
      #expect(throws: NumPyError.exceedsMemoryBudget(bytes: 32_768, budget: budget)) {
        try NumPy.decode(npy)
      }
      // An archive is checked on the sizes it declares (header included) before any inflation.
      #expect(throws: NumPyError.exceedsMemoryBudget(bytes: npy.count, budget: budget)) {
        try NumPy.decodeArchive(npz)
      }
      #expect(throws: SafeTensorsError.exceedsMemoryBudget(bytes: 32_768, budget: budget)) {
        try SafeTensors.decode(safetensors)
      }
      #expect(throws: IDXError.exceedsMemoryBudget(bytes: 32_768, budget: budget)) {
        try IDX.decodeImages(idx, as: Double.self)
      }
      // A filter that leaves the big tensor out needs nothing.
      #expect(
        (try? SafeTensors.decode(safetensors, including: { _ in false }))?.tensors.isEmpty == true)
    }
    // The same files fit a budget of exactly what they need.
    try MemoryBudget.withLimit(32_768) { () throws in
      #expect(try NumPy.decode(npy).count == 4096)
      #expect(try SafeTensors.decode(safetensors).tensors.count == 1)
    }
  }

  @Test("a Fortran-ordered matrix counts its transposition buffer against the budget")
  func budgetCountsTemporaryBuffer() throws {
    let npy =
      HostileFixture.npyHeader(shape: [4, 4], fortranOrder: true)
      + [UInt8](repeating: 0, count: 128)
    MemoryBudget.withLimit(200) {
      #expect(throws: NumPyError.exceedsMemoryBudget(bytes: 256, budget: 200)) {
        try NumPy.decode(npy)
      }
    }
  }

  @Test("the default budget is the smallest of physical memory, the cgroup limit and ulimit -v")
  func defaultBudget() {
    let system = MemoryBudget.SystemMemory.current
    #expect(system.physical > 0)
    #expect(MemoryBudget.systemLimit == system.smallest)
    #expect(system.smallest <= system.physical)
    if let group = system.controlGroup { #expect(system.smallest <= group) }
    if let space = system.addressSpace { #expect(system.smallest <= space) }
    let limits = MemoryBudget.SystemMemory(
      physical: 8 << 30, controlGroup: 2 << 30, addressSpace: nil)
    #expect(limits.smallest == 2 << 30)
    #expect(
      MemoryBudget.SystemMemory(physical: 8 << 30, controlGroup: nil, addressSpace: 1 << 30)
        .smallest == 1 << 30)
    // A scoped budget applies inside only.
    MemoryBudget.withLimit(12_345) { #expect(MemoryBudget.limit == 12_345) }
  }

  @Test(
    "byte counts parse with binary units",
    arguments: [
      ("1024", 1024), ("512M", 512 << 20), ("8GiB", 8 << 30), ("2g", 2 << 30), ("64KB", 64 << 10),
      ("1T", 1 << 40), ("100b", 100),
    ])
  func byteCounts(text: String, bytes: Int) {
    #expect(MemoryBudget.byteCount(parsing: text) == bytes)
  }

  @Test(
    "invalid byte counts are nil", arguments: ["", "0", "-5", "1.5G", "G", "12X", "99999999999T"])
  func invalidByteCounts(text: String) {
    #expect(MemoryBudget.byteCount(parsing: text) == nil)
  }

  @Test("an allocation the system refuses is a typed error, not an abort")
  func allocationFailure() async {
    await #expect(processExitsWith: .success) {
      // A sparse 8 GiB .npy file under a 2 GiB address-space limit, with a budget that allows it.
      let path = NSTemporaryDirectory() + "rankcollapse-allocation-\(getpid()).npy"
      let header = HostileFixture.npyHeader(shape: [1 << 20, 1 << 10])
      _ = FileManager.default.createFile(atPath: path, contents: Data(header))
      let handle = FileHandle(forWritingAtPath: path)
      try? handle?.truncate(atOffset: UInt64(header.count + (8 << 30)))
      try? handle?.close()
      defer { unlink(path) }
      var limit = rlimit(rlim_cur: 2 << 30, rlim_max: 2 << 30)
      _ = setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
      MemoryBudget.limit = 1 << 40
      do throws(NumPyError) {
        _ = try NumPy.read(contentsOf: path)
        exit(1)
      } catch .allocationFailed(let bytes) {
        exit(bytes == 8 << 30 ? 0 : 2)
      } catch {
        exit(3)
      }
    }
  }

  // MARK: Linear loading

  @Test("100,000 tiny tensors load in linear time", .timeLimit(.minutes(1)))
  func manyTensors() throws {
    let count = 100_000
    var file = SafeTensorsFile()
    for i in 0..<count {
      file.append(SafeTensor(name: "t\(i)", matrix: Matrix<Float>([[Float(i)]])))
    }
    let decoded = try SafeTensors.decode(SafeTensors.encode(file))
    #expect(decoded.tensors.count == count)
    #expect(try decoded["t99999"]?.matrix(as: Float.self)[0, 0] == 99_999)
    var removed = decoded
    removed.removeTensor(named: "t5")
    #expect(removed["t5"] == nil)
    #expect(removed["t6"]?.name == "t6")
    #expect(removed.tensors.count == count - 1)
  }

  @Test("a file of many small tensors reads back the same, all of them or a filtered few")
  func manySmallTensorsFromFile() throws {
    var file = SafeTensorsFile(metadata: ["k": "v"])
    for i in 0..<300 {
      file.append(
        i % 3 == 0
          ? SafeTensor(name: "w\(i)", matrix: Matrix<Double>([[Double(i), -1]]))
          : SafeTensor(name: "w\(i)", vector: [Float(i), 0.5, 2]))
    }
    let path = NSTemporaryDirectory() + "rankcollapse-small-\(UUID().uuidString).safetensors"
    try SafeTensors.write(file, to: path)
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(try SafeTensors.read(contentsOf: path) == file)
    let some = try SafeTensors.read(contentsOf: path) { $0.hasSuffix("7") }
    #expect(some.names == file.names.filter { $0.hasSuffix("7") })
    #expect(try some["w297"]?.matrix(as: Double.self) == Matrix([[297, -1]]))
  }

  @Test("20,000 members of an .npz load in linear time", .timeLimit(.minutes(1)))
  func manyMembers() throws {
    let arrays = (0..<20_000).map { ("a\($0)", NumPyArray(vector: [Float($0)])) }
    let bytes = try NumPy.encodeArchive(NumPyArchive(arrays))
    let archive = try NumPy.decodeArchive(bytes)
    #expect(archive.count == 20_000)
    #expect(archive["a19999"]?.vector(as: Float.self) == [19_999])
    #expect(try NumPy.archiveInfo(bytes).count == 20_000)
  }

  // MARK: Messages

  @Test("an encrypted member says it is encrypted", arguments: [(UInt16(1), UInt16(0)), (0, 99)])
  func encrypted(flags: UInt16, method: UInt16) {
    let npy = NumPy.encode(NumPyArray(vector: [1.0]))
    let bytes = HostileFixture.zip(
      data: npy, method: method, uncompressedSize: npy.count, flags: flags)
    #expect(throws: NumPyError.encryptedMember("w.npy")) { try NumPy.decodeArchive(bytes) }
    #expect(NumPyError.encryptedMember("w.npy").description.contains("encrypted"))
  }

  @Test("a gzipped IDX file of several gzip members (RFC 1952) is read as their concatenation")
  func concatenatedGzip() throws {
    let pixels = (0..<32).map { UInt8($0 * 8) }
    let file = IDXFixture.file(shape: [2, 4, 4], data: pixels)
    for split in [3, 16, 20] {
      let bytes =
        HostileFixture.gzipMember(Array(file[..<split]))
        + HostileFixture.gzipMember(Array(file[split...]))
      let images = try IDX.decodeImages(bytes, as: Float.self)
      #expect(images.elements == pixels.map { Float($0) / 255 })
    }
    let labels = IDXFixture.file(shape: [3], data: [7, 0, 9])
    let three =
      HostileFixture.gzipMember(Array(labels[..<5])) + HostileFixture.gzipMember([])
      + HostileFixture.gzipMember(Array(labels[5...]))
    #expect(try IDX.decodeLabels(three) == [7, 0, 9])
    // Bytes after the last member that are not a gzip member are still an error.
    #expect(throws: IDXError.self) {
      try IDX.decodeLabels(HostileFixture.gzipMember(labels) + [0x00, 0x01])
    }
  }

  @Test("a data set's format error names the file, not the folder")
  func dataSetErrorNamesFile() throws {
    let folder = NSTemporaryDirectory() + "rankcollapse-idx-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let images = IDXFixture.file(shape: [2, 2, 2], data: [1, 2, 3])  // one byte short
    let labels = IDXFixture.file(shape: [2], data: [1, 0])
    try Data(images).write(to: URL(fileURLWithPath: folder + "/t10k-images-idx3-ubyte"))
    try Data(labels).write(to: URL(fileURLWithPath: folder + "/t10k-labels-idx1-ubyte"))
    let error = try #require(throws: IDXError.self) {
      try LabelledData<Float>(mnistFolder: folder, split: .test)
    }
    #expect(error.path == folder + "/t10k-images-idx3-ubyte")
    #expect(error.description.hasPrefix(folder + "/t10k-images-idx3-ubyte: file is truncated"))
  }

  // MARK: The .npz N-D promise

  /// An archive like a small CNN's: a 4-D kernel, two matrices and a bias.
  static func convolutionArchive() -> [UInt8] {
    let kernel =
      HostileFixture.npyHeader(shape: [2, 3, 2, 2], descriptor: "<f4")
      + [UInt8](repeating: 0, count: 24 * 4)
    let matrix = Matrix<Float>([[1, 2], [3, 4], [5, 6]])
    return ZipFixture(members: [
      .init(name: "conv.weight.npy", data: kernel),
      .init(name: "fc.weight.npy", data: NumPy.encode(NumPyArray(matrix))),
      .init(name: "fc.bias.npy", data: NumPy.encode(NumPyArray(vector: [Float(1), 2, 3]))),
      .init(name: "head.weight.npy", data: NumPy.encode(NumPyArray(matrix.transposed()))),
    ]).bytes
  }

  @Test("an .npz holding a 4-D array: described, and its 2-D arrays read without it")
  func ndArchive() throws {
    let bytes = Self.convolutionArchive()
    let infos = try NumPy.archiveInfo(bytes)
    #expect(infos.map(\.name) == ["conv.weight", "fc.weight", "fc.bias", "head.weight"])
    #expect(infos.map(\.shape) == [[2, 3, 2, 2], [3, 2], [3], [2, 3]])
    #expect(infos.map(\.isMatrix) == [false, true, false, true])
    let matrices = Set(infos.filter(\.isMatrix).map(\.name))
    let archive = try NumPy.decodeArchive(bytes, including: matrices.contains)
    #expect(archive.names == ["fc.weight", "head.weight"])
    #expect(archive["fc.weight"]?.matrix(as: Float.self) == Matrix([[1, 2], [3, 4], [5, 6]]))
    // Reading everything still refuses the 4-D array, naming it.
    #expect(
      throws: NumPyError.invalidMember(
        member: "conv.weight.npy", error: .unsupportedDimensionCount(shape: [2, 3, 2, 2]))
    ) {
      try NumPy.decodeArchive(bytes)
    }
  }

  @Test("a member the filter leaves out is never inflated, even when it is damaged")
  func filteredOutNeverRead() throws {
    let good = NumPy.encode(NumPyArray(Matrix<Float>([[1, 2]])))
    var zip = ZipFixture(members: [
      .init(
        name: "damaged.npy", data: [0xFF, 0xFF, 0xFF, 0xFF], method: 8, uncompressedSize: 1000),
      .init(name: "good.npy", data: good),
    ])
    zip.members[0].crc = 0
    let bytes = zip.bytes
    let archive = try NumPy.decodeArchive(bytes, including: { $0 == "good" })
    #expect(archive.names == ["good"])
    #expect(try NumPy.archiveInfo(bytes, including: { $0 == "good" }).map(\.shape) == [[1, 2]])
    #expect(throws: NumPyError.self) { try NumPy.decodeArchive(bytes) }
    // The same from a file.
    let path = NSTemporaryDirectory() + "rankcollapse-filter-\(UUID().uuidString).npz"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(try NumPy.readArchive(contentsOf: path, including: { $0 == "good" }).names == ["good"])
    #expect(
      try NumPy.archiveInfo(contentsOf: path, including: { $0 != "damaged" }).map(\.name)
        == ["good"])
  }
}
