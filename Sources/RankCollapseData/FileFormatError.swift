/// The cases that every file-format error of this module shares.
///
/// `IDXError`, `NumPyError` and `SafeTensorsError` all report the five file-system failures and
/// the two memory failures; their enum cases are this protocol's witnesses, so the conversions
/// below are written once for all three.
protocol FileFormatError: Error {
  static func fileNotFound(path: String) -> Self
  static func isDirectory(path: String) -> Self
  static func notRegularFile(path: String) -> Self
  static func permissionDenied(path: String) -> Self
  static func io(path: String, operation: String, message: String) -> Self
  static func exceedsMemoryBudget(bytes: Int, budget: Int) -> Self
  static func allocationFailed(bytes: Int) -> Self
}

extension FileFormatError {
  /// The case for a memory failure.
  init(_ failure: MemoryBudget.Failure) {
    switch failure {
    case .exceedsBudget(let bytes, let budget):
      self = .exceedsMemoryBudget(bytes: bytes, budget: budget)
    case .allocationFailed(let bytes): self = .allocationFailed(bytes: bytes)
    }
  }

  /// The case for a file-system failure.
  init(_ failure: FileFailure) {
    switch failure {
    case .fileNotFound(let path): self = .fileNotFound(path: path)
    case .isDirectory(let path): self = .isDirectory(path: path)
    case .notRegularFile(let path): self = .notRegularFile(path: path)
    case .permissionDenied(let path): self = .permissionDenied(path: path)
    case .io(let path, let operation, let message):
      self = .io(path: path, operation: operation, message: message)
    }
  }
}
