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
  /// decoded as `decode(_:)` decodes a file. Zip64 archives (which
  /// NumPy writes for members over 4 GiB) are read too.
  ///
  /// - Parameter bytes: The whole file.
  /// - Returns: The arrays, named as `np.load` names them.
  /// - Throws: ``NumPyError/notZipArchive``, ``NumPyError/malformedArchive(reason:)``,
  ///   ``NumPyError/unsupportedCompression(member:method:)``,
  ///   ``NumPyError/corruptMember(member:reason:)``, ``NumPyError/duplicateMember(_:)``,
  ///   ``NumPyError/notNumPyMember(_:)``, or ``NumPyError/invalidMember(member:error:)`` wrapping
  ///   the problem with a member's `.npy` contents.
  /// - Complexity: O(`bytes.count` + the uncompressed size).
  public static func decodeArchive(_ bytes: UnsafeRawBufferPointer) throws(NumPyError)
    -> NumPyArchive
  {
    var archive = NumPyArchive()
    for member in try ZipArchive.members(bytes) {
      guard member.name.hasSuffix(".npy") else { throw .notNumPyMember(member.name) }
      let array = try ZipArchive.withContents(of: member, in: bytes) {
        contents throws(NumPyError) in
        do throws(NumPyError) {
          return try decode(contents)
        } catch {
          throw .invalidMember(member: member.name, error: error)
        }
      }
      let name = String(member.name.dropLast(4))
      guard archive[name] == nil else { throw .duplicateMember(member.name) }
      archive[name] = array
    }
    return archive
  }

  /// Decodes the bytes of a `.npz` archive.
  ///
  /// - Parameter bytes: The whole file.
  /// - Returns: The arrays, named as `np.load` names them.
  /// - Throws: A ``NumPyError`` archive or format case, as
  ///   `decodeArchive(_:)` throws.
  /// - Complexity: O(`bytes.count` + the uncompressed size).
  public static func decodeArchive(_ bytes: [UInt8]) throws(NumPyError) -> NumPyArchive {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(NumPyError) in try decodeArchive(raw) }
    }
    return try result.get()
  }

  /// Reads a `.npz` archive.
  ///
  /// The file's size is checked and the whole file read once; members are then decoded from
  /// memory, each checked as `decodeArchive(_:)` describes.
  ///
  /// - Parameter path: The path of the file.
  /// - Returns: The arrays, named as `np.load` names them.
  /// - Throws: A file-system case of ``NumPyError`` when the file cannot be read, and an archive
  ///   or format case when its contents are not a `.npz` archive RankCollapse reads.
  /// - Complexity: O(file size + the uncompressed size).
  public static func readArchive(contentsOf path: String) throws(NumPyError) -> NumPyArchive {
    let bytes: [UInt8]
    do { bytes = try readWholeFile(path) } catch { throw NumPyError(error) }
    return try decodeArchive(bytes)
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
