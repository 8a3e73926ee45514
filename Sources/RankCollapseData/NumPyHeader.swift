/// The fixed-size start of a `.npy` file: magic string, version and header length.
///
/// From the NPY format specification (`numpy.lib.format`):
///
/// - bytes 0–5: the magic string `\x93NUMPY`;
/// - byte 6, byte 7: the major and minor format version (1.0, 2.0 or 3.0);
/// - version 1.0: bytes 8–9 hold the header length `HEADER_LEN` as a little-endian `UInt16`;
///   versions 2.0 and 3.0: bytes 8–11 hold it as a little-endian `UInt32`;
/// - then `HEADER_LEN` bytes of header (Latin-1 in 1.0 and 2.0, UTF-8 in 3.0), then the data.
struct NumPyPreamble: Equatable {
  /// The magic string every `.npy` file starts with.
  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

  /// The most bytes the preamble can take (format 2.0 and 3.0).
  static let maximumLength = 12

  /// The major format version: 1, 2 or 3.
  var majorVersion: UInt8
  /// The length of the header in bytes, as declared.
  var headerLength: Int
  /// The offset of the header from the start of the file (10 or 12).
  var headerOffset: Int

  /// The offset of the first data byte from the start of the file.
  var dataOffset: Int { headerOffset + headerLength }

  /// Parses and checks the preamble.
  ///
  /// - Parameters:
  ///   - prefix: The first `min(fileSize, 12)` bytes of the file.
  ///   - fileSize: The size of the whole file in bytes.
  /// - Returns: The preamble, whose header is known to lie inside the file and to be no longer
  ///   than ``NumPy/maximumHeaderLength``.
  /// - Throws: ``NumPyError/notNumPyFile``, ``NumPyError/unsupportedVersion(major:minor:)``,
  ///   ``NumPyError/truncatedHeader(requiredBytes:fileBytes:)`` or
  ///   ``NumPyError/headerTooLarge(length:limit:)``.
  static func parse(prefix: UnsafeRawBufferPointer, fileSize: Int) throws(NumPyError) -> Self {
    let available = min(prefix.count, fileSize)
    let magicBytesPresent = min(available, magic.count)
    for i in 0..<magicBytesPresent where prefix[i] != magic[i] {
      throw .notNumPyFile
    }
    guard available >= magic.count else {
      throw available == 0
        ? .notNumPyFile : .truncatedHeader(requiredBytes: 10, fileBytes: fileSize)
    }
    guard available >= 8 else { throw .truncatedHeader(requiredBytes: 10, fileBytes: fileSize) }
    let major = prefix[6]
    let minor = prefix[7]
    let lengthBytes: Int
    switch (major, minor) {
    case (1, 0): lengthBytes = 2
    case (2, 0), (3, 0): lengthBytes = 4
    default: throw .unsupportedVersion(major: major, minor: minor)
    }
    let headerOffset = 8 + lengthBytes
    guard available >= headerOffset else {
      throw .truncatedHeader(requiredBytes: headerOffset, fileBytes: fileSize)
    }
    var headerLength = 0
    for i in 0..<lengthBytes {
      headerLength |= Int(prefix[8 + i]) << (8 * i)  // little-endian, at most 32 bits
    }
    guard headerLength <= fileSize - headerOffset else {
      throw .truncatedHeader(requiredBytes: headerOffset + headerLength, fileBytes: fileSize)
    }
    guard headerLength <= NumPy.maximumHeaderLength else {
      throw .headerTooLarge(length: headerLength, limit: NumPy.maximumHeaderLength)
    }
    return NumPyPreamble(
      majorVersion: major, headerLength: headerLength, headerOffset: headerOffset)
  }
}

/// The validated header of a `.npy` file: element type, byte order, storage order and shape.
struct NumPyHeader: Equatable {
  /// The order of the bytes of one element in the file.
  enum ByteOrder: Equatable {
    /// Least significant byte first (`'<'`).
    case little
    /// Most significant byte first (`'>'`).
    case big

    /// The order of the machine running this code.
    static var host: ByteOrder { 1.littleEndian == 1 ? .little : .big }
  }

  /// The decoded element type.
  var dataType: NumPyDataType
  /// The byte order of the elements in the file.
  var byteOrder: ByteOrder
  /// Whether a 2-D array is stored column by column (`fortran_order: True`).
  var isFortranOrder: Bool
  /// The shape, one or two non-negative dimensions.
  var shape: [Int]
  /// The number of data bytes the shape and type require; it fits in `Int`.
  var payloadByteCount: Int

  /// The keys a header dict must have, and no others.
  static let keys = ["descr", "fortran_order", "shape"]

  /// Parses and validates a header.
  ///
  /// - Parameters:
  ///   - bytes: The `HEADER_LEN` header bytes.
  ///   - majorVersion: The format version from the preamble (3 means UTF-8, else Latin-1).
  ///   - anyDimensions: Accept shapes of any number of dimensions (to describe an array without
  ///     decoding it); by default only one or two.
  /// - Returns: The validated header.
  /// - Throws: A ``NumPyError`` naming the first problem found.
  static func parse(
    _ bytes: UnsafeBufferPointer<UInt8>, majorVersion: UInt8, anyDimensions: Bool = false
  ) throws(NumPyError) -> NumPyHeader {
    let isUTF8 = majorVersion >= 3
    if isUTF8 && String(validating: bytes, as: UTF8.self) == nil {
      throw .invalidHeaderEncoding
    }
    // Python 2 wrote `3L` for long integers; only format 1.0 and 2.0 files can come from it.
    let literal = try NumPyPythonLiteral.parse(
      bytes, isUTF8: isUTF8, allowsLongSuffix: majorVersion < 3)
    guard case .dictionary(let entries) = literal else {
      throw .malformedHeader(reason: "the header is \(literal.pythonDescription), not a dict")
    }
    var values: [String: NumPyPythonLiteral] = [:]
    for entry in entries {
      guard case .string(let key) = entry.key else {
        throw .malformedHeader(
          reason: "dict keys must be strings, found \(entry.key.pythonDescription)")
      }
      guard keys.contains(key) else { throw .unknownKey(key) }
      guard values.updateValue(entry.value, forKey: key) == nil else { throw .duplicateKey(key) }
    }
    for key in keys where values[key] == nil {
      throw .missingKey(key)
    }
    let (dataType, byteOrder) = try parseDescriptor(values["descr"] ?? .none)
    guard case .boolean(let isFortranOrder) = values["fortran_order"] ?? .none else {
      throw .invalidValue(
        key: "fortran_order", value: (values["fortran_order"] ?? .none).pythonDescription)
    }
    let shapeLiteral = values["shape"] ?? .none
    let shape = try parseShape(shapeLiteral, anyDimensions: anyDimensions)
    return NumPyHeader(
      dataType: dataType, byteOrder: byteOrder, isFortranOrder: isFortranOrder, shape: shape,
      payloadByteCount: try payloadByteCount(shape: shape, dataType: dataType))
  }

  /// The element type and byte order of a `descr` value.
  ///
  /// Floating point: only `'<f4'`, `'>f4'`, `'<f8'` and `'>f8'`. Integers: `'<i2'`, `'>u8'` and
  /// so on for 2, 4 and 8 bytes. NumPy itself always writes an explicit `'<'` or `'>'` for
  /// multi-byte types; the native-order spellings (`'f4'`, `'=f4'`, `'|f4'`, `'i8'`) would make a
  /// file's meaning depend on the machine reading it, so they are rejected. One-byte types
  /// (`'|i1'`, `'|u1'`, `'|b1'`, also spelled `'i1'`, `'<u1'`, `'?'`, …) have no byte order, so
  /// every spelling is accepted.
  static func parseDescriptor(
    _ literal: NumPyPythonLiteral
  ) throws(NumPyError) -> (NumPyDataType, ByteOrder) {
    guard case .string(let descriptor) = literal else {
      throw .unsupportedDataType(descriptor: literal.pythonDescription)
    }
    switch descriptor {
    case "<f4": return (.float32, .little)
    case ">f4": return (.float32, .big)
    case "<f8": return (.float64, .little)
    case ">f8": return (.float64, .big)
    case "?", "b1", "|b1", "<b1", ">b1", "=b1": return (.bool, .little)
    default: break
    }
    var body = Substring(descriptor)
    var order: ByteOrder?
    switch body.first {
    case "<": order = .little
    case ">": order = .big
    case "|", "=": order = nil
    default: order = nil
    }
    if let first = body.first, "<>|=".contains(first) { body = body.dropFirst() }
    let types: [String: NumPyDataType] = [
      "i1": .int8, "i2": .int16, "i4": .int32, "i8": .int64,
      "u1": .uint8, "u2": .uint16, "u4": .uint32, "u8": .uint64,
    ]
    guard let dataType = types[String(body)] else {
      throw .unsupportedDataType(descriptor: literal.pythonDescription)
    }
    if dataType.itemSize == 1 { return (dataType, .little) }
    guard let order else { throw .unsupportedDataType(descriptor: literal.pythonDescription) }
    return (dataType, order)
  }

  /// The dimensions of a `shape` value: a tuple of one or two non-negative integers (of any
  /// number when `anyDimensions`).
  static func parseShape(
    _ literal: NumPyPythonLiteral, anyDimensions: Bool = false
  ) throws(NumPyError) -> [Int] {
    guard case .tuple(let elements) = literal else {
      throw .invalidValue(key: "shape", value: literal.pythonDescription)
    }
    var shape: [Int] = []
    for element in elements {
      guard case .integer(let value, _) = element else {
        throw .invalidValue(key: "shape", value: literal.pythonDescription)
      }
      guard let value else { throw .sizeOverflow(shape: literal.pythonDescription) }
      shape.append(value)
    }
    guard shape.allSatisfy({ $0 >= 0 }) else { throw .negativeDimension(shape: shape) }
    guard anyDimensions || shape.count == 1 || shape.count == 2 else {
      throw .unsupportedDimensionCount(shape: shape)
    }
    return shape
  }

  /// The number of data bytes of an array, checked for overflow.
  static func payloadByteCount(
    shape: [Int], dataType: NumPyDataType
  ) throws(NumPyError) -> Int {
    var bytes = dataType.itemSize
    for dimension in shape {
      let product = bytes.multipliedReportingOverflow(by: dimension)
      guard !product.overflow else {
        throw .sizeOverflow(shape: NumPyError.pythonTuple(shape))
      }
      bytes = product.partialValue
    }
    return bytes
  }

  /// Checks that exactly the declared number of data bytes follow the header.
  ///
  /// - Parameter availableBytes: The number of bytes after the header.
  /// - Throws: ``NumPyError/truncatedData(shape:dataType:expectedBytes:availableBytes:)`` or
  ///   ``NumPyError/trailingData(shape:dataType:expectedBytes:availableBytes:)``.
  func checkPayload(availableBytes: Int) throws(NumPyError) {
    if availableBytes < payloadByteCount {
      throw .truncatedData(
        shape: shape, dataType: dataType, expectedBytes: payloadByteCount,
        availableBytes: availableBytes)
    }
    if availableBytes > payloadByteCount {
      throw .trailingData(
        shape: shape, dataType: dataType, expectedBytes: payloadByteCount,
        availableBytes: availableBytes)
    }
  }

  /// The rows and columns of the array as a matrix: `(n)` is `1 × n`.
  var matrixShape: (rows: Int, columns: Int) {
    shape.count == 2 ? (shape[0], shape[1]) : (1, shape[0])
  }

  // MARK: Writing

  /// The alignment NumPy pads the preamble and header to (`ARRAY_ALIGN`).
  static let alignment = 64

  /// The spare spaces NumPy leaves so the first dimension can grow in place
  /// (`GROWTH_AXIS_MAX_DIGITS`).
  static let growthAxisMaximumDigits = 21

  /// The preamble and header NumPy's `np.save` writes for a C-ordered little-endian array.
  ///
  /// The header is `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`, padded with
  /// spaces and a final `'\n'` so that the data starts at a multiple of 64 bytes. Format 1.0 is
  /// used unless the header is too long for its 16-bit length, then 2.0 (the header is ASCII, so
  /// 3.0 is never needed).
  ///
  /// - Parameters:
  ///   - shape: The shape to write.
  ///   - dataType: The element type.
  /// - Returns: The bytes that precede the data.
  static func encode(shape: [Int], dataType: NumPyDataType) -> [UInt8] {
    var text =
      "{'descr': '\(dataType.littleEndianDescriptor)', 'fortran_order': False, "
      + "'shape': \(NumPyError.pythonTuple(shape)), }"
    if let first = shape.first {
      text += String(repeating: " ", count: max(0, growthAxisMaximumDigits - String(first).count))
    }
    let header = Array(text.utf8)
    // NumPy: hlen = len(header) + 1 (the final newline);
    // padlen = ARRAY_ALIGN - ((MAGIC_LEN + size of the length field + hlen) % ARRAY_ALIGN),
    // where MAGIC_LEN = 8 counts the magic string and the two version bytes.
    var lengthBytes = 2
    var padding = alignment - (8 + lengthBytes + header.count + 1) % alignment
    if header.count + 1 + padding > Int(UInt16.max) {
      lengthBytes = 4
      padding = alignment - (8 + lengthBytes + header.count + 1) % alignment
    }
    let headerLength = header.count + padding + 1
    var bytes = NumPyPreamble.magic
    bytes.reserveCapacity(8 + lengthBytes + headerLength)
    bytes += [lengthBytes == 2 ? 1 : 2, 0]
    for i in 0..<lengthBytes {
      bytes.append(UInt8(truncatingIfNeeded: headerLength >> (8 * i)))
    }
    bytes += header
    bytes += repeatElement(UInt8(ascii: " "), count: padding)
    bytes.append(UInt8(ascii: "\n"))
    return bytes
  }
}
