import Foundation
import RankCollapseData
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

private typealias Fixture = SafeTensorsFixture

@Suite("safetensors reading and writing")
struct SafeTensorsTests {
  @Test("a hand-built file with F32, F64 and I64 tensors decodes to the right values")
  func handBuilt() throws {
    let header =
      "{\"__metadata__\":{\"format\":\"pt\"},"
      + Fixture.entry("w", "F32", [2, 3], 0, 24) + ","
      + Fixture.entry("b", "F64", [2], 24, 40) + ","
      + Fixture.entry("ids", "I64", [3], 40, 64) + "}"
    let data =
      Fixture.f32([1, 2, 3, 4, 5, -6.5]) + Fixture.f64([0.1, -0.25])
      + [1, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
      + [7, 0, 0, 0, 0, 0, 0, 0]
    let file = try SafeTensors.decode(Fixture.file(header: header, data: data))
    #expect(file.metadata == ["format": "pt"])
    #expect(file.names == ["w", "b", "ids"])
    let w = try #require(file["w"])
    #expect(w.dataType == .float32)
    #expect(w.shape == [2, 3])
    #expect(try w.matrix(as: Float.self) == Matrix([[1, 2, 3], [4, 5, -6.5]]))
    #expect(try #require(file["b"]).vector(as: Double.self) == [0.1, -0.25])
    #expect(try #require(file["ids"]).integers() == [1, -1, 7])
    #expect(throws: SafeTensorsError.notIntegerTensor(tensor: "w", dataType: .float32)) {
      try w.integers()
    }
  }

  @Test("tensors come out in data order, whatever the JSON key order")
  func dataOrder() throws {
    let header =
      "{" + Fixture.entry("second", "F32", [1], 4, 8) + ","
      + Fixture.entry("first", "F32", [1], 0, 4) + "}"
    let file = try SafeTensors.decode(Fixture.file(header: header, data: Fixture.f32([1, 2])))
    #expect(file.names == ["first", "second"])
  }

  @Test("F16 and BF16 decode exactly to Float")
  func halfPrecision() throws {
    // F16: 1.0 = 0x3C00, -2.5 = 0xC100, 65504 = 0x7BFF, smallest subnormal 2^-24 = 0x0001.
    // BF16: 1.0 = 0x3F80, -2.5 = 0xC020, 3.140625 = 0x4049, +inf = 0x7F80.
    let header =
      "{" + Fixture.entry("h", "F16", [4], 0, 8) + "," + Fixture.entry("b", "BF16", [2, 2], 8, 16)
      + "}"
    let data =
      Fixture.u16([0x3C00, 0xC100, 0x7BFF, 0x0001])
      + Fixture.u16([0x3F80, 0xC020, 0x4049, 0x7F80])
    let file = try SafeTensors.decode(Fixture.file(header: header, data: data))
    #expect(try #require(file["h"]).vector(as: Float.self) == [1, -2.5, 65504, 0x1p-24])
    #expect(
      try #require(file["b"]).matrix(as: Float.self)
        == Matrix([[1, -2.5], [3.140625, .infinity]]))
    #expect(try #require(file["h"]).dataType == .float16)
  }

  @Test("every integer type and BOOL decodes exactly")
  func integerTypes() throws {
    let cases: [(String, [UInt8], [Int])] = [
      ("U8", [255, 0], [255, 0]), ("I8", [255, 1], [-1, 1]), ("BOOL", [1, 0], [1, 0]),
      ("I16", [0xFF, 0xFF, 2, 0], [-1, 2]), ("U16", [0xFF, 0xFF, 2, 0], [65535, 2]),
      ("I32", [0xFE, 0xFF, 0xFF, 0xFF, 2, 0, 0, 0], [-2, 2]),
      ("U32", [0xFE, 0xFF, 0xFF, 0xFF, 2, 0, 0, 0], [4_294_967_294, 2]),
      ("U64", [5, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0], [5, 6]),
    ]
    for (dtype, data, values) in cases {
      let header = "{" + Fixture.entry("t", dtype, [2], 0, data.count) + "}"
      let file = try SafeTensors.decode(Fixture.file(header: header, data: data))
      #expect(try #require(file["t"]).integers() == values, "\(dtype)")
      #expect(try #require(file["t"]).vector(as: Double.self) == values.map(Double.init))
    }
    let big = "{" + Fixture.entry("t", "U64", [1], 0, 8) + "}"
    let file = try SafeTensors.decode(
      Fixture.file(header: big, data: [0, 0, 0, 0, 0, 0, 0, 0x80]))
    #expect(
      throws: SafeTensorsError.integerOverflow(
        tensor: "t", index: 0, value: "9223372036854775808")
    ) {
      try #require(file["t"]).integers()
    }
  }

  @Test("N-D tensors are kept whole and flattened to d0 × rest only when asked")
  func higherDimensions() throws {
    let values = (0..<24).map(Float.init)
    let tensor = SafeTensor(name: "conv", elements: values, shape: [2, 3, 2, 2])
    let file = try SafeTensors.decode(SafeTensors.encode(SafeTensorsFile(tensors: [tensor])))
    let read = try #require(file["conv"])
    #expect(read.shape == [2, 3, 2, 2])
    #expect(throws: SafeTensorsError.notAMatrix(tensor: "conv", shape: [2, 3, 2, 2])) {
      try read.matrix(as: Float.self)
    }
    let flat = try read.matrix(as: Float.self, flattening: true)
    #expect(flat.rows == 2 && flat.columns == 12)
    #expect(flat.elements == values)
    let scalar = SafeTensor(name: "s", elements: [Double(3)], shape: [])
    let scalarRead = try SafeTensors.decode(SafeTensors.encode(SafeTensorsFile(tensors: [scalar])))
    #expect(try #require(scalarRead["s"]).shape == [])
    #expect(try #require(scalarRead["s"]).vector(as: Double.self) == [3])
  }

  @Test("write → read round trips every type, shape, order and the metadata exactly")
  func roundTrip() throws {
    var generator = SeededGenerator(seed: 3)
    let a = Matrix<Float>.randomNormal(rows: 7, columns: 5, using: &generator)
    let b = Matrix<Double>.randomNormal(rows: 3, columns: 4, using: &generator)
    let halves = Matrix<Float>([[1, -2.5], [0.099975586, 65504]])  // exact in F16
    let brains = Matrix<Float>([[1, -2.5], [3.140625, -0]])  // exact in BF16
    let original = SafeTensorsFile(
      tensors: [
        SafeTensor(name: "z.last", matrix: a),
        SafeTensor(name: "a.first", matrix: b),
        SafeTensor(name: "h", matrix: halves, dataType: .float16),
        SafeTensor(name: "bf", matrix: brains, dataType: .bfloat16),
        SafeTensor(name: "labels", integers: [Int32(4), -1, 9]),
        SafeTensor(name: "mask", booleans: [true, false]),
        SafeTensor(name: "empty", matrix: Matrix<Float>.zeros(rows: 0, columns: 3)),
        SafeTensor(name: "ünïcode \"quoted\"\n", vector: [Float(1)]),
      ],
      metadata: ["format": "pt", "step": "1200", "note": "a \"quoted\" value\\"])
    let bytes = SafeTensors.encode(original)
    let decoded = try SafeTensors.decode(bytes)
    #expect(decoded == original)
    #expect(decoded.names == original.names)
    // The header is padded so the data starts 8-byte aligned.
    let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
    #expect((8 + length) % 8 == 0)
  }

  @Test("F16 and BF16 writing rounds to nearest, ties to even")
  func halfRounding() throws {
    // 1 + 2^-11 is halfway between F16 neighbours 1 and 1 + 2^-10: ties to even gives 1.
    // 1 + 3·2^-11 is halfway between 1 + 2^-10 and 1 + 2^-9: ties to even gives 1 + 2^-9.
    let values: [Float] = [1 + 0x1p-11, 1 + 3 * 0x1p-11, 1 + 0x1p-8, 1 + 3 * 0x1p-8]
    let file = SafeTensorsFile(tensors: [
      SafeTensor(name: "h", vector: Array(values[0..<2]), dataType: .float16),
      SafeTensor(name: "b", vector: Array(values[2..<4]), dataType: .bfloat16),
    ])
    let read = try SafeTensors.decode(SafeTensors.encode(file))
    #expect(try #require(read["h"]).vector(as: Float.self) == [1, 1 + 0x1p-9])
    #expect(try #require(read["b"]).vector(as: Float.self) == [1, 1 + 0x1p-6])
  }

  @Test("the including: filter decodes only the chosen tensors but validates all")
  func filtering() throws {
    let file = SafeTensorsFile(tensors: [
      SafeTensor(name: "keep", vector: [Float(1)]), SafeTensor(name: "skip", vector: [Float(2)]),
    ])
    let read = try SafeTensors.decode(SafeTensors.encode(file)) { $0 == "keep" }
    #expect(read.names == ["keep"])
    let f8 = "{" + Fixture.entry("f8", "F8_E4M3", [2], 0, 2) + "}"
    let bytes = Fixture.file(header: f8, data: [0, 0])
    #expect(try SafeTensors.decode(bytes) { _ in false }.tensors.isEmpty)
    #expect(throws: SafeTensorsError.unsupportedDataType(tensor: "f8", dataType: "F8_E4M3")) {
      try SafeTensors.decode(bytes)
    }
  }

  @Test("write and read go through the file system, atomically")
  func files() throws {
    let folder = try temporaryFolder("rankcollapse-st")
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("model.safetensors").path
    var generator = SeededGenerator(seed: 9)
    let file = SafeTensorsFile(
      tensors: [
        SafeTensor(
          name: "w", matrix: Matrix<Float>.randomNormal(rows: 30, columns: 20, using: &generator)),
        SafeTensor(name: "h", vector: [Float(0.5), 2], dataType: .float16),
        SafeTensor(name: "i", integers: [UInt8(3)]),
      ], metadata: ["epoch": "3"])
    try SafeTensors.write(file, to: path)
    #expect(try SafeTensors.read(contentsOf: path) == file)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(SafeTensors.encode(file)))
    #expect(try SafeTensors.read(contentsOf: path) { $0 == "i" }.names == ["i"])
    #expect(
      try SafeTensors.tensorInfo(contentsOf: path) == [
        SafeTensorInfo(name: "w", dataType: .float32, shape: [30, 20]),
        SafeTensorInfo(name: "h", dataType: .float16, shape: [2]),
        SafeTensorInfo(name: "i", dataType: .uint8, shape: [1]),
      ])
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
    #expect(throws: SafeTensorsError.isDirectory(path: folder.path)) {
      try SafeTensors.read(contentsOf: folder.path)
    }
    #expect(throws: SafeTensorsError.fileNotFound(path: path + ".missing")) {
      try SafeTensors.read(contentsOf: path + ".missing")
    }
    #expect(throws: SafeTensorsError.fileNotFound(path: folder.path + "/no")) {
      try SafeTensors.write(file, to: folder.path + "/no/x.safetensors")
    }
  }
}

@Suite("Rejecting malformed safetensors files with the right error")
struct SafeTensorsMalformedTests {
  private func decode(_ header: String, data: [UInt8] = []) throws(SafeTensorsError) {
    _ = try SafeTensors.decode(Fixture.file(header: header, data: data))
  }

  @Test("files shorter than the 8-byte length, or than the declared header, are truncated")
  func truncated() {
    for length in 0..<8 {
      #expect(throws: SafeTensorsError.truncatedHeader(requiredBytes: 8, fileBytes: length)) {
        try SafeTensors.decode([UInt8](repeating: 0, count: length))
      }
    }
    #expect(throws: SafeTensorsError.truncatedHeader(requiredBytes: 108, fileBytes: 10)) {
      try SafeTensors.decode(Fixture.file(header: "{}", declaredLength: 100))
    }
  }

  @Test("every truncation of a valid file is an error, never a crash")
  func everyTruncation() {
    let bytes = SafeTensors.encode(
      SafeTensorsFile(
        tensors: [
          SafeTensor(name: "a", vector: [Float(1), 2]), SafeTensor(name: "b", integers: [1, 2]),
        ], metadata: ["k": "v"]))
    for length in 0..<bytes.count {
      #expect(throws: SafeTensorsError.self) { try SafeTensors.decode(Array(bytes[..<length])) }
    }
  }

  @Test("an absurd header length (a non-safetensors file) is refused before allocating")
  func hugeHeader() {
    #expect(
      throws: SafeTensorsError.headerTooLarge(
        length: 0x8000_0000_0000_0000, limit: SafeTensors.maximumHeaderLength)
    ) {
      try SafeTensors.decode(Fixture.file(header: "{}", declaredLength: 0x8000_0000_0000_0000))
    }
    // A PNG's first 8 bytes read as a length.
    #expect(throws: SafeTensorsError.self) {
      try SafeTensors.decode([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0])
    }
  }

  @Test(
    "header text that is not JSON is malformedHeader with the offset",
    arguments: [
      ("", "expected a value", 0), ("{", "expected a member name", 1),
      ("{\"a\":1,}", "expected a member name", 7), ("{'a':1}", "expected a member name", 1),
      ("{\"a\":01}", "leading zeros", 5), ("{\"a\":1} x", "after the end", 8),
      ("{\"a\":tru}", "expected 'true'", 8), ("{\"a\":\"\\x\"}", "invalid escape", 8),
      ("{\"a\":\"\\ud800\"}", "unpaired surrogate", 12), ("{\"a\":1,\"a\":2}", "duplicate", 7),
      ("{\"a\":\"line\nbreak\"}", "control character", 10), ("[1,2", "expected ',' or ']'", 4),
      (String(repeating: "[", count: 100), "nesting deeper", 65),
    ] as [(String, String, Int)])
  func notJSON(text: String, fragment: String, offset: Int) throws {
    let error = try #require(throws: SafeTensorsError.self) { try decode(text) }
    guard case .malformedHeader(let reason, let at) = error else {
      Issue.record("expected malformedHeader, got \(error)")
      return
    }
    #expect(reason.contains(fragment), "\(reason)")
    #expect(at == offset)
  }

  @Test("a header that is not valid UTF-8 is invalidHeaderEncoding")
  func encoding() {
    #expect(throws: SafeTensorsError.invalidHeaderEncoding) {
      try SafeTensors.decode([4, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0xFF, 0xFE, 0x7D])
    }
  }

  @Test(
    "JSON of the wrong form is invalidHeader naming the entry",
    arguments: [
      ("[]", "not an object"),
      ("{\"w\":5}", "tensor 'w' is described by the number 5"),
      ("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "has no \"dtype\""),
      ("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "has no \"shape\""),
      ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", "has no \"data_offsets\""),
      ("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", "not a string"),
      ("{\"w\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}", "not a list"),
      ("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", "non-negative"),
      ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", "non-negative"),
      ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1e2],\"data_offsets\":[0,4]}}", "non-negative"),
      (
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}",
        "too large"
      ),
      ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", "[begin, end]"),
      ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", "end before"),
      ("{\"__metadata__\":[1]}", "__metadata__ is an array"),
      ("{\"__metadata__\":{\"a\":1}}", "entry \"a\" is the number 1"),
    ] as [(String, String)])
  func wrongForm(text: String, fragment: String) throws {
    let error = try #require(throws: SafeTensorsError.self) {
      try decode(text, data: [0, 0, 0, 0])
    }
    guard case .invalidHeader(let reason) = error else {
      Issue.record("expected invalidHeader, got \(error)")
      return
    }
    #expect(reason.contains(fragment), "\(reason)")
  }

  @Test("unknown dtypes are unsupportedDataType naming tensor and dtype")
  func unknownDataType() {
    for dtype in ["F128", "f32", "C64", "F4", ""] {
      #expect(throws: SafeTensorsError.unsupportedDataType(tensor: "w", dataType: dtype)) {
        try decode("{" + Fixture.entry("w", dtype, [1], 0, 4) + "}", data: [0, 0, 0, 0])
      }
    }
  }

  @Test("offsets that disagree with shape × dtype size are sizeMismatch")
  func sizeMismatch() {
    #expect(
      throws: SafeTensorsError.sizeMismatch(
        tensor: "w", shape: [2, 2], dataType: .float32, expectedBytes: 16, declaredBytes: 12)
    ) {
      try decode(
        "{" + Fixture.entry("w", "F32", [2, 2], 0, 12) + "}", data: .init(repeating: 0, count: 12))
    }
  }

  @Test("absurd dimensions overflow before anything is allocated")
  func overflow() {
    let shape = [4_611_686_018_427_387_904, 4]
    #expect(throws: SafeTensorsError.sizeOverflow(tensor: "w", shape: shape)) {
      try decode("{" + Fixture.entry("w", "F32", shape, 0, 4) + "}", data: [0, 0, 0, 0])
    }
    // Zero elements, but d₁·d₂ (the stored row length) overflows: found by the fuzzer in IDX.
    let zero = [0, 1 << 40, 1 << 40]
    #expect(throws: SafeTensorsError.sizeOverflow(tensor: "w", shape: zero)) {
      try decode("{" + Fixture.entry("w", "F32", zero, 0, 0) + "}")
    }
    // A plausible-looking huge tensor whose offsets run past the end of the file.
    #expect(
      throws: SafeTensorsError.dataSizeMismatch(expectedBytes: 4_000_000_000, actualBytes: 4)
    ) {
      try decode(
        "{" + Fixture.entry("w", "F32", [1_000_000_000], 0, 4_000_000_000) + "}",
        data: [0, 0, 0, 0])
    }
  }

  @Test("overlapping tensors, gaps and data not starting at 0 are invalidOffsets")
  func offsets() {
    // (a's count and end, b's count, begin and end, where b should begin): an overlap, a gap.
    for (aCount, aEnd, bCount, bBegin, bEnd, expected) in [
      (2, 8, 2, 4, 12, 8), (1, 4, 1, 8, 12, 4),
    ] {
      let header =
        "{" + Fixture.entry("a", "F32", [aCount], 0, aEnd) + ","
        + Fixture.entry("b", "F32", [bCount], bBegin, bEnd) + "}"
      #expect(
        throws: SafeTensorsError.invalidOffsets(
          tensor: "b", begin: bBegin, end: bEnd, expectedBegin: expected)
      ) {
        try decode(header, data: .init(repeating: 0, count: 12))
      }
    }
    let same =
      "{" + Fixture.entry("a", "F32", [1], 0, 4) + "," + Fixture.entry("b", "F32", [1], 0, 4)
      + "}"
    #expect(throws: SafeTensorsError.self) { try decode(same, data: [0, 0, 0, 0]) }
    #expect(
      SafeTensorsError.invalidOffsets(tensor: "b", begin: 4, end: 12, expectedBegin: 8)
        .description.contains("overlaps"))
  }

  @Test("data shorter or longer than the offsets cover is dataSizeMismatch")
  func dataSize() {
    let header = "{" + Fixture.entry("a", "F32", [2], 0, 8) + "}"
    #expect(throws: SafeTensorsError.dataSizeMismatch(expectedBytes: 8, actualBytes: 7)) {
      try decode(header, data: .init(repeating: 0, count: 7))
    }
    #expect(throws: SafeTensorsError.dataSizeMismatch(expectedBytes: 8, actualBytes: 9)) {
      try decode(header, data: .init(repeating: 0, count: 9))
    }
  }

  @Test("error messages name the tensor and the problem")
  func messages() {
    #expect(
      SafeTensorsError.unsupportedDataType(tensor: "w", dataType: "C64").description
        .hasPrefix("tensor 'w' has dtype C64"))
    #expect(
      SafeTensorsError.dataSizeMismatch(expectedBytes: 8, actualBytes: 7).description
        .contains("truncated"))
    #expect(
      SafeTensorsError.notAMatrix(tensor: "k", shape: [2, 3, 4]).description
        .contains("2 × 12"))
    #expect(SafeTensorsError.fileNotFound(path: "/x").path == "/x")
    #expect(SafeTensorsError.invalidHeaderEncoding.path == nil)
  }
}
