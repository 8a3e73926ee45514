/// The element type of a ``NumPyArray``, after decoding.
///
/// A `.npy` file states its element type in the header's `descr` entry, a NumPy type string such
/// as `'<f4'`: a byte-order character (`<` little-endian, `>` big-endian), a kind (`f` for IEEE
/// floating point) and the item size in bytes. The byte order is a detail of the file: once read,
/// the elements are held in the machine's own order, so only the decoded type is kept here.
///
/// RankCollapse reads and writes `float32` (`'<f4'`/`'>f4'`) and `float64` (`'<f8'`/`'>f8'`).
/// More types (integers) may be added later, so `switch` over this type with a `default` case if
/// you need to stay source compatible.
public enum NumPyDataType: Sendable, Equatable, Hashable, CustomStringConvertible {
  /// IEEE 754 single precision, NumPy `float32` (`descr` `'<f4'` or `'>f4'`), Swift `Float`.
  case float32
  /// IEEE 754 double precision, NumPy `float64` (`descr` `'<f8'` or `'>f8'`), Swift `Double`.
  case float64

  /// The size of one element in bytes (NumPy's `itemsize`).
  public var itemSize: Int {
    switch self {
    case .float32: 4
    case .float64: 8
    }
  }

  /// The NumPy name of the type, `"float32"` or `"float64"`.
  public var description: String {
    switch self {
    case .float32: "float32"
    case .float64: "float64"
    }
  }

  /// The little-endian `descr` string RankCollapse writes, `'<f4'` or `'<f8'`.
  var littleEndianDescriptor: String {
    switch self {
    case .float32: "<f4"
    case .float64: "<f8"
    }
  }
}
