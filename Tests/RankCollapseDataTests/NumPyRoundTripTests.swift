import RankCollapseData
import RankCollapseTensor
import Testing

@Suite("Writing .npy files and reading them back")
struct NumPyRoundTripTests {
  /// Shapes as `(rows, columns)` for matrices; zero-size ones included.
  static let matrixShapes: [[Int]] = [
    [3, 4], [1, 1], [1, 7], [7, 1], [0, 5], [5, 0], [0, 0],
  ]
  /// Lengths for vectors; zero included.
  static let vectorLengths = [0, 1, 9]

  /// A matrix whose elements are all different and not exactly representable in decimal.
  static func sample<S: MatrixScalar>(_ type: S.Type, rows: Int, columns: Int) -> Matrix<S> {
    Matrix(rows: rows, columns: columns) { buffer in
      for i in 0..<buffer.count {
        buffer.initializeElement(at: i, to: S(i) / 3 - S(i * i) * 1e5)
      }
    }
  }

  @Test("a Float matrix survives encode → decode exactly", arguments: matrixShapes)
  func floatMatrixInMemory(shape: [Int]) throws {
    let matrix = Self.sample(Float.self, rows: shape[0], columns: shape[1])
    let array = try NumPy.decode(NumPy.encode(NumPyArray(matrix)))
    #expect(array.shape == shape)
    #expect(array.dataType == .float32)
    #expect(array.matrix(as: Float.self) == matrix)
  }

  @Test("a Double matrix survives encode → decode exactly", arguments: matrixShapes)
  func doubleMatrixInMemory(shape: [Int]) throws {
    let matrix = Self.sample(Double.self, rows: shape[0], columns: shape[1])
    let array = try NumPy.decode(NumPy.encode(NumPyArray(matrix)))
    #expect(array.shape == shape)
    #expect(array.dataType == .float64)
    #expect(array.matrix(as: Double.self) == matrix)
  }

  @Test("Float and Double matrices survive write → read exactly", arguments: matrixShapes)
  func matrixOnDisk(shape: [Int]) throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let float = Self.sample(Float.self, rows: shape[0], columns: shape[1])
    let double = Self.sample(Double.self, rows: shape[0], columns: shape[1])
    try NumPy.write(NumPyArray(float), to: folder.file("f.npy"))
    try NumPy.write(NumPyArray(double), to: folder.file("d.npy"))
    let floatBack = try NumPy.read(contentsOf: folder.file("f.npy"))
    let doubleBack = try NumPy.read(contentsOf: folder.file("d.npy"))
    #expect(floatBack == NumPyArray(float))
    #expect(doubleBack == NumPyArray(double))
    #expect(floatBack.matrix(as: Float.self) == float)
    #expect(doubleBack.matrix(as: Double.self) == double)
  }

  @Test("Float and Double vectors survive write → read as 1-D arrays", arguments: vectorLengths)
  func vectorOnDisk(length: Int) throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let float = Self.sample(Float.self, rows: 1, columns: length).elements
    let double = Self.sample(Double.self, rows: 1, columns: length).elements
    try NumPy.write(NumPyArray(vector: float), to: folder.file("f.npy"))
    try NumPy.write(NumPyArray(vector: double), to: folder.file("d.npy"))
    let floatBack = try NumPy.read(contentsOf: folder.file("f.npy"))
    let doubleBack = try NumPy.read(contentsOf: folder.file("d.npy"))
    #expect(floatBack.shape == [length] && doubleBack.shape == [length])
    #expect(floatBack.dataType == .float32 && doubleBack.dataType == .float64)
    #expect(floatBack.vector(as: Float.self) == float)
    #expect(doubleBack.vector(as: Double.self) == double)
  }

  @Test("special values (±0, ±∞, subnormals, NaN payloads) keep their exact bits")
  func specialValues() throws {
    let floats: [Float] = [
      0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
      Float(bitPattern: 0x7FC0_1234),
    ]
    let doubles: [Double] = [
      -0.0, .leastNonzeroMagnitude, Double(bitPattern: 0xFFF8_0000_DEAD_BEEF),
    ]
    let floatBack = try NumPy.decode(NumPy.encode(NumPyArray(vector: floats)))
    let doubleBack = try NumPy.decode(NumPy.encode(NumPyArray(vector: doubles)))
    #expect(floatBack.vector(as: Float.self).map(\.bitPattern) == floats.map(\.bitPattern))
    #expect(doubleBack.vector(as: Double.self).map(\.bitPattern) == doubles.map(\.bitPattern))
  }

  @Test("encode writes exactly NumPy's np.save header (format 1.0, '<f4', 64-byte aligned)")
  func headerMatchesNumPy() {
    // From `np.save(f, np.zeros((2, 3), '<f4'))` with NumPy 2.4: the dict, 58 spaces, "\n".
    let expected =
      NumPyFixture.magic + [1, 0, 0x76, 0x00]
      + Array("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".utf8)
      + Array(repeating: UInt8(ascii: " "), count: 58) + [UInt8(ascii: "\n")]
    let bytes = NumPy.encode(NumPyArray(Matrix<Float>.zeros(rows: 2, columns: 3)))
    #expect(bytes.count == 128 + 24)
    #expect(Array(bytes.prefix(128)) == expected)
    #expect(bytes.suffix(24).allSatisfy { $0 == 0 })
  }

  @Test(
    "encoded data starts at a multiple of 64 bytes and is little-endian",
    arguments: [[0], [3], [1000], [2, 3], [123_456_789_012, 0]])
  func alignmentAndByteOrder(shape: [Int]) {
    let count = shape.reduce(1, *)
    let values = (0..<count).map { Double($0) + 0.25 }
    let array =
      shape.count == 1
      ? NumPyArray(vector: values)
      : NumPyArray(Matrix(rows: shape[0], columns: shape[1], elements: values))
    let bytes = NumPy.encode(array)
    let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    #expect(bytes[6] == 1 && bytes[7] == 0)
    #expect((10 + headerLength) % 64 == 0)
    #expect(bytes[10 + headerLength - 1] == UInt8(ascii: "\n"))
    #expect(Array(bytes[(10 + headerLength)...]) == NumPyFixture.bytes(values))
  }
}

@Suite("NumPyArray conversions")
struct NumPyArrayTests {
  @Test("a float32 array read as Double keeps every value exactly")
  func floatToDouble() throws {
    let values: [Float] = [0.1, -1e-30, 3.4e38, 1 / 3]
    let array = NumPyArray(vector: values)
    #expect(array.vector(as: Double.self) == values.map { Double($0) })
    #expect(array.matrix(as: Double.self) == Matrix(rowVector: values.map { Double($0) }))
  }

  @Test("a float64 array read as Float rounds to nearest")
  func doubleToFloat() {
    let values: [Double] = [0.1, 1e300, 1 / 3]
    #expect(NumPyArray(vector: values).vector(as: Float.self) == values.map { Float($0) })
  }

  @Test("a 1-D array of length n is a 1 × n matrix; a 2-D array keeps its shape")
  func shapes() {
    let vector = NumPyArray(vector: [Float(1), 2, 3])
    #expect(vector.shape == [3] && !vector.isMatrix && vector.count == 3)
    #expect(vector.matrix(as: Float.self).shape == (1, 3))
    let matrix = NumPyArray(Matrix<Double>([[1, 2], [3, 4], [5, 6]]))
    #expect(matrix.shape == [3, 2] && matrix.isMatrix && matrix.count == 6)
    #expect(matrix.vector(as: Double.self) == [1, 2, 3, 4, 5, 6])
  }

  @Test("arrays with equal values but different shapes or types are not equal")
  func equality() {
    let row = NumPyArray(Matrix<Float>([[1, 2]]))
    #expect(row != NumPyArray(vector: [Float(1), 2]))
    #expect(row != NumPyArray(Matrix<Double>([[1, 2]])))
    #expect(row == NumPyArray(Matrix<Float>(rows: 1, columns: 2, elements: [1, 2])))
  }
}
