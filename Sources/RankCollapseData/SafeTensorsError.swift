/// Why a safetensors file could not be read or written, or a tensor could not be converted.
///
/// Every case names the offending tensor or value, and ``description`` is a sentence a user can
/// act on. Format errors do not name the file: a caller that reads from a path adds it.
public enum SafeTensorsError: Error, Equatable, Sendable, CustomStringConvertible, FileFormatError {
  // MARK: Format errors

  /// The file ends before its header does. `requiredBytes` counts from the start of the file.
  case truncatedHeader(requiredBytes: Int, fileBytes: Int)

  /// The declared header length is larger than RankCollapse accepts
  /// (``SafeTensors/maximumHeaderLength``).
  case headerTooLarge(length: UInt64, limit: Int)

  /// The header is not valid UTF-8.
  case invalidHeaderEncoding

  /// The header is not valid JSON; `reason` says what was expected and `offset` is the byte
  /// offset into the header where.
  case malformedHeader(reason: String, offset: Int)

  /// The header is JSON but not of the safetensors form: `reason` names the entry and what is
  /// wrong with it (a missing `dtype`, a shape that is not a list of integers, …).
  case invalidHeader(reason: String)

  /// A tensor's `dtype` is not one RankCollapse knows (see ``SafeTensorsDataType``), or is one it
  /// cannot decode (the 8-bit floats).
  case unsupportedDataType(tensor: String, dataType: String)

  /// A tensor's shape describes more bytes than fit in `Int`.
  case sizeOverflow(tensor: String, shape: [Int])

  /// A tensor's `data_offsets` span a different number of bytes than its shape and type need.
  case sizeMismatch(
    tensor: String, shape: [Int], dataType: SafeTensorsDataType,
    expectedBytes: Int, declaredBytes: Int)

  /// A tensor's `data_offsets` leave a gap before it, overlap the previous tensor, or run past
  /// the end of the file. `expectedBegin` is where the tensor should start (the end of the
  /// previous one in offset order).
  case invalidOffsets(tensor: String, begin: Int, end: Int, expectedBegin: Int)

  /// The data section after the header is not exactly as long as the tensors' offsets say.
  case dataSizeMismatch(expectedBytes: Int, actualBytes: Int)

  // MARK: Conversion errors

  /// A matrix was asked of a tensor with more than two dimensions without asking to flatten it.
  case notAMatrix(tensor: String, shape: [Int])

  /// Integers were asked of a floating-point tensor.
  case notIntegerTensor(tensor: String, dataType: SafeTensorsDataType)

  /// An integer element does not fit in `Int` (a `U64` above `Int.max`); `index` is its position
  /// in row-major order.
  case integerOverflow(tensor: String, index: Int, value: String)

  // MARK: Memory

  /// Decoding the tensors asked for needs more memory than ``MemoryBudget/limit`` allows;
  /// nothing was allocated. `bytes` counts the results and any temporary buffer.
  case exceedsMemoryBudget(bytes: Int, budget: Int)

  /// The system refused to allocate `bytes` for a result, though the budget allowed it.
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
  public var path: String? { fileFailure?.path }

  /// A sentence that says what is wrong, naming the offending value.
  public var description: String {
    switch self {
    case .truncatedHeader(let requiredBytes, let fileBytes):
      return
        "file is truncated: the header ends at byte \(requiredBytes) but the file has only "
        + "\(fileBytes) bytes"
    case .headerTooLarge(let length, let limit):
      return
        "the header length field says \(length) bytes, more than the \(limit) bytes "
        + "RankCollapse accepts (is this a safetensors file?)"
    case .invalidHeaderEncoding:
      return "the header is not valid UTF-8"
    case .malformedHeader(let reason, let offset):
      return "the header is not valid JSON: \(reason) at byte \(offset) of the header"
    case .invalidHeader(let reason):
      return "the header is not a safetensors header: \(reason)"
    case .unsupportedDataType(let tensor, let dataType):
      return
        "tensor '\(tensor)' has dtype \(dataType), which RankCollapse does not decode (it reads "
        + "F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8 and BOOL)"
    case .sizeOverflow(let tensor, let shape):
      return "tensor '\(tensor)' has shape \(shape), more bytes than this machine can address"
    case .sizeMismatch(let tensor, let shape, let dataType, let expectedBytes, let declaredBytes):
      return
        "tensor '\(tensor)' of shape \(shape) and dtype \(dataType) needs \(expectedBytes) "
        + "bytes but its data_offsets span \(declaredBytes)"
    case .invalidOffsets(let tensor, let begin, let end, let expectedBegin):
      let problem =
        begin < expectedBegin
        ? "overlaps the previous tensor" : begin > expectedBegin ? "leaves a gap" : "is invalid"
      return
        "tensor '\(tensor)' has data_offsets [\(begin), \(end)], which \(problem) (it should "
        + "begin at \(expectedBegin))"
    case .dataSizeMismatch(let expectedBytes, let actualBytes):
      return
        "the tensors' offsets cover \(expectedBytes) bytes of data but the file holds "
        + "\(actualBytes) after the header"
        + (actualBytes < expectedBytes ? " (the file is truncated)" : "")
    case .notAMatrix(let tensor, let shape):
      return
        "tensor '\(tensor)' has \(shape.count) dimensions \(shape); ask to flatten it to "
        + "\(shape.first ?? 1) × \(shape.dropFirst().reduce(1, *)) explicitly"
    case .notIntegerTensor(let tensor, let dataType):
      return "tensor '\(tensor)' holds \(dataType) values, not integers"
    case .integerOverflow(let tensor, let index, let value):
      return
        "element \(index) of tensor '\(tensor)', \(value), does not fit in a 64-bit signed integer"
    case .exceedsMemoryBudget(let bytes, let budget):
      return MemoryBudget.exceededMessage(bytes: bytes, budget: budget)
    case .allocationFailed(let bytes):
      return MemoryBudget.allocationMessage(bytes: bytes)
    case .fileNotFound, .isDirectory, .notRegularFile, .permissionDenied, .io:
      return fileFailure?.description(expecting: "a safetensors file") ?? ""
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
