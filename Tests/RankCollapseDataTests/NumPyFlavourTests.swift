import RankCollapseData
import RankCollapseTensor
import Testing

/// One supported way a `.npy` file can store data.
struct NumPyFlavour: Sendable, CustomTestStringConvertible {
  var major: UInt8
  var descriptor: String
  var fortranOrder: Bool

  var isDouble: Bool { descriptor.hasSuffix("8") }
  var isBigEndian: Bool { descriptor.hasPrefix(">") }

  var testDescription: String {
    "v\(major).0 \(descriptor) \(fortranOrder ? "Fortran" : "C")"
  }

  static let all: [NumPyFlavour] = [1, 2, 3].flatMap { major in
    ["<f4", ">f4", "<f8", ">f8"].flatMap { descriptor in
      [false, true].map {
        NumPyFlavour(major: UInt8(major), descriptor: descriptor, fortranOrder: $0)
      }
    }
  }
}

@Suite("Reading every supported .npy flavour")
struct NumPyFlavourTests {
  /// A 2 × 3 matrix with distinct values, so any mix-up of order or bytes shows.
  static let rows: [[Double]] = [[1.5, -2, 3.25], [0.1, 65_504, -7.125e-3]]

  /// The payload of `rows` in the flavour's order and byte order.
  static func payload(_ flavour: NumPyFlavour, rows: [[Double]]) -> [UInt8] {
    let rowCount = rows.count
    let columnCount = rows.first?.count ?? 0
    var ordered: [Double] = []
    if flavour.fortranOrder {
      for j in 0..<columnCount { for i in 0..<rowCount { ordered.append(rows[i][j]) } }
    } else {
      ordered = rows.flatMap { $0 }
    }
    return flavour.isDouble
      ? NumPyFixture.bytes(ordered, bigEndian: flavour.isBigEndian)
      : NumPyFixture.bytes(ordered.map { Float($0) }, bigEndian: flavour.isBigEndian)
  }

  @Test(
    "a 2-D file of any flavour decodes to the same row-major values", arguments: NumPyFlavour.all)
  func matrixValues(flavour: NumPyFlavour) throws {
    let bytes = NumPyFixture.file(
      version: (flavour.major, 0),
      dictionary: NumPyFixture.dictionary(
        descr: flavour.descriptor, fortranOrder: flavour.fortranOrder, shape: "(2, 3)"),
      payload: Self.payload(flavour, rows: Self.rows))
    let array = try NumPy.decode(bytes)
    #expect(array.shape == [2, 3])
    #expect(array.isMatrix)
    if flavour.isDouble {
      #expect(array.dataType == .float64)
      #expect(array.matrix(as: Double.self) == Matrix(Self.rows))
    } else {
      #expect(array.dataType == .float32)
      #expect(array.matrix(as: Float.self) == Matrix(Self.rows.map { $0.map { Float($0) } }))
    }
  }

  @Test("a 1-D file of any flavour decodes to a 1 × n matrix", arguments: NumPyFlavour.all)
  func vectorValues(flavour: NumPyFlavour) throws {
    let values: [Double] = [0.5, -1e-3, 1e6, 42]
    let bytes = NumPyFixture.file(
      version: (flavour.major, 0),
      dictionary: NumPyFixture.dictionary(
        descr: flavour.descriptor, fortranOrder: flavour.fortranOrder, shape: "(4,)"),
      payload: Self.payload(flavour, rows: [values]))
    let array = try NumPy.decode(bytes)
    #expect(array.shape == [4])
    #expect(!array.isMatrix)
    let expected = flavour.isDouble ? values : values.map { Double(Float($0)) }
    #expect(array.vector(as: Double.self) == expected)
    #expect(array.matrix(as: Double.self) == Matrix(rowVector: expected))
  }

  @Test(
    "zero-size shapes of any flavour decode to empty matrices of the right shape",
    arguments: NumPyFlavour.all)
  func zeroSize(flavour: NumPyFlavour) throws {
    for (shape, rows, columns) in [("(0, 5)", 0, 5), ("(5, 0)", 5, 0), ("(0,)", 1, 0)] {
      let bytes = NumPyFixture.file(
        version: (flavour.major, 0),
        dictionary: NumPyFixture.dictionary(
          descr: flavour.descriptor, fortranOrder: flavour.fortranOrder, shape: shape))
      let matrix = try NumPy.decode(bytes).matrix(as: Double.self)
      #expect(matrix.rows == rows && matrix.columns == columns, "shape \(shape)")
    }
  }

  @Test("a Fortran-ordered single row or column needs no transposition")
  func fortranDegenerate() throws {
    let values: [Float] = [1, 2, 3]
    for (shape, rows, columns) in [("(1, 3)", 1, 3), ("(3, 1)", 3, 1)] {
      let bytes = NumPyFixture.file(
        dictionary: NumPyFixture.dictionary(descr: "<f4", fortranOrder: true, shape: shape),
        payload: NumPyFixture.bytes(values))
      let matrix = try NumPy.decode(bytes).matrix(as: Float.self)
      #expect(matrix == Matrix(rows: rows, columns: columns, elements: values))
    }
  }

  @Test("a Fortran-ordered matrix larger than one transpose tile is transposed exactly")
  func fortranLarge() throws {
    let rows = 131
    let columns = 70
    let expected = Matrix<Double>(rows: rows, columns: columns) { buffer in
      for i in 0..<buffer.count { buffer.initializeElement(at: i, to: Double(i)) }
    }
    let columnMajor = expected.transposed().elements
    for bigEndian in [false, true] {
      let bytes = NumPyFixture.file(
        dictionary: NumPyFixture.dictionary(
          descr: bigEndian ? ">f8" : "<f8", fortranOrder: true, shape: "(\(rows), \(columns))"),
        payload: NumPyFixture.bytes(columnMajor, bigEndian: bigEndian))
      #expect(try NumPy.decode(bytes).matrix(as: Double.self) == expected)
    }
  }

  @Test(
    "headers written differently but meaning the same are accepted",
    arguments: [
      "{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}",  // other key order
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",  // no trailing comma
      "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,), }",  // double quotes
      "  {  'descr' :'<f4' ,\n\t'fortran_order':False,'shape':( 2 , ) , }  ",  // whitespace
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }",  // Python 2 long
      "{'descr': '<f4', 'fortran_order': False, 'shape': (    2,), }",  // spaces in the tuple
    ])
  func headerVariants(dictionary: String) throws {
    let payload = NumPyFixture.bytes([Float(3), -4])
    let unpadded = NumPyFixture.file(header: Array(dictionary.utf8), payload: payload)
    let padded = NumPyFixture.file(dictionary: dictionary, payload: payload)
    for bytes in [unpadded, padded] {
      let array = try NumPy.decode(bytes)
      #expect(array.shape == [2])
      #expect(array.vector(as: Float.self) == [3, -4])
    }
  }

  @Test("a 2-element shape written with Python 2's long suffix reads in format 2.0")
  func longSuffixVersion2() throws {
    let bytes = NumPyFixture.file(
      version: (2, 0),
      dictionary: "{'descr': '>f8', 'fortran_order': True, 'shape': (1L, 2L), }",
      payload: NumPyFixture.bytes([Double(7), 8], bigEndian: true))
    #expect(try NumPy.decode(bytes).matrix(as: Double.self) == Matrix([[7, 8]]))
  }

  @Test("a format 3.0 header is read as UTF-8: non-ASCII text in strings survives intact")
  func utf8Version3() throws {
    let bytes = NumPyFixture.file(
      version: (3, 0),
      dictionary: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'größe': 1}",
      payload: NumPyFixture.bytes([Float(1)]))
    #expect(throws: NumPyError.unknownKey("größe")) { try NumPy.decode(bytes) }
  }

  @Test("decode accepts any byte collection, such as an array slice")
  func decodeSlice() throws {
    let bytes = NumPyFixture.file(
      dictionary: NumPyFixture.dictionary(descr: "<f4", shape: "(2,)"),
      payload: NumPyFixture.bytes([Float(1), 2]))
    let framed = [0xAA] + bytes + [0xBB]
    let slice = framed[1..<(framed.count - 1)]
    #expect(try NumPy.decode(slice).vector(as: Float.self) == [1, 2])
    #expect(try NumPy.decode(AnySequenceCollection(bytes)).vector(as: Float.self) == [1, 2])
  }
}

/// A byte collection without contiguous storage, to exercise the copying path of `decode`.
struct AnySequenceCollection: Collection {
  let base: [UInt8]
  init(_ base: [UInt8]) { self.base = base }
  var startIndex: Int { base.startIndex }
  var endIndex: Int { base.endIndex }
  func index(after i: Int) -> Int { i + 1 }
  subscript(position: Int) -> UInt8 { base[position] }
}
