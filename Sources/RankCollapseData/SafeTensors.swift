import RankCollapseTensor

/// Reading and writing safetensors files, the weight format of Hugging Face and PyTorch models.
///
/// A safetensors file is an 8-byte little-endian header length `N`, `N` bytes of JSON header
/// (for every tensor its `dtype`, `shape` and `data_offsets`, plus optional `__metadata__`
/// strings), then the tensors' elements, row-major and little-endian.
///
/// RankCollapse treats every byte as hostile: the header length is bounded
/// (``maximumHeaderLength``) and checked against the file size before the header is read, the
/// JSON is parsed strictly, every tensor's byte count must match its shape and type, and the
/// tensors must tile the data exactly (no gaps, no overlaps, nothing past the end), all before
/// any tensor's storage is allocated. Every problem is a ``SafeTensorsError``.
///
/// It reads `F64`, `F32`, `F16` and `BF16` (the last three as `Float`), the integer types and
/// `BOOL`, with any number of dimensions, and writes the same types. Files it writes load with
/// Python's `safetensors` package and the other way round.
public enum SafeTensors {
  /// The longest header RankCollapse reads, in bytes: 100 000 000, the limit of the reference
  /// implementation.
  public static let maximumHeaderLength = 100_000_000

  /// The reserved header key for free-form metadata.
  static let metadataKey = "__metadata__"

  /// Decodes the bytes of a safetensors file.
  ///
  /// - Parameters:
  ///   - bytes: The whole file.
  ///   - including: Decides by name which tensors to decode; the others are validated but not
  ///     decoded, and do not appear in the result. By default every tensor is decoded.
  /// - Returns: The tensors in data order, and the metadata.
  /// - Throws: A format case of ``SafeTensorsError`` naming the first problem found, or
  ///   ``SafeTensorsError/unsupportedDataType(tensor:dataType:)`` for an included 8-bit float
  ///   tensor.
  /// - Complexity: O(`bytes.count`).
  public static func decode(
    _ bytes: [UInt8], including: (String) -> Bool = { _ in true }
  ) throws(SafeTensorsError) -> SafeTensorsFile {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(SafeTensorsError) in try decode(raw, including: including) }
    }
    return try result.get()
  }

  /// Decodes the bytes of a safetensors file in memory the caller manages.
  ///
  /// - Parameters:
  ///   - bytes: The whole file.
  ///   - including: Decides by name which tensors to decode (by default all).
  /// - Returns: The tensors in data order, and the metadata. They do not refer to `bytes`.
  /// - Throws: A format case of ``SafeTensorsError`` naming the first problem found.
  /// - Complexity: O(`bytes.count`).
  public static func decode(
    _ bytes: UnsafeRawBufferPointer, including: (String) -> Bool = { _ in true }
  ) throws(SafeTensorsError) -> SafeTensorsFile {
    let length = try SafeTensorsHeader.headerLength(
      prefix: UnsafeRawBufferPointer(rebasing: bytes.prefix(8)), fileSize: bytes.count)
    let text = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + length)])
    let header = try SafeTensorsHeader.parse(
      text.assumingMemoryBound(to: UInt8.self), fileSize: bytes.count)
    var file = SafeTensorsFile(metadata: header.metadata)
    let entries = header.entries.filter { including($0.name) }
    try checkMemory(entries)
    file.reserveCapacity(entries.count)
    for entry in entries {
      let start = header.dataOffset + entry.begin
      let source = UnsafeRawBufferPointer(rebasing: bytes[start..<(header.dataOffset + entry.end)])
      file.append(
        try makeTensor(entry) { destination in
          destination.copyMemory(from: source)
          return nil
        })
    }
    return file
  }

  /// Encodes tensors and metadata as the bytes of a safetensors file.
  ///
  /// The header is compact JSON (metadata first, keys sorted; tensors in the file's order with
  /// consecutive offsets), padded with spaces so that the data starts at a multiple of 8 bytes.
  /// `F16` and `BF16` tensors are rounded from their `Float` values to nearest, ties to even.
  ///
  /// - Parameter file: The tensors and metadata.
  /// - Returns: The whole file.
  /// - Complexity: O(total size of the tensors).
  public static func encode(_ file: SafeTensorsFile) -> [UInt8] {
    var bytes = SafeTensorsHeader.encode(file)
    for tensor in file.tensors {
      withLittleEndianBytes(of: tensor) { bytes.append(contentsOf: $0) }
    }
    return bytes
  }

  // MARK: Elements

  /// The bytes decoding a tensor allocates: its stored elements (`Float` for the 16-bit floats,
  /// which also need their raw bytes while they are converted).
  static func decodingByteCount(_ entry: SafeTensorsHeader.Entry) -> (result: Int, temporary: Int) {
    let bytes = entry.end - entry.begin
    switch entry.dataType {
    case .float16, .bfloat16:
      let (result, overflow) = bytes.multipliedReportingOverflow(by: 2)
      return (overflow ? .max : result, bytes)
    default:
      return (bytes, 0)
    }
  }

  /// Checks the memory that decoding `entries` needs, all results held at once plus the largest
  /// temporary buffer, against ``MemoryBudget`` before anything is allocated.
  static func checkMemory(_ entries: [SafeTensorsHeader.Entry]) throws(SafeTensorsError) {
    var total = 0
    var temporary = 0
    for entry in entries {
      let bytes = decodingByteCount(entry)
      let (sum, overflow) = total.addingReportingOverflow(bytes.result)
      total = overflow ? .max : sum
      temporary = max(temporary, bytes.temporary)
    }
    let (sum, overflow) = total.addingReportingOverflow(temporary)
    do { try MemoryBudget.check(overflow ? .max : sum) } catch { throw SafeTensorsError(error) }
  }

  /// Builds a tensor whose little-endian data bytes are written by `fill`.
  static func makeTensor(
    _ entry: SafeTensorsHeader.Entry,
    fill: (UnsafeMutableRawBufferPointer) -> FileFailure?
  ) throws(SafeTensorsError) -> SafeTensor {
    let (rows, columns) = SafeTensor.storedShape(entry.shape)
    let swap = 1.littleEndian != 1
    var failure: FileFailure?
    let storage: SafeTensor.Storage
    switch entry.dataType {
    case .float32:
      storage = .float32(
        Matrix(rows: rows, columns: columns) { output in
          adviseHugePages(UnsafeMutableRawBufferPointer(output))
          failure = fill(UnsafeMutableRawBufferPointer(output))
          if failure != nil { output.initialize(repeating: 0) }
          if swap { swapInPlace(output, as: UInt32.self) }
        })
    case .float64:
      storage = .float64(
        Matrix(rows: rows, columns: columns) { output in
          adviseHugePages(UnsafeMutableRawBufferPointer(output))
          failure = fill(UnsafeMutableRawBufferPointer(output))
          if failure != nil { output.initialize(repeating: 0) }
          if swap { swapInPlace(output, as: UInt64.self) }
        })
    case .float16, .bfloat16:
      let count = rows * columns
      let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: count * 2, alignment: 2)
      defer { raw.deallocate() }
      failure = fill(raw)
      let isHalf = entry.dataType == .float16
      storage = .float32(
        Matrix(rows: rows, columns: columns) { output in
          for i in 0..<count {
            let bits = UInt16(
              littleEndian: raw.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))
            output.initializeElement(
              at: i,
              to: isHalf ? Float(Float16(bitPattern: bits)) : Float(bitPattern: UInt32(bits) << 16))
          }
        })
    case .float8E4M3, .float8E5M2:
      throw .unsupportedDataType(tensor: entry.name, dataType: entry.dataType.rawValue)
    default:
      guard let format = entry.dataType.integerFormat else {
        preconditionFailure("every non-float type has an integer format")
      }
      var bytes = [UInt8](repeating: 0, count: entry.end - entry.begin)
      failure = bytes.withUnsafeMutableBytes { fill($0) }
      storage = .integers(IntegerElements(format: format, fileBytes: bytes, swapBytes: swap))
    }
    if let failure { throw SafeTensorsError(failure) }
    return SafeTensor(
      name: entry.name, dataType: entry.dataType, shape: entry.shape, storage: storage)
  }

  private static func swapInPlace<T, Bits: FixedWidthInteger>(
    _ buffer: UnsafeMutableBufferPointer<T>, as bits: Bits.Type
  ) {
    let raw = UnsafeMutableRawBufferPointer(buffer)
    let size = MemoryLayout<Bits>.size
    for i in 0..<(raw.count / size) {
      let value = raw.loadUnaligned(fromByteOffset: i * size, as: Bits.self)
      raw.storeBytes(of: value.byteSwapped, toByteOffset: i * size, as: Bits.self)
    }
  }

  /// Calls `body` with a tensor's elements as the little-endian bytes of its data type.
  static func withLittleEndianBytes<R, E: Error>(
    of tensor: SafeTensor, _ body: (UnsafeRawBufferPointer) throws(E) -> R
  ) throws(E) -> R {
    let littleEndianHost = 1.littleEndian == 1
    let result: Result<R, E>
    switch (tensor.storage, tensor.dataType) {
    case (.float32(let matrix), .float16), (.float32(let matrix), .bfloat16):
      let isHalf = tensor.dataType == .float16
      let bits = matrix.withUnsafeBufferPointer { elements in
        elements.map { value -> UInt16 in
          (isHalf ? Float16(value).bitPattern : bfloat16Bits(value)).littleEndian
        }
      }
      result = bits.withUnsafeBytes { raw in Result { () throws(E) in try body(raw) } }
    case (.float32(let matrix), _) where littleEndianHost:
      result = matrix.withUnsafeBufferPointer { elements in
        Result { () throws(E) in try body(UnsafeRawBufferPointer(elements)) }
      }
    case (.float64(let matrix), _) where littleEndianHost:
      result = matrix.withUnsafeBufferPointer { elements in
        Result { () throws(E) in try body(UnsafeRawBufferPointer(elements)) }
      }
    case (.float32(let matrix), _):
      let bits = matrix.elements.map { $0.bitPattern.littleEndian }
      result = bits.withUnsafeBytes { raw in Result { () throws(E) in try body(raw) } }
    case (.float64(let matrix), _):
      let bits = matrix.elements.map { $0.bitPattern.littleEndian }
      result = bits.withUnsafeBytes { raw in Result { () throws(E) in try body(raw) } }
    case (.integers(let elements), _):
      result = elements.littleEndianBytes.withUnsafeBytes { raw in
        Result { () throws(E) in try body(raw) }
      }
    }
    return try result.get()
  }

  /// The bfloat16 nearest to `value` (ties to even); NaN stays a quiet NaN.
  static func bfloat16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
    let rounding = 0x7FFF + ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
  }
}
