/// Hand-made IDX and gzip fixtures, independent of the code under test.
enum IDXFixture {
  /// An IDX file: two zero bytes, the type byte, the dimensions, then `data`.
  static func file(type: UInt8 = 0x08, shape: [UInt32], data: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, type, UInt8(shape.count)]
    for dimension in shape {
      bytes += [
        UInt8(dimension >> 24), UInt8((dimension >> 16) & 0xFF), UInt8((dimension >> 8) & 0xFF),
        UInt8(dimension & 0xFF),
      ]
    }
    return bytes + data
  }

  /// A gzip file holding `data` in stored (uncompressed) deflate blocks (RFC 1951 §3.2.4,
  /// RFC 1952), built by hand.
  static func gzip(_ data: [UInt8], corruptCRC: Bool = false) -> [UInt8] {
    var bytes: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
    var offset = 0
    repeat {
      let count = min(65_535, data.count - offset)
      let final: UInt8 = offset + count == data.count ? 1 : 0
      bytes += [final, UInt8(count & 0xFF), UInt8(count >> 8)]
      bytes += [UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
      bytes += data[offset..<(offset + count)]
      offset += count
    } while offset < data.count
    var crc = ZipFixture.crc32(data)
    if corruptCRC { crc ^= 1 }
    let size = UInt32(truncatingIfNeeded: data.count)
    for value in [crc, size] {
      bytes += [
        UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF),
        UInt8(value >> 24),
      ]
    }
    return bytes
  }
}
