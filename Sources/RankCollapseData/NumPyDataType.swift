/// The element type of a ``NumPyArray``, after decoding.
///
/// A `.npy` file states its element type in the header's `descr` entry, a NumPy type string such
/// as `'<f4'`: a byte-order character (`<` little-endian, `>` big-endian, `|` not applicable), a
/// kind (`f` IEEE floating point, `i` signed integer, `u` unsigned integer, `b` boolean) and the
/// item size in bytes. The byte order is a detail of the file: once read, the elements are held
/// in the machine's own order, so only the decoded type is kept here.
///
/// RankCollapse reads and writes `float32`, `float64`, the signed and unsigned integers of 1, 2, 4
/// and 8 bytes, and `bool`. More types may be added later, so `switch` over this type with a
/// `default` case if you need to stay source compatible.
public enum NumPyDataType: Sendable, Equatable, Hashable, CustomStringConvertible {
  /// IEEE 754 single precision, NumPy `float32` (`descr` `'<f4'` or `'>f4'`), Swift `Float`.
  case float32
  /// IEEE 754 double precision, NumPy `float64` (`descr` `'<f8'` or `'>f8'`), Swift `Double`.
  case float64
  /// NumPy `int8` (`'|i1'`), Swift `Int8`.
  case int8
  /// NumPy `int16` (`'<i2'` or `'>i2'`), Swift `Int16`.
  case int16
  /// NumPy `int32` (`'<i4'` or `'>i4'`), Swift `Int32`.
  case int32
  /// NumPy `int64` (`'<i8'` or `'>i8'`), Swift `Int64`.
  case int64
  /// NumPy `uint8` (`'|u1'`), Swift `UInt8`.
  case uint8
  /// NumPy `uint16` (`'<u2'` or `'>u2'`), Swift `UInt16`.
  case uint16
  /// NumPy `uint32` (`'<u4'` or `'>u4'`), Swift `UInt32`.
  case uint32
  /// NumPy `uint64` (`'<u8'` or `'>u8'`), Swift `UInt64`.
  case uint64
  /// NumPy `bool` (`'|b1'`), one byte per element, zero for false.
  case bool

  /// The size of one element in bytes (NumPy's `itemsize`).
  public var itemSize: Int {
    switch self {
    case .float32: 4
    case .float64: 8
    case .int8, .uint8, .bool: 1
    case .int16, .uint16: 2
    case .int32, .uint32: 4
    case .int64, .uint64: 8
    }
  }

  /// Whether the type is `float32` or `float64`.
  public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

  /// The NumPy name of the type, such as `"float32"` or `"uint8"`.
  public var description: String {
    switch self {
    case .float32: "float32"
    case .float64: "float64"
    case .int8: "int8"
    case .int16: "int16"
    case .int32: "int32"
    case .int64: "int64"
    case .uint8: "uint8"
    case .uint16: "uint16"
    case .uint32: "uint32"
    case .uint64: "uint64"
    case .bool: "bool"
    }
  }

  /// The `descr` string RankCollapse writes: little-endian, or `'|'` for one-byte types.
  var littleEndianDescriptor: String {
    switch self {
    case .float32: "<f4"
    case .float64: "<f8"
    case .int8: "|i1"
    case .int16: "<i2"
    case .int32: "<i4"
    case .int64: "<i8"
    case .uint8: "|u1"
    case .uint16: "<u2"
    case .uint32: "<u4"
    case .uint64: "<u8"
    case .bool: "|b1"
    }
  }

  /// The integer format of an integer or boolean type, `nil` for floating point.
  var integerFormat: IntegerFormat? {
    switch self {
    case .float32, .float64: nil
    case .int8: .int8
    case .int16: .int16
    case .int32: .int32
    case .int64: .int64
    case .uint8: .uint8
    case .uint16: .uint16
    case .uint32: .uint32
    case .uint64: .uint64
    case .bool: .bool
    }
  }

  /// The type of an integer format.
  init(_ format: IntegerFormat) {
    switch format {
    case .int8: self = .int8
    case .int16: self = .int16
    case .int32: self = .int32
    case .int64: self = .int64
    case .uint8: self = .uint8
    case .uint16: self = .uint16
    case .uint32: self = .uint32
    case .uint64: self = .uint64
    case .bool: self = .bool
    }
  }
}
