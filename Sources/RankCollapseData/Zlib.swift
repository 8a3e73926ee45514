import CZlib

/// Thin wrappers over zlib: streamed gzip and raw-deflate inflation, raw deflation, and CRC-32
/// (zip members are inflated by ``ZipMemberReader``).
enum Zlib {
  /// The most bytes `compressedSize` deflated bytes can inflate to.
  ///
  /// Deflate's largest ratio is about 1032:1 (each 258-byte match costs at least two bits); 1 KiB
  /// is added for stream overhead. A member that declares more is rejected before anything is
  /// allocated.
  static func maximumInflatedSize(compressedSize: Int) -> Int {
    let (product, overflow) = compressedSize.multipliedReportingOverflow(by: 1032)
    return overflow ? Int.max : product &+ 1024
  }

  /// Why inflation failed.
  enum Failure: Error, Equatable {
    /// The stream is not valid deflate data (zlib's message).
    case invalidData(String)
    /// The stream ends before producing the expected number of bytes.
    case tooShort(produced: Int)
    /// The stream produces more than the expected number of bytes.
    case tooLong
  }

  /// Compresses `input` as a raw deflate stream (zlib's default level 6, as Python's `zipfile`).
  static func deflate(_ input: UnsafeRawBufferPointer) -> [UInt8] {
    var stream = z_stream()
    guard rc_deflate_init2(&stream, Z_DEFAULT_COMPRESSION, -15) == Z_OK else {
      preconditionFailure("zlib's deflateInit2 failed")
    }
    defer { deflateEnd(&stream) }
    var output: [UInt8] = []
    output.reserveCapacity(input.count / 2 + 64)
    let chunk = 1 << 20
    var buffer = [UInt8](repeating: 0, count: chunk)
    var consumed = 0
    let inputBase = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
    while true {
      if stream.avail_in == 0 && consumed < input.count, let inputBase {
        let piece = min(input.count - consumed, Int(UInt32.max))
        stream.next_in = UnsafeMutablePointer(mutating: inputBase + consumed)
        stream.avail_in = UInt32(piece)
        consumed += piece
      }
      let flush = consumed == input.count ? Z_FINISH : Z_NO_FLUSH
      let status = buffer.withUnsafeMutableBufferPointer { out -> Int32 in
        stream.next_out = out.baseAddress
        stream.avail_out = UInt32(chunk)
        let status = CZlib.deflate(&stream, flush)
        return status
      }
      output.append(contentsOf: buffer[0..<(chunk - Int(stream.avail_out))])
      if status == Z_STREAM_END { return output }
      precondition(status == Z_OK || status == Z_BUF_ERROR, "zlib's deflate failed: \(status)")
    }
  }

  /// The CRC-32 of `bytes` (the zip and gzip checksum).
  static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc: UInt = CZlib.crc32(0, nil, 0)
    guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
      return UInt32(truncatingIfNeeded: crc)
    }
    var offset = 0
    while offset < bytes.count {
      let piece = min(bytes.count - offset, Int(UInt32.max))
      crc = CZlib.crc32(crc, base + offset, UInt32(piece))
      offset += piece
    }
    return UInt32(truncatingIfNeeded: crc)
  }
}

extension Zlib {
  /// How a streamed inflation ended.
  enum StreamEnd: Equatable {
    /// The stream ended; `trailingBytes` of input follow it unread.
    case finished(produced: Int, trailingBytes: Int)
    /// The consumer asked to stop.
    case stopped(produced: Int)
    /// The data is invalid, or the input ended before the stream did.
    case failed(Failure)
  }

  /// Inflates `input` piece by piece, handing each piece of output to `body`.
  ///
  /// - Parameters:
  ///   - input: The compressed bytes.
  ///   - gzip: `true` for a gzip file (zlib checks each member's header, CRC-32 and length;
  ///     consecutive members are inflated one after another, as `gzip -d` does), `false` for
  ///     raw deflate.
  ///   - chunkSize: The most bytes handed to `body` at once.
  ///   - body: Receives each piece of output; returns `false` to stop.
  /// - Returns: How the stream ended.
  static func inflateChunks(
    _ input: UnsafeRawBufferPointer, gzip: Bool, chunkSize: Int = 1 << 18,
    _ body: (UnsafeRawBufferPointer) -> Bool
  ) -> StreamEnd {
    var stream = z_stream()
    guard rc_inflate_init2(&stream, gzip ? 16 + 15 : -15) == Z_OK else {
      return .failed(.invalidData("zlib could not be initialised"))
    }
    defer { inflateEnd(&stream) }
    guard let inputBase = input.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
      return .failed(.tooShort(produced: 0))
    }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
    defer { buffer.deallocate() }
    guard let outputBase = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
      return .failed(.invalidData("no output buffer"))
    }
    var consumed = 0
    var produced = 0
    while true {
      if stream.avail_in == 0 && consumed < input.count {
        let piece = min(input.count - consumed, Int(UInt32.max))
        stream.next_in = UnsafeMutablePointer(mutating: inputBase + consumed)
        stream.avail_in = UInt32(piece)
        consumed += piece
      }
      stream.next_out = outputBase
      stream.avail_out = UInt32(chunkSize)
      let status = CZlib.inflate(&stream, Z_NO_FLUSH)
      let written = chunkSize - Int(stream.avail_out)
      if written > 0 {
        produced += written
        if !body(UnsafeRawBufferPointer(rebasing: buffer[0..<written])) {
          return .stopped(produced: produced)
        }
      }
      switch status {
      case Z_STREAM_END:
        // A gzip file may hold several members one after another (RFC 1952, section 2.2);
        // they inflate to the concatenation of their contents.
        let next = consumed - Int(stream.avail_in)
        if gzip && input.count - next >= 2 && input[next] == 0x1F && input[next + 1] == 0x8B {
          guard inflateReset(&stream) == Z_OK else {
            return .failed(.invalidData("zlib could not start the next gzip member"))
          }
          continue
        }
        return .finished(produced: produced, trailingBytes: input.count - next)
      case Z_OK:
        continue
      case Z_BUF_ERROR:
        if stream.avail_in == 0 && consumed == input.count {
          return .failed(.tooShort(produced: produced))
        }
        continue
      default:
        let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
        return .failed(.invalidData(message))
      }
    }
  }
}
