import RankCollapseTensor

/// A scalar type `.npy` data can hold, with access to its bits for byte swapping.
protocol NumPyFloat: MatrixScalar {
  /// The unsigned integer with the same bits.
  associatedtype BitPattern: FixedWidthInteger & UnsignedInteger
  /// The bits of the value.
  var bitPattern: BitPattern { get }
  /// The value with the given bits.
  init(bitPattern: BitPattern)
}

extension Float: NumPyFloat {}
extension Double: NumPyFloat {}

extension NumPy {
  /// The side of the square tiles a Fortran-ordered array is transposed in; two 64 × 64 tiles of
  /// `Double` fit in a 64 KiB L1 cache.
  static let transposeTile = 64

  /// The bytes decoding an array allocates at once: its elements, and as many again for the
  /// temporary buffer a Fortran-ordered matrix is transposed from.
  static func decodingByteCount(_ header: NumPyHeader) -> Int {
    let payload = header.payloadByteCount
    guard needsTranspose(header) else { return payload }
    let (twice, overflow) = payload.multipliedReportingOverflow(by: 2)
    return overflow ? .max : twice
  }

  /// Checks the memory decoding an array needs against ``MemoryBudget``.
  static func checkMemory(_ header: NumPyHeader) throws(NumPyError) {
    do { try MemoryBudget.check(decodingByteCount(header)) } catch { throw NumPyError(error) }
  }

  /// Builds an array from exactly `header.payloadByteCount` bytes of data.
  ///
  /// - Throws: ``NumPyError/exceedsMemoryBudget(bytes:budget:)`` or
  ///   ``NumPyError/allocationFailed(bytes:)`` before allocating.
  static func makeArray(
    header: NumPyHeader, payload: UnsafeRawBufferPointer
  ) throws(NumPyError) -> NumPyArray {
    try checkMemory(header)
    if let format = header.dataType.integerFormat {
      return NumPyArray(
        shape: header.shape,
        storage: .integers(integerElements(format, header, fileBytes: Array(payload))))
    }
    switch header.dataType {
    case .float32:
      return NumPyArray(shape: header.shape, storage: .float32(decodeMatrix(header, payload)))
    case .float64:
      return NumPyArray(shape: header.shape, storage: .float64(decodeMatrix(header, payload)))
    default:
      preconditionFailure("integer types are handled above")
    }
  }

  /// Integer elements from the bytes as the file stores them.
  private static func integerElements(
    _ format: IntegerFormat, _ header: NumPyHeader, fileBytes: [UInt8]
  ) -> IntegerElements {
    IntegerElements(
      format: format, fileBytes: fileBytes, swapBytes: header.byteOrder != .host,
      columnMajor: header.isFortranOrder ? header.matrixShape : nil)
  }

  /// Builds an array whose data bytes are written by `fill`, with one copy at most.
  ///
  /// For C order (and for arrays whose Fortran order is the same as C order) `fill` writes
  /// directly into the result's storage, which is then byte-swapped in place if needed; for a
  /// Fortran-ordered matrix it writes into a temporary buffer that is transposed into the result.
  ///
  /// - Parameters:
  ///   - header: The validated header.
  ///   - fill: Writes exactly `header.payloadByteCount` bytes into the buffer it is given, or
  ///     returns the error that stopped it.
  /// - Returns: The array.
  /// - Throws: The error `fill` returned, or a memory case of ``NumPyError`` before allocating.
  static func makeArray(
    header: NumPyHeader, fill: (UnsafeMutableRawBufferPointer) -> NumPyError?
  ) throws(NumPyError) -> NumPyArray {
    try checkMemory(header)
    if let format = header.dataType.integerFormat {
      var bytes = [UInt8](repeating: 0, count: header.payloadByteCount)
      if let failure = bytes.withUnsafeMutableBytes({ fill($0) }) { throw failure }
      return NumPyArray(
        shape: header.shape, storage: .integers(integerElements(format, header, fileBytes: bytes)))
    }
    switch header.dataType {
    case .float32:
      let matrix: Matrix<Float> = try readMatrix(header, fill: fill)
      return NumPyArray(shape: header.shape, storage: .float32(matrix))
    case .float64:
      let matrix: Matrix<Double> = try readMatrix(header, fill: fill)
      return NumPyArray(shape: header.shape, storage: .float64(matrix))
    default:
      preconditionFailure("integer types are handled above")
    }
  }

  /// Whether the data is stored column by column in a way that differs from row-major order.
  static func needsTranspose(_ header: NumPyHeader) -> Bool {
    let (rows, columns) = header.matrixShape
    return header.isFortranOrder && rows > 1 && columns > 1
  }

  private static func decodeMatrix<T: NumPyFloat>(
    _ header: NumPyHeader, _ payload: UnsafeRawBufferPointer
  ) -> Matrix<T> {
    let (rows, columns) = header.matrixShape
    let swap = header.byteOrder != .host
    return Matrix(rows: rows, columns: columns) { output in
      if needsTranspose(header) {
        transpose(payload, into: output, rows: rows, columns: columns, swap: swap)
      } else if swap {
        copySwapped(payload, into: output)
      } else {
        UnsafeMutableRawBufferPointer(output).copyMemory(from: payload)
      }
    }
  }

  private static func readMatrix<T: NumPyFloat>(
    _ header: NumPyHeader, fill: (UnsafeMutableRawBufferPointer) -> NumPyError?
  ) throws(NumPyError) -> Matrix<T> {
    if needsTranspose(header) {
      let bytes = header.payloadByteCount
      let temporary = UnsafeMutableRawBufferPointer.allocate(
        byteCount: bytes, alignment: MemoryLayout<T>.alignment)
      defer { temporary.deallocate() }
      if let failure = fill(temporary) { throw failure }
      return decodeMatrix(header, UnsafeRawBufferPointer(temporary))
    }
    let (rows, columns) = header.matrixShape
    var failure: NumPyError?
    let matrix = Matrix<T>(rows: rows, columns: columns) { output in
      let raw = UnsafeMutableRawBufferPointer(output)
      adviseHugePages(raw)
      failure = fill(raw)
      if failure != nil {
        output.initialize(repeating: 0)  // leave no uninitialised elements behind
      } else if header.byteOrder != .host {
        swapInPlace(output)
      }
    }
    if let failure { throw failure }
    return matrix
  }

  /// Copies elements from raw bytes of the other byte order, swapping each one.
  private static func copySwapped<T: NumPyFloat>(
    _ source: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<T>
  ) {
    guard let base = source.baseAddress else { return }
    let size = MemoryLayout<T>.size
    for i in 0..<output.count {
      let bits = base.loadUnaligned(fromByteOffset: i &* size, as: T.BitPattern.self)
      output.initializeElement(at: i, to: T(bitPattern: bits.byteSwapped))
    }
  }

  /// Swaps the bytes of every element in place.
  private static func swapInPlace<T: NumPyFloat>(_ buffer: UnsafeMutableBufferPointer<T>) {
    buffer.withMemoryRebound(to: T.BitPattern.self) { bits in
      for i in 0..<bits.count { bits[i] = bits[i].byteSwapped }
    }
  }

  /// Transposes a column-major `rows × columns` array of raw elements (element `(i, j)` at index
  /// `j * rows + i`) into row-major order, tile by tile, swapping bytes if asked.
  private static func transpose<T: NumPyFloat>(
    _ source: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<T>,
    rows: Int, columns: Int, swap: Bool
  ) {
    guard let base = source.baseAddress else { return }
    let size = MemoryLayout<T>.size
    let tile = transposeTile
    var i0 = 0
    while i0 < rows {
      let i1 = min(i0 + tile, rows)
      var j0 = 0
      while j0 < columns {
        let j1 = min(j0 + tile, columns)
        for i in i0..<i1 {
          for j in j0..<j1 {
            var bits = base.loadUnaligned(
              fromByteOffset: (j &* rows &+ i) &* size, as: T.BitPattern.self)
            if swap { bits = bits.byteSwapped }
            output.initializeElement(at: i &* columns &+ j, to: T(bitPattern: bits))
          }
        }
        j0 = j1
      }
      i0 = i1
    }
  }

  /// Calls `body` with the array's elements as little-endian bytes in C order: the stored
  /// elements themselves on a little-endian machine, a swapped copy otherwise.
  static func withLittleEndianPayload<R, E: Error>(
    of array: NumPyArray, _ body: (UnsafeRawBufferPointer) throws(E) -> R
  ) throws(E) -> R {
    switch array.storage {
    case .float32(let matrix): try withLittleEndianPayload(of: matrix, body)
    case .float64(let matrix): try withLittleEndianPayload(of: matrix, body)
    case .integers(let elements):
      try elements.littleEndianBytes.withUnsafeBytes { bytes in
        Result { () throws(E) in try body(bytes) }
      }.get()
    }
  }

  /// Calls `body` with a matrix's elements as little-endian bytes.
  private static func withLittleEndianPayload<T: NumPyFloat, R, E: Error>(
    of matrix: Matrix<T>, _ body: (UnsafeRawBufferPointer) throws(E) -> R
  ) throws(E) -> R {
    let result: Result<R, E>
    if NumPyHeader.ByteOrder.host == .little {
      result = matrix.withUnsafeBufferPointer { elements in
        Result { () throws(E) in try body(UnsafeRawBufferPointer(elements)) }
      }
    } else {
      let swapped = Matrix<T>(rows: matrix.rows, columns: matrix.columns) { output in
        matrix.withUnsafeBufferPointer { elements in
          copySwapped(UnsafeRawBufferPointer(elements), into: output)
        }
      }
      result = swapped.withUnsafeBufferPointer { elements in
        Result { () throws(E) in try body(UnsafeRawBufferPointer(elements)) }
      }
    }
    return try result.get()
  }
}
