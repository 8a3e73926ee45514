import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Atomic file writing with POSIX calls.
enum SVGFile {
  /// The folders already swept for leftovers by this process.
  private static let swept = Mutex<Set<String>>([])

  /// Removes, once per folder and process, the temporary files of writers that were killed.
  ///
  /// Only hidden files `.NAME.PID-N.tmp` are removed, and only when process `PID` is gone and the file has not changed for
  /// ten minutes (a writer on another machine sharing the folder has a PID that means nothing
  /// here). The same rule as `RankCollapseData`'s atomic writes, which this module cannot import.
  static func removeLeftovers(in folder: String) {
    guard swept.withLock({ $0.insert(folder).inserted }), let directory = opendir(folder) else {
      return
    }
    defer { closedir(directory) }
    let now = time(nil)
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      guard name.hasPrefix("."), name.hasSuffix(".tmp") else { continue }
      let stem = name.dropLast(4)
      guard let dash = stem.lastIndex(of: "-"), let dot = stem[..<dash].lastIndex(of: "."),
        dot > stem.startIndex, Int(stem[stem.index(after: dash)...]) != nil,
        let pid = pid_t(stem[stem.index(after: dot)..<dash]), pid > 0, pid != getpid(),
        kill(pid, 0) != 0, errno == ESRCH
      else { continue }
      let path = folder + "/" + name
      var status = stat()
      guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG,
        now - status.st_mtim.tv_sec >= 600
      else { continue }
      _ = unlink(path)
    }
  }

  /// Writes `text` as UTF-8 to a new hidden file beside `path`, flushes it and renames it over
  /// `path`, so `path` always holds either its old contents or all of the new; on failure the
  /// temporary file is removed.
  static func store(_ text: String, to path: String) throws(PlotError) {
    var status = stat()
    if lstat(path, &status) == 0 {
      switch status.st_mode & S_IFMT {
      case S_IFREG: break
      case S_IFDIR: throw .io(path: path, operation: "replace", code: EISDIR)
      default: throw .notRegularFile(path: path)
      }
    }
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[..<$0]) } ?? "."
    removeLeftovers(in: folder.isEmpty ? "/" : folder)
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
