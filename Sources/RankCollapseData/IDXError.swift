/// Why an IDX file (the MNIST format) could not be read.
///
/// Every case names the offending value, and ``description`` is a sentence a user can act on.
/// Format errors do not name the file: a caller that reads from a path adds it.
public enum IDXError: Error, Equatable, Sendable, CustomStringConvertible, FileFormatError {
  /// The file does not start with two zero bytes, as every IDX file does (and is not gzip).
  case notIDXFile

  /// The type byte is not one the IDX format defines (0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E).
  case unknownDataType(code: UInt8)

  /// The file holds a type or shape other than the one asked for: images must be unsigned bytes
  /// with at least two dimensions, labels integers with one.
  case unexpectedContents(expected: String, dataType: IDXDataType, shape: [Int])

  /// The file ends before its header does (or the header declares no dimensions).
  case truncatedHeader(requiredBytes: Int, availableBytes: Int)

  /// The dimensions describe more bytes than fit in `Int`.
  case sizeOverflow(shape: [Int])

  /// Fewer data bytes follow the header than the dimensions require.
  case truncatedData(shape: [Int], expectedBytes: Int, availableBytes: Int)

  /// More data follows the header than the dimensions require (or bytes that are not a gzip
  /// member follow a gzipped file's last member).
  case trailingData(shape: [Int], expectedBytes: Int)

  /// A gzipped file's declared contents are larger than its compressed size can hold, so it was
  /// refused before allocating.
  case implausibleSize(shape: [Int], expectedBytes: Int, compressedBytes: Int)

  /// The gzip stream is damaged (zlib's message: a bad header, CRC-32 or length check, …).
  case corruptGzip(reason: String)

  /// A data set's image and label files hold different numbers of examples.
  case countMismatch(images: Int, labels: Int)

  /// A data set folder lacks one of its files (`name`, gzipped or not).
  case missingDataSetFile(folder: String, name: String)

  /// The file at `path` (one file of a data set) could not be read; `error` says why.
  indirect case invalidFile(path: String, error: IDXError)

  // MARK: Memory

  /// Decoding needs more memory than ``MemoryBudget/limit`` allows; nothing was allocated.
  case exceedsMemoryBudget(bytes: Int, budget: Int)

  /// The system refused to allocate `bytes` for the result, though the budget allowed it.
  case allocationFailed(bytes: Int)

  // MARK: File-system errors

  /// No file exists at `path` (or a folder on the way to it is missing).
  case fileNotFound(path: String)

  /// `path` names a folder where a file was expected.
  case isDirectory(path: String)

  /// `path` names something that is neither a regular file nor a folder.
  case notRegularFile(path: String)

  /// The operating system refused access to `path`.
  case permissionDenied(path: String)

  /// Another input or output error; `operation` says what was being done.
  case io(path: String, operation: String, message: String)

  /// The file or folder a file-system error names; `nil` for the other errors.
  public var path: String? {
    if case .missingDataSetFile(let folder, _) = self { return folder }
    if case .invalidFile(let path, _) = self { return path }
    return fileFailure?.path
  }

  /// A sentence that says what is wrong, naming the offending value.
  public var description: String {
    switch self {
    case .notIDXFile:
      return "not an IDX file (it must start with two zero bytes, or be gzipped)"
    case .unknownDataType(let code):
      return
        "unknown IDX type byte 0x\(String(code, radix: 16)) (the format defines 0x08 unsigned "
        + "byte, 0x09 signed byte, 0x0b short, 0x0c int, 0x0d float, 0x0e double)"
    case .unexpectedContents(let expected, let dataType, let shape):
      return "expected \(expected), but the file holds \(dataType) values of shape \(shape)"
    case .truncatedHeader(let requiredBytes, let availableBytes):
      return
        "file is truncated: the header needs \(requiredBytes) bytes but only "
        + "\(availableBytes) are there"
    case .sizeOverflow(let shape):
      return "shape \(shape) describes more bytes than this machine can address"
    case .truncatedData(let shape, let expectedBytes, let availableBytes):
      return
        "file is truncated: shape \(shape) needs \(expectedBytes) bytes of data but only "
        + "\(availableBytes) follow the header"
    case .trailingData(let shape, let expectedBytes):
      return
        "file has unexpected bytes after the \(expectedBytes) bytes of data that shape \(shape) "
        + "needs"
    case .implausibleSize(let shape, let expectedBytes, let compressedBytes):
      return
        "shape \(shape) needs \(expectedBytes) bytes, more than \(compressedBytes) gzipped bytes "
        + "can hold"
    case .corruptGzip(let reason):
      return "the gzip data is damaged: \(reason)"
    case .countMismatch(let images, let labels):
      return "the image file holds \(images) images but the label file \(labels) labels"
    case .missingDataSetFile(let folder, let name):
      return "\(folder) has no \(name) or \(name).gz"
    case .invalidFile(let path, let error):
      return error.path == nil ? "\(path): \(error)" : error.description
    case .exceedsMemoryBudget(let bytes, let budget):
      return MemoryBudget.exceededMessage(bytes: bytes, budget: budget)
    case .allocationFailed(let bytes):
      return MemoryBudget.allocationMessage(bytes: bytes)
    case .fileNotFound, .isDirectory, .notRegularFile, .permissionDenied, .io:
      return fileFailure?.description(expecting: "an IDX file") ?? ""
    }
  }

  /// The file-system failure this error reports, `nil` for a format error.
  var fileFailure: FileFailure? {
    switch self {
    case .fileNotFound(let path): .fileNotFound(path: path)
    case .isDirectory(let path): .isDirectory(path: path)
    case .notRegularFile(let path): .notRegularFile(path: path)
    case .permissionDenied(let path): .permissionDenied(path: path)
    case .io(let path, let operation, let message):
      .io(path: path, operation: operation, message: message)
    default: nil
    }
  }
}

/// The element type of an IDX file (its third byte).
public enum IDXDataType: UInt8, Sendable, Equatable, Hashable, CustomStringConvertible {
  /// `0x08`: unsigned bytes (MNIST's images and labels).
  case uint8 = 0x08
  /// `0x09`: signed bytes.
  case int8 = 0x09
  /// `0x0B`: big-endian 16-bit integers.
  case int16 = 0x0B
  /// `0x0C`: big-endian 32-bit integers.
  case int32 = 0x0C
  /// `0x0D`: big-endian IEEE single precision.
  case float32 = 0x0D
  /// `0x0E`: big-endian IEEE double precision.
  case float64 = 0x0E

  /// The size of one element in bytes.
  public var itemSize: Int {
    switch self {
    case .uint8, .int8: 1
    case .int16: 2
    case .int32, .float32: 4
    case .float64: 8
    }
  }

  /// The type's name, such as `"uint8"`.
  public var description: String {
    switch self {
    case .uint8: "uint8"
    case .int8: "int8"
    case .int16: "int16"
    case .int32: "int32"
    case .float32: "float32"
    case .float64: "float64"
    }
  }
}
