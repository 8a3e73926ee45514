/// The element type of a safetensors tensor (the header's `dtype`).
///
/// RankCollapse decodes the floating-point types to `Float` or `Double` (`F16`, `BF16` and `F32`
/// to `Float`, `F64` to `Double`) and the integer and boolean types to exact integers. The 8-bit
/// float types are recognised, so a file holding them is validated, but a tensor of those types
/// cannot be decoded (``SafeTensorsError/unsupportedDataType(tensor:dataType:)``).
public enum SafeTensorsDataType: String, Sendable, Equatable, Hashable, CaseIterable,
  CustomStringConvertible
{
  /// Booleans, one byte each (`BOOL`).
  case bool = "BOOL"
  /// Unsigned 8-bit integers (`U8`).
  case uint8 = "U8"
  /// Signed 8-bit integers (`I8`).
  case int8 = "I8"
  /// Signed 16-bit integers (`I16`).
  case int16 = "I16"
  /// Unsigned 16-bit integers (`U16`).
  case uint16 = "U16"
  /// IEEE 754 half precision (`F16`), decoded to `Float` exactly.
  case float16 = "F16"
  /// bfloat16, the top half of a `Float` (`BF16`), decoded to `Float` exactly.
  case bfloat16 = "BF16"
  /// Signed 32-bit integers (`I32`).
  case int32 = "I32"
  /// Unsigned 32-bit integers (`U32`).
  case uint32 = "U32"
  /// IEEE 754 single precision (`F32`).
  case float32 = "F32"
  /// IEEE 754 double precision (`F64`).
  case float64 = "F64"
  /// Signed 64-bit integers (`I64`).
  case int64 = "I64"
  /// Unsigned 64-bit integers (`U64`).
  case uint64 = "U64"
  /// 8-bit float with 5 exponent bits (`F8_E5M2`); validated, not decoded.
  case float8E5M2 = "F8_E5M2"
  /// 8-bit float with 4 exponent bits (`F8_E4M3`); validated, not decoded.
  case float8E4M3 = "F8_E4M3"

  /// The size of one element in bytes.
  public var itemSize: Int {
    switch self {
    case .bool, .uint8, .int8, .float8E5M2, .float8E4M3: 1
    case .int16, .uint16, .float16, .bfloat16: 2
    case .int32, .uint32, .float32: 4
    case .int64, .uint64, .float64: 8
    }
  }

  /// Whether the type is one of the floating-point types RankCollapse decodes (`F16`, `BF16`,
  /// `F32`, `F64`).
  public var isFloatingPoint: Bool {
    switch self {
    case .float16, .bfloat16, .float32, .float64: true
    default: false
    }
  }

  /// The `dtype` string, such as `"F32"`.
  public var description: String { rawValue }

  /// The integer format of an integer or boolean type, `nil` otherwise.
  var integerFormat: IntegerFormat? {
    switch self {
    case .bool: .bool
    case .uint8: .uint8
    case .int8: .int8
    case .int16: .int16
    case .uint16: .uint16
    case .int32: .int32
    case .uint32: .uint32
    case .int64: .int64
    case .uint64: .uint64
    default: nil
    }
  }

  /// The type of an integer format.
  init(_ format: IntegerFormat) {
    switch format {
    case .bool: self = .bool
    case .uint8: self = .uint8
    case .int8: self = .int8
    case .int16: self = .int16
    case .uint16: self = .uint16
    case .int32: self = .int32
    case .uint32: self = .uint32
    case .int64: self = .int64
    case .uint64: self = .uint64
    }
  }
}
