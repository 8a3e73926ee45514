// Containers built around a fuzz input, so that mutated bytes reach the parsers behind the CRC-32
// and deflate checks of zip and gzip (which random mutations almost never pass).

/// The CRC-32 of `bytes` (bitwise; inputs are a few kilobytes).
public func crc32(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return ~crc
}

private func append16(_ value: Int, to bytes: inout [UInt8]) {
  bytes += [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
}

private func append32(_ value: UInt32, to bytes: inout [UInt8]) {
  for shift in stride(from: 0, to: 32, by: 8) {
    bytes.append(UInt8(truncatingIfNeeded: value >> shift))
  }
}

/// A gzip file holding `data` in stored deflate blocks, with a correct CRC-32 and length.
public func gzipStored(_ data: [UInt8]) -> [UInt8] {
  var bytes: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
  var offset = 0
  repeat {
    let count = min(65_535, data.count - offset)
    bytes.append(offset + count == data.count ? 1 : 0)
    append16(count, to: &bytes)
    append16(~count & 0xFFFF, to: &bytes)
    bytes += data[offset..<(offset + count)]
    offset += count
  } while offset < data.count
  append32(crc32(data), to: &bytes)
  append32(UInt32(truncatingIfNeeded: data.count), to: &bytes)
  return bytes
}

/// A zip archive with one stored member `a.npy` holding `data`, with a correct CRC-32.
public func zipStored(_ data: [UInt8]) -> [UInt8] {
  let name = Array("a.npy".utf8)
  let crc = crc32(data)
  var common: [UInt8] = []
  append16(20, to: &common)
  append16(0, to: &common)
  append16(0, to: &common)
  append16(0, to: &common)
  append16(33, to: &common)
  append32(crc, to: &common)
  append32(UInt32(data.count), to: &common)
  append32(UInt32(data.count), to: &common)
  append16(name.count, to: &common)
  append16(0, to: &common)
  var bytes: [UInt8] = []
  append32(0x0403_4B50, to: &bytes)
  bytes += common + name + data
  let directoryOffset = bytes.count
  append32(0x0201_4B50, to: &bytes)
  append16(20, to: &bytes)
  bytes += common
  for _ in 0..<3 { append16(0, to: &bytes) }
  append32(0, to: &bytes)
  append32(0, to: &bytes)
  bytes += name
  let directorySize = bytes.count - directoryOffset
  append32(0x0605_4B50, to: &bytes)
  append16(0, to: &bytes)
  append16(0, to: &bytes)
  append16(1, to: &bytes)
  append16(1, to: &bytes)
  append32(UInt32(directorySize), to: &bytes)
  append32(UInt32(directoryOffset), to: &bytes)
  append16(0, to: &bytes)
  return bytes
}
