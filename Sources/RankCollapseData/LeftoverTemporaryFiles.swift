import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Removes the hidden temporary files an atomic write leaves behind when its process is killed
/// between creating the file and renaming it (`kill -9` during a sweep's final CSV write).
///
/// Only names of our own pattern, `.NAME.PID-N.tmp`, are touched, and only when the process
/// `PID` no longer exists on this machine and the file has not been modified for
/// ``minimumAge`` seconds: a folder shared over the network by shards on other machines may hold
/// a live writer's file whose PID means nothing here, and a live writer keeps its file fresh.
/// Each folder is swept once per process, at its first atomic write.
enum LeftoverTemporaryFiles {
  /// Seconds since the last modification before a dead writer's file is removed.
  static let minimumAge: Double = 600

  /// The folders swept by this process.
  private static let swept = Mutex<Set<String>>([])

  /// Sweeps `folder` unless this process already did.
  static func removeOnce(in folder: String) {
    let first = swept.withLock { $0.insert(folder).inserted }
    if first { remove(in: folder) }
  }

  /// Removes the dead writers' temporary files in `folder` (best effort: errors are ignored).
  ///
  /// - Returns: The names removed.
  @discardableResult
  static func remove(in folder: String) -> [String] {
    guard let directory = opendir(folder) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if let pid = writerProcess(of: name), pid != getpid() { names.append(name) }
    }
    var removed: [String] = []
    let now = Double(time(nil))
    for name in names {
      guard let pid = writerProcess(of: name), !isAlive(pid) else { continue }
      let path = folder + "/" + name
      var status = stat()
      guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG,
        now - Double(status.st_mtim.tv_sec) >= minimumAge
      else { continue }
      if unlink(path) == 0 { removed.append(name) }
    }
    return removed
  }

  /// The writer's process ID if `name` is `.NAME.PID-N.tmp`.
  static func writerProcess(of name: String) -> pid_t? {
    guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return nil }
    let stem = name.dropLast(4)  // ".NAME.PID-N"
    guard let dash = stem.lastIndex(of: "-"), let dot = stem[..<dash].lastIndex(of: "."),
      dot > stem.startIndex,
      stem[stem.index(after: dash)...].allSatisfy(\.isASCIIDigit),
      stem.index(after: dash) < stem.endIndex,
      let pid = pid_t(stem[stem.index(after: dot)..<dash]), pid > 0
    else { return nil }
    return pid
  }

  /// Whether a process with this ID exists (a process of another user counts as alive).
  static func isAlive(_ pid: pid_t) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
  }
}

extension Character {
  fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
