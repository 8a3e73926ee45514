import Foundation
import RankCollapseData
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

@Suite("IDX (MNIST) files")
struct IDXTests {
  /// Three 2×2 images with pixel values 0, 1, 2, … 11 and 255.
  static let pixels: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]
  static let images = IDXFixture.file(shape: [3, 2, 2], data: pixels)
  static let labels = IDXFixture.file(shape: [3], data: [7, 0, 9])

  @Test("images become an N × (rows·columns) matrix of p / 255, raw or gzipped")
  func images() throws {
    for bytes in [Self.images, IDXFixture.gzip(Self.images)] {
      let floats = try IDX.decodeImages(bytes, as: Float.self)
      #expect(floats.rows == 3 && floats.columns == 4)
      #expect(floats.elements == Self.pixels.map { Float($0) / 255 })
      let doubles = try IDX.decodeImages(bytes, as: Double.self)
      #expect(doubles.elements == Self.pixels.map { Double($0) / 255 })
      #expect(doubles[2, 3] == 1)
    }
  }

  @Test("a gzipped file larger than one inflation chunk is assembled in order")
  func largeGzip() throws {
    var generator = SeededGenerator(seed: 4)
    let data = (0..<(300 * 28 * 28)).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let bytes = IDXFixture.gzip(IDXFixture.file(shape: [300, 28, 28], data: data))
    let images = try IDX.decodeImages(bytes, as: Float.self)
    #expect(images.rows == 300 && images.columns == 784)
    #expect(images.elements == data.map { Float($0) / 255 })
  }

  @Test("labels of every integer type decode, raw or gzipped")
  func labels() throws {
    #expect(try IDX.decodeLabels(Self.labels) == [7, 0, 9])
    #expect(try IDX.decodeLabels(IDXFixture.gzip(Self.labels)) == [7, 0, 9])
    let signed = IDXFixture.file(type: 0x09, shape: [2], data: [0xFF, 3])
    #expect(try IDX.decodeLabels(signed) == [-1, 3])
    let shorts = IDXFixture.file(type: 0x0B, shape: [2], data: [0x01, 0x00, 0xFF, 0xFE])
    #expect(try IDX.decodeLabels(shorts) == [256, -2])
    let ints = IDXFixture.file(type: 0x0C, shape: [2], data: [0, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])
    #expect(try IDX.decodeLabels(IDXFixture.gzip(ints)) == [65536, -1])
  }

  @Test("files are read from disk, and a folder of four files is a data set")
  func dataSetFolder() throws {
    let folder = try temporaryFolder("rankcollapse-idx")
    defer { try? FileManager.default.removeItem(at: folder) }
    func write(_ name: String, _ bytes: [UInt8]) throws {
      try Data(bytes).write(to: folder.appendingPathComponent(name))
    }
    try write("train-images-idx3-ubyte.gz", IDXFixture.gzip(Self.images))
    try write("train-labels-idx1-ubyte", Self.labels)
    #expect(!MNIST.isAvailable(in: folder.path))
    #expect(
      throws: IDXError.missingDataSetFile(folder: folder.path, name: "t10k-images-idx3-ubyte")
    ) {
      try LabelledData<Float>(mnistFolder: folder.path, split: .test)
    }
    try write("t10k-images-idx3-ubyte", Self.images)
    try write(
      "t10k-labels-idx1-ubyte.gz", IDXFixture.gzip(IDXFixture.file(shape: [2], data: [1, 2])))
    #expect(MNIST.isAvailable(in: folder.path))
    let train = try LabelledData<Double>(mnistFolder: folder.path, split: .train)
    #expect(train.labels == [7, 0, 9])
    #expect(train.inputs.elements == Self.pixels.map { Double($0) / 255 })
    #expect(throws: IDXError.countMismatch(images: 3, labels: 2)) {
      try LabelledData<Float>(mnistFolder: folder.path, split: .test)
    }
    let path = folder.appendingPathComponent("train-labels-idx1-ubyte").path
    #expect(try IDX.readLabels(contentsOf: path) == [7, 0, 9])
    #expect(throws: IDXError.fileNotFound(path: path + "x")) {
      try IDX.readLabels(contentsOf: path + "x")
    }
  }

  @Test(
    "Debian's Fashion-MNIST files read as 60000 + 10000 images of 784 pixels in [0, 1]",
    .enabled(if: MNIST.isAvailable(), "install Debian's dataset-fashion-mnist"))
  func fashionMNIST() throws {
    let train = try LabelledData<Float>(split: .train)
    let test = try LabelledData<Float>(split: .test)
    #expect(train.inputs.rows == 60_000 && train.inputs.columns == 784)
    #expect(test.inputs.rows == 10_000 && test.inputs.columns == 784)
    // Fashion-MNIST is balanced: 6000 training and 1000 test images per class 0…9.
    for label in 0..<10 {
      #expect(train.labels.count { $0 == label } == 6000)
      #expect(test.labels.count { $0 == label } == 1000)
    }
    #expect(train.inputs.elements.allSatisfy { $0 >= 0 && $0 <= 1 })
    #expect(train.inputs.maxAbsoluteValue == 1)
  }

  // MARK: Malformed files

  @Test("every truncation of a raw or gzipped file is an error, never a crash")
  func truncations() {
    for bytes in [Self.images, IDXFixture.gzip(Self.images)] {
      for length in 0..<bytes.count {
        #expect(throws: IDXError.self) {
          try IDX.decodeImages(Array(bytes[..<length]), as: Float.self)
        }
      }
    }
  }

  @Test("wrong magic, unknown types and a missing dimension count are format errors")
  func header() {
    #expect(throws: IDXError.notIDXFile) { try IDX.decodeLabels([1, 0, 8, 1, 0, 0, 0, 0]) }
    #expect(throws: IDXError.notIDXFile) { try IDX.decodeLabels(Array("%PDF-1.4".utf8)) }
    #expect(throws: IDXError.unknownDataType(code: 0x0A)) {
      try IDX.decodeLabels([0, 0, 0x0A, 1, 0, 0, 0, 0])
    }
    #expect(throws: IDXError.truncatedHeader(requiredBytes: 8, availableBytes: 4)) {
      try IDX.decodeLabels([0, 0, 8, 0])
    }
    #expect(throws: IDXError.truncatedHeader(requiredBytes: 12, availableBytes: 8)) {
      try IDX.decodeLabels([0, 0, 8, 2, 0, 0, 0, 1])
    }
  }

  @Test("data shorter or longer than the dimensions say is an error, raw or gzipped")
  func payloadSize() {
    let short = IDXFixture.file(shape: [3, 2, 2], data: Array(Self.pixels.dropLast()))
    let long = IDXFixture.file(shape: [3, 2, 2], data: Self.pixels + [0])
    #expect(
      throws: IDXError.truncatedData(shape: [3, 2, 2], expectedBytes: 12, availableBytes: 11)
    ) { try IDX.decodeImages(short, as: Float.self) }
    #expect(
      throws: IDXError.truncatedData(shape: [3, 2, 2], expectedBytes: 12, availableBytes: 11)
    ) { try IDX.decodeImages(IDXFixture.gzip(short), as: Float.self) }
    #expect(throws: IDXError.trailingData(shape: [3, 2, 2], expectedBytes: 12)) {
      try IDX.decodeImages(long, as: Float.self)
    }
    #expect(throws: IDXError.trailingData(shape: [3, 2, 2], expectedBytes: 12)) {
      try IDX.decodeImages(IDXFixture.gzip(long), as: Float.self)
    }
    // Data after the end of the gzip stream (a second member or garbage).
    #expect(throws: IDXError.trailingData(shape: [3, 2, 2], expectedBytes: 12)) {
      try IDX.decodeImages(IDXFixture.gzip(Self.images) + [1, 2, 3], as: Float.self)
    }
  }

  @Test("absurd dimensions are refused before allocating")
  func absurdDimensions() throws {
    let huge = IDXFixture.file(
      shape: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], data: [])
    #expect(throws: IDXError.sizeOverflow(shape: [4_294_967_295, 4_294_967_295, 4_294_967_295])) {
      try IDX.decodeImages(huge, as: Float.self)
    }
    // A zero dimension makes the total 0, but the row length (the other dimensions' product)
    // would overflow: found by the fuzzer.
    let zero = IDXFixture.file(shape: [0, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], data: [])
    #expect(
      throws: IDXError.sizeOverflow(shape: [0, 4_294_967_295, 4_294_967_295, 4_294_967_295])
    ) { try IDX.decodeImages(zero, as: Float.self) }
    let empty = try IDX.decodeImages(IDXFixture.file(shape: [0, 28, 28], data: []), as: Float.self)
    #expect(empty.rows == 0 && empty.columns == 784)
    let big = IDXFixture.file(shape: [60000, 28, 28], data: [1, 2, 3])
    #expect(
      throws: IDXError.truncatedData(
        shape: [60000, 28, 28], expectedBytes: 47_040_000, availableBytes: 3)
    ) { try IDX.decodeImages(big, as: Float.self) }
    let gz = IDXFixture.gzip(big)
    #expect(
      throws: IDXError.implausibleSize(
        shape: [60000, 28, 28], expectedBytes: 47_040_000, compressedBytes: gz.count)
    ) { try IDX.decodeImages(gz, as: Float.self) }
  }

  @Test("a damaged gzip stream is corruptGzip with zlib's reason")
  func corruptGzip() throws {
    let error = try #require(throws: IDXError.self) {
      try IDX.decodeImages(IDXFixture.gzip(Self.images, corruptCRC: true), as: Float.self)
    }
    guard case .corruptGzip(let reason) = error else {
      Issue.record("expected corruptGzip, got \(error)")
      return
    }
    #expect(reason.contains("check"), "\(reason)")
    var garbage = IDXFixture.gzip(Self.images)
    garbage[10] = 0x07  // an invalid block type
    #expect(throws: IDXError.self) { try IDX.decodeImages(garbage, as: Float.self) }
  }

  @Test("a label file read as images, or images as labels, is unexpectedContents")
  func wrongContents() {
    #expect(
      throws: IDXError.unexpectedContents(
        expected: "images (unsigned bytes, N × rows × columns)", dataType: .uint8, shape: [3])
    ) { try IDX.decodeImages(Self.labels, as: Float.self) }
    #expect(
      throws: IDXError.unexpectedContents(
        expected: "labels (integers, one dimension)", dataType: .uint8, shape: [3, 2, 2])
    ) { try IDX.decodeLabels(Self.images) }
    let floats = IDXFixture.file(type: 0x0D, shape: [1], data: [0, 0, 0, 0])
    #expect(throws: IDXError.self) { try IDX.decodeLabels(floats) }
  }

  @Test("IDX error messages name the problem")
  func messages() {
    #expect(IDXError.notIDXFile.description.contains("not an IDX file"))
    #expect(IDXError.unknownDataType(code: 0x0A).description.contains("0xa"))
    #expect(
      IDXError.missingDataSetFile(folder: "/d", name: "t").description == "/d has no t or t.gz")
    #expect(IDXError.fileNotFound(path: "/x").path == "/x")
  }
}
