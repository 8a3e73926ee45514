#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Atomic file writing with POSIX calls.
enum SVGFile {
  /// Writes `text` as UTF-8 to a new hidden file beside `path`, flushes it and renames it over
  /// `path`, so `path` always holds either its old contents or all of the new; on failure the
  /// temporary file is removed.
  static func store(_ text: String, to path: String) throws(PlotError) {
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[..<$0]) } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let stem =
      (folder.isEmpty ? "" : folder) + "/." + String(decoding: name.utf8.prefix(200), as: UTF8.self)
    var temporary = ""
    var descriptor: Int32 = -1
    for attempt in 0..<1000 {
      temporary = "\(stem).\(getpid())-\(attempt).tmp"
      descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
      if descriptor >= 0 || errno != EEXIST { break }
    }
    guard descriptor >= 0 else { throw .io(path: path, operation: "create", code: errno) }
    let bytes = Array(text.utf8)
    let failure: PlotError? = bytes.withUnsafeBytes { buffer in
      guard let base = buffer.baseAddress else { return nil }
      var offset = 0
      while offset < buffer.count {
        let count = write(descriptor, base + offset, buffer.count - offset)
        if count < 0 {
          if errno == EINTR { continue }
          return .io(path: path, operation: "write", code: errno)
        }
        offset += count
      }
      return nil
    }
    if let failure {
      _ = close(descriptor)
      _ = unlink(temporary)
      throw failure
    }
    let synced = fsync(descriptor) == 0 ? 0 : errno
    let closed = close(descriptor) == 0 ? 0 : errno
    if synced != 0 || closed != 0 {
      let code = synced != 0 ? synced : closed
      _ = unlink(temporary)
      throw .io(path: path, operation: "write", code: code)
    }
    guard rename(temporary, path) == 0 else {
      let code = errno
      _ = unlink(temporary)
      throw .io(path: path, operation: "rename", code: code)
    }
  }
}
