import RankCollapseTensor

extension NumPy {
  /// Reads a floating-point 2-D `.npy` file straight into a `Double` matrix.
  ///
  /// No other copy of the data is held: a `float32` payload is read into the upper half of the result's storage
  /// and widened in place, front to back (element `i` is read before the `Double` written at
  /// bytes `8i..<8i+8` can reach it). The peak memory is the result itself, where
  /// ``read(contentsOf:)`` followed by `matrix(as: Double.self)` holds the `float32` array and
  /// the `Double` matrix at once (3 times the file size instead of 2).
  ///
  /// A Fortran-ordered file is returned as stored, that is as the transpose of the array, with
  /// `isTransposed` set: callers that need only transpose-invariant quantities (singular values)
  /// skip the transposition, and the others transpose.
  ///
  /// - Parameter path: The path of the file.
  /// - Returns: The matrix (or its transpose), the file's element type, and whether the matrix is
  ///   the transpose of the array; `nil` when the file holds something else than a 2-D
  ///   `float32` or `float64` array (read it with ``read(contentsOf:)``).
  /// - Throws: As ``read(contentsOf:)``.
  /// - Complexity: O(file size).
  public static func readWidenedMatrix(
    contentsOf path: String
  ) throws(NumPyError) -> (matrix: Matrix<Double>, dataType: NumPyDataType, isTransposed: Bool)? {
    let (file, size, preamble, header) = try openFile(path, anyDimensions: true)
    defer { file.close() }
    guard header.shape.count == 2, header.dataType == .float32 || header.dataType == .float64
    else { return nil }
    try header.checkPayload(availableBytes: size - preamble.dataOffset)
    let (rows, columns) = header.matrixShape
    // The Double matrix is the only buffer: it is what the memory budget must allow.
    let (elements, tooMany) = rows.multipliedReportingOverflow(by: columns)
    let (bytes, tooLarge) = elements.multipliedReportingOverflow(by: MemoryLayout<Double>.size)
    do { try MemoryBudget.check(tooMany || tooLarge ? .max : bytes) } catch {
      throw NumPyError(error)
    }
    // A Fortran-ordered matrix is the row-major storage of its transpose.
    let transposed = header.isFortranOrder && rows > 1 && columns > 1
    let swap = header.byteOrder != .host
    let isSingle = header.dataType == .float32
    var failure: NumPyError?
    let matrix = Matrix<Double>(
      rows: transposed ? columns : rows, columns: transposed ? rows : columns
    ) { output in
      let bytes = UnsafeMutableRawBufferPointer(output)
      let count = output.count
      guard count > 0 else { return }
      // float32: the payload fills the upper half; float64: the whole buffer.
      let payloadOffset = isSingle ? 4 * count : 0
      let destination = UnsafeMutableRawBufferPointer(
        rebasing: bytes[payloadOffset..<payloadOffset + header.payloadByteCount])
      if let error = file.read(into: destination, at: preamble.dataOffset) {
        failure = NumPyError(error)
        output.initialize(repeating: 0)
        return
      }
      if isSingle {
        for index in 0..<count {
          var bits = bytes.loadUnaligned(fromByteOffset: payloadOffset + 4 * index, as: UInt32.self)
          if swap { bits = bits.byteSwapped }
          output[index] = Double(Float(bitPattern: bits))
        }
      } else if swap {
        for index in 0..<count {
          output[index] = Double(bitPattern: output[index].bitPattern.byteSwapped)
        }
      }
    }
    if let failure { throw failure }
    return (matrix, header.dataType, transposed)
  }

  /// Opens a `.npy` file and reads its preamble and header, checking the file's size first.
  ///
  /// - Parameters:
  ///   - path: The file.
  ///   - anyDimensions: Accept a shape of any number of dimensions (not only one or two).
  /// - Returns: The open file (the caller closes it), its size, the preamble and the header.
  /// - Throws: As ``read(contentsOf:)``; the file is closed on failure.
  static func openFile(
    _ path: String, anyDimensions: Bool = false
  ) throws(NumPyError) -> (
    file: ReadableFile, size: Int, preamble: NumPyPreamble, header: NumPyHeader
  ) {
    let file: ReadableFile
    do { file = try ReadableFile(path: path) } catch { throw NumPyError(error) }
    do throws(NumPyError) {
      let size: Int
      do { size = try file.regularFileSize() } catch { throw NumPyError(error) }
      var prefix = [UInt8](repeating: 0, count: min(size, NumPyPreamble.maximumLength))
      if let failure = prefix.withUnsafeMutableBytes({ file.read(into: $0, at: 0) }) {
        throw NumPyError(failure)
      }
      let preamble = try prefix.withUnsafeBufferPointer { buffer throws(NumPyError) in
        try NumPyPreamble.parse(prefix: UnsafeRawBufferPointer(buffer), fileSize: size)
      }
      var headerBytes = [UInt8](repeating: 0, count: preamble.headerLength)
      if let failure = headerBytes.withUnsafeMutableBytes({
        file.read(into: $0, at: preamble.headerOffset)
      }) {
        throw NumPyError(failure)
      }
      let header = try headerBytes.withUnsafeBufferPointer { buffer throws(NumPyError) in
        try NumPyHeader.parse(
          buffer, majorVersion: preamble.majorVersion, anyDimensions: anyDimensions)
      }
      return (file, size, preamble, header)
    } catch {
      file.close()
      throw error
    }
  }
}
