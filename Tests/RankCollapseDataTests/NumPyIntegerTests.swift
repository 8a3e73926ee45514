import RankCollapseData
import RankCollapseTensor
import Testing

@Suite("Integer and boolean .npy arrays")
struct NumPyIntegerTests {
  /// A file for a 1-D array with the given descriptor and raw payload.
  private func file(_ descr: String, shape: String, payload: [UInt8], fortran: Bool = false)
    -> [UInt8]
  {
    NumPyFixture.file(
      dictionary: NumPyFixture.dictionary(descr: descr, fortranOrder: fortran, shape: shape),
      payload: payload)
  }

  @Test(
    "every integer descriptor decodes to the right type and values",
    arguments: [
      ("|i1", NumPyDataType.int8, [0xFF, 0x02] as [UInt8], [-1, 2]),
      ("|u1", .uint8, [0xFF, 0x02], [255, 2]),
      ("<i2", .int16, [0xFE, 0xFF, 0x00, 0x01], [-2, 256]),
      (">i2", .int16, [0xFF, 0xFE, 0x01, 0x00], [-2, 256]),
      ("<u2", .uint16, [0xFE, 0xFF, 0x00, 0x01], [65534, 256]),
      (">u4", .uint32, [0xFF, 0xFF, 0xFF, 0xFE, 0, 0, 0, 7], [4_294_967_294, 7]),
      ("<i4", .int32, [0xFF, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0], [-1, 7]),
      (
        "<i8", .int64, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 9, 0, 0, 0, 0, 0, 0, 0],
        [-1, 9]
      ),
      (
        ">i8", .int64, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0, 0, 0, 0, 0, 0, 0, 9],
        [-2, 9]
      ),
      (
        "<u8", .uint64, [1, 0, 0, 0, 0, 0, 0, 0x7F, 9, 0, 0, 0, 0, 0, 0, 0],
        [0x7F00_0000_0000_0001, 9]
      ),
      ("|b1", .bool, [0, 1], [0, 1]),
      ("i1", .int8, [0x80, 0x7F], [-128, 127]),
      ("<u1", .uint8, [0x80, 0x7F], [128, 127]),
    ] as [(String, NumPyDataType, [UInt8], [Int])])
  func descriptors(descr: String, type: NumPyDataType, payload: [UInt8], values: [Int]) throws {
    let array = try NumPy.decode(file(descr, shape: "(2,)", payload: payload))
    #expect(array.dataType == type)
    #expect(array.shape == [2])
    #expect(try array.integers() == values)
    #expect(array.vector(as: Double.self) == values.map(Double.init))
  }

  @Test("NumPy's '?' spelling of bool is read, and nonzero bytes are true")
  func boolSpellings() throws {
    let array = try NumPy.decode(file("?", shape: "(3,)", payload: [0, 1, 7]))
    #expect(array.dataType == .bool)
    #expect(try array.integers() == [0, 1, 1])
  }

  @Test("a Fortran-ordered integer matrix is transposed into row-major order")
  func fortranOrder() throws {
    // Column-major 2×3: columns (1, 4), (2, 5), (3, 6) as little-endian int16.
    let payload: [UInt8] = [1, 0, 4, 0, 2, 0, 5, 0, 3, 0, 6, 0]
    let array = try NumPy.decode(file("<i2", shape: "(2, 3)", payload: payload, fortran: true))
    #expect(try array.integers() == [1, 2, 3, 4, 5, 6])
    #expect(array.matrix(as: Float.self) == Matrix([[1, 2, 3], [4, 5, 6]]))
  }

  @Test("a uint64 above Int.max is an overflow error naming the element")
  func overflow() throws {
    let payload: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0x80]
    let array = try NumPy.decode(file("<u8", shape: "(2,)", payload: payload))
    #expect(throws: NumPyError.integerOverflow(index: 1, value: "9223372036854775808")) {
      try array.integers()
    }
    #expect(array.vector(as: Double.self) == [1, 9_223_372_036_854_775_808])
  }

  @Test("integers() of a float array is a typed error")
  func floatsAreNotIntegers() {
    let array = NumPyArray(vector: [1.0, 2.0])
    #expect(throws: NumPyError.notIntegerArray(dataType: .float64)) { try array.integers() }
    #expect(
      NumPyError.notIntegerArray(dataType: .float32).description
        == "the array holds float32 values, not integers")
  }

  @Test("integer arrays of every width survive encode → decode with their type")
  func roundTrip() throws {
    let cases: [(NumPyArray, NumPyDataType, [Int])] = [
      (NumPyArray(integers: [Int8(-3), 4]), .int8, [-3, 4]),
      (NumPyArray(integers: [Int16(-300), 4]), .int16, [-300, 4]),
      (NumPyArray(integers: [Int32(-70000), 4]), .int32, [-70000, 4]),
      (NumPyArray(integers: [-1 << 40, 4]), .int64, [-1 << 40, 4]),
      (NumPyArray(integers: [UInt8(250), 4]), .uint8, [250, 4]),
      (NumPyArray(integers: [UInt16(65000)]), .uint16, [65000]),
      (NumPyArray(integers: [UInt32(4_000_000_000)]), .uint32, [4_000_000_000]),
      (NumPyArray(integers: [UInt64(1) << 62]), .uint64, [1 << 62]),
      (NumPyArray(booleans: [true, false, true]), .bool, [1, 0, 1]),
      (NumPyArray(integers: [Int]()), .int64, []),
    ]
    for (array, type, values) in cases {
      let decoded = try NumPy.decode(NumPy.encode(array))
      #expect(decoded == array)
      #expect(decoded.dataType == type)
      #expect(try decoded.integers() == values)
    }
    let matrix = NumPyArray(integers: [1, 2, 3, 4, 5, 6] as [Int32], rows: 2, columns: 3)
    let decoded = try NumPy.decode(NumPy.encode(matrix))
    #expect(decoded.shape == [2, 3])
    #expect(decoded.matrix(as: Double.self) == Matrix([[1, 2, 3], [4, 5, 6]]))
  }

  @Test("the descriptors written are NumPy's own ('<i8', '|u1', '|b1')")
  func writtenDescriptors() {
    let text = String(decoding: NumPy.encode(NumPyArray(integers: [1, 2])), as: UTF8.self)
    #expect(text.contains("'descr': '<i8'"))
    let bytes = String(decoding: NumPy.encode(NumPyArray(integers: [UInt8(1)])), as: UTF8.self)
    #expect(bytes.contains("'descr': '|u1'"))
    let flags = String(decoding: NumPy.encode(NumPyArray(booleans: [true])), as: UTF8.self)
    #expect(flags.contains("'descr': '|b1'"))
  }

  @Test("truncated and oversized integer payloads are errors before allocation")
  func payloadSize() {
    #expect(
      throws: NumPyError.truncatedData(
        shape: [3], dataType: .int32, expectedBytes: 12, availableBytes: 8)
    ) {
      try NumPy.decode(file("<i4", shape: "(3,)", payload: [UInt8](repeating: 0, count: 8)))
    }
    #expect(throws: NumPyError.sizeOverflow(shape: "(4611686018427387904, 4)")) {
      try NumPy.decode(file("<i8", shape: "(4611686018427387904, 4)", payload: []))
    }
  }
}
