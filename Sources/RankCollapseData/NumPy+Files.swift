#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#else
#error("RankCollapseData reads and writes files through POSIX calls")
#endif

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
    let file = try ReadableFile(path: path)
    defer { file.close() }
    let size = try file.regularFileSize()

    var prefix = [UInt8](repeating: 0, count: min(size, NumPyPreamble.maximumLength))
    if let failure = prefix.withUnsafeMutableBytes({ file.read(into: $0, at: 0) }) {
      throw failure
    }
    let preamble = try prefix.withUnsafeBufferPointer { buffer throws(NumPyError) in
      try NumPyPreamble.parse(prefix: UnsafeRawBufferPointer(buffer), fileSize: size)
    }

    var headerBytes = [UInt8](repeating: 0, count: preamble.headerLength)
    if let failure = headerBytes.withUnsafeMutableBytes({
      file.read(into: $0, at: preamble.headerOffset)
    }) {
      throw failure
    }
    let header = try headerBytes.withUnsafeBufferPointer { buffer throws(NumPyError) in
      try NumPyHeader.parse(buffer, majorVersion: preamble.majorVersion)
    }
    try header.checkPayload(availableBytes: size - preamble.dataOffset)
    return try makeArray(header: header) { destination in
      file.read(into: destination, at: preamble.dataOffset)
    }
  }

  /// Writes an array to a `.npy` file, atomically.
  ///
  /// The bytes of ``encode(_:)`` are written to a new hidden file in the destination's folder,
  /// flushed to disk, and then renamed over `path`, so at any moment `path` holds either its old
  /// contents or the complete new file; on failure the temporary file is removed. The new file
  /// gets the permissions a newly created file gets (`0666` less the process's umask), whatever
  /// the permissions of a file it replaces. If `path` is a symbolic link, the link itself is
  /// replaced.
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
    var status = stat()
    if stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
      throw .isDirectory(path: path)
    }
    let folder = folderName(of: path)
    let header = NumPyHeader.encode(shape: array.shape, dataType: array.dataType)
    let temporary = try TemporaryFile(replacing: path, in: folder)
    do throws(NumPyError) {
      try header.withUnsafeBufferPointer { bytes throws(NumPyError) in
        try temporary.write(UnsafeRawBufferPointer(bytes))
      }
      try withLittleEndianPayload(of: array) { bytes throws(NumPyError) in
        try temporary.write(bytes)
      }
      try temporary.commit()
    } catch {
      temporary.discard()
      throw error
    }
    syncFolder(folder)
  }

  /// The folder part of a path: `"a/b"` for `"a/b/c.npy"`, `"."` for `"c.npy"`, `"/"` for
  /// `"/c.npy"`.
  static func folderName(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let folder = path[..<slash]
    return folder.isEmpty ? "/" : String(folder)
  }

  /// The file part of a path: `"c.npy"` for `"a/b/c.npy"`.
  static func fileName(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }

  /// Flushes a folder's entries to disk so that a rename in it survives a crash (best effort).
  private static func syncFolder(_ folder: String) {
    let descriptor = open(folder, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    _ = fsync(descriptor)
    _ = close(descriptor)
  }
}

/// The operating system's message for an `errno` value.
private func systemMessage(_ code: Int32) -> String {
  guard let message = strerror(code) else { return "error \(code)" }
  return String(cString: message)
}

/// A file open for reading, with positioned reads that check every byte arrives.
private struct ReadableFile {
  let path: String
  let descriptor: Int32

  /// Opens `path` for reading.
  ///
  /// `O_NONBLOCK` keeps opening a named pipe from waiting for a writer; it changes nothing for a
  /// regular file, and anything else is rejected by ``regularFileSize()``.
  init(path: String) throws(NumPyError) {
    self.path = path
    var descriptor: Int32
    repeat {
      descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    } while descriptor < 0 && errno == EINTR
    guard descriptor >= 0 else {
      let code = errno
      switch code {
      case ENOENT, ENOTDIR: throw .fileNotFound(path: path)
      case EACCES, EPERM: throw .permissionDenied(path: path)
      case EISDIR: throw .isDirectory(path: path)
      default: throw .io(path: path, operation: "open", message: systemMessage(code))
      }
    }
    self.descriptor = descriptor
  }

  /// The size of the file, which must be a regular file.
  func regularFileSize() throws(NumPyError) -> Int {
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      throw .io(path: path, operation: "inspect", message: systemMessage(errno))
    }
    switch status.st_mode & S_IFMT {
    case S_IFREG: return Int(status.st_size)
    case S_IFDIR: throw .isDirectory(path: path)
    default: throw .notRegularFile(path: path)
    }
  }

  /// Reads exactly `buffer.count` bytes starting at `offset`.
  ///
  /// - Returns: `nil` on success, or the error (the file ended early, or the read failed).
  func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> NumPyError? {
    guard var cursor = buffer.baseAddress else { return nil }
    var remaining = buffer.count
    var position = offset
    while remaining > 0 {
      let count = pread(descriptor, cursor, remaining, off_t(position))
      if count < 0 {
        if errno == EINTR { continue }
        return .io(path: path, operation: "read", message: systemMessage(errno))
      }
      if count == 0 {
        return .io(
          path: path, operation: "read",
          message: "the file became shorter while it was being read")
      }
      cursor += count
      remaining -= count
      position += count
    }
    return nil
  }

  func close() {
    _ = closeDescriptor(descriptor)
  }
}

/// A hidden file beside a destination, renamed over it when complete.
private final class TemporaryFile {
  let destination: String
  let path: String
  var descriptor: Int32

  /// Creates a new file in `folder`, named after the destination and this process.
  ///
  /// `O_EXCL` guarantees the file is new; a name that is taken (by another writer in this
  /// process, or a file left behind by a crash) is skipped.
  init(replacing destination: String, in folder: String) throws(NumPyError) {
    self.destination = destination
    // Shorten long names so the temporary name stays within the usual 255-byte limit.
    let name = String(decoding: NumPy.fileName(of: destination).utf8.prefix(200), as: UTF8.self)
    let stem = folder + "/." + name + ".\(getpid())"
    for attempt in 0..<1000 {
      let candidate = "\(stem)-\(attempt).tmp"
      let descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
      if descriptor >= 0 {
        self.path = candidate
        self.descriptor = descriptor
        return
      }
      let code = errno
      switch code {
      case EEXIST, EINTR: continue
      case ENOENT, ENOTDIR: throw .fileNotFound(path: folder)
      case EACCES, EPERM, EROFS: throw .permissionDenied(path: folder)
      default:
        throw .io(path: destination, operation: "create a file for", message: systemMessage(code))
      }
    }
    throw .io(
      path: destination, operation: "create a file for",
      message: "no free temporary file name in \(folder)")
  }

  /// Writes all of `bytes`.
  func write(_ bytes: UnsafeRawBufferPointer) throws(NumPyError) {
    guard var cursor = bytes.baseAddress else { return }
    var remaining = bytes.count
    while remaining > 0 {
      let count = systemWrite(descriptor, cursor, remaining)
      if count < 0 {
        if errno == EINTR { continue }
        throw .io(path: destination, operation: "write", message: systemMessage(errno))
      }
      cursor += count
      remaining -= count
    }
  }

  /// Flushes the file to disk, closes it and renames it over the destination.
  func commit() throws(NumPyError) {
    guard fsync(descriptor) == 0 else {
      throw .io(path: destination, operation: "write", message: systemMessage(errno))
    }
    let closed = closeDescriptor(descriptor)
    descriptor = -1
    guard closed == 0 else {
      throw .io(path: destination, operation: "write", message: systemMessage(errno))
    }
    guard rename(path, destination) == 0 else {
      let code = errno
      switch code {
      case EISDIR: throw .isDirectory(path: destination)
      case EACCES, EPERM, EROFS: throw .permissionDenied(path: destination)
      default: throw .io(path: destination, operation: "replace", message: systemMessage(code))
      }
    }
  }

  /// Closes and removes the file.
  func discard() {
    if descriptor >= 0 {
      _ = closeDescriptor(descriptor)
      descriptor = -1
    }
    _ = unlink(path)
  }
}

/// `close(2)`, named apart from the methods called `close`.
private func closeDescriptor(_ descriptor: Int32) -> Int32 {
  close(descriptor)
}

/// `write(2)`, named apart from the methods called `write`.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
  write(descriptor, bytes, count)
}
