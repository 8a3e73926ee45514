import RankCollapseTensor

/// Whole-file reads and atomic whole-file writes, the same POSIX helpers the format readers and
/// writers use, for other modules' small files (sweep results, CSV tables, JSON sidecars).
///
/// A write goes to a new hidden file beside the destination (`.NAME.PID-N.tmp`), is flushed to
/// disk and renamed over the destination, so a reader (or a process killed mid-write) sees the
/// old contents or all of the new, never part of it.
///
/// ```swift
/// try AtomicFile.write(Array("a,b\n1,2\n".utf8), to: "out/table.csv")
/// let bytes = try AtomicFile.read("out/table.csv")
/// ```
public enum AtomicFile {
  /// Replaces the file at `path` with `bytes`, atomically.
  ///
  /// - Parameters:
  ///   - bytes: The new contents.
  ///   - path: The destination; its folder must exist.
  /// - Throws: ``FileAccessError`` when the folder is missing, access is denied, `path` is a
  ///   folder, or a write fails (the temporary file is then removed).
  public static func write(_ bytes: [UInt8], to path: String) throws(FileAccessError) {
    try writeAtomically(to: path, wrap: FileAccessError.init) { file throws(FileAccessError) in
      do throws(FileFailure) {
        try file.write(bytes)
      } catch {
        throw FileAccessError(error)
      }
    }
  }

  /// Replaces the file at `path` with the UTF-8 bytes of `text`, atomically.
  ///
  /// - Parameters:
  ///   - text: The new contents.
  ///   - path: The destination; its folder must exist.
  /// - Throws: ``FileAccessError`` as the `[UInt8]` version.
  public static func write(_ text: String, to path: String) throws(FileAccessError) {
    try write(Array(text.utf8), to: path)
  }

  /// Reads a whole regular file.
  ///
  /// - Parameter path: The file.
  /// - Returns: Its bytes.
  /// - Throws: ``FileAccessError/fileNotFound(path:)`` when nothing exists at `path`, and
  ///   ``FileAccessError/failed(path:message:cause:)`` for a folder, a pipe, denied access or a read
  ///   error.
  public static func read(_ path: String) throws(FileAccessError) -> [UInt8] {
    do {
      return try readWholeFile(path)
    } catch {
      throw FileAccessError(error)
    }
  }
}

/// Why ``AtomicFile`` could not read or write a file.
public enum FileAccessError: Error, Equatable, Sendable, CustomStringConvertible {
  /// No file exists at the path (or a folder on the way to it is missing).
  case fileNotFound(path: String)
  /// Any other failure, with the operating system's message and, when one was caught, its
  /// error.
  case failed(path: String, message: String, cause: UnderlyingError? = nil)

  init(_ failure: FileFailure) {
    switch failure {
    case .fileNotFound(let path): self = .fileNotFound(path: path)
    default: self = .failed(path: failure.path, message: failure.description(expecting: "a file"))
    }
  }

  /// The file the error is about.
  public var path: String {
    switch self {
    case .fileNotFound(let path), .failed(let path, _, _): path
    }
  }

  /// A sentence naming the file and what went wrong.
  public var description: String {
    switch self {
    case .fileNotFound(let path): "no such file or folder: \(path)"
    case .failed(_, let message, _): message
    }
  }
}
