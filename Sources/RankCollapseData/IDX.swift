import RankCollapseTensor

/// Reading IDX files, the format of MNIST and Fashion-MNIST, gzipped or not.
///
/// An IDX file is two zero bytes, a type byte (``IDXDataType``), a dimension count `n`, then
/// `n` big-endian 32-bit dimensions, then the elements, big-endian, row-major (LeCun et al., "The
/// MNIST database"). The image files hold `N × 28 × 28` unsigned bytes and the label files `N`
/// unsigned bytes. Files starting with gzip's magic bytes (`1f 8b`) are inflated through zlib,
/// which also checks gzip's CRC-32 and length; a file of several gzip members one after another
/// (RFC 1952) is read as their concatenation, as `gzip -d` reads it.
///
/// Every byte is treated as hostile: the dimensions are checked for overflow and against the
/// file (for a gzipped file, against the most its compressed size can inflate to), and the
/// result's size against ``MemoryBudget``, before the result is allocated, and the data must end
/// exactly where the dimensions say.
///
/// Images are read straight from the inflating stream into the result, one chunk at a time,
/// so no byte copy of the whole data set is ever made.
public enum IDX {
  /// The bytes of output inflated and converted at a time.
  static let chunkSize = 1 << 18

  /// Reads an image file as an `N × (rows·columns)` matrix scaled to `[0, 1]`.
  ///
  /// Image `i` is row `i`, its pixels row by row; pixel value `p` (0…255) becomes `p / 255`,
  /// computed in `S` as NumPy computes `x.astype(np.float32) / 255` for `Float`.
  ///
  /// - Parameters:
  ///   - path: An IDX file of unsigned bytes with two or more dimensions (`N × 28 × 28` for
  ///     MNIST), gzipped or not.
  ///   - type: `Float.self` or `Double.self`.
  /// - Returns: The images, one per row.
  /// - Throws: An ``IDXError``: file-system cases, format cases, or
  ///   ``IDXError/unexpectedContents(expected:dataType:shape:)`` for a file of other contents.
  /// - Complexity: O(file size).
  public static func readImages<S: MatrixScalar>(
    contentsOf path: String, as type: S.Type
  ) throws(IDXError) -> Matrix<S> {
    let bytes: [UInt8]
    do { bytes = try readWholeFile(path) } catch { throw IDXError(error) }
    return try decodeImages(bytes, as: S.self)
  }

  /// Reads a label file as integers.
  ///
  /// - Parameter path: A one-dimensional IDX file of integers (unsigned bytes for MNIST),
  ///   gzipped or not.
  /// - Returns: The labels.
  /// - Throws: An ``IDXError``, as ``readImages(contentsOf:as:)`` does.
  /// - Complexity: O(file size).
  public static func readLabels(contentsOf path: String) throws(IDXError) -> [Int] {
    let bytes: [UInt8]
    do { bytes = try readWholeFile(path) } catch { throw IDXError(error) }
    return try decodeLabels(bytes)
  }

  /// Decodes the bytes of an image file (gzipped or not), as ``readImages(contentsOf:as:)``.
  ///
  /// - Parameters:
  ///   - bytes: The whole file.
  ///   - type: `Float.self` or `Double.self`.
  /// - Returns: The images, one per row, scaled to `[0, 1]`.
  /// - Throws: A format case of ``IDXError``.
  public static func decodeImages<S: MatrixScalar>(
    _ bytes: [UInt8], as type: S.Type
  ) throws(IDXError) -> Matrix<S> {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(IDXError) -> Matrix<S> in
        let input = try IDXInput(raw)
        let header = input.header
        guard header.dataType == .uint8, header.shape.count >= 2 else {
          throw .unexpectedContents(
            expected: "images (unsigned bytes, N × rows × columns)",
            dataType: header.dataType, shape: header.shape)
        }
        let rows = header.shape[0]
        let columns = header.shape.dropFirst().reduce(1, *)
        try checkMemory(elements: header.payloadByteCount, size: MemoryLayout<S>.stride)
        var failure: IDXError?
        let matrix = Matrix<S>(rows: rows, columns: columns) { output in
          adviseHugePages(UnsafeMutableRawBufferPointer(output))
          failure = input.forEachPayloadChunk { chunk, offset in
            scale(chunk, into: output, at: offset)
          }
          if failure != nil { output.initialize(repeating: 0) }
        }
        if let failure { throw failure }
        return matrix
      }
    }
    return try result.get()
  }

  /// Decodes the bytes of a label file (gzipped or not), as ``readLabels(contentsOf:)``.
  ///
  /// - Parameter bytes: The whole file.
  /// - Returns: The labels.
  /// - Throws: A format case of ``IDXError``.
  public static func decodeLabels(_ bytes: [UInt8]) throws(IDXError) -> [Int] {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(IDXError) -> [Int] in
        let input = try IDXInput(raw)
        let header = input.header
        let integerTypes: [IDXDataType] = [.uint8, .int8, .int16, .int32]
        guard integerTypes.contains(header.dataType), header.shape.count == 1 else {
          throw .unexpectedContents(
            expected: "labels (integers, one dimension)", dataType: header.dataType,
            shape: header.shape)
        }
        let size = header.dataType.itemSize
        try checkMemory(elements: header.shape[0], size: MemoryLayout<Int>.stride)
        var failure: IDXError?
        let labels = [Int](unsafeUninitializedCapacity: header.shape[0]) { output, count in
          var pending: [UInt8] = []  // an element split across chunks
          failure = input.forEachPayloadChunk { chunk, offset in
            var index = offset / size
            var bytes = pending + chunk
            if pending.isEmpty { bytes = Array(chunk) }
            let whole = bytes.count / size * size
            for start in stride(from: 0, to: whole, by: size) {
              var value = 0
              switch header.dataType {
              case .uint8: value = Int(bytes[start])
              case .int8: value = Int(Int8(bitPattern: bytes[start]))
              case .int16:
                value = Int(Int16(bitPattern: UInt16(bytes[start]) << 8 | UInt16(bytes[start + 1])))
              default:
                var bits: UInt32 = 0
                for b in 0..<4 { bits = bits << 8 | UInt32(bytes[start + b]) }
                value = Int(Int32(bitPattern: bits))
              }
              output.initializeElement(at: index, to: value)
              index += 1
            }
            pending = Array(bytes[whole...])
          }
          if failure != nil {
            output.initialize(repeating: 0)
          }
          count = header.shape[0]
        }
        if let failure { throw failure }
        return labels
      }
    }
    return try result.get()
  }

  /// Checks the memory of a result of `elements` values of `size` bytes against
  /// ``MemoryBudget`` before it is allocated.
  private static func checkMemory(elements: Int, size: Int) throws(IDXError) {
    let (bytes, overflow) = elements.multipliedReportingOverflow(by: size)
    do { try MemoryBudget.check(overflow ? .max : bytes) } catch { throw IDXError(error) }
  }

  /// `p / 255` in `Float` for every byte value `p`, computed by division as NumPy computes it.
  private static let floatScale: [Float] = (0...255).map { Float($0) / 255 }

  /// `p / 255` in `Double` for every byte value `p`.
  private static let doubleScale: [Double] = (0...255).map { Double($0) / 255 }

  /// Writes `p / 255` for every byte `p` of `chunk` at `offset` onwards.
  ///
  /// A 256-entry table gives exactly the quotients of a division (one load per pixel instead of
  /// a division, which the baseline x86-64 target can only do two or four at a time).
  @inline(__always)
  private static func scale<S: MatrixScalar>(
    _ chunk: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<S>, at offset: Int
  ) {
    guard let base = output.baseAddress else { return }
    let bytes = chunk.bindMemory(to: UInt8.self)
    let destination = base + offset
    if S.self == Float.self {
      floatScale.withUnsafeBufferPointer { table in
        guard let lookup = table.baseAddress else { return }
        destination.withMemoryRebound(to: Float.self, capacity: bytes.count) { out in
          for i in 0..<bytes.count { out[i] = lookup[Int(bytes[i])] }
        }
      }
    } else if S.self == Double.self {
      doubleScale.withUnsafeBufferPointer { table in
        guard let lookup = table.baseAddress else { return }
        destination.withMemoryRebound(to: Double.self, capacity: bytes.count) { out in
          for i in 0..<bytes.count { out[i] = lookup[Int(bytes[i])] }
        }
      }
    } else {
      for i in 0..<bytes.count { destination[i] = S(bytes[i]) / 255 }
    }
  }
}

/// The parsed header of an IDX file.
struct IDXHeader: Equatable {
  var dataType: IDXDataType
  var shape: [Int]
  /// `4 + 4·dimensions`.
  var length: Int
  /// The number of data bytes the shape needs; it fits in `Int`.
  var payloadByteCount: Int

  /// Parses a header from the first bytes of the (inflated) file.
  ///
  /// - Parameters:
  ///   - prefix: The first bytes available (at most the whole header is used).
  ///   - complete: Whether `prefix` is all there is (so a short prefix is truncation).
  /// - Returns: The header, or `nil` if more bytes are needed.
  /// - Throws: ``IDXError/notIDXFile``, ``IDXError/unknownDataType(code:)``,
  ///   ``IDXError/truncatedHeader(requiredBytes:availableBytes:)`` or
  ///   ``IDXError/sizeOverflow(shape:)``.
  static func parse(
    _ prefix: UnsafeRawBufferPointer, complete: Bool
  ) throws(IDXError) -> IDXHeader? {
    if prefix.count >= 1 && prefix[0] != 0 || prefix.count >= 2 && prefix[1] != 0 {
      throw .notIDXFile
    }
    guard prefix.count >= 4 else {
      if complete { throw .truncatedHeader(requiredBytes: 4, availableBytes: prefix.count) }
      return nil
    }
    guard let dataType = IDXDataType(rawValue: prefix[2]) else {
      throw .unknownDataType(code: prefix[2])
    }
    let dimensions = Int(prefix[3])
    let length = 4 + 4 * dimensions
    guard dimensions >= 1 else { throw .truncatedHeader(requiredBytes: 8, availableBytes: 4) }
    guard prefix.count >= length else {
      if complete { throw .truncatedHeader(requiredBytes: length, availableBytes: prefix.count) }
      return nil
    }
    var shape: [Int] = []
    for d in 0..<dimensions {
      var value = 0
      for b in 0..<4 { value = value << 8 | Int(prefix[4 + 4 * d + b]) }
      shape.append(value)
    }
    // Every partial product must fit too (a zero dimension makes the total 0, but the images'
    // row length is the product of the others), so the non-zero dimensions are multiplied.
    var bytes = dataType.itemSize
    for dimension in shape where dimension != 0 {
      let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
      guard !overflow else { throw .sizeOverflow(shape: shape) }
      bytes = product
    }
    if shape.contains(0) { bytes = 0 }
    return IDXHeader(dataType: dataType, shape: shape, length: length, payloadByteCount: bytes)
  }
}

/// The bytes of an IDX file, gzipped or raw, with its header parsed and its size checked.
struct IDXInput {
  let bytes: UnsafeRawBufferPointer
  let isGzip: Bool
  let header: IDXHeader

  init(_ bytes: UnsafeRawBufferPointer) throws(IDXError) {
    self.bytes = bytes
    isGzip = bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    if isGzip {
      // Inflate just enough for the header (at most 4 + 4·255 bytes).
      var prefix: [UInt8] = []
      var parsed: IDXHeader?
      var failure: IDXError?
      let end = Zlib.inflateChunks(bytes, gzip: true, chunkSize: 1024) { chunk in
        prefix += chunk
        do throws(IDXError) {
          parsed = try prefix.withUnsafeBufferPointer { buffer throws(IDXError) in
            try IDXHeader.parse(UnsafeRawBufferPointer(buffer), complete: false)
          }
        } catch {
          failure = error
          return false
        }
        return parsed == nil
      }
      if let failure { throw failure }
      if case .failed(let reason) = end, parsed == nil {
        if case .invalidData(let message) = reason { throw .corruptGzip(reason: message) }
      }
      if parsed == nil {
        parsed = try prefix.withUnsafeBufferPointer { buffer throws(IDXError) in
          try IDXHeader.parse(UnsafeRawBufferPointer(buffer), complete: true)
        }
      }
      guard let header = parsed else {
        throw .truncatedHeader(requiredBytes: 4, availableBytes: prefix.count)
      }
      let limit = Zlib.maximumInflatedSize(compressedSize: bytes.count)
      guard header.payloadByteCount <= limit - header.length else {
        throw .implausibleSize(
          shape: header.shape, expectedBytes: header.payloadByteCount,
          compressedBytes: bytes.count)
      }
      self.header = header
    } else {
      guard let header = try IDXHeader.parse(bytes, complete: true) else {
        throw .truncatedHeader(requiredBytes: 4, availableBytes: bytes.count)
      }
      let available = bytes.count - header.length
      if available < header.payloadByteCount {
        throw .truncatedData(
          shape: header.shape, expectedBytes: header.payloadByteCount, availableBytes: available)
      }
      if available > header.payloadByteCount {
        throw .trailingData(shape: header.shape, expectedBytes: header.payloadByteCount)
      }
      self.header = header
    }
  }

  /// Hands the data bytes to `body` in chunks, with each chunk's offset into the data.
  ///
  /// - Returns: `nil` when exactly the declared data was delivered, else the error.
  func forEachPayloadChunk(_ body: (UnsafeRawBufferPointer, Int) -> Void) -> IDXError? {
    let expected = header.payloadByteCount
    guard isGzip else {
      var offset = 0
      while offset < expected {
        let end = min(offset + IDX.chunkSize, expected)
        body(
          UnsafeRawBufferPointer(
            rebasing: bytes[(header.length + offset)..<(header.length + end)]), offset)
        offset = end
      }
      return nil
    }
    var position = 0  // bytes of inflated output seen, header included
    var tooLong = false
    let end = Zlib.inflateChunks(bytes, gzip: true, chunkSize: IDX.chunkSize) { chunk in
      let chunkStart = position
      position += chunk.count
      let from = max(chunkStart, header.length)
      let to = min(position, header.length + expected)
      if from < to {
        body(
          UnsafeRawBufferPointer(rebasing: chunk[(from - chunkStart)..<(to - chunkStart)]),
          from - header.length)
      }
      if position > header.length + expected {
        tooLong = true
        return false
      }
      return true
    }
    if tooLong { return .trailingData(shape: header.shape, expectedBytes: expected) }
    switch end {
    case .finished(let produced, let trailing):
      if produced < header.length + expected {
        return .truncatedData(
          shape: header.shape, expectedBytes: expected,
          availableBytes: max(0, produced - header.length))
      }
      if trailing > 0 { return .trailingData(shape: header.shape, expectedBytes: expected) }
      return nil
    case .stopped:
      return .trailingData(shape: header.shape, expectedBytes: expected)
    case .failed(.tooShort(let produced)):
      return produced < header.length + expected
        ? .truncatedData(
          shape: header.shape, expectedBytes: expected,
          availableBytes: max(0, produced - header.length))
        : .corruptGzip(reason: "the gzip stream is cut short (no end marker or checksum)")
    case .failed(.invalidData(let message)):
      return .corruptGzip(reason: message)
    case .failed(.tooLong):
      return .trailingData(shape: header.shape, expectedBytes: expected)
    }
  }
}
