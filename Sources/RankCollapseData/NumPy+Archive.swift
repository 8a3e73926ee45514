import RankCollapseTensor

extension NumPy {
  /// How the members of a written `.npz` archive are compressed.
  public enum ArchiveCompression: Sendable, Equatable {
    /// Stored without compression, as `np.savez` writes.
    case stored
    /// Deflated (zlib's default level), as `np.savez_compressed` writes.
    case deflated
  }

  /// Decodes the bytes of a `.npz` archive.
  ///
  /// Every member must be a `.npy` file whose name ends in `.npy`, stored or deflated; each is
  /// decoded as `decode(_:)` decodes a file. Zip64 archives (which NumPy writes for members over
  /// 4 GiB) are read too.
  ///
  /// Nothing is inflated blindly: the sizes the archive declares for the members are checked
  /// against ``MemoryBudget`` before anything is allocated, and each member's `.npy` header is
  /// inflated first and must declare exactly the member's size before the rest of the member is
  /// inflated, straight into the array; inflation stops at the declared size, and the member's
  /// CRC-32 is checked.
  ///
  /// - Parameters:
  ///   - bytes: The whole file.
  ///   - including: Decides by member name (without `.npy`) which arrays to decode; the others
  ///     are listed in the central directory but never inflated, and do not appear in the
  ///     result. By default every array is decoded.
  /// - Returns: The arrays, named as `np.load` names them.
  /// - Throws: ``NumPyError/notZipArchive``, ``NumPyError/malformedArchive(reason:)``,
  ///   ``NumPyError/unsupportedCompression(member:method:)``, ``NumPyError/encryptedMember(_:)``,
  ///   ``NumPyError/corruptMember(member:reason:)``, ``NumPyError/duplicateMember(_:)``,
  ///   ``NumPyError/notNumPyMember(_:)``, ``NumPyError/exceedsMemoryBudget(bytes:budget:)``, or
  ///   ``NumPyError/invalidMember(member:error:)`` wrapping the problem with a member's `.npy`
  ///   contents.
  /// - Complexity: O(`bytes.count` + the uncompressed size of the included members).
  public static func decodeArchive(
    _ bytes: UnsafeRawBufferPointer, including: (String) -> Bool = { _ in true }
  ) throws(NumPyError) -> NumPyArchive {
    try decodeArchive(MemorySource(bytes: bytes), including: including)
  }

  /// Decodes the bytes of a `.npz` archive.
  ///
  /// - Parameters:
  ///   - bytes: The whole file.
  ///   - including: Decides by name which arrays to decode (by default all); the others are
  ///     never inflated.
  /// - Returns: The arrays, named as `np.load` names them.
  /// - Throws: A ``NumPyError`` archive or format case, as
  ///   `decodeArchive(_:including:)` throws.
  /// - Complexity: O(`bytes.count` + the uncompressed size of the included members).
  public static func decodeArchive(
    _ bytes: [UInt8], including: (String) -> Bool = { _ in true }
  ) throws(NumPyError) -> NumPyArchive {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(NumPyError) in try decodeArchive(raw, including: including) }
    }
    return try result.get()
  }

  /// Reads a `.npz` archive.
  ///
  /// Only the archive's end records, central directory and local headers are read up front;
  /// then each included member is read (with positioned reads) and inflated straight into its
  /// array, checked as `decodeArchive(_:including:)` describes. Members that are not included
  /// are never read.
  ///
  /// - Parameters:
  ///   - path: The path of the file.
  ///   - including: Decides by member name (without `.npy`) which arrays to read; by default
  ///     all.
  /// - Returns: The arrays, named as `np.load` names them.
  /// - Throws: A file-system case of ``NumPyError`` when the file cannot be read, and an archive
  ///   or format case when its contents are not a `.npz` archive RankCollapse reads.
  /// - Complexity: O(central directory size + the uncompressed size of the included members).
  public static func readArchive(
    contentsOf path: String, including: (String) -> Bool = { _ in true }
  ) throws(NumPyError) -> NumPyArchive {
    try withArchiveFile(path) { source throws(NumPyError) in
      try decodeArchive(source, including: including)
    }
  }

  /// The name, element type and shape of the arrays in a `.npz` archive, without decoding them.
  ///
  /// Only each included member's `.npy` header is inflated (a few hundred bytes at its start).
  /// Arrays of any number of dimensions are described, including the N-D arrays (convolution
  /// kernels, say) that ``readArchive(contentsOf:including:)`` cannot decode, so a caller can
  /// choose what to read:
  ///
  /// ```swift
  /// let matrices = try NumPy.archiveInfo(contentsOf: "model.npz")
  ///   .filter { $0.isMatrix && $0.dataType.isFloatingPoint }.map(\.name)
  /// let archive = try NumPy.readArchive(contentsOf: "model.npz", including: matrices.contains)
  /// ```
  ///
  /// - Parameters:
  ///   - path: The path of the file.
  ///   - including: Decides by name which members to describe; the others are never inflated.
  /// - Returns: One ``NumPyArrayInfo`` per included member, in central-directory order.
  /// - Throws: A ``NumPyError``, as ``readArchive(contentsOf:including:)`` throws (except that
  ///   no shape is refused for its number of dimensions).
  /// - Complexity: O(central directory size + number of members).
  public static func archiveInfo(
    contentsOf path: String, including: (String) -> Bool = { _ in true }
  ) throws(NumPyError) -> [NumPyArrayInfo] {
    try withArchiveFile(path) { source throws(NumPyError) in
      try archiveInfo(source, including: including)
    }
  }

  /// The name, element type and shape of the arrays in the bytes of a `.npz` archive.
  ///
  /// - Parameters:
  ///   - bytes: The whole file.
  ///   - including: Decides by name which members to describe (by default all).
  /// - Returns: One ``NumPyArrayInfo`` per included member, in central-directory order.
  /// - Throws: A ``NumPyError``, as ``archiveInfo(contentsOf:including:)`` throws.
  public static func archiveInfo(
    _ bytes: [UInt8], including: (String) -> Bool = { _ in true }
  ) throws(NumPyError) -> [NumPyArrayInfo] {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(NumPyError) in
        try archiveInfo(MemorySource(bytes: raw), including: including)
      }
    }
    return try result.get()
  }

  /// Reads the floating-point arrays of any number of dimensions of a `.npz` archive as
  /// ``readFlattened(contentsOf:)`` reads a `.npy` file: each as the `Double` matrix
  /// `d₀ × (d₁·…)` of its C-order elements.
  ///
  /// Members that `including` leaves out are never inflated; included members that are not
  /// `float32` or `float64`, or are scalars, are inflated up to their header and skipped.
  ///
  /// - Parameters:
  ///   - path: The path of the file.
  ///   - including: Decides by name which members to read.
  /// - Returns: Name, shape and matrix of each floating-point member read, in
  ///   central-directory order.
  /// - Throws: As ``readArchive(contentsOf:including:)``, except that no shape is refused for its
  ///   number of dimensions.
  /// - Complexity: O(central directory size + the uncompressed size of the members read).
  public static func readFlattenedArchive(
    contentsOf path: String, including: (String) -> Bool = { _ in true }
  ) throws(NumPyError) -> [(name: String, shape: [Int], matrix: Matrix<Double>)] {
    try withArchiveFile(path) { source throws(NumPyError) in
      var result: [(name: String, shape: [Int], matrix: Matrix<Double>)] = []
      for (name, member) in try includedMembers(source, including: including) {
        let reader = try ZipMemberReader(member: member, source: source)
        let header = try memberHeader(reader, anyDimensions: true)
        guard header.dataType.isFloatingPoint, !header.shape.isEmpty else { continue }
        let matrix = try decodeMember(reader, header: header, flattenedMatrix)
        result.append((name, header.shape, matrix))
      }
      return result
    }
  }

  /// Reads one floating-point array of a `.npz` archive, of any number of dimensions, as
  /// ``readFlattened(contentsOf:)`` reads a `.npy` file: the `Double` matrix `d₀ × (d₁·…)` of
  /// its C-order elements.
  ///
  /// Only that member is inflated, so a caller that analyses an archive's arrays one after
  /// another holds one of them at a time (``readFlattenedArchive(contentsOf:including:)`` holds
  /// all it reads).
  ///
  /// - Parameters:
  ///   - path: The path of the file.
  ///   - name: The array's name (the member name without `.npy`).
  /// - Returns: The matrix; `nil` when the archive has no such array, or when it is not
  ///   `float32` or `float64`, or is a scalar.
  /// - Throws: As ``readFlattenedArchive(contentsOf:including:)``.
  /// - Complexity: O(central directory size + the uncompressed size of the member).
  public static func readFlattenedArchiveMember(
    contentsOf path: String, named name: String
  ) throws(NumPyError) -> Matrix<Double>? {
    try readFlattenedArchive(contentsOf: path) { $0 == name }.first?.matrix
  }

  // MARK: Members

  /// Opens a regular file as a zip source for `body`.
  private static func withArchiveFile<R>(
    _ path: String, _ body: (FileSource) throws(NumPyError) -> R
  ) throws(NumPyError) -> R {
    let file: ReadableFile
    do { file = try ReadableFile(path: path) } catch { throw NumPyError(error) }
    defer { file.close() }
    let size: Int
    do { size = try file.regularFileSize() } catch { throw NumPyError(error) }
    return try body(FileSource(file: file, size: size))
  }

  /// The members to read: `.npy` files whose name (without `.npy`) is included.
  private static func includedMembers(
    _ source: some ZipSource, including: (String) -> Bool
  ) throws(NumPyError) -> [(name: String, member: ZipArchive.Member)] {
    var result: [(name: String, member: ZipArchive.Member)] = []
    var names = Set<String>()
    for member in try ZipArchive.members(in: source) {
      guard member.name.hasSuffix(".npy") else { throw .notNumPyMember(member.name) }
      let name = String(member.name.dropLast(4))
      guard names.insert(name).inserted else { throw .duplicateMember(member.name) }
      if including(name) { result.append((name, member)) }
    }
    return result
  }

  private static func archiveInfo(
    _ source: some ZipSource, including: (String) -> Bool
  ) throws(NumPyError) -> [NumPyArrayInfo] {
    var infos: [NumPyArrayInfo] = []
    for (name, member) in try includedMembers(source, including: including) {
      let reader = try ZipMemberReader(member: member, source: source)
      let header = try memberHeader(reader, anyDimensions: true)
      infos.append(NumPyArrayInfo(name: name, dataType: header.dataType, shape: header.shape))
    }
    return infos
  }

  private static func decodeArchive(
    _ source: some ZipSource, including: (String) -> Bool
  ) throws(NumPyError) -> NumPyArchive {
    let members = try includedMembers(source, including: including)
    // The sizes the archive declares bound what decoding can need (each member's .npy header is
    // then checked against its declared size before the rest of the member is inflated).
    var total = 0
    for (_, member) in members {
      let (sum, overflow) = total.addingReportingOverflow(member.uncompressedSize)
      total = overflow ? .max : sum
    }
    let budget = MemoryBudget.limit
    guard total <= budget else { throw .exceedsMemoryBudget(bytes: total, budget: budget) }

    var archive = NumPyArchive()
    for (name, member) in members {
      let reader = try ZipMemberReader(member: member, source: source)
      let header = try memberHeader(reader, anyDimensions: false)
      archive[name] = try decodeMember(reader, header: header) { header, fill throws(NumPyError) in
        try makeArray(header: header, fill: fill)
      }
    }
    return archive
  }

  /// Decodes a member's data with `decode`, which gets the header and a function inflating the
  /// payload into a buffer, names the member in a format error, and checks the member's end.
  private static func decodeMember<Value>(
    _ reader: ZipMemberReader, header: NumPyHeader,
    _ decode: (NumPyHeader, (UnsafeMutableRawBufferPointer) -> NumPyError?) throws(NumPyError) ->
      Value
  ) throws(NumPyError) -> Value {
    let value: Value
    do throws(NumPyError) {
      value = try decode(header) { destination in
        do throws(NumPyError) {
          try reader.read(into: destination)
          return nil
        } catch {
          return error
        }
      }
    } catch {
      throw wrap(error, reader.member)
    }
    try reader.finish()
    return value
  }

  /// Reads a member's `.npy` preamble and header and checks the size they declare against the
  /// size the archive declares for the member, before the data is inflated.
  ///
  /// - Throws: ``NumPyError/invalidMember(member:error:)`` for a problem with the `.npy`
  ///   contents, ``NumPyError/corruptMember(member:reason:)`` for one with the zip data.
  private static func memberHeader(
    _ reader: ZipMemberReader, anyDimensions: Bool
  ) throws(NumPyError) -> NumPyHeader {
    let declared = reader.member.uncompressedSize
    do throws(NumPyError) {
      // Magic, version and a format 1.0 header length first; formats 2.0 and 3.0 take two more
      // bytes for the length.
      var prefix = try readBytes(reader, min(declared, 10))
      if prefix.count == 10 && prefix[6] != 1 {
        prefix += try readBytes(reader, min(2, reader.remaining))
      }
      let preamble = try prefix.withUnsafeBufferPointer { buffer throws(NumPyError) in
        try NumPyPreamble.parse(prefix: UnsafeRawBufferPointer(buffer), fileSize: declared)
      }
      let headerBytes = try readBytes(reader, preamble.headerLength)
      let header = try headerBytes.withUnsafeBufferPointer { buffer throws(NumPyError) in
        try NumPyHeader.parse(
          buffer, majorVersion: preamble.majorVersion, anyDimensions: anyDimensions)
      }
      try header.checkPayload(availableBytes: declared - preamble.dataOffset)
      return header
    } catch {
      throw wrap(error, reader.member)
    }
  }

  /// The next `count` bytes of a member (a short, bounded piece: a preamble or a header).
  private static func readBytes(
    _ reader: ZipMemberReader, _ count: Int
  ) throws(NumPyError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    let result = bytes.withUnsafeMutableBytes { buffer in
      Result { () throws(NumPyError) in try reader.read(into: buffer) }
    }
    try result.get()
    return bytes
  }

  /// Names the member in a problem with its `.npy` contents; zip and file-system problems name
  /// it (or the file) already.
  private static func wrap(_ error: NumPyError, _ member: ZipArchive.Member) -> NumPyError {
    switch error {
    case .corruptMember, .invalidMember, .fileNotFound, .isDirectory, .notRegularFile,
      .permissionDenied, .io:
      return error
    default:
      return .invalidMember(member: member.name, error: error)
    }
  }

  /// Encodes arrays as the bytes of a `.npz` archive.
  ///
  /// Each array becomes a member `NAME.npy` holding ``encode(_:)``'s bytes, in the archive's
  /// order, so `np.load` reads it back under the same names.
  ///
  /// - Parameters:
  ///   - archive: The arrays.
  ///   - compression: ``ArchiveCompression/stored`` (as `np.savez`) or
  ///     ``ArchiveCompression/deflated`` (as `np.savez_compressed`).
  /// - Returns: The whole file.
  /// - Throws: ``NumPyError/archiveTooLarge(bytes:)`` when the archive would exceed 4 GiB.
  /// - Complexity: O(total size of the arrays).
  public static func encodeArchive(
    _ archive: NumPyArchive, compression: ArchiveCompression = .stored
  ) throws(NumPyError) -> [UInt8] {
    try ZipArchive.encode(
      archive.elements.map { ($0.name + ".npy", encode($0.array)) },
      deflate: compression == .deflated)
  }

  /// Writes arrays to a `.npz` archive, atomically (see ``write(_:to:)`` for what that means).
  ///
  /// - Parameters:
  ///   - archive: The arrays.
  ///   - path: The path of the file to create or replace.
  ///   - compression: ``ArchiveCompression/stored`` (as `np.savez`) or
  ///     ``ArchiveCompression/deflated`` (as `np.savez_compressed`).
  /// - Throws: ``NumPyError/archiveTooLarge(bytes:)``, or a file-system case of ``NumPyError``.
  /// - Complexity: O(total size of the arrays).
  public static func writeArchive(
    _ archive: NumPyArchive, to path: String, compression: ArchiveCompression = .stored
  ) throws(NumPyError) {
    let bytes = try encodeArchive(archive, compression: compression)
    try writeAtomically(to: path, wrap: NumPyError.init) { file throws(NumPyError) in
      do throws(FileFailure) { try file.write(bytes) } catch { throw NumPyError(error) }
    }
  }
}
