#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#else
#error("RankCollapseData reads and writes files through POSIX calls")
#endif

/// A file-system failure, shared by the readers and writers of every format; each format's public
/// error type has one case per kind (``NumPyError``, ``SafeTensorsError``, ``IDXError``).
enum FileFailure: Error, Equatable {
  /// No file exists at the path (or a folder on the way to it is missing).
  case fileNotFound(path: String)
  /// The path names a folder where a file was expected.
  case isDirectory(path: String)
  /// The path names neither a regular file nor a folder.
  case notRegularFile(path: String)
  /// The operating system refused access.
  case permissionDenied(path: String)
  /// Another input or output error.
  case io(path: String, operation: String, message: String)

  /// The file or folder the failure names.
  var path: String {
    switch self {
    case .fileNotFound(let path), .isDirectory(let path), .notRegularFile(let path),
      .permissionDenied(let path), .io(let path, _, _):
      return path
    }
  }

  /// The sentence every format's error prints for this failure; `kind` names what the file
  /// should have been, such as `"a .npy file"`.
  func description(expecting kind: String) -> String {
    switch self {
    case .fileNotFound(let path): "no such file or folder: \(path)"
    case .isDirectory(let path): "\(path) is a folder, not \(kind)"
    case .notRegularFile(let path):
      "\(path) is not a regular file (a pipe or device cannot be read as \(kind))"
    case .permissionDenied(let path): "permission denied: \(path)"
    case .io(let path, let operation, let message): "cannot \(operation) \(path): \(message)"
    }
  }
}

/// The operating system's message for an `errno` value.
func systemMessage(_ code: Int32) -> String {
  guard let message = strerror(code) else { return "error \(code)" }
  return String(cString: message)
}

/// The folder part of a path: `"a/b"` for `"a/b/c.npy"`, `"."` for `"c.npy"`, `"/"` for
/// `"/c.npy"`.
func folderName(of path: String) -> String {
  guard let slash = path.lastIndex(of: "/") else { return "." }
  let folder = path[..<slash]
  return folder.isEmpty ? "/" : String(folder)
}

/// The file part of a path: `"c.npy"` for `"a/b/c.npy"`.
func fileName(of path: String) -> String {
  guard let slash = path.lastIndex(of: "/") else { return path }
  return String(path[path.index(after: slash)...])
}

/// A file open for reading, with positioned reads that check every byte arrives.
struct ReadableFile {
  let path: String
  let descriptor: Int32

  /// Opens `path` for reading.
  ///
  /// `O_NONBLOCK` keeps opening a named pipe from waiting for a writer; it changes nothing for a
  /// regular file, and anything else is rejected by ``regularFileSize()``.
  init(path: String) throws(FileFailure) {
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
  func regularFileSize() throws(FileFailure) -> Int {
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
  /// - Returns: `nil` on success, or the failure (the file ended early, or the read failed).
  func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> FileFailure? {
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

  /// Reads `count` bytes starting at `offset` into a new array.
  func readBytes(count: Int, at offset: Int) throws(FileFailure) -> [UInt8] {
    var failure: FileFailure?
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      failure = read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
      if failure != nil { buffer.initialize(repeating: 0) }
      initialized = count
    }
    if let failure { throw failure }
    return bytes
  }

  /// Reads up to `buffer.count` bytes from the current position (for streaming decompression).
  ///
  /// - Returns: The number of bytes read, 0 at the end of the file.
  func readSome(into buffer: UnsafeMutableRawBufferPointer) throws(FileFailure) -> Int {
    guard let base = buffer.baseAddress else { return 0 }
    while true {
      let count = systemRead(descriptor, base, buffer.count)
      if count >= 0 { return count }
      if errno == EINTR { continue }
      throw .io(path: path, operation: "read", message: systemMessage(errno))
    }
  }

  func close() {
    _ = closeDescriptor(descriptor)
  }
}

/// Reads a whole regular file into memory, checking its size first.
///
/// - Parameter path: The file.
/// - Returns: Its bytes.
/// - Throws: A ``FileFailure``.
func readWholeFile(_ path: String) throws(FileFailure) -> [UInt8] {
  let file = try ReadableFile(path: path)
  defer { file.close() }
  let size = try file.regularFileSize()
  return try file.readBytes(count: size, at: 0)
}

/// Writes a file atomically: `body` writes into a new hidden file beside `path`, which is then
/// flushed to disk and renamed over `path`; on failure the hidden file is removed.
///
/// The new file gets the permissions a newly created file gets (`0666` less the umask). A `path`
/// that exists and is not a regular file (a symbolic link, a device node, a pipe) is refused (an
/// ``FileFailure/io(path:operation:message:)`` that says so) and nothing is written, as is a
/// folder. Hidden temporary
/// files of this naming left in the folder by a killed writer are removed first (see
/// ``LeftoverTemporaryFiles``).
///
/// - Parameters:
///   - path: The destination.
///   - wrap: Turns a file-system failure into `E`.
///   - body: Writes the contents, throwing `E` to abandon the file.
/// - Throws: `E` from `body`, or the ``FileFailure`` wrapped by `wrap`.
func writeAtomically<E: Error>(
  to path: String, wrap: (FileFailure) -> E, _ body: (TemporaryFile) throws(E) -> Void
) throws(E) {
  var status = stat()
  if lstat(path, &status) == 0 {
    switch status.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: throw wrap(.isDirectory(path: path))
    case S_IFLNK:
      // A link to a folder is reported as a folder, as before; any other link is refused.
      var target = stat()
      if stat(path, &target) == 0 && (target.st_mode & S_IFMT) == S_IFDIR {
        throw wrap(.isDirectory(path: path))
      }
      throw wrap(notReplaceable(path))
    default: throw wrap(notReplaceable(path))
    }
  }
  let folder = folderName(of: path)
  LeftoverTemporaryFiles.removeOnce(in: folder)
  let temporary: TemporaryFile
  do {
    temporary = try TemporaryFile(replacing: path, in: folder)
  } catch {
    throw wrap(error)
  }
  do throws(E) {
    try body(temporary)
    do {
      try temporary.commit()
    } catch {
      throw wrap(error)
    }
  } catch {
    temporary.discard()
    throw error
  }
  syncFolder(folder)
}

/// The failure of an atomic write over something that is not a regular file.
private func notReplaceable(_ path: String) -> FileFailure {
  .io(
    path: path, operation: "replace",
    message: "it is not a regular file (a symbolic link, device node or pipe); nothing was written")
}

/// Flushes a folder's entries to disk so that a rename in it survives a crash (best effort).
private func syncFolder(_ folder: String) {
  let descriptor = open(folder, O_RDONLY | O_CLOEXEC)
  guard descriptor >= 0 else { return }
  _ = fsync(descriptor)
  _ = closeDescriptor(descriptor)
}

/// A hidden file beside a destination, renamed over it when complete.
final class TemporaryFile {
  let destination: String
  let path: String
  var descriptor: Int32

  /// Creates a new file in `folder`, named after the destination and this process.
  ///
  /// `O_EXCL` guarantees the file is new; a name that is taken (by another writer in this
  /// process, or a file left behind by a crash) is skipped.
  init(replacing destination: String, in folder: String) throws(FileFailure) {
    self.destination = destination
    // Shorten long names so the temporary name stays within the usual 255-byte limit.
    let name = String(decoding: fileName(of: destination).utf8.prefix(200), as: UTF8.self)
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
  func write(_ bytes: UnsafeRawBufferPointer) throws(FileFailure) {
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

  /// Writes all of `bytes`.
  func write(_ bytes: [UInt8]) throws(FileFailure) {
    let failure = bytes.withUnsafeBytes { buffer in
      Result { () throws(FileFailure) in try write(buffer) }
    }
    try failure.get()
  }

  /// Flushes the file to disk, closes it and renames it over the destination.
  func commit() throws(FileFailure) {
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

/// `read(2)`, named apart from the methods called `read`.
private func systemRead(_ descriptor: Int32, _ bytes: UnsafeMutableRawPointer, _ count: Int) -> Int
{
  read(descriptor, bytes, count)
}

/// Asks the kernel to back a large, not yet touched buffer with transparent huge pages.
///
/// Filling a fresh multi-megabyte buffer costs one page fault per 4 KiB page; with huge pages
/// it costs one per 2 MiB (NumPy advises the same for its large arrays). It is advice only: on
/// systems without transparent huge pages, or for buffers under 4 MiB, nothing happens.
///
/// - Parameter buffer: Memory about to be written for the first time.
func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
  #if os(Linux)
  let minimum = 4 << 20
  guard buffer.count >= minimum, let base = buffer.baseAddress else { return }
  let page = 4096
  let start = (Int(bitPattern: base) + page - 1) & ~(page - 1)
  let end = (Int(bitPattern: base) + buffer.count) & ~(page - 1)
  guard end > start, let address = UnsafeMutableRawPointer(bitPattern: start) else { return }
  _ = madvise(address, end - start, MADV_HUGEPAGE)
  #endif
}
