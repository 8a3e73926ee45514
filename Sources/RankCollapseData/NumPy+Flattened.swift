import RankCollapseTensor

extension NumPy {
  /// The element type and shape of the array in a `.npy` file, from its header, for any number
  /// of dimensions (the data is not read).
  ///
  /// ``read(contentsOf:)`` decodes one- and two-dimensional arrays only; this tells a caller
  /// what else a file holds (a convolution kernel, say) so that it can read it with
  /// ``readFlattened(contentsOf:)`` or skip it.
  ///
  /// - Parameter path: The path of the file.
  /// - Returns: The description, named `path`.
  /// - Throws: As ``read(contentsOf:)``, except that no shape is refused for its number of
  ///   dimensions.
  public static func arrayInfo(contentsOf path: String) throws(NumPyError) -> NumPyArrayInfo {
    let (file, size, preamble, header) = try openFile(path, anyDimensions: true)
    defer { file.close() }
    try header.checkPayload(availableBytes: size - preamble.dataOffset)
    return NumPyArrayInfo(name: path, dataType: header.dataType, shape: header.shape)
  }

  /// Reads a floating-point `.npy` array of any number of dimensions as the `Double` matrix of
  /// its C-order elements with the first index as the row: shape `(d₀, d₁, …, d_k)` gives a
  /// `d₀ × (d₁·…·d_k)` matrix whose row `i` holds `a[i, …]` in C order (NumPy's
  /// `a.reshape(a.shape[0], -1)`); a 1-D array of length `n` gives a `1 × n` matrix.
  ///
  /// A Fortran-ordered file is permuted into C order, a big-endian one byte-swapped; `float32`
  /// values widen exactly. The data is read into a temporary buffer of the file's payload size
  /// and widened from it.
  ///
  /// - Parameter path: The path of the file.
  /// - Returns: The array's shape and the matrix; `nil` when the array is not `float32` or
  ///   `float64`, or has no dimensions (a scalar).
  /// - Throws: As ``read(contentsOf:)``, except that no shape is refused for its number of
  ///   dimensions; ``NumPyError/exceedsMemoryBudget(bytes:budget:)`` before allocating.
  /// - Complexity: O(file size).
  public static func readFlattened(
    contentsOf path: String
  ) throws(NumPyError) -> (shape: [Int], matrix: Matrix<Double>)? {
    let (file, size, preamble, header) = try openFile(path, anyDimensions: true)
    defer { file.close() }
    guard header.dataType.isFloatingPoint, !header.shape.isEmpty else { return nil }
    try header.checkPayload(availableBytes: size - preamble.dataOffset)
    let matrix = try flattenedMatrix(header) { destination in
      file.read(into: destination, at: preamble.dataOffset).map(NumPyError.init)
    }
    return (header.shape, matrix)
  }

  /// The `d₀ × (d₁·…)` `Double` matrix of a floating-point array whose payload `fill` writes.
  ///
  /// - Parameters:
  ///   - header: A validated header of a `float32` or `float64` array with at least one
  ///     dimension.
  ///   - fill: Writes exactly `header.payloadByteCount` bytes, or returns the error that stopped
  ///     it.
  /// - Returns: The matrix.
  /// - Throws: The error of `fill`, or a memory case of ``NumPyError`` before allocating.
  static func flattenedMatrix(
    _ header: NumPyHeader, fill: (UnsafeMutableRawBufferPointer) -> NumPyError?
  ) throws(NumPyError) -> Matrix<Double> {
    let shape = header.shape
    let rows = shape.count >= 2 ? shape[0] : 1
    let count = shape.reduce(1, *)  // checkPayload ensured that the product fits
    let columns = rows == 0 ? shape.dropFirst().reduce(1, *) : count / rows
    let payload = header.payloadByteCount
    let (widened, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Double>.size)
    let (total, tooLarge) = widened.addingReportingOverflow(payload)
    do { try MemoryBudget.check(overflow || tooLarge ? .max : total) } catch {
      throw NumPyError(error)
    }
    let temporary = UnsafeMutableRawBufferPointer.allocate(
      byteCount: Swift.max(payload, 1), alignment: 8)
    defer { temporary.deallocate() }
    if let failure = fill(UnsafeMutableRawBufferPointer(rebasing: temporary[0..<payload])) {
      throw failure
    }
    let source = UnsafeRawBufferPointer(temporary)
    let swap = header.byteOrder != .host
    let single = header.dataType == .float32
    func element(_ index: Int) -> Double {
      if single {
        var bits = source.loadUnaligned(fromByteOffset: 4 &* index, as: UInt32.self)
        if swap { bits = bits.byteSwapped }
        return Double(Float(bitPattern: bits))
      }
      var bits = source.loadUnaligned(fromByteOffset: 8 &* index, as: UInt64.self)
      if swap { bits = bits.byteSwapped }
      return Double(bitPattern: bits)
    }
    let permuted = header.isFortranOrder && shape.filter { $0 > 1 }.count > 1
    return Matrix<Double>(rows: rows, columns: columns) { output in
      guard permuted else {
        for index in 0..<count { output.initializeElement(at: index, to: element(index)) }
        return
      }
      // C-order position `index` has multi-index `digits` (last axis fastest); its Fortran
      // offset is Σ digits[k]·stride[k] with stride[k] = d₀·…·d_{k−1}.
      var strides = [Int](repeating: 1, count: shape.count)
      for axis in shape.indices.dropFirst() { strides[axis] = strides[axis - 1] * shape[axis - 1] }
      var digits = [Int](repeating: 0, count: shape.count)
      var offset = 0
      for index in 0..<count {
        output.initializeElement(at: index, to: element(offset))
        var axis = shape.count - 1
        while axis >= 0 {
          digits[axis] += 1
          offset += strides[axis]
          if digits[axis] < shape[axis] { break }
          offset -= digits[axis] * strides[axis]
          digits[axis] = 0
          axis -= 1
        }
      }
    }
  }
}
