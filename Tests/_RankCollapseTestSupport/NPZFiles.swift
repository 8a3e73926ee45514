// Hand-made .npy and .npz bytes for tests that need what the library does not write: N-D arrays,
// damaged members.

/// The bytes of a format 1.0 `.npy` file: the preamble, a header padded to 128 bytes, then `data`.
///
/// - Parameters:
///   - shape: The dimensions, any number of them.
///   - descriptor: The dtype, such as `"<f4"`.
///   - fortranOrder: The header's `fortran_order` (the caller orders `data` accordingly).
///   - data: The elements' bytes (not checked against the shape).
/// - Returns: The file's bytes.
public func npyBytes(
  shape: [Int], descriptor: String = "<f4", fortranOrder: Bool = false, data: [UInt8]
) -> [UInt8] {
  let tuple =
    shape.count == 1
    ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
  let order = fortranOrder ? "True" : "False"
  var text = "{'descr': '\(descriptor)', 'fortran_order': \(order), 'shape': \(tuple), }"
  text += String(repeating: " ", count: 128 - 10 - text.utf8.count - 1) + "\n"
  let length = UInt16(text.utf8.count)
  return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
    + Array(text.utf8) + data
}

/// The bytes of a zip archive of stored members, as `np.savez` writes it (no zip64).
///
/// - Parameters:
///   - members: Names and contents, in order.
///   - damaging: The name of a member whose declared CRC-32 is made wrong, if any.
/// - Returns: The archive's bytes.
public func storedZipBytes(
  _ members: [(name: String, data: [UInt8])], damaging: String? = nil
) -> [UInt8] {
  func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
  func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
  var output: [UInt8] = []
  var central: [UInt8] = []
  for member in members {
    let name = Array(member.name.utf8)
    var crc = checksum(member.data)
    if member.name == damaging { crc ^= 1 }
    let common =
      le16(20) + le16(0) + le16(0) + le16(0) + le16(33) + le32(crc)
      + le32(UInt32(member.data.count)) + le32(UInt32(member.data.count)) + le16(name.count)
      + le16(0)
    let offset = UInt32(output.count)
    output += le32(0x0403_4B50) + common + name + member.data
    central += le32(0x0201_4B50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0)
    central += le32(offset) + name
  }
  let directoryOffset = UInt32(output.count)
  output += central + le32(0x0605_4B50) + le16(0) + le16(0) + le16(members.count)
  output += le16(members.count) + le32(UInt32(central.count)) + le32(directoryOffset) + le16(0)
  return output
}

/// The CRC-32 of `bytes` (bitwise, reflected polynomial 0xEDB88320), as zip stores it.
private func checksum(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return ~crc
}
