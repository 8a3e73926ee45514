extension NumPy {
  /// Reads a `.npy` file.
  ///
  /// The file's size is checked first, so a directory, a missing file or an unreadable one fails
  /// with the path named, and a header that declares more data than the file holds fails before
  /// anything of that size is allocated. The data is then read straight into the result's
  /// storage (through a temporary buffer only for a Fortran-ordered matrix, which is transposed).
  ///
  /// - Parameter path: The path of the file.
  /// - Returns: The array, in C order and the machine's byte order.
  /// - Throws: ``NumPyError/fileNotFound(path:)``, ``NumPyError/isDirectory(path:)``,
  ///   ``NumPyError/notRegularFile(path:)``, ``NumPyError/permissionDenied(path:)`` or
  ///   ``NumPyError/io(path:operation:message:)`` when the file cannot be read, and a format case
  ///   of ``NumPyError`` when its contents are not a `.npy` file RankCollapse reads.
  /// - Complexity: O(file size).
  public static func read(contentsOf path: String) throws(NumPyError) -> NumPyArray {
    let (file, size, preamble, header) = try openFile(path)
    defer { file.close() }
    try header.checkPayload(availableBytes: size - preamble.dataOffset)
    return try makeArray(header: header) { destination in
      file.read(into: destination, at: preamble.dataOffset).map(NumPyError.init)
    }
  }

  /// Writes an array to a `.npy` file, atomically.
  ///
  /// The bytes of ``encode(_:)`` are written to a new hidden file in the destination's folder,
  /// flushed to disk, and then renamed over `path`, so at any moment `path` holds either its old
  /// contents or the complete new file; on failure the temporary file is removed. The new file
  /// gets the permissions a newly created file gets (`0666` less the process's umask), whatever
  /// the permissions of a file it replaces. A `path` that exists and is not a regular file (a
  /// symbolic link, a device node, a pipe) is refused and nothing is written.
  ///
  /// - Parameters:
  ///   - array: The array to write.
  ///   - path: The path of the file to create or replace.
  /// - Throws: ``NumPyError/isDirectory(path:)`` when `path` is a folder,
  ///   ``NumPyError/fileNotFound(path:)`` when its folder does not exist,
  ///   ``NumPyError/permissionDenied(path:)`` when the folder is not writable, and
  ///   ``NumPyError/io(path:operation:message:)`` for other failures (a full disk, say).
  /// - Complexity: O(`array.count`).
  public static func write(_ array: NumPyArray, to path: String) throws(NumPyError) {
    let header = NumPyHeader.encode(shape: array.shape, dataType: array.dataType)
    try writeAtomically(to: path, wrap: NumPyError.init) { file throws(NumPyError) in
      do throws(FileFailure) {
        try file.write(header)
        try withLittleEndianPayload(of: array) { bytes throws(FileFailure) in
          try file.write(bytes)
        }
      } catch {
        throw NumPyError(error)
      }
    }
  }
}
