import RankCollapseTensor

/// Why a checkpoint of one or more safetensors files (``SafeTensorsCheckpoint``) could not be
/// opened or a tensor of it read.
///
/// Every case names the file and, where there is one, the tensor; ``description`` is a sentence
/// a user can act on.
public enum SafeTensorsCheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Nothing exists at `path` (or a folder on the way to it is missing).
  case notFound(path: String)

  /// The operating system refused access to `path`.
  case permissionDenied(path: String)

  /// The folder holds no `*.safetensors` file and no index.
  case noSafeTensorsFiles(folder: String)

  /// The folder holds several `*.safetensors.index.json` files; open one of them.
  case ambiguousIndex(folder: String, candidates: [String])

  /// The index file cannot be read: the system's message, and the file error (a
  /// ``FileAccessError``) as `cause`.
  case index(path: String, message: String, cause: UnderlyingError? = nil)

  /// The index file is not of the form `{"weight_map": {"tensor": "shard file", …}}`.
  /// The JSON parser's or the reader's error, when that is what found it, is `cause`.
  case invalidIndex(path: String, reason: String, cause: UnderlyingError? = nil)

  /// The index places `tensor` in a shard outside the index's folder (an absolute path or a
  /// `..` component).
  case shardOutsideFolder(index: String, tensor: String, shard: String)

  /// The index names a shard file that does not exist.
  case missingShard(index: String, shard: String)

  /// The index places `tensor` in `shard`, whose header has no such tensor.
  case tensorNotInShard(index: String, tensor: String, shard: String)

  /// Two shards hold a tensor of the same name.
  case duplicateTensor(tensor: String, shards: [String])

  /// A tensor that is not floating point was asked for as a matrix of numbers.
  case notFloatingPoint(tensor: String, dataType: SafeTensorsDataType)

  /// A shard file is not a safetensors file RankCollapse reads, or cannot be read.
  case shard(path: String, error: SafeTensorsError)

  /// A sentence that says what is wrong.
  public var description: String {
    switch self {
    case .notFound(let path):
      return "no such file or folder: \(path)"
    case .permissionDenied(let path):
      return "permission denied: \(path)"
    case .noSafeTensorsFiles(let folder):
      return
        "\(folder) holds no .safetensors file and no *.safetensors.index.json index (a "
        + "checkpoint folder holds the shards of one model)"
    case .ambiguousIndex(let folder, let candidates):
      return
        "\(folder) holds \(candidates.count) index files (\(candidates.joined(separator: ", "))); "
        + "give the one to read instead of the folder"
    case .index(let path, let message, _):
      return "cannot read the index \(path): \(message)"
    case .invalidIndex(let path, let reason, _):
      return "\(path) is not a safetensors index ({\"weight_map\": {tensor: file}}): \(reason)"
    case .shardOutsideFolder(let index, let tensor, let shard):
      return
        "\(index) places tensor '\(tensor)' in '\(shard)', outside the index's folder (shard "
        + "files must be named relative to it, without '..'); nothing was read"
    case .missingShard(let index, let shard):
      return "\(index) names the shard \(shard), which does not exist"
    case .tensorNotInShard(let index, let tensor, let shard):
      return
        "\(index) places tensor '\(tensor)' in \(shard), but that file holds no tensor of this "
        + "name (the index and the shards do not belong together)"
    case .duplicateTensor(let tensor, let shards):
      return
        "tensor '\(tensor)' is stored in more than one shard (\(shards.joined(separator: " and ")));"
        + " a checkpoint holds each tensor once"
    case .notFloatingPoint(let tensor, let dataType):
      return "tensor '\(tensor)' has dtype \(dataType.rawValue), not a floating-point type"
    case .shard(let path, let error):
      return error.path == nil ? "\(path): \(error)" : "\(error)"
    }
  }
}
