import CZlib

/// Where the bytes of a zip archive come from: memory, or a file read with positioned reads.
protocol ZipSource {
  /// The size of the archive in bytes.
  var size: Int { get }

  /// Fills `buffer` with the bytes at `offset`; the caller keeps the range inside ``size``.
  ///
  /// - Throws: A file-system case of ``NumPyError`` when the file cannot be read.
  func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(NumPyError)
}

extension ZipSource {
  /// The `count` bytes at `offset`, which must lie inside the archive.
  func bytes(at offset: Int, count: Int) throws(NumPyError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    let failure = bytes.withUnsafeMutableBytes { buffer in
      Result { () throws(NumPyError) in try read(at: offset, into: buffer) }
    }
    try failure.get()
    return bytes
  }
}

/// An archive in memory the caller manages.
struct MemorySource: ZipSource {
  let bytes: UnsafeRawBufferPointer

  var size: Int { bytes.count }

  func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(NumPyError) {
    buffer.copyMemory(
      from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + buffer.count)]))
  }
}

/// An archive in a regular file.
struct FileSource: ZipSource {
  let file: ReadableFile
  let size: Int

  func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(NumPyError) {
    if let failure = file.read(into: buffer, at: offset) { throw NumPyError(failure) }
  }
}

/// Reads one member's uncompressed contents front to back, inflating only what is asked for.
///
/// Reads never go past the member's declared uncompressed size, so inflation stops there;
/// ``finish()`` then checks that the data ends exactly at that size and that its CRC-32 is the
/// declared one. Stored members are read straight from the source into the caller's buffer.
final class ZipMemberReader {
  let member: ZipArchive.Member
  private let source: any ZipSource
  /// zlib's state, at a stable address (zlib keeps a pointer to it); `nil` for stored members.
  private var stream: UnsafeMutablePointer<z_stream>?
  /// Compressed input waiting for zlib.
  private var input = UnsafeMutableRawBufferPointer(start: nil, count: 0)
  /// Compressed bytes read from the source so far.
  private var consumed = 0
  /// Uncompressed bytes handed out so far.
  private(set) var produced = 0
  private var crc: UInt = CZlib.crc32(0, nil, 0)
  private var ended = false

  /// The compressed bytes read from the source at a time.
  static var inputChunk: Int { 1 << 18 }

  /// Prepares to read `member` of `source`.
  ///
  /// - Throws: ``NumPyError/corruptMember(member:reason:)`` if zlib cannot be initialised.
  init(member: ZipArchive.Member, source: any ZipSource) throws(NumPyError) {
    self.member = member
    self.source = source
    guard member.method == 8 else { return }
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    guard rc_inflate_init2(stream, -15) == Z_OK else {
      stream.deallocate()
      throw .corruptMember(member: member.name, reason: "zlib could not be initialised")
    }
    self.stream = stream
    input = .allocate(byteCount: min(Self.inputChunk, max(member.compressedSize, 1)), alignment: 16)
  }

  deinit {
    if let stream {
      inflateEnd(stream)
      stream.deinitialize(count: 1)
      stream.deallocate()
    }
    if input.baseAddress != nil { input.deallocate() }
  }

  /// The uncompressed bytes not yet read.
  var remaining: Int { member.uncompressedSize - produced }

  /// Fills `output` with the next `output.count` uncompressed bytes.
  ///
  /// - Throws: ``NumPyError/corruptMember(member:reason:)`` when the data is invalid or ends
  ///   early, or a file-system case.
  func read(into output: UnsafeMutableRawBufferPointer) throws(NumPyError) {
    guard !output.isEmpty, let outputBase = output.baseAddress else { return }
    guard output.count <= remaining else {
      throw .corruptMember(
        member: member.name,
        reason: "its contents need more than the declared \(member.uncompressedSize) bytes")
    }
    if let stream {
      try inflate(stream, into: outputBase.assumingMemoryBound(to: UInt8.self), output.count)
    } else {
      try source.read(at: member.dataOffset + produced, into: output)
    }
    var offset = 0
    while offset < output.count {
      let piece = min(output.count - offset, Int(UInt32.max))
      crc = CZlib.crc32(
        crc, outputBase.assumingMemoryBound(to: UInt8.self) + offset, UInt32(piece))
      offset += piece
    }
    produced += output.count
  }

  /// Gives zlib its next piece of compressed input, if it has none and some is left.
  private func refill(_ stream: UnsafeMutablePointer<z_stream>) throws(NumPyError) {
    guard stream.pointee.avail_in == 0, consumed < member.compressedSize else { return }
    let piece = min(input.count, member.compressedSize - consumed)
    let chunk = UnsafeMutableRawBufferPointer(rebasing: input[0..<piece])
    try source.read(at: member.dataOffset + consumed, into: chunk)
    consumed += piece
    stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
    stream.pointee.avail_in = UInt32(piece)
  }

  private func inflate(
    _ stream: UnsafeMutablePointer<z_stream>, into output: UnsafeMutablePointer<UInt8>, _ count: Int
  ) throws(NumPyError) {
    var filled = 0
    while filled < count {
      if ended {
        throw corrupt(
          "inflates to \(produced + filled) bytes, fewer than the declared \(member.uncompressedSize)"
        )
      }
      try refill(stream)
      stream.pointee.next_out = output + filled
      let piece = min(count - filled, Int(UInt32.max))
      stream.pointee.avail_out = UInt32(piece)
      let status = CZlib.inflate(stream, Z_NO_FLUSH)
      filled += piece - Int(stream.pointee.avail_out)
      try check(status, stream)
    }
  }

  /// Turns a zlib status into an error, noting the end of the stream.
  private func check(_ status: Int32, _ stream: UnsafeMutablePointer<z_stream>) throws(NumPyError) {
    switch status {
    case Z_STREAM_END:
      ended = true
    case Z_OK:
      break
    case Z_BUF_ERROR:
      if stream.pointee.avail_in == 0 && consumed == member.compressedSize {
        throw corrupt("invalid deflate data (the stream is cut short)")
      }
    default:
      let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
      throw corrupt("invalid deflate data (\(message))")
    }
  }

  private func corrupt(_ reason: String) -> NumPyError {
    .corruptMember(member: member.name, reason: reason)
  }

  /// Checks, after all of the member has been read, that its data ends there and that its
  /// CRC-32 is the declared one.
  ///
  /// - Throws: ``NumPyError/corruptMember(member:reason:)``.
  func finish() throws(NumPyError) {
    precondition(remaining == 0, "finish() needs the whole member read")
    if let stream, !ended {
      // The output is complete: one spare byte shows whether the stream ends here.
      var spare: UInt8 = 0
      while !ended {
        try refill(stream)
        let status = withUnsafeMutablePointer(to: &spare) { pointer in
          stream.pointee.next_out = pointer
          stream.pointee.avail_out = 1
          return CZlib.inflate(stream, Z_NO_FLUSH)
        }
        if stream.pointee.avail_out == 0 {
          throw corrupt("inflates to more than the declared \(member.uncompressedSize) bytes")
        }
        if status == Z_BUF_ERROR && stream.pointee.avail_in == 0
          && consumed == member.compressedSize
        {
          throw corrupt("invalid deflate data (the stream has no end marker)")
        }
        try check(status, stream)
      }
    }
    let value = UInt32(truncatingIfNeeded: crc)
    guard value == member.crc else {
      throw corrupt(
        "CRC-32 is \(ZipArchive.hex(value)) but the archive declares \(ZipArchive.hex(member.crc))")
    }
  }
}
