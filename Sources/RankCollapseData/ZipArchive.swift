/// The zip container of a `.npz` file (PKWARE APPNOTE 6.3): reading stored and deflated members
/// (zip64 included), writing stored or deflated members.
///
/// The reader trusts nothing: the central directory must lie inside the file, every member's
/// local header and data must lie before the central directory without overlapping another
/// member, a deflated member's declared size is checked against the largest ratio deflate can
/// reach before its buffer is allocated, and every member's size and CRC-32 are verified.
enum ZipArchive {
  /// One member, located and checked against the file's bounds.
  struct Member: Equatable {
    /// The member's file name.
    var name: String
    /// 0 stored, 8 deflated.
    var method: Int
    /// The declared CRC-32 of the uncompressed data.
    var crc: UInt32
    /// The size of the stored data.
    var compressedSize: Int
    /// The size of the data once inflated.
    var uncompressedSize: Int
    /// The offset of the local file header.
    var headerOffset: Int
    /// The offset of the first data byte.
    var dataOffset: Int
  }

  // MARK: Reading

  /// Reads a little-endian integer at `offset`; the caller has checked the bounds.
  private static func load<T: FixedWidthInteger>(
    _ bytes: UnsafeRawBufferPointer, _ offset: Int, as type: T.Type
  ) -> T {
    T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
  }

  private static let endSignature: UInt32 = 0x0605_4B50
  private static let zip64EndSignature: UInt32 = 0x0606_4B50
  private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
  private static let centralSignature: UInt32 = 0x0201_4B50
  private static let localSignature: UInt32 = 0x0403_4B50

  /// Lists and checks the members of an archive.
  ///
  /// - Parameter bytes: The whole file.
  /// - Returns: The members in central-directory order.
  /// - Throws: ``NumPyError/notZipArchive``, ``NumPyError/malformedArchive(reason:)``,
  ///   ``NumPyError/unsupportedCompression(member:method:)`` or
  ///   ``NumPyError/duplicateMember(_:)``.
  static func members(_ bytes: UnsafeRawBufferPointer) throws(NumPyError) -> [Member] {
    let size = bytes.count
    // The end record is 22 bytes plus a comment of at most 65 535 bytes.
    guard size >= 22 else { throw .notZipArchive }
    var end = -1
    var position = size - 22
    let lowest = max(0, size - 22 - 65_535)
    while position >= lowest {
      if load(bytes, position, as: UInt32.self) == endSignature
        && 22 + Int(load(bytes, position + 20, as: UInt16.self)) <= size - position
      {
        end = position
        break
      }
      position -= 1
    }
    guard end >= 0 else { throw .notZipArchive }

    var disk = Int(load(bytes, end + 4, as: UInt16.self))
    var directoryDisk = Int(load(bytes, end + 6, as: UInt16.self))
    var entriesOnDisk = Int(load(bytes, end + 8, as: UInt16.self))
    var entries = Int(load(bytes, end + 10, as: UInt16.self))
    var directorySize = Int(load(bytes, end + 12, as: UInt32.self))
    var directoryOffset = Int(load(bytes, end + 16, as: UInt32.self))
    var directoryLimit = end  // the central directory must end before this offset

    if entries == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
      // Zip64: a 20-byte locator just before the end record points at the zip64 end record.
      let locator = end - 20
      guard locator >= 0, load(bytes, locator, as: UInt32.self) == zip64LocatorSignature else {
        throw .malformedArchive(reason: "the zip64 end-of-central-directory locator is missing")
      }
      let recordOffset64 = load(bytes, locator + 8, as: UInt64.self)
      guard recordOffset64 <= UInt64(locator), Int(recordOffset64) + 56 <= locator else {
        throw .malformedArchive(
          reason: "the zip64 end record offset \(recordOffset64) lies outside the file")
      }
      let record = Int(recordOffset64)
      guard load(bytes, record, as: UInt32.self) == zip64EndSignature else {
        throw .malformedArchive(reason: "no zip64 end record at offset \(record)")
      }
      func field(_ offset: Int) throws(NumPyError) -> Int {
        let value = load(bytes, record + offset, as: UInt64.self)
        guard value <= UInt64(Int.max) else {
          throw .malformedArchive(reason: "a zip64 end record field is \(value), too large")
        }
        return Int(value)
      }
      disk = Int(load(bytes, record + 16, as: UInt32.self))
      directoryDisk = Int(load(bytes, record + 20, as: UInt32.self))
      entriesOnDisk = try field(24)
      entries = try field(32)
      directorySize = try field(40)
      directoryOffset = try field(48)
      directoryLimit = record
    }
    guard disk == 0, directoryDisk == 0, entriesOnDisk == entries else {
      throw .malformedArchive(reason: "multi-disk (split) archives are not supported")
    }
    guard directoryOffset <= directoryLimit, directorySize <= directoryLimit - directoryOffset
    else {
      throw .malformedArchive(
        reason: "the central directory (\(directorySize) bytes at offset \(directoryOffset)) "
          + "does not fit before byte \(directoryLimit)")
    }
    // Each central-directory entry takes at least 46 bytes.
    guard entries <= directorySize / 46 else {
      throw .malformedArchive(
        reason: "\(entries) entries cannot fit in a \(directorySize)-byte central directory")
    }

    var members: [Member] = []
    members.reserveCapacity(entries)
    var names = Set<String>()
    var cursor = directoryOffset
    let directoryEnd = directoryOffset + directorySize
    for index in 0..<entries {
      guard directoryEnd - cursor >= 46, load(bytes, cursor, as: UInt32.self) == centralSignature
      else {
        throw .malformedArchive(reason: "central directory entry \(index) is missing or cut short")
      }
      let flags = Int(load(bytes, cursor + 8, as: UInt16.self))
      let method = Int(load(bytes, cursor + 10, as: UInt16.self))
      let crc = load(bytes, cursor + 16, as: UInt32.self)
      var compressedSize = Int(load(bytes, cursor + 20, as: UInt32.self))
      var uncompressedSize = Int(load(bytes, cursor + 24, as: UInt32.self))
      let nameLength = Int(load(bytes, cursor + 28, as: UInt16.self))
      let extraLength = Int(load(bytes, cursor + 30, as: UInt16.self))
      let commentLength = Int(load(bytes, cursor + 32, as: UInt16.self))
      var headerOffset = Int(load(bytes, cursor + 42, as: UInt32.self))
      let entryLength = 46 + nameLength + extraLength + commentLength
      guard entryLength <= directoryEnd - cursor else {
        throw .malformedArchive(reason: "central directory entry \(index) is cut short")
      }
      let name = String(
        decoding: UnsafeRawBufferPointer(
          rebasing: bytes[(cursor + 46)..<(cursor + 46 + nameLength)]),
        as: UTF8.self)

      // Zip64 extended information: the 64-bit values of the fields that hold 0xFFFFFFFF.
      var extra = cursor + 46 + nameLength
      let extraEnd = extra + extraLength
      while extraEnd - extra >= 4 {
        let id = load(bytes, extra, as: UInt16.self)
        let length = Int(load(bytes, extra + 2, as: UInt16.self))
        guard length <= extraEnd - extra - 4 else {
          throw .malformedArchive(reason: "member '\(name)' has a cut-short extra field")
        }
        if id == 0x0001 {
          var field = extra + 4
          let fieldEnd = field + length
          func next() throws(NumPyError) -> Int {
            guard fieldEnd - field >= 8 else {
              throw .malformedArchive(reason: "member '\(name)' has a cut-short zip64 field")
            }
            let value = load(bytes, field, as: UInt64.self)
            field += 8
            guard value <= UInt64(Int.max) else {
              throw .malformedArchive(reason: "member '\(name)' declares a size of \(value)")
            }
            return Int(value)
          }
          if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try next() }
          if compressedSize == 0xFFFF_FFFF { compressedSize = try next() }
          if headerOffset == 0xFFFF_FFFF { headerOffset = try next() }
        }
        extra += 4 + length
      }

      guard flags & 1 == 0 else { throw .unsupportedCompression(member: name, method: method) }
      guard method == 0 || method == 8 else {
        throw .unsupportedCompression(member: name, method: method)
      }
      guard names.insert(name).inserted else { throw .duplicateMember(name) }

      // The local header: 30 bytes, then its own name and extra field, then the data.
      guard headerOffset <= directoryOffset, directoryOffset - headerOffset >= 30,
        load(bytes, headerOffset, as: UInt32.self) == localSignature
      else {
        throw .malformedArchive(
          reason: "member '\(name)': no local header at offset \(headerOffset)")
      }
      let localNameLength = Int(load(bytes, headerOffset + 26, as: UInt16.self))
      let localExtraLength = Int(load(bytes, headerOffset + 28, as: UInt16.self))
      let dataOffset = headerOffset + 30 + localNameLength + localExtraLength
      guard dataOffset <= directoryOffset, compressedSize <= directoryOffset - dataOffset else {
        throw .malformedArchive(
          reason: "member '\(name)' (\(compressedSize) bytes at offset \(dataOffset)) extends "
            + "past the central directory")
      }
      if method == 0 && compressedSize != uncompressedSize {
        throw .malformedArchive(
          reason: "stored member '\(name)' declares \(compressedSize) stored bytes but "
            + "\(uncompressedSize) uncompressed")
      }
      if method == 8 && uncompressedSize > Zlib.maximumInflatedSize(compressedSize: compressedSize)
      {
        throw .corruptMember(
          member: name,
          reason: "\(compressedSize) deflated bytes cannot inflate to the declared "
            + "\(uncompressedSize) bytes")
      }
      members.append(
        Member(
          name: name, method: method, crc: crc, compressedSize: compressedSize,
          uncompressedSize: uncompressedSize, headerOffset: headerOffset, dataOffset: dataOffset))
      cursor += entryLength
    }

    // Members must not share bytes (overlapping members are how zip bombs multiply).
    let ordered = members.sorted { $0.headerOffset < $1.headerOffset }
    for (previous, next) in zip(ordered, ordered.dropFirst())
    where next.headerOffset < previous.dataOffset + previous.compressedSize {
      throw .malformedArchive(
        reason: "members '\(previous.name)' and '\(next.name)' overlap")
    }
    return members
  }

  /// The uncompressed contents of a member, size and CRC-32 verified.
  ///
  /// - Parameters:
  ///   - member: A member returned by ``members(_:)`` for the same bytes.
  ///   - bytes: The whole file.
  ///   - body: Receives the contents (valid only during the call).
  /// - Returns: What `body` returns.
  /// - Throws: ``NumPyError/corruptMember(member:reason:)``, or what `body` throws.
  static func withContents<R>(
    of member: Member, in bytes: UnsafeRawBufferPointer,
    _ body: (UnsafeRawBufferPointer) throws(NumPyError) -> R
  ) throws(NumPyError) -> R {
    let data = UnsafeRawBufferPointer(
      rebasing: bytes[member.dataOffset..<(member.dataOffset + member.compressedSize)])
    if member.method == 0 {
      try checkCRC(data, member)
      return try body(data)
    }
    let output = UnsafeMutableRawBufferPointer.allocate(
      byteCount: member.uncompressedSize, alignment: 16)
    defer { output.deallocate() }
    do {
      try Zlib.inflate(data, into: output, gzip: false)
    } catch {
      let reason: String
      switch error {
      case .invalidData(let message): reason = "invalid deflate data (\(message))"
      case .tooShort(let produced):
        reason =
          "inflates to \(produced) bytes, fewer than the declared \(member.uncompressedSize)"
      case .tooLong: reason = "inflates to more than the declared \(member.uncompressedSize) bytes"
      }
      throw .corruptMember(member: member.name, reason: reason)
    }
    try checkCRC(UnsafeRawBufferPointer(output), member)
    return try body(UnsafeRawBufferPointer(output))
  }

  private static func checkCRC(
    _ data: UnsafeRawBufferPointer, _ member: Member
  ) throws(NumPyError) {
    let crc = Zlib.crc32(data)
    guard crc == member.crc else {
      throw .corruptMember(
        member: member.name,
        reason: "CRC-32 is \(hex(crc)) but the archive declares \(hex(member.crc))")
    }
  }

  private static func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
  }

  // MARK: Writing

  /// Encodes members as a zip archive, as Python's `zipfile` does (no zip64).
  ///
  /// - Parameters:
  ///   - entries: Member names and contents, in order.
  ///   - deflate: Whether to deflate the members (else they are stored).
  /// - Returns: The archive.
  /// - Throws: ``NumPyError/archiveTooLarge(bytes:)`` past 4 GiB or 65 535 members.
  static func encode(
    _ entries: [(name: String, contents: [UInt8])], deflate: Bool
  ) throws(NumPyError) -> [UInt8] {
    var output: [UInt8] = []
    var central: [UInt8] = []
    func append16(_ value: Int, to bytes: inout [UInt8]) {
      bytes.append(UInt8(truncatingIfNeeded: value))
      bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }
    func append32(_ value: Int, to bytes: inout [UInt8]) {
      for shift in stride(from: 0, to: 32, by: 8) {
        bytes.append(UInt8(truncatingIfNeeded: value >> shift))
      }
    }
    let limit = Int(UInt32.max) - 1
    guard entries.count < 0xFFFF else { throw .archiveTooLarge(bytes: Int.max) }
    for entry in entries {
      let name = Array(entry.name.utf8)
      let isASCII = name.allSatisfy { $0 < 0x80 }
      let crc = entry.contents.withUnsafeBytes { Zlib.crc32($0) }
      let data = deflate ? entry.contents.withUnsafeBytes { Zlib.deflate($0) } : entry.contents
      let offset = output.count
      guard entry.contents.count <= limit, offset <= limit,
        data.count <= limit - offset - 30 - name.count
      else {
        throw .archiveTooLarge(bytes: offset + 30 + name.count + data.count)
      }
      // Fields shared by the local header and the central-directory entry, from "version
      // needed" to the extra field's length.
      var common: [UInt8] = []
      append16(20, to: &common)  // version needed: 2.0 (deflate)
      append16(isASCII ? 0 : 0x0800, to: &common)  // flags: bit 11 = UTF-8 name
      append16(deflate ? 8 : 0, to: &common)
      append16(0, to: &common)  // time 00:00:00
      append16((0 << 9) | (1 << 5) | 1, to: &common)  // date 1980-01-01, the DOS epoch
      append32(Int(crc), to: &common)
      append32(data.count, to: &common)
      append32(entry.contents.count, to: &common)
      append16(name.count, to: &common)
      append16(0, to: &common)  // extra field length

      append32(Int(localSignature), to: &output)
      output += common
      output += name
      output += data

      append32(Int(centralSignature), to: &central)
      append16((3 << 8) | 20, to: &central)  // made by: Unix, version 2.0
      central += common
      append16(0, to: &central)  // comment length
      append16(0, to: &central)  // disk number
      append16(0, to: &central)  // internal attributes
      append32(0o100644 << 16, to: &central)  // external attributes: regular file, rw-r--r--
      append32(offset, to: &central)
      central += name
    }
    let directoryOffset = output.count
    guard directoryOffset <= limit, central.count <= limit - directoryOffset else {
      throw .archiveTooLarge(bytes: directoryOffset + central.count + 22)
    }
    output += central
    append32(Int(endSignature), to: &output)
    append16(0, to: &output)
    append16(0, to: &output)
    append16(entries.count, to: &output)
    append16(entries.count, to: &output)
    append32(central.count, to: &output)
    append32(directoryOffset, to: &output)
    append16(0, to: &output)  // comment length
    return output
  }
}
