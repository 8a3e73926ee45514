import RankCollapseData
import Testing

/// A header dict with the given raw entries (Python text), padded as NumPy pads it.
private func file(
  _ entries: String, version: UInt8 = 1, payload: [UInt8] = []
) -> [UInt8] {
  NumPyFixture.file(version: (version, 0), dictionary: "{\(entries)}", payload: payload)
}

/// Expects `bytes` to be rejected as a malformed header whose reason contains `fragment`.
private func expectMalformed(
  _ bytes: [UInt8], reasonContaining fragment: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let error = #expect(throws: NumPyError.self, sourceLocation: sourceLocation) {
    try NumPy.decode(bytes)
  }
  guard case .malformedHeader(let reason) = error else {
    Issue.record(
      "expected .malformedHeader, got \(String(describing: error))",
      sourceLocation: sourceLocation)
    return
  }
  #expect(reason.contains(fragment), "reason: \(reason)", sourceLocation: sourceLocation)
}

@Suite("Rejecting malformed .npy files with the right error")
struct NumPyMalformedTests {
  static let goodEntries = "'descr': '<f4', 'fortran_order': False, 'shape': (2,),"
  static let goodPayload = NumPyFixture.bytes([Float(1), 2])

  // MARK: Preamble

  @Test("a file that does not start with \\x93NUMPY is not a .npy file")
  func badMagic() {
    let good = file(Self.goodEntries, payload: Self.goodPayload)
    var wrongLetter = good
    wrongLetter[5] = UInt8(ascii: "Z")
    var wrongFirstByte = good
    wrongFirstByte[0] = UInt8(ascii: "N")
    let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04] + Array(repeating: 0, count: 60)
    for bytes in [wrongLetter, wrongFirstByte, zip, [], [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x00]] {
      #expect(throws: NumPyError.notNumPyFile) { try NumPy.decode(bytes) }
    }
  }

  @Test("a file cut inside the preamble is truncated", arguments: [1, 6, 7, 9, 11])
  func truncatedPreamble(length: Int) {
    let version: UInt8 = length == 11 ? 2 : 1
    let bytes = Array(file(Self.goodEntries, version: version).prefix(length))
    let required = length <= 8 ? 10 : (version == 1 ? 10 : 12)
    #expect(throws: NumPyError.truncatedHeader(requiredBytes: required, fileBytes: length)) {
      try NumPy.decode(bytes)
    }
  }

  @Test(
    "format versions other than 1.0, 2.0 and 3.0 are unsupported",
    arguments: [(4, 0), (1, 1), (0, 0), (2, 1), (255, 255)] as [(UInt8, UInt8)])
  func unsupportedVersion(major: UInt8, minor: UInt8) {
    var bytes = file(Self.goodEntries, payload: Self.goodPayload)
    bytes[6] = major
    bytes[7] = minor
    #expect(throws: NumPyError.unsupportedVersion(major: major, minor: minor)) {
      try NumPy.decode(bytes)
    }
  }

  @Test("the message for an unsupported version names it")
  func unsupportedVersionMessage() {
    #expect(
      NumPyError.unsupportedVersion(major: 4, minor: 0).description
        == "unsupported format version 4.0 (RankCollapse reads 1.0, 2.0 and 3.0)")
    #expect(NumPyError.notNumPyFile.description == "not a .npy file (magic bytes missing)")
  }

  @Test("a header length beyond the end of the file is a truncated header")
  func headerBeyondFile() {
    let header = NumPyFixture.padded("{\(Self.goodEntries)}", major: 1)
    let short = NumPyFixture.file(header: header, declaredHeaderLength: header.count + 1)
    #expect(
      throws: NumPyError.truncatedHeader(
        requiredBytes: 10 + header.count + 1, fileBytes: 10 + header.count)
    ) { try NumPy.decode(short) }
    let huge = NumPyFixture.file(
      version: (2, 0), header: header, declaredHeaderLength: Int(UInt32.max))
    #expect(
      throws: NumPyError.truncatedHeader(
        requiredBytes: 12 + Int(UInt32.max), fileBytes: 12 + header.count)
    ) { try NumPy.decode(huge) }
  }

  @Test("a header longer than the limit is refused even when the file holds it")
  func headerTooLarge() {
    let dictionary = "{\(Self.goodEntries)}"
    let header =
      Array(dictionary.utf8)
      + Array(
        repeating: UInt8(ascii: " "), count: NumPy.maximumHeaderLength + 1 - dictionary.utf8.count)
    let bytes = NumPyFixture.file(version: (2, 0), header: header, payload: Self.goodPayload)
    #expect(
      throws: NumPyError.headerTooLarge(
        length: NumPy.maximumHeaderLength + 1, limit: NumPy.maximumHeaderLength)
    ) { try NumPy.decode(bytes) }
  }

  // MARK: Header syntax

  @Test(
    "header text that is not a Python dict literal is a syntax error",
    arguments: [
      ("", "empty"),
      ("   \n", "empty"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", "expected ',' or '}'"),
      ("{'descr' '<f4', 'fortran_order': False, 'shape': (2,)}", "expected ':'"),
      ("{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}", "expected ',' or '}'"),
      ("{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", "expected ',' or '}'"),
      ("{'descr': '<f4', 'fortran_order': false, 'shape': (2,)}", "name 'false'"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,)}", "'.'"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (0x2,)}", "'x'"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (02,)}", "leading zeros"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (2l,)}", "'l'"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (- 2,)}", "digits after '-'"),
      ("{'descr': '<\\x66\\x34', 'fortran_order': False, 'shape': (2,)}", "escape"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} # ok", "after the end"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}}", "after the end"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,),,}", "unexpected ','"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (2 3)}", "',' or ')'"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", "expected ',' or '}'"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,}", "unexpected '}'"),
      ("['descr', '<f4']", "not a dict"),
      ("(1, 2)", "not a dict"),
      ("'descr'", "not a dict"),
      ("{1: '<f4'}", "keys must be strings"),
      ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': u'a'}", "name 'u'"),
      ("{\u{0}}", "byte 0x00"),
    ] as [(String, String)])
  func syntax(header: String, fragment: String) {
    expectMalformed(
      NumPyFixture.file(header: Array(header.utf8), payload: Self.goodPayload),
      reasonContaining: fragment)
  }

  @Test("deeply nested brackets are refused, not recursed into")
  func deepNesting() {
    let depth = 20_000  // 40 000 brackets: within the header limit
    let header =
      "{'descr': " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
      + "}"
    expectMalformed(
      NumPyFixture.file(version: (2, 0), header: Array(header.utf8)),
      reasonContaining: "nested")
  }

  @Test("Python 2's long suffix is refused in a format 3.0 header (Python 2 never wrote 3.0)")
  func longSuffixVersion3() {
    expectMalformed(
      file("'descr': '<f4', 'fortran_order': False, 'shape': (2L,),", version: 3),
      reasonContaining: "'L'")
  }

  @Test("a format 3.0 header that is not UTF-8 is an encoding error; in 1.0 it is Latin-1")
  func nonUTF8() {
    let dictionary =
      Array("{'descr': '".utf8) + [0xFF, 0xFE]
      + Array("', 'fortran_order': False, 'shape': (2,)}".utf8)
    let version3 = NumPyFixture.file(version: (3, 0), header: dictionary, payload: Self.goodPayload)
    #expect(throws: NumPyError.invalidHeaderEncoding) { try NumPy.decode(version3) }
    let version1 = NumPyFixture.file(version: (1, 0), header: dictionary, payload: Self.goodPayload)
    #expect(throws: NumPyError.unsupportedDataType(descriptor: "'ÿþ'")) {
      try NumPy.decode(version1)
    }
  }

  // MARK: Keys

  @Test("a header without one of the three keys names the missing key")
  func missingKeys() {
    #expect(throws: NumPyError.missingKey("shape")) {
      try NumPy.decode(file("'descr': '<f4', 'fortran_order': False"))
    }
    #expect(throws: NumPyError.missingKey("descr")) {
      try NumPy.decode(file("'fortran_order': False, 'shape': (2,)"))
    }
    #expect(throws: NumPyError.missingKey("fortran_order")) {
      try NumPy.decode(file("'descr': '<f4', 'shape': (2,)"))
    }
    #expect(throws: NumPyError.missingKey("descr")) { try NumPy.decode(file("")) }
  }

  @Test("a header with an unknown key names it")
  func unknownKey() {
    #expect(throws: NumPyError.unknownKey("order")) {
      try NumPy.decode(file(Self.goodEntries + " 'order': 'C'", payload: Self.goodPayload))
    }
    #expect(throws: NumPyError.unknownKey("Shape")) {
      try NumPy.decode(file("'descr': '<f4', 'fortran_order': False, 'Shape': (2,)"))
    }
  }

  @Test("a header with a key twice names it, even when both values agree")
  func duplicateKey() {
    #expect(throws: NumPyError.duplicateKey("descr")) {
      try NumPy.decode(
        file(Self.goodEntries + " 'descr': '<f4'", payload: Self.goodPayload))
    }
    #expect(throws: NumPyError.duplicateKey("shape")) {
      try NumPy.decode(file("'shape': (2,), " + Self.goodEntries, payload: Self.goodPayload))
    }
  }

  // MARK: Values

  @Test(
    "fortran_order must be True or False",
    arguments: ["1", "0", "'True'", "None", "(True,)"])
  func fortranOrderValue(value: String) {
    #expect(throws: NumPyError.invalidValue(key: "fortran_order", value: value)) {
      try NumPy.decode(file("'descr': '<f4', 'fortran_order': \(value), 'shape': (2,)"))
    }
  }

  @Test(
    "shape must be a tuple of integers",
    arguments: [
      ("[2, 3]", "[2, 3]"), ("2", "2"), ("(2)", "2"), ("('2',)", "('2',)"),
      ("(2, None)", "(2, None)"), ("(True,)", "(True,)"), ("((2,),)", "((2,),)"),
    ])
  func shapeValue(value: String, printed: String) {
    #expect(throws: NumPyError.invalidValue(key: "shape", value: printed)) {
      try NumPy.decode(file("'descr': '<f4', 'fortran_order': False, 'shape': \(value)"))
    }
  }

  @Test(
    "dtypes other than float32/float64 and the integers, or without a byte order, are unsupported",
    arguments: [
      "'i8'", "'=i4'", "'|u2'", "'<i3'", "'<u16'", "'<b2'",
      "'<f2'", "'<f16'", "'<c8'", "'|O'", "'<U5'", "'float32'",
      "'f4'", "'=f4'", "'|f4'", "'f8'", "'<F4'", "' <f4'", "'<f4 '", "''", "5", "None",
      "[('a', '<f4')]", "[('a', '<f4'), ('b', '<f8')]", "('<f4', (2,))",
    ])
  func unsupportedDataType(descriptor: String) {
    #expect(throws: NumPyError.unsupportedDataType(descriptor: descriptor)) {
      try NumPy.decode(file("'descr': \(descriptor), 'fortran_order': False, 'shape': (2,)"))
    }
  }

  @Test("unsupported dtype messages name the dtype and hint at the fix")
  func unsupportedDataTypeMessages() {
    #expect(
      NumPyError.unsupportedDataType(descriptor: "'<c8'").description
        == "unsupported dtype '<c8' (RankCollapse reads float32, float64, the integers of 1, 2, "
        + "4 and 8 bytes, and bool)")
    #expect(
      NumPyError.unsupportedDataType(descriptor: "'=f4'").description.contains("byte order"))
    #expect(
      NumPyError.unsupportedDataType(descriptor: "[('a', '<f4')]").description
        .contains("structured"))
  }

  // MARK: Shapes

  @Test(
    "0-D and 3-D or higher shapes are unsupported",
    arguments: [("()", []), ("(2, 3, 4)", [2, 3, 4]), ("(1, 1, 1, 1)", [1, 1, 1, 1])]
      as [(String, [Int])])
  func dimensionCount(text: String, shape: [Int]) {
    #expect(throws: NumPyError.unsupportedDimensionCount(shape: shape)) {
      try NumPy.decode(file("'descr': '<f8', 'fortran_order': False, 'shape': \(text)"))
    }
  }

  @Test("the message for a 3-D shape names the shape")
  func dimensionCountMessage() {
    #expect(
      NumPyError.unsupportedDimensionCount(shape: [2, 3, 4]).description
        == "3-dimensional arrays are not supported (shape (2, 3, 4)); "
        + "RankCollapse reads 1-D and 2-D arrays")
    #expect(
      NumPyError.unsupportedDimensionCount(shape: []).description.hasPrefix(
        "0-dimensional arrays (scalars) are not supported (shape ())"))
  }

  @Test(
    "negative dimensions are refused",
    arguments: [("(-1,)", [-1]), ("(3, -2)", [3, -2]), ("(-9223372036854775808, 0)", [.min, 0])]
      as [(String, [Int])])
  func negativeDimension(text: String, shape: [Int]) {
    #expect(throws: NumPyError.negativeDimension(shape: shape)) {
      try NumPy.decode(file("'descr': '<f4', 'fortran_order': False, 'shape': \(text)"))
    }
  }

  @Test(
    "shapes whose byte count overflows Int are refused",
    arguments: [
      "(4294967296, 4294967296)", "(2305843009213693952,)", "(9223372036854775807, 1)",
      "(99999999999999999999,)", "(1, 123456789012345678901234567890)",
      "(-99999999999999999999,)",
    ])
  func sizeOverflow(text: String) {
    #expect(throws: NumPyError.sizeOverflow(shape: text)) {
      try NumPy.decode(file("'descr': '<f4', 'fortran_order': False, 'shape': \(text)"))
    }
  }

  // MARK: Data size

  @Test("fewer data bytes than the shape needs is a truncated file, with an exact message")
  func truncatedData() {
    let bytes = file(
      "'descr': '<f4', 'fortran_order': False, 'shape': (784, 400)",
      payload: Array(repeating: 0, count: 1000))
    let expected = NumPyError.truncatedData(
      shape: [784, 400], dataType: .float32, expectedBytes: 1_254_400, availableBytes: 1000)
    #expect(throws: expected) { try NumPy.decode(bytes) }
    #expect(
      expected.description
        == "file is truncated: header declares 784×400 float32 = 1254400 bytes of data "
        + "but only 1000 follow")
  }

  @Test("one byte short of the data is truncated", arguments: [1, 2])
  func oneByteShort(version: UInt8) {
    let payload = NumPyFixture.bytes([Double(1), 2, 3])
    let bytes = file(
      "'descr': '>f8', 'fortran_order': True, 'shape': (3,)", version: version,
      payload: Array(payload.dropLast()))
    #expect(
      throws: NumPyError.truncatedData(
        shape: [3], dataType: .float64, expectedBytes: 24, availableBytes: 23)
    ) { try NumPy.decode(bytes) }
  }

  @Test("bytes after the data are refused")
  func trailingData() {
    let bytes = file(Self.goodEntries, payload: Self.goodPayload + [0])
    let expected = NumPyError.trailingData(
      shape: [2], dataType: .float32, expectedBytes: 8, availableBytes: 9)
    #expect(throws: expected) { try NumPy.decode(bytes) }
    #expect(expected.description.hasPrefix("file has 1 unexpected bytes after the data"))
    let empty = file("'descr': '<f8', 'fortran_order': False, 'shape': (0, 3)", payload: [1])
    #expect(
      throws: NumPyError.trailingData(
        shape: [0, 3], dataType: .float64, expectedBytes: 0, availableBytes: 1)
    ) { try NumPy.decode(empty) }
  }

  @Test("a tiny file declaring a 4 EiB array fails before allocating anything that size")
  func hugeShapeTinyFile() {
    // 2^30 × 2^30 float32 = 2^62 bytes: had the reader allocated first, it would have trapped.
    let bytes = file(
      "'descr': '<f4', 'fortran_order': True, 'shape': (1073741824, 1073741824)",
      payload: Array(repeating: 0, count: 64))
    #expect(
      throws: NumPyError.truncatedData(
        shape: [1_073_741_824, 1_073_741_824], dataType: .float32,
        expectedBytes: 1 << 62, availableBytes: 64)
    ) { try NumPy.decode(bytes) }
  }
}
