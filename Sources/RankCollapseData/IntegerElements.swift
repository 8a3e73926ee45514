/// The integer and boolean element formats the readers decode: NumPy's `int8`…`uint64` and
/// `bool`, safetensors' `I8`…`U64` and `BOOL`.
@usableFromInline
enum IntegerFormat: Sendable, Equatable, Hashable {
  case int8, int16, int32, int64
  case uint8, uint16, uint32, uint64
  case bool

  /// The size of one element in bytes.
  var size: Int {
    switch self {
    case .int8, .uint8, .bool: 1
    case .int16, .uint16: 2
    case .int32, .uint32: 4
    case .int64, .uint64: 8
    }
  }
}

/// Integer or boolean elements held as raw bytes in the machine's byte order, row-major.
///
/// Keeping the raw bytes keeps every value of every format exact (a `uint64` above `Int.max`
/// included) and makes writing back byte-exact; the accessors convert.
@usableFromInline
struct IntegerElements: Sendable, Equatable {
  /// The element format.
  let format: IntegerFormat
  /// `count × format.size` bytes in the machine's byte order.
  let bytes: [UInt8]

  /// The number of elements.
  var count: Int { bytes.count / format.size }

  /// Wraps bytes already in the machine's byte order.
  init(format: IntegerFormat, hostOrderBytes bytes: [UInt8]) {
    precondition(bytes.count % format.size == 0)
    self.format = format
    self.bytes = bytes
  }

  /// Converts bytes as stored in a file.
  ///
  /// - Parameters:
  ///   - format: The element format.
  ///   - fileBytes: The elements as stored.
  ///   - swapBytes: Whether the file's byte order differs from the machine's.
  ///   - columnMajor: `(rows, columns)` when the file stores a matrix column by column.
  init(
    format: IntegerFormat, fileBytes: [UInt8], swapBytes: Bool,
    columnMajor: (rows: Int, columns: Int)? = nil
  ) {
    var bytes = fileBytes
    let size = format.size
    if let (rows, columns) = columnMajor, rows > 1, columns > 1 {
      bytes.withUnsafeMutableBytes { output in
        fileBytes.withUnsafeBytes { input in
          for i in 0..<rows {
            for j in 0..<columns {
              let from = (j &* rows &+ i) &* size
              let to = (i &* columns &+ j) &* size
              for b in 0..<size { output[to &+ b] = input[from &+ b] }
            }
          }
        }
      }
    }
    if swapBytes && size > 1 {
      bytes.withUnsafeMutableBytes { raw in
        var offset = 0
        while offset < raw.count {
          var low = offset
          var high = offset + size - 1
          while low < high {
            raw.swapAt(low, high)
            low += 1
            high -= 1
          }
          offset += size
        }
      }
    }
    self.init(format: format, hostOrderBytes: bytes)
  }

  /// The elements as `Int`, or the first value that does not fit (as text).
  func integers() -> Result<[Int], IntegerOverflow> {
    switch format {
    case .int8: return .success(load(Int8.self))
    case .int16: return .success(load(Int16.self))
    case .int32: return .success(load(Int32.self))
    case .int64: return .success(load(Int64.self))
    case .uint8: return .success(load(UInt8.self))
    case .uint16: return .success(load(UInt16.self))
    case .uint32: return .success(load(UInt32.self))
    case .uint64:
      let values: [Int] = load(UInt64.self)
      if let index = values.firstIndex(where: { $0 < 0 }) {
        return .failure(
          IntegerOverflow(index: index, value: String(UInt64(bitPattern: Int64(values[index])))))
      }
      return .success(values)
    case .bool:
      return .success(bytes.map { $0 != 0 ? 1 : 0 })
    }
  }

  /// The elements as floating-point values, each rounded to nearest (exact for integers up to
  /// 2^24 in `Float` and 2^53 in `Double`).
  @usableFromInline
  func floatingPoint<S: BinaryFloatingPoint>(_ type: S.Type) -> [S] {
    switch format {
    case .int8: return convert(Int8.self)
    case .int16: return convert(Int16.self)
    case .int32: return convert(Int32.self)
    case .int64: return convert(Int64.self)
    case .uint8: return convert(UInt8.self)
    case .uint16: return convert(UInt16.self)
    case .uint32: return convert(UInt32.self)
    case .uint64: return convert(UInt64.self)
    case .bool: return bytes.map { $0 != 0 ? 1 : 0 }
    }
  }

  /// The elements loaded as `T` and widened (or bit-cast, for `UInt64`) to `Int`.
  private func load<T: FixedWidthInteger>(_ type: T.Type) -> [Int] {
    bytes.withUnsafeBytes { raw in
      let count = raw.count / MemoryLayout<T>.size
      return [Int](unsafeUninitializedCapacity: count) { buffer, initialized in
        for i in 0..<count {
          let value = raw.loadUnaligned(fromByteOffset: i &* MemoryLayout<T>.size, as: T.self)
          buffer.initializeElement(at: i, to: Int(truncatingIfNeeded: value))
        }
        initialized = count
      }
    }
  }

  private func convert<T: FixedWidthInteger, S: BinaryFloatingPoint>(_ type: T.Type) -> [S] {
    bytes.withUnsafeBytes { raw in
      let count = raw.count / MemoryLayout<T>.size
      return [S](unsafeUninitializedCapacity: count) { buffer, initialized in
        for i in 0..<count {
          let value = raw.loadUnaligned(fromByteOffset: i &* MemoryLayout<T>.size, as: T.self)
          buffer.initializeElement(at: i, to: S(value))
        }
        initialized = count
      }
    }
  }

  /// The bytes in little-endian order, for writing.
  var littleEndianBytes: [UInt8] {
    if 1.littleEndian == 1 || format.size == 1 { return bytes }
    return IntegerElements(format: format, fileBytes: bytes, swapBytes: true).bytes
  }

  /// Builds elements from Swift integers, choosing the format from `T`.
  ///
  /// `Int` and `UInt` are stored as 64-bit values.
  init<T: FixedWidthInteger>(_ values: [T]) {
    let format: IntegerFormat
    switch (T.isSigned, T.bitWidth) {
    case (true, 8): format = .int8
    case (true, 16): format = .int16
    case (true, 32): format = .int32
    case (true, _): format = .int64
    case (false, 8): format = .uint8
    case (false, 16): format = .uint16
    case (false, 32): format = .uint32
    case (false, _): format = .uint64
    }
    if T.bitWidth > 64 {
      preconditionFailure("integers of \(T.bitWidth) bits cannot be stored; the widest is 64")
    }
    let bytes = values.withUnsafeBytes { Array($0) }
    self.init(format: format, hostOrderBytes: bytes)
  }

  /// Builds boolean elements.
  init(_ values: [Bool]) {
    self.init(format: .bool, hostOrderBytes: values.map { $0 ? 1 : 0 })
  }
}

/// The first integer element that does not fit in `Int`.
struct IntegerOverflow: Error {
  /// Its position in row-major order.
  var index: Int
  /// The value, as text.
  var value: String
}
