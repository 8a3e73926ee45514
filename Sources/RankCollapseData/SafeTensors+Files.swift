extension SafeTensors {
  /// Reads a safetensors file.
  ///
  /// The header length is checked against the file size, the header read and validated (see
  /// ``SafeTensors``), and then each included tensor's data is read straight into its storage
  /// with positioned reads (`F32` and `F64` without any intermediate copy), so a file is read
  /// once and tensors that are not included are not read at all.
  ///
  /// - Parameters:
  ///   - path: The path of the file.
  ///   - including: Decides by name which tensors to read; the others are validated but not
  ///     read, and do not appear in the result. By default every tensor is read.
  /// - Returns: The tensors in data order, and the metadata.
  /// - Throws: A file-system case of ``SafeTensorsError`` when the file cannot be read, and a
  ///   format case when its contents are not a safetensors file RankCollapse reads.
  /// - Complexity: O(file size).
  public static func read(
    contentsOf path: String, including: (String) -> Bool = { _ in true }
  ) throws(SafeTensorsError) -> SafeTensorsFile {
    let (file, header) = try openHeader(path)
    defer { file.close() }
    var result = SafeTensorsFile(metadata: header.metadata)
    let entries = header.entries.filter { including($0.name) }
    try checkMemory(entries)
    result.reserveCapacity(entries.count)
    if let run = smallTensorRun(entries) {
      // Many small tensors side by side: one read for all of them, not one per tensor.
      let buffer: UnsafeMutableRawBufferPointer
      do { buffer = try MemoryBudget.allocate(byteCount: run.count) } catch {
        throw SafeTensorsError(error)
      }
      defer { MemoryBudget.deallocate(buffer) }
      if let failure = file.read(into: buffer, at: header.dataOffset + run.lowerBound) {
        throw SafeTensorsError(failure)
      }
      for entry in entries {
        let start = entry.begin - run.lowerBound
        let source = UnsafeRawBufferPointer(
          rebasing: buffer[start..<(start + entry.end - entry.begin)])
        result.append(
          try makeTensor(entry) { destination in
            destination.copyMemory(from: source)
            return nil
          })
      }
      return result
    }
    for entry in entries {
      result.append(
        try makeTensor(entry) { destination in
          file.read(into: destination, at: header.dataOffset + entry.begin)
        })
    }
    return result
  }

  /// The data range of `entries` (in data order) when they are many small tensors with nothing
  /// else between them, which one read serves better than a read per tensor; `nil` otherwise.
  private static func smallTensorRun(_ entries: [SafeTensorsHeader.Entry]) -> Range<Int>? {
    guard entries.count >= 64, let first = entries.first, let last = entries.last else {
      return nil
    }
    let span = last.end - first.begin
    let total = entries.reduce(0) { $0 + ($1.end - $1.begin) }
    guard total == span, span <= 16 << 20, span / entries.count <= 4096 else { return nil }
    return first.begin..<last.end
  }

  /// The name, type and shape of every tensor in a safetensors file, in data order, without
  /// reading any tensor data.
  ///
  /// Only the 8-byte length and the header are read, and the header is validated as
  /// ``read(contentsOf:including:)`` validates it (offsets and sizes against the file size), so a
  /// tool can decide what to read (say, the 2-D floating-point tensors) before reading it.
  ///
  /// - Parameter path: The path of the file.
  /// - Returns: One ``SafeTensorInfo`` per tensor, in data order.
  /// - Throws: A ``SafeTensorsError``, as ``read(contentsOf:including:)`` throws.
  /// - Complexity: O(header size).
  public static func tensorInfo(contentsOf path: String) throws(SafeTensorsError)
    -> [SafeTensorInfo]
  {
    let (file, header) = try openHeader(path)
    file.close()
    return header.entries.map {
      SafeTensorInfo(name: $0.name, dataType: $0.dataType, shape: $0.shape)
    }
  }

  /// Opens a file and reads and validates its header; the caller closes the file.
  static func openHeader(
    _ path: String
  ) throws(SafeTensorsError) -> (ReadableFile, SafeTensorsHeader) {
    let file: ReadableFile
    do { file = try ReadableFile(path: path) } catch { throw SafeTensorsError(error) }
    do throws(SafeTensorsError) {
      return (file, try readHeader(file))
    } catch {
      file.close()
      throw error
    }
  }

  private static func readHeader(_ file: ReadableFile) throws(SafeTensorsError) -> SafeTensorsHeader
  {
    let size: Int
    let prefix: [UInt8]
    do throws(FileFailure) {
      size = try file.regularFileSize()
      prefix = try file.readBytes(count: min(size, 8), at: 0)
    } catch {
      throw SafeTensorsError(error)
    }
    let length = try prefix.withUnsafeBufferPointer { buffer throws(SafeTensorsError) in
      try SafeTensorsHeader.headerLength(prefix: UnsafeRawBufferPointer(buffer), fileSize: size)
    }
    let text: [UInt8]
    do throws(FileFailure) {
      text = try file.readBytes(count: length, at: 8)
    } catch {
      throw SafeTensorsError(error)
    }
    return try text.withUnsafeBufferPointer { buffer throws(SafeTensorsError) in
      try SafeTensorsHeader.parse(buffer, fileSize: size)
    }
  }

  /// Writes tensors and metadata to a safetensors file, atomically.
  ///
  /// The bytes of ``encode(_:)`` are written to a new hidden file beside `path` (the tensors
  /// streamed from their storage, not gathered into one buffer), flushed to disk, and renamed
  /// over `path`, so `path` always holds either its old contents or the complete new file; on
  /// failure the temporary file is removed. Training checkpoints can use it safely.
  ///
  /// - Parameters:
  ///   - file: The tensors and metadata.
  ///   - path: The path of the file to create or replace.
  /// - Throws: ``SafeTensorsError/isDirectory(path:)``, ``SafeTensorsError/fileNotFound(path:)``,
  ///   ``SafeTensorsError/permissionDenied(path:)`` or ``SafeTensorsError/io(path:operation:message:)``.
  /// - Complexity: O(total size of the tensors).
  public static func write(_ file: SafeTensorsFile, to path: String) throws(SafeTensorsError) {
    let header = SafeTensorsHeader.encode(file)
    try writeAtomically(to: path, wrap: SafeTensorsError.init) { output throws(SafeTensorsError) in
      do throws(FileFailure) {
        try output.write(header)
        for tensor in file.tensors {
          try withLittleEndianBytes(of: tensor) { bytes throws(FileFailure) in
            try output.write(bytes)
          }
        }
      } catch {
        throw SafeTensorsError(error)
      }
    }
  }
}
