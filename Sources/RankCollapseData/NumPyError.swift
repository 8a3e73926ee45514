/// Why a `.npy` file could not be read or written.
///
/// Every case names the offending value, and ``description`` is a sentence a user can act on. The
/// format errors (everything but the file-system cases) do not name the file: a caller that reads
/// from a path adds it to the message.
public enum NumPyError: Error, Equatable, Sendable, CustomStringConvertible, FileFormatError {
  // MARK: Format errors

  /// The file does not start with the magic string `\x93NUMPY`.
  case notNumPyFile

  /// The format version is not 1.0, 2.0 or 3.0, the versions the NPY format defines.
  case unsupportedVersion(major: UInt8, minor: UInt8)

  /// The file ends before its header does.
  ///
  /// `requiredBytes` counts from the start of the file to the end of the header (or of the fixed
  /// preamble, if even that is cut short); `fileBytes` is the size of the whole file.
  case truncatedHeader(requiredBytes: Int, fileBytes: Int)

  /// The header is longer than RankCollapse accepts (see ``NumPy/maximumHeaderLength``).
  case headerTooLarge(length: Int, limit: Int)

  /// A format 3.0 header is not valid UTF-8.
  case invalidHeaderEncoding

  /// The header is not a Python dict literal of the form the NPY format prescribes.
  ///
  /// `reason` says what is wrong and where (a byte offset into the header).
  case malformedHeader(reason: String)

  /// The header dict lacks one of the keys `'descr'`, `'fortran_order'` and `'shape'`.
  case missingKey(String)

  /// The header dict has a key other than `'descr'`, `'fortran_order'` and `'shape'`.
  case unknownKey(String)

  /// The header dict has the same key twice.
  case duplicateKey(String)

  /// A header entry has a value of the wrong kind, such as `'fortran_order': 1` or a shape that is
  /// not a tuple of integers. `value` is the value as Python would print it.
  case invalidValue(key: String, value: String)

  /// The `descr` entry names an element type RankCollapse does not read (see ``NumPyDataType``
  /// for the ones it does). `descriptor` is the value as Python would print it.
  case unsupportedDataType(descriptor: String)

  /// The shape has a negative dimension.
  case negativeDimension(shape: [Int])

  /// The shape is not one- or two-dimensional.
  case unsupportedDimensionCount(shape: [Int])

  /// The shape describes more bytes than fit in `Int`. `shape` is the shape as Python would print
  /// it (its dimensions may not fit in `Int` themselves).
  case sizeOverflow(shape: String)

  /// Fewer bytes follow the header than the shape and element type require.
  case truncatedData(
    shape: [Int], dataType: NumPyDataType, expectedBytes: Int, availableBytes: Int)

  /// More bytes follow the header than the shape and element type require.
  case trailingData(
    shape: [Int], dataType: NumPyDataType, expectedBytes: Int, availableBytes: Int)

  // MARK: Element errors

  /// Integers were asked of an array whose elements are not integers (``NumPyArray/integers()``).
  case notIntegerArray(dataType: NumPyDataType)

  /// An integer element does not fit in `Int` (a `uint64` above `Int.max`). `index` is its
  /// position in row-major order and `value` its value.
  case integerOverflow(index: Int, value: String)

  // MARK: Archive (.npz) errors

  /// The file is not a zip archive: no end-of-central-directory record in its last 65 557 bytes.
  case notZipArchive

  /// The zip structure is inconsistent; `reason` says where (a record, an offset, a size).
  case malformedArchive(reason: String)

  /// A member is compressed with a method other than stored (0) or deflated (8).
  case unsupportedCompression(member: String, method: Int)

  /// A member is encrypted (general-purpose flag bit 0, or the strong-encryption method 99);
  /// RankCollapse reads no encrypted members.
  case encryptedMember(String)

  /// A member's data is damaged: it does not inflate, or inflates to a different size or CRC-32
  /// than the archive declares.
  case corruptMember(member: String, reason: String)

  /// Two members have the same name.
  case duplicateMember(String)

  /// A member is not a `.npy` file (its name does not end in `.npy`).
  case notNumPyMember(String)

  /// A member's `.npy` contents are invalid; `error` says how.
  indirect case invalidMember(member: String, error: NumPyError)

  /// An archive to write is larger than the 4 GiB the zip format holds without its zip64
  /// extension, which RankCollapse does not write.
  case archiveTooLarge(bytes: Int)

  // MARK: Memory

  /// Decoding needs more memory than ``MemoryBudget/limit`` allows; nothing was allocated.
  /// `bytes` counts the result and any temporary buffer decoding needs.
  case exceedsMemoryBudget(bytes: Int, budget: Int)

  /// The system refused to allocate `bytes` for the result, though the budget allowed it.
  case allocationFailed(bytes: Int)

  // MARK: File-system errors

  /// No file exists at `path` (or a folder on the way to it is missing).
  case fileNotFound(path: String)

  /// `path` names a folder where a file was expected.
  case isDirectory(path: String)

  /// `path` names something that is neither a regular file nor a folder (a pipe, a device, a
  /// socket); its size cannot be checked before reading.
  case notRegularFile(path: String)

  /// The operating system refused access to `path`.
  case permissionDenied(path: String)

  /// Another input or output error. `operation` says what was being done (`"open"`, `"read"`,
  /// `"write"`, `"rename"`, …) and `message` is the operating system's explanation.
  case io(path: String, operation: String, message: String)

  /// The file or folder a file-system error names; `nil` for a format error, whose description
  /// does not say which file it came from.
  public var path: String? { fileFailure?.path }

  /// A sentence that says what is wrong, naming the offending value.
  public var description: String {
    switch self {
    case .notNumPyFile:
      return "not a .npy file (magic bytes missing)"
    case .unsupportedVersion(let major, let minor):
      return "unsupported format version \(major).\(minor) (RankCollapse reads 1.0, 2.0 and 3.0)"
    case .truncatedHeader(let requiredBytes, let fileBytes):
      return
        "file is truncated: the header ends at byte \(requiredBytes) "
        + "but the file has only \(fileBytes) bytes"
    case .headerTooLarge(let length, let limit):
      return "header is \(length) bytes long, more than the \(limit) bytes RankCollapse accepts"
    case .invalidHeaderEncoding:
      return "the format 3.0 header is not valid UTF-8"
    case .malformedHeader(let reason):
      return "header is not a valid .npy header dict: \(reason)"
    case .missingKey(let key):
      return "header has no '\(key)' entry (it needs 'descr', 'fortran_order' and 'shape')"
    case .unknownKey(let key):
      return
        "header has an unexpected entry '\(key)' (only 'descr', 'fortran_order' and 'shape' "
        + "are allowed)"
    case .duplicateKey(let key):
      return "header has the entry '\(key)' twice"
    case .invalidValue(let key, let value):
      switch key {
      case "fortran_order":
        return "header entry 'fortran_order' must be True or False, not \(value)"
      case "shape":
        return "header entry 'shape' must be a tuple of integers, not \(value)"
      default:
        return "header entry '\(key)' has an invalid value \(value)"
      }
    case .unsupportedDataType(let descriptor):
      return
        "unsupported dtype \(descriptor) (RankCollapse reads float32, float64, the integers of "
        + "1, 2, 4 and 8 bytes, and bool)"
        + NumPyError.dataTypeHint(descriptor)
    case .negativeDimension(let shape):
      return "shape \(NumPyError.pythonTuple(shape)) has a negative dimension"
    case .unsupportedDimensionCount(let shape):
      let kind =
        shape.isEmpty ? "0-dimensional arrays (scalars)" : "\(shape.count)-dimensional arrays"
      return
        "\(kind) are not supported (shape \(NumPyError.pythonTuple(shape))); "
        + "RankCollapse reads 1-D and 2-D arrays"
    case .sizeOverflow(let shape):
      return "shape \(shape) describes more bytes than this machine can address"
    case .truncatedData(let shape, let dataType, let expectedBytes, let availableBytes):
      return
        "file is truncated: header declares \(NumPyError.extent(shape)) \(dataType) = "
        + "\(expectedBytes) bytes of data but only \(availableBytes) follow"
    case .trailingData(let shape, let dataType, let expectedBytes, let availableBytes):
      return
        "file has \(availableBytes - expectedBytes) unexpected bytes after the data: header "
        + "declares \(NumPyError.extent(shape)) \(dataType) = \(expectedBytes) bytes of data "
        + "but \(availableBytes) follow"
    case .notIntegerArray(let dataType):
      return "the array holds \(dataType) values, not integers"
    case .integerOverflow(let index, let value):
      return "element \(index) of the array, \(value), does not fit in a 64-bit signed integer"
    case .notZipArchive:
      return "not a .npz file (no zip end-of-central-directory record)"
    case .malformedArchive(let reason):
      return "the .npz archive is malformed: \(reason)"
    case .unsupportedCompression(let member, let method):
      return
        "member '\(member)' uses compression method \(method) (RankCollapse reads stored (0) "
        + "and deflated (8) members)"
    case .encryptedMember(let member):
      return "member '\(member)' is encrypted (RankCollapse reads unencrypted members only)"
    case .exceedsMemoryBudget(let bytes, let budget):
      return MemoryBudget.exceededMessage(bytes: bytes, budget: budget)
    case .allocationFailed(let bytes):
      return MemoryBudget.allocationMessage(bytes: bytes)
    case .corruptMember(let member, let reason):
      return "member '\(member)' is damaged: \(reason)"
    case .duplicateMember(let name):
      return "the archive has two members named '\(name)'"
    case .notNumPyMember(let name):
      return "member '\(name)' is not a .npy file (its name does not end in .npy)"
    case .invalidMember(let member, let error):
      return "member '\(member)': \(error)"
    case .archiveTooLarge(let bytes):
      return
        "the archive would be \(bytes) bytes, more than the 4 GiB a zip file holds without "
        + "zip64, which RankCollapse does not write"
    case .fileNotFound, .isDirectory, .notRegularFile, .permissionDenied, .io:
      return fileFailure?.description(expecting: "a .npy file") ?? ""
    }
  }

  /// A shape as Python prints a tuple: `()`, `(5,)`, `(3, 4)`.
  static func pythonTuple(_ shape: [Int]) -> String {
    shape.count == 1
      ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
  }

  /// A shape as `784×400` (or `5` for one dimension).
  private static func extent(_ shape: [Int]) -> String {
    shape.map(String.init).joined(separator: "×")
  }

  /// A hint for the descriptors that are close to a supported one.
  private static func dataTypeHint(_ descriptor: String) -> String {
    switch descriptor {
    case "'f4'", "'=f4'", "'|f4'", "'f8'", "'=f8'", "'|f8'", "'i2'", "'=i2'", "'i4'", "'=i4'",
      "'i8'", "'=i8'", "'u2'", "'=u2'", "'u4'", "'=u4'", "'u8'", "'=u8'":
      return "; the descriptor does not state a byte order: use '<' (little-endian) or '>'"
    default:
      return descriptor.hasPrefix("[") ? "; structured dtypes are not supported" : ""
    }
  }
}

extension NumPyError {
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
