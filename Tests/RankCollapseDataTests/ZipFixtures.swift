import Foundation

/// A hand-made zip builder for `.npz` fixtures, independent of the code under test: stored
/// members only, each field overridable so tests can break one thing at a time.
struct ZipFixture {
  /// One member and the values its headers declare.
  struct Member {
    var name: String
    var data: [UInt8]
    var method: UInt16 = 0
    var flags: UInt16 = 0
    var crc: UInt32? = nil
    var compressedSize: UInt32? = nil
    var uncompressedSize: UInt32? = nil
    var headerOffset: UInt32? = nil
  }

  var members: [Member]
  var entryCount: UInt16? = nil
  var directoryOffset: UInt32? = nil
  var directorySize: UInt32? = nil
  var comment: [UInt8] = []

  /// The CRC-32 of `bytes` (bitwise, reflected polynomial 0xEDB88320).
  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }

  var bytes: [UInt8] {
    var output: [UInt8] = []
    var central: [UInt8] = []
    func u16(_ v: UInt16, _ b: inout [UInt8]) { b += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    func u32(_ v: UInt32, _ b: inout [UInt8]) {
      b += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
    }
    for member in members {
      let name = Array(member.name.utf8)
      let offset = member.headerOffset ?? UInt32(output.count)
      let crc = member.crc ?? Self.crc32(member.data)
      let csize = member.compressedSize ?? UInt32(member.data.count)
      let usize = member.uncompressedSize ?? UInt32(member.data.count)
      // From the flags to the name's length, both headers hold the same fields.
      func sharedFields(_ bytes: inout [UInt8]) {
        for value in [member.flags, member.method, 0, 33] { u16(value, &bytes) }
        for value in [crc, csize, usize] { u32(value, &bytes) }
        u16(UInt16(name.count), &bytes)
      }
      u32(0x0403_4B50, &output)
      u16(20, &output)
      sharedFields(&output)
      u16(0, &output)
      output += name + member.data

      u32(0x0201_4B50, &central)
      u16(20, &central)
      u16(20, &central)
      sharedFields(&central)
      u16(0, &central)
      u16(0, &central)
      u16(0, &central)
      u16(0, &central)
      u32(0, &central)
      u32(offset, &central)
      central += name
    }
    let offset = directoryOffset ?? UInt32(output.count)
    output += central
    u32(0x0605_4B50, &output)
    u16(0, &output)
    u16(0, &output)
    u16(entryCount ?? UInt16(members.count), &output)
    u16(entryCount ?? UInt16(members.count), &output)
    u32(directorySize ?? UInt32(central.count), &output)
    u32(offset, &output)
    u16(UInt16(comment.count), &output)
    return output + comment
  }
}

/// Archives written by NumPy 2.4.
///
/// `np.savez` and `np.savez_compressed` with `x = float32 [[1.5, -2, 3.25], [0, 7, -0.5]]` and
/// `labels = int64 [3, 1, 4, 1, 5, 9, 2, 6]`. Their local headers carry zip64 extra fields (NumPy forces zip64 when streaming members).
enum NumPyWrittenArchives {
  /// The bytes of base64 text (empty if invalid, which the tests would notice).
  private static func decode(base64Encoded text: String) -> [UInt8] {
    Data(base64Encoded: text).map { Array($0) } ?? []
  }

  static let stored = decode(
    base64Encoded:
      "UEsDBC0AAAAAAAAAIQCWcJll//////////8FABQAeC5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1Q"
      + "WQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAz"
      + "KSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg"
      + "ICAKAADAPwAAAMAAAFBAAAAAAAAA4EAAAAC/UEsDBC0AAAAAAAAAIQDY2l8L//////////8KABQAbGFi"
      + "ZWxzLm5weQEAEADAAAAAAAAAAMAAAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRy"
      + "YW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDgsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAg"
      + "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoDAAAAAAAAAAEAAAAAAAAABAAAAAAAAAAB"
      + "AAAAAAAAAAUAAAAAAAAACQAAAAAAAAACAAAAAAAAAAYAAAAAAAAAUEsBAi0DLQAAAAAAAAAhAJZwmWWY"
      + "AAAAmAAAAAUAAAAAAAAAAAAAAIABAAAAAHgubnB5UEsBAi0DLQAAAAAAAAAhANjaXwvAAAAAwAAAAAoA"
      + "AAAAAAAAAAAAAIABzwAAAGxhYmVscy5ucHlQSwUGAAAAAAIAAgBrAAAAywEAAAAA"
  )

  static let deflated = decode(
    base64Encoded:
      "UEsDBC0AAAAIAAAAIQCWcJll//////////8FABQAeC5ucHkBABAAmAAAAAAAAABXAAAAAAAAAJvsF+ob"
      + "EMnIUMZQrZ6SWpxcpG6loG6TZqKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CsaaOgq1"
      + "CmQDLgaGA/YMQIKBIcCBAQwegOj9AFBLAwQtAAAACAAAACEA2NpfC///////////CgAUAGxhYmVscy5u"
      + "cHkBABAAwAAAAAAAAABYAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TaaGuo6Cell9UUpSYF59f"
      + "lJIKEndLzClOBYoXZyQWpAL5GhY6mjoKtQoUAC5mBghghNIsaHxWKM0JpZmgNBuUBgBQSwECLQMtAAAA"
      + "CAAAACEAlnCZZVcAAACYAAAABQAAAAAAAAAAAAAAgAEAAAAAeC5ucHlQSwECLQMtAAAACAAAACEA2Npf"
      + "C1gAAADAAAAACgAAAAAAAAAAAAAAgAGOAAAAbGFiZWxzLm5weVBLBQYAAAAAAgACAGsAAAAiAQAAAAA="
  )
}
