import RankCollapseData
import RankCollapseTensor
import _RankCollapseTestSupport

/// Hand-made compressed bombs and odd containers for the hostile-file tests, independent of the
/// code under test.
enum HostileFixture {
  /// Little-endian bytes of an integer.
  static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
  }

  /// A raw deflate stored block (RFC 1951 §3.2.4) holding `data` (at most 65 535 bytes).
  static func storedBlock(_ data: [UInt8], final: Bool) -> [UInt8] {
    precondition(data.count <= 65_535, "a stored block holds at most 65 535 bytes")
    let count = UInt16(data.count)
    return [final ? 1 : 0] + littleEndian(count) + littleEndian(~count) + data
  }

  /// A raw deflate stream holding `data` in stored blocks, the last one final.
  static func deflateStored(_ data: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = []
    var offset = 0
    repeat {
      let count = min(65_535, data.count - offset)
      bytes += storedBlock(
        Array(data[offset..<(offset + count)]), final: offset + count == data.count)
      offset += count
    } while offset < data.count
    return bytes
  }

  /// A one-member zip archive whose member declares `uncompressedSize` (through a zip64 extra
  /// field when it does not fit 32 bits) and holds `data` as its compressed bytes.
  static func zip(
    name: String = "w.npy", data: [UInt8], method: UInt16 = 8, crc: UInt32 = 0,
    uncompressedSize: Int, flags: UInt16 = 0
  ) -> [UInt8] {
    let nameBytes = Array(name.utf8)
    let zip64 = uncompressedSize >= 0xFFFF_FFFF || data.count >= 0xFFFF_FFFF
    let extra: [UInt8] =
      zip64
      ? littleEndian(UInt16(1)) + littleEndian(UInt16(16))
        + littleEndian(UInt64(uncompressedSize)) + littleEndian(UInt64(data.count))
      : []
    let usize: UInt32 = zip64 ? 0xFFFF_FFFF : UInt32(uncompressedSize)
    let csize: UInt32 = zip64 ? 0xFFFF_FFFF : UInt32(data.count)
    func common() -> [UInt8] {
      littleEndian(UInt16(45)) + littleEndian(flags) + littleEndian(method)
        + littleEndian(UInt16(0)) + littleEndian(UInt16(33)) + littleEndian(crc)
        + littleEndian(csize) + littleEndian(usize) + littleEndian(UInt16(nameBytes.count))
        + littleEndian(UInt16(extra.count))
    }
    var bytes = littleEndian(UInt32(0x0403_4B50)) + common() + nameBytes + extra + data
    let directoryOffset = bytes.count
    bytes += littleEndian(UInt32(0x0201_4B50)) + littleEndian(UInt16(45)) + common()
    bytes += littleEndian(UInt16(0)) + littleEndian(UInt16(0)) + littleEndian(UInt16(0))
    bytes += littleEndian(UInt32(0)) + littleEndian(UInt32(0)) + nameBytes + extra
    let directorySize = bytes.count - directoryOffset
    bytes += littleEndian(UInt32(0x0605_4B50)) + littleEndian(UInt16(0)) + littleEndian(UInt16(0))
    bytes += littleEndian(UInt16(1)) + littleEndian(UInt16(1))
    bytes += littleEndian(UInt32(directorySize)) + littleEndian(UInt32(directoryOffset))
    bytes += littleEndian(UInt16(0))
    return bytes
  }

  /// A `.npy` file's bytes for a `float64` array of the given shape (zeros), written by hand:
  /// format 1.0, the header padded to 128 bytes.
  static func npyHeader(
    shape: [Int], descriptor: String = "<f8", fortranOrder: Bool = false
  ) -> [UInt8] {
    npyBytes(shape: shape, descriptor: descriptor, fortranOrder: fortranOrder, data: [])
  }

  /// A deflated member that starts with `prefix` and continues with stored blocks of zeros,
  /// sized so that the declared inflated size passes deflate's ratio bound: a bomb whose start is
  /// valid deflate data and whose rest is never reached by a reader that checks the start first.
  static func bombData(prefix: [UInt8], declaredSize: Int) -> [UInt8] {
    var bytes = storedBlock(prefix, final: false)
    let zeros = [UInt8](repeating: 0, count: 65_535)
    while bytes.count < declaredSize / 1000 { bytes += storedBlock(zeros, final: false) }
    return bytes
  }

  /// A gzip member holding `data` in stored blocks, with its CRC-32 and length.
  static func gzipMember(_ data: [UInt8]) -> [UInt8] {
    IDXFixture.gzip(data)
  }
}
