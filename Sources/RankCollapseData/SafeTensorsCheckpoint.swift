import RankCollapseTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A model's weights in one safetensors file or sharded over several, read one tensor at a time.
///
/// Models larger than a few gigabytes ship as shards `model-00001-of-0000N.safetensors` plus an
/// index `model.safetensors.index.json` (`{"metadata": {…}, "weight_map": {tensor: shard}}`), as
/// Hugging Face's `save_pretrained` writes them. A checkpoint opens any of:
///
/// - a `.safetensors` file: one shard;
/// - an index file (`*.safetensors.index.json`): the shards its `weight_map` names, in order of
///   first mention, relative to the index's folder;
/// - a folder: its index if it holds exactly one `*.safetensors.index.json`, otherwise every
///   `*.safetensors` file in it, in name order.
///
/// Opening reads and validates every shard's header only (see ``SafeTensors``), so it costs
/// O(total header size) whatever the model's size. ``readMatrix(_:)`` then reads one tensor
/// straight into the `Double` matrix a spectral analysis overwrites: no other copy of its
/// elements is held (a `float32` or 16-bit tensor is read into the upper part of the result's
/// storage and widened in place), so analysing a checkpoint tensor by tensor needs the memory
/// of the largest tensor's `Double` copy, not of the model.
///
/// Every inconsistency is a ``SafeTensorsCheckpointError``: a shard the index names but that is
/// missing, a tensor the index places in a shard whose header lacks it, a tensor stored in two
/// shards, and a shard path that leaves the index's folder (an absolute path or a `..`
/// component: an index is data, and may not make the reader open files elsewhere). Symbolic
/// links inside the folder are followed, as in the Hugging Face cache, where shards link into a
/// `blobs` folder. Tensors a shard holds but the index does not list are part of the checkpoint.
public struct SafeTensorsCheckpoint: Sendable {
  /// One tensor of a checkpoint: where it is and what it holds.
  public struct Tensor: Sendable, Equatable {
    /// The tensor's name (the key in its shard's header).
    public var name: String
    /// The element type stored in the file.
    public var dataType: SafeTensorsDataType
    /// The dimensions, outermost first.
    public var shape: [Int]
    /// The path of the shard that holds it.
    public var shard: String
    /// The position of ``shard`` in ``SafeTensorsCheckpoint/shards``.
    public var shardIndex: Int
    /// The offset of its first byte in the shard file.
    let fileOffset: Int
    /// Its bytes in the file.
    let byteCount: Int

    /// The number of elements, the product of the dimensions (1 for a scalar).
    public var count: Int {
      shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
    }

    /// The bytes of its `Double` copy, `8 · count` (saturating at `Int.max`).
    public var doubleByteCount: Int {
      let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Double>.size)
      return overflow ? .max : bytes
    }
  }

  /// The shard files, in the order their tensors are listed.
  public let shards: [String]

  /// The index file the shards were found through; `nil` for a single file or a folder without
  /// an index.
  public let index: String?

  /// Every tensor: shard by shard, in data order within a shard.
  public let tensors: [Tensor]

  /// Opens a safetensors file, an index file or a folder of shards, reading the headers only.
  ///
  /// - Parameter path: A `.safetensors` file, a `*.safetensors.index.json` file or a folder.
  /// - Throws: ``SafeTensorsCheckpointError``: a missing path, an empty folder, an unreadable or
  ///   inconsistent index, or a shard whose header is not valid (wrapped with its path).
  /// - Complexity: O(total size of the headers and the index).
  public init(contentsOf path: String) throws(SafeTensorsCheckpointError) {
    var status = stat()
    guard stat(path, &status) == 0 else {
      throw errno == EACCES ? .permissionDenied(path: path) : .notFound(path: path)
    }
    if status.st_mode & S_IFMT == S_IFDIR {
      let names = try Self.folderEntries(path)
      let indexes = names.filter { $0.hasSuffix(".safetensors.index.json") }
      let base = path.hasSuffix("/") ? path : path + "/"
      if indexes.count > 1 {
        throw .ambiguousIndex(folder: path, candidates: indexes)
      }
      if let index = indexes.first {
        self = try Self(index: base + index)
        return
      }
      let files = names.filter { $0.hasSuffix(".safetensors") }
      guard !files.isEmpty else { throw .noSafeTensorsFiles(folder: path) }
      self = try Self(shards: files.map { base + $0 }, index: nil, weightMap: [])
    } else if path.hasSuffix(".json") {
      self = try Self(index: path)
    } else {
      self = try Self(shards: [path], index: nil, weightMap: [])
    }
  }

  /// Opens the shards an index file names.
  private init(index path: String) throws(SafeTensorsCheckpointError) {
    let bytes: [UInt8]
    do {
      let file = try ReadableFile(path: path)
      defer { file.close() }
      let size = try file.regularFileSize()
      guard size <= SafeTensors.maximumHeaderLength else {
        throw SafeTensorsCheckpointError.invalidIndex(
          path: path,
          reason: "it has \(size) bytes, more than the \(SafeTensors.maximumHeaderLength) accepted")
      }
      bytes = try file.readBytes(count: size, at: 0)
    } catch let error as FileFailure {
      throw .index(
        path: path, message: error.description(expecting: "an index file"),
        cause: UnderlyingError(FileAccessError(error)))
    } catch let error as SafeTensorsCheckpointError {
      throw error
    } catch {
      throw .invalidIndex(path: path, reason: "\(error)", cause: UnderlyingError(error))
    }
    let weightMap = try Self.weightMap(bytes, path: path)
    let folder = folderName(of: path)
    var shardNames: [String] = []
    var seen = Set<String>()
    for (tensor, shard) in weightMap {
      guard !shard.isEmpty, !shard.hasPrefix("/"),
        !shard.split(separator: "/", omittingEmptySubsequences: false).contains("..")
      else { throw .shardOutsideFolder(index: path, tensor: tensor, shard: shard) }
      if seen.insert(shard).inserted { shardNames.append(shard) }
    }
    guard !shardNames.isEmpty else {
      throw .invalidIndex(path: path, reason: "its weight_map names no tensors")
    }
    let prefix = folder == "." && !path.hasPrefix("./") ? "" : folder + "/"
    for shard in shardNames {
      var status = stat()
      guard stat(prefix + shard, &status) == 0 else {
        throw .missingShard(index: path, shard: prefix + shard)
      }
    }
    self = try Self(
      shards: shardNames.map { prefix + $0 }, index: path,
      weightMap: weightMap.map { ($0.tensor, prefix + $0.shard) })
  }

  /// Reads the shards' headers and checks them against the index's weight map.
  private init(
    shards: [String], index: String?, weightMap: [(tensor: String, shard: String)]
  ) throws(SafeTensorsCheckpointError) {
    var tensors: [Tensor] = []
    var owner: [String: String] = [:]
    var headerNames: [String: Set<String>] = [:]
    for (shardIndex, shard) in shards.enumerated() {
      let header: SafeTensorsHeader
      do {
        let (file, parsed) = try SafeTensors.openHeader(shard)
        file.close()
        header = parsed
      } catch {
        throw .shard(path: shard, error: error)
      }
      var names = Set<String>()
      for entry in header.entries {
        if let other = owner[entry.name] {
          throw .duplicateTensor(tensor: entry.name, shards: [other, shard])
        }
        owner[entry.name] = shard
        names.insert(entry.name)
        tensors.append(
          Tensor(
            name: entry.name, dataType: entry.dataType, shape: entry.shape, shard: shard,
            shardIndex: shardIndex, fileOffset: header.dataOffset + entry.begin,
            byteCount: entry.end - entry.begin))
      }
      headerNames[shard] = names
    }
    for (tensor, shard) in weightMap where headerNames[shard]?.contains(tensor) != true {
      throw .tensorNotInShard(index: index ?? "", tensor: tensor, shard: shard)
    }
    self.shards = shards
    self.index = index
    self.tensors = tensors
  }

  /// The `weight_map` of an index, in the order of the file.
  private static func weightMap(
    _ bytes: [UInt8], path: String
  ) throws(SafeTensorsCheckpointError) -> [(tensor: String, shard: String)] {
    guard String(validating: bytes, as: UTF8.self) != nil else {
      throw .invalidIndex(path: path, reason: "it is not UTF-8 text")
    }
    let json: JSONValue
    do {
      json = try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in
        try JSONParser.parse(buffer)
      }
    } catch {
      throw .invalidIndex(
        path: path, reason: "it is not valid JSON: \(error.reason) at byte \(error.offset)",
        cause: UnderlyingError(error))
    }
    guard case .object(let members) = json else {
      throw .invalidIndex(path: path, reason: "it is \(json.kind), not a JSON object")
    }
    guard let map = members.first(where: { $0.name == "weight_map" })?.value else {
      throw .invalidIndex(path: path, reason: "it has no \"weight_map\"")
    }
    guard case .object(let entries) = map else {
      throw .invalidIndex(path: path, reason: "\"weight_map\" is \(map.kind), not an object")
    }
    var result: [(tensor: String, shard: String)] = []
    // The parser rejects duplicate member names, so each tensor is listed once.
    for (tensor, value) in entries {
      guard case .string(let shard) = value else {
        throw .invalidIndex(
          path: path, reason: "tensor '\(tensor)' maps to \(value.kind), not a file name")
      }
      result.append((tensor, shard))
    }
    return result
  }

  /// The names in a folder (not `.` and `..`), sorted.
  private static func folderEntries(
    _ path: String
  ) throws(SafeTensorsCheckpointError) -> [String] {
    guard let folder = opendir(path) else {
      throw errno == EACCES ? .permissionDenied(path: path) : .notFound(path: path)
    }
    defer { closedir(folder) }
    var names: [String] = []
    while let entry = readdir(folder) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }

  // MARK: Reading

  /// Reads one floating-point tensor into a `Double` matrix of shape `d₀ × (d₁·…)` (a 1-D
  /// tensor is one row, a scalar 1 × 1), row-major as stored.
  ///
  /// The `Double` matrix is the only buffer: `F64` elements are read into it, `F32`, `F16` and
  /// `BF16` elements into its upper part and widened in place from the front (element `i` is
  /// read before the `Double` written at bytes `8i..<8i+8` reaches it). Its size is checked
  /// against ``MemoryBudget`` first. The conversions are exact.
  ///
  /// - Parameter tensor: One of ``tensors``.
  /// - Returns: The elements in double precision.
  /// - Throws: ``SafeTensorsCheckpointError/notFloatingPoint(tensor:dataType:)`` for an integer
  ///   or boolean tensor, and ``SafeTensorsCheckpointError/shard(path:error:)`` wrapping
  ///   ``SafeTensorsError/unsupportedDataType(tensor:dataType:)`` (8-bit floats), a memory
  ///   error or a read error.
  /// - Complexity: O(`tensor.count`).
  public func readMatrix(_ tensor: Tensor) throws(SafeTensorsCheckpointError) -> Matrix<Double> {
    let itemSize = try Self.floatingPointSize(of: tensor)
    let (rows, columns) = SafeTensor.storedShape(tensor.shape)
    let file = try Self.open(tensor, extraBytes: 0)
    defer { file.close() }
    var failure: FileFailure?
    let dataType = tensor.dataType
    let matrix = Matrix<Double>(rows: rows, columns: columns) { output in
      let count = output.count
      guard count > 0 else { return }
      let bytes = UnsafeMutableRawBufferPointer(output)
      let start = (8 - itemSize) * count
      adviseHugePages(bytes)
      if let error = file.read(
        into: UnsafeMutableRawBufferPointer(rebasing: bytes[start..<(8 * count)]),
        at: tensor.fileOffset)
      {
        failure = error
        output.initialize(repeating: 0)
        return
      }
      switch dataType {
      case .float64:
        if 1.littleEndian != 1 {
          for i in 0..<count {
            output[i] = Double(bitPattern: UInt64(littleEndian: output[i].bitPattern))
          }
        }
      case .float32:
        for i in 0..<count {
          let bits = UInt32(
            littleEndian: bytes.loadUnaligned(fromByteOffset: start &+ 4 &* i, as: UInt32.self))
          output[i] = Double(Float(bitPattern: bits))
        }
      case .float16:
        for i in 0..<count {
          let bits = UInt16(
            littleEndian: bytes.loadUnaligned(fromByteOffset: start &+ 2 &* i, as: UInt16.self))
          output[i] = Double(Float(Float16(bitPattern: bits)))
        }
      default:  // bfloat16: the upper half of a Float's bits
        for i in 0..<count {
          let bits = UInt16(
            littleEndian: bytes.loadUnaligned(fromByteOffset: start &+ 2 &* i, as: UInt16.self))
          output[i] = Double(Float(bitPattern: UInt32(bits) << 16))
        }
      }
    }
    if let failure { throw .shard(path: tensor.shard, error: SafeTensorsError(failure)) }
    return matrix
  }

  /// Reads one floating-point tensor into the `Double` matrix of the transpose of its
  /// `d₀ × (d₁·…)` storage, `(d₁·…) × d₀`.
  ///
  /// For a tall matrix (more rows than columns) this is the layout in which RankCollapse's SVD
  /// factorises it without first making a transposed copy, so the `Double` matrix stays the
  /// only large buffer: the tensor is read in blocks of rows of at most 8 MiB and each block is
  /// widened into its columns of the result. The singular values are those of the tensor.
  ///
  /// - Parameter tensor: One of ``tensors``.
  /// - Returns: The transpose of ``readMatrix(_:)``'s result.
  /// - Throws: As ``readMatrix(_:)``.
  /// - Complexity: O(`tensor.count`).
  public func readTransposedMatrix(
    _ tensor: Tensor
  ) throws(SafeTensorsCheckpointError) -> Matrix<Double> {
    let itemSize = try Self.floatingPointSize(of: tensor)
    let (rows, columns) = SafeTensor.storedShape(tensor.shape)
    let rowBytes = Swift.max(1, columns * itemSize)
    let blockRows = Swift.max(1, Swift.min(rows, (8 << 20) / rowBytes))
    let file = try Self.open(tensor, extraBytes: blockRows * rowBytes)
    defer { file.close() }
    let buffer = UnsafeMutableRawBufferPointer.allocate(
      byteCount: blockRows * rowBytes, alignment: 8)
    defer { buffer.deallocate() }
    var failure: FileFailure?
    let dataType = tensor.dataType
    let matrix = Matrix<Double>(rows: columns, columns: rows) { output in
      guard output.count > 0 else { return }
      output.initialize(repeating: 0)
      var first = 0
      while first < rows {
        let count = Swift.min(blockRows, rows - first)
        let block = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(count * rowBytes)])
        if let error = file.read(into: block, at: tensor.fileOffset + first * rowBytes) {
          failure = error
          return
        }
        // 32 × 32 tiles: the reads of a tile stay in a few rows, the writes in a few columns.
        var r0 = 0
        while r0 < count {
          let r1 = Swift.min(r0 + 32, count)
          var c0 = 0
          while c0 < columns {
            let c1 = Swift.min(c0 + 32, columns)
            for r in r0..<r1 {
              for c in c0..<c1 {
                output[c &* rows &+ first &+ r] = Self.element(
                  block, at: r &* columns &+ c, of: dataType)
              }
            }
            c0 = c1
          }
          r0 = r1
        }
        first += count
      }
    }
    if let failure { throw .shard(path: tensor.shard, error: SafeTensorsError(failure)) }
    return matrix
  }

  /// The bytes per element of a floating-point tensor.
  private static func floatingPointSize(
    of tensor: Tensor
  ) throws(SafeTensorsCheckpointError) -> Int {
    switch tensor.dataType {
    case .float64: return 8
    case .float32: return 4
    case .float16, .bfloat16: return 2
    case .float8E4M3, .float8E5M2:
      throw .shard(
        path: tensor.shard,
        error: .unsupportedDataType(tensor: tensor.name, dataType: tensor.dataType.rawValue))
    default:
      throw .notFloatingPoint(tensor: tensor.name, dataType: tensor.dataType)
    }
  }

  /// Checks the tensor's `Double` copy plus `extraBytes` against the budget and opens its shard.
  private static func open(
    _ tensor: Tensor, extraBytes: Int
  ) throws(SafeTensorsCheckpointError) -> ReadableFile {
    let (bytes, overflow) = tensor.doubleByteCount.addingReportingOverflow(extraBytes)
    do { try MemoryBudget.check(overflow ? .max : bytes) } catch {
      throw .shard(path: tensor.shard, error: SafeTensorsError(error))
    }
    do { return try ReadableFile(path: tensor.shard) } catch {
      throw .shard(path: tensor.shard, error: SafeTensorsError(error))
    }
  }

  /// Element `index` of little-endian `dataType` data, exactly as a `Double`.
  @inline(__always)
  private static func element(
    _ bytes: UnsafeMutableRawBufferPointer, at index: Int, of dataType: SafeTensorsDataType
  ) -> Double {
    switch dataType {
    case .float64:
      return Double(
        bitPattern: UInt64(
          littleEndian: bytes.loadUnaligned(fromByteOffset: 8 &* index, as: UInt64.self)))
    case .float32:
      return Double(
        Float(
          bitPattern: UInt32(
            littleEndian: bytes.loadUnaligned(fromByteOffset: 4 &* index, as: UInt32.self))))
    case .float16:
      return Double(
        Float(
          Float16(
            bitPattern: UInt16(
              littleEndian: bytes.loadUnaligned(fromByteOffset: 2 &* index, as: UInt16.self)))))
    default:
      let bits = UInt16(
        littleEndian: bytes.loadUnaligned(fromByteOffset: 2 &* index, as: UInt16.self))
      return Double(Float(bitPattern: UInt32(bits) << 16))
    }
  }
}
