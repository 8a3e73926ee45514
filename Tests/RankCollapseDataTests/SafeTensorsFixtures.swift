/// Hand-made safetensors byte fixtures, independent of the code under test.
enum SafeTensorsFixture {
  /// A file: the 8-byte little-endian length of `header` (or `declaredLength`), the header text,
  /// then `data`.
  static func file(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    let text = Array(header.utf8)
    let length = declaredLength ?? UInt64(text.count)
    var bytes: [UInt8] = []
    for shift in stride(from: 0, to: 64, by: 8) {
      bytes.append(UInt8(truncatingIfNeeded: length >> UInt64(shift)))
    }
    return bytes + text + data
  }

  /// The little-endian bytes of `values` as F32.
  static func f32(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
  }

  /// The little-endian bytes of `values` as F64.
  static func f64(_ values: [Double]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
  }

  /// The little-endian bytes of 16-bit patterns.
  static func u16(_ values: [UInt16]) -> [UInt8] {
    values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
  }

  /// One tensor entry's JSON.
  static func entry(_ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int)
    -> String
  {
    "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}"
  }
}
