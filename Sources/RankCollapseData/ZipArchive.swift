/// The zip container of a `.npz` file (PKWARE APPNOTE 6.3): reading stored and deflated members
/// (zip64 included), writing stored or deflated members.
///
/// The reader trusts nothing: the central directory must lie inside the file, every member's
/// local header and data must lie before the central directory without overlapping another
/// member, a deflated member's declared size is checked against the largest ratio deflate can
/// reach, and every member's size and CRC-32 are verified. Members are read one at a time
/// through a ``ZipMemberReader``, which inflates only as much as is asked of it, so a member's
/// contents can be checked (its `.npy` header against its declared size) before the bulk of it
/// is inflated, and members nobody asks for are never read.
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

  /// Reads a little-endian integer at `offset` of an array; the caller has checked the bounds.
  private static func load<T: FixedWidthInteger>(
    _ bytes: [UInt8], _ offset: Int, as type: T.Type
  ) -> T {
    bytes.withUnsafeBytes { load($0, offset, as: T.self) }
  }

  private static let endSignature: UInt32 = 0x0605_4B50
  private static let zip64EndSignature: UInt32 = 0x0606_4B50
  private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
  private static let centralSignature: UInt32 = 0x0201_4B50
  private static let localSignature: UInt32 = 0x0403_4B50

  /// Lists and checks the members of an archive in memory.
  ///
  /// - Parameter bytes: The whole file.
  /// - Returns: The members in central-directory order.
  /// - Throws: As ``members(in:)``.
  static func members(_ bytes: UnsafeRawBufferPointer) throws(NumPyError) -> [Member] {
    try members(in: MemorySource(bytes: bytes))
  }

  /// Lists and checks the members of an archive, reading only its end records, its central
  /// directory and each member's local header.
  ///
  /// - Parameter source: The file.
  /// - Returns: The members in central-directory order.
  /// - Throws: ``NumPyError/notZipArchive``, ``NumPyError/malformedArchive(reason:)``,
  ///   ``NumPyError/unsupportedCompression(member:method:)``,
  ///   ``NumPyError/encryptedMember(_:)``, ``NumPyError/duplicateMember(_:)``, or a file-system
  ///   case when the file cannot be read.
  /// - Complexity: O(central directory size + number of members · log(number of members)).
  static func members(in source: some ZipSource) throws(NumPyError) -> [Member] {
    let size = source.size
    // The end record is 22 bytes plus a comment of at most 65 535 bytes.
    guard size >= 22 else { throw .notZipArchive }
    let tailStart = max(0, size - 22 - 65_535)
    let tail = try source.bytes(at: tailStart, count: size - tailStart)
    var end = -1
    var position = tail.count - 22
    while position >= 0 {
      if load(tail, position, as: UInt32.self) == endSignature
        && 22 + Int(load(tail, position + 20, as: UInt16.self)) <= tail.count - position
      {
        end = position
        break
      }
      position -= 1
    }
    guard end >= 0 else { throw .notZipArchive }

    var disk = Int(load(tail, end + 4, as: UInt16.self))
    var directoryDisk = Int(load(tail, end + 6, as: UInt16.self))
    var entriesOnDisk = Int(load(tail, end + 8, as: UInt16.self))
    var entries = Int(load(tail, end + 10, as: UInt16.self))
    var directorySize = Int(load(tail, end + 12, as: UInt32.self))
    var directoryOffset = Int(load(tail, end + 16, as: UInt32.self))
    end += tailStart  // from here on, an offset into the file
    var directoryLimit = end  // the central directory must end before this offset

    if entries == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
      // Zip64: a 20-byte locator just before the end record points at the zip64 end record.
      let locatorOffset = end - 20
      guard locatorOffset >= 0 else {
        throw .malformedArchive(reason: "the zip64 end-of-central-directory locator is missing")
      }
      let locator = try source.bytes(at: locatorOffset, count: 20)
      guard load(locator, 0, as: UInt32.self) == zip64LocatorSignature else {
        throw .malformedArchive(reason: "the zip64 end-of-central-directory locator is missing")
      }
      let recordOffset64 = load(locator, 8, as: UInt64.self)
      guard recordOffset64 <= UInt64(locatorOffset), Int(recordOffset64) + 56 <= locatorOffset
      else {
        throw .malformedArchive(
          reason: "the zip64 end record offset \(recordOffset64) lies outside the file")
      }
      let recordOffset = Int(recordOffset64)
      let record = try source.bytes(at: recordOffset, count: 56)
      guard load(record, 0, as: UInt32.self) == zip64EndSignature else {
        throw .malformedArchive(reason: "no zip64 end record at offset \(recordOffset)")
      }
      func field(_ offset: Int) throws(NumPyError) -> Int {
        let value = load(record, offset, as: UInt64.self)
        guard value <= UInt64(Int.max) else {
          throw .malformedArchive(reason: "a zip64 end record field is \(value), too large")
        }
        return Int(value)
      }
      disk = Int(load(record, 16, as: UInt32.self))
      directoryDisk = Int(load(record, 20, as: UInt32.self))
      entriesOnDisk = try field(24)
      entries = try field(32)
      directorySize = try field(40)
      directoryOffset = try field(48)
      directoryLimit = recordOffset
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
    let directory = try source.bytes(at: directoryOffset, count: directorySize)
    let members = try directory.withUnsafeBufferPointer { buffer throws(NumPyError) in
      try parseDirectory(
        UnsafeRawBufferPointer(buffer), entries: entries, directoryOffset: directoryOffset,
        source: source)
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

  /// The members described by the central directory `bytes` (which starts at `directoryOffset`
  /// in the file), each checked against its local header.
  private static func parseDirectory(
    _ bytes: UnsafeRawBufferPointer, entries: Int, directoryOffset: Int, source: some ZipSource
  ) throws(NumPyError) -> [Member] {
    var members: [Member] = []
    members.reserveCapacity(entries)
    var names = Set<String>()
    var cursor = 0
    let directoryEnd = bytes.count
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

      // Bit 0: encrypted; bit 6: strong encryption; method 99: AES (WinZip).
      guard flags & 0x41 == 0, method != 99 else { throw .encryptedMember(name) }
      guard method == 0 || method == 8 else {
        throw .unsupportedCompression(member: name, method: method)
      }
      guard names.insert(name).inserted else { throw .duplicateMember(name) }

      // The local header: 30 bytes, then its own name and extra field, then the data.
      guard headerOffset <= directoryOffset, directoryOffset - headerOffset >= 30 else {
        throw .malformedArchive(
          reason: "member '\(name)': no local header at offset \(headerOffset)")
      }
      let local = try source.bytes(at: headerOffset, count: 30)
      guard load(local, 0, as: UInt32.self) == localSignature else {
        throw .malformedArchive(
          reason: "member '\(name)': no local header at offset \(headerOffset)")
      }
      let localNameLength = Int(load(local, 26, as: UInt16.self))
      let localExtraLength = Int(load(local, 28, as: UInt16.self))
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
    return members
  }

  static func hex(_ value: UInt32) -> String {
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
