extension Matrix {
  /// The elements of one row.
  ///
  /// - Parameter index: The row, `0 ..< rows`.
  /// - Returns: The `columns` elements of that row.
  @inlinable
  public func row(_ index: Int) -> [Scalar] {
    precondition(
      index >= 0 && index < rows, "Row \(index) out of range for a \(shapeDescription) matrix")
    return Array(storage[index * columns..<(index + 1) * columns])
  }

  /// The elements of one column.
  ///
  /// - Parameter index: The column, `0 ..< columns`.
  /// - Returns: The `rows` elements of that column.
  @inlinable
  public func column(_ index: Int) -> [Scalar] {
    precondition(
      index >= 0 && index < columns, "Column \(index) out of range for a \(shapeDescription) matrix"
    )
    return withUnsafeBufferPointer { buffer in
      (0..<rows).map { buffer[$0 * columns + index] }
    }
  }

  /// Replaces one row.
  ///
  /// - Parameters:
  ///   - index: The row, `0 ..< rows`.
  ///   - values: `columns` new elements.
  @inlinable
  public mutating func setRow(_ index: Int, to values: [Scalar]) {
    precondition(
      index >= 0 && index < rows, "Row \(index) out of range for a \(shapeDescription) matrix")
    precondition(
      values.count == columns,
      "Row of \(values.count) elements does not fit a \(shapeDescription) matrix")
    storage.replaceSubrange(index * columns..<(index + 1) * columns, with: values)
  }

  /// Replaces one column.
  ///
  /// - Parameters:
  ///   - index: The column, `0 ..< columns`.
  ///   - values: `rows` new elements.
  @inlinable
  public mutating func setColumn(_ index: Int, to values: [Scalar]) {
    precondition(
      index >= 0 && index < columns, "Column \(index) out of range for a \(shapeDescription) matrix"
    )
    precondition(
      values.count == rows,
      "Column of \(values.count) elements does not fit a \(shapeDescription) matrix")
    let columns = columns
    withUnsafeMutableBufferPointer { buffer in
      for i in 0..<values.count { buffer[i * columns + index] = values[i] }
    }
  }

  /// A copy of a contiguous range of rows.
  ///
  /// - Parameter range: The rows to copy.
  /// - Returns: A `range.count × columns` matrix.
  @inlinable
  public func rows(_ range: Range<Int>) -> Matrix {
    precondition(
      range.lowerBound >= 0 && range.upperBound <= rows,
      "Rows \(range) out of range for a \(shapeDescription) matrix")
    return Matrix(
      uncheckedRows: range.count, columns: columns,
      storage: ContiguousArray(storage[range.lowerBound * columns..<range.upperBound * columns]))
  }

  /// A copy of a contiguous range of columns.
  ///
  /// - Parameter range: The columns to copy.
  /// - Returns: A `rows × range.count` matrix.
  @inlinable
  public func columns(_ range: Range<Int>) -> Matrix {
    precondition(
      range.lowerBound >= 0 && range.upperBound <= columns,
      "Columns \(range) out of range for a \(shapeDescription) matrix")
    let width = range.count
    let columns = columns
    return withUnsafeBufferPointer { input in
      Matrix(rows: rows, columns: width) { output in
        for i in 0..<rows {
          for j in 0..<width {
            output.initializeElement(
              at: i * width + j, to: input[i * columns + range.lowerBound + j])
          }
        }
      }
    }
  }

  /// A copy of the rows at the given indices, in that order (a gather; indices may repeat).
  ///
  /// - Parameter indices: Row indices, each in `0 ..< rows`.
  /// - Returns: An `indices.count × columns` matrix.
  @inlinable
  public func rows(at indices: some Collection<Int>) -> Matrix {
    let columns = columns
    let rows = rows
    return withUnsafeBufferPointer { input in
      Matrix(rows: indices.count, columns: columns) { output in
        var target = output.baseAddress
        for index in indices {
          precondition(index >= 0 && index < rows, "Row \(index) out of range for \(rows) rows")
          if columns > 0, let base = input.baseAddress {
            target?.initialize(from: base + index * columns, count: columns)
          }
          target = target.map { $0 + columns }
        }
      }
    }
  }

  /// Stacks matrices on top of each other.
  ///
  /// - Parameter parts: Matrices with equal column counts (at least one).
  @inlinable
  public init(verticallyStacking parts: [Matrix]) {
    precondition(!parts.isEmpty, "Cannot stack an empty list of matrices")
    let columns = parts[0].columns
    for part in parts {
      precondition(
        part.columns == columns,
        "Cannot stack a \(part.shapeDescription) matrix under a \(parts[0].shapeDescription) one")
    }
    var storage = ContiguousArray<Scalar>()
    storage.reserveCapacity(parts.reduce(0) { $0 + $1.count })
    for part in parts { storage.append(contentsOf: part.storage) }
    self.init(uncheckedRows: parts.reduce(0) { $0 + $1.rows }, columns: columns, storage: storage)
  }

  /// Places matrices side by side.
  ///
  /// - Parameter parts: Matrices with equal row counts (at least one).
  @inlinable
  public init(horizontallyStacking parts: [Matrix]) {
    precondition(!parts.isEmpty, "Cannot concatenate an empty list of matrices")
    let rows = parts[0].rows
    for part in parts {
      precondition(
        part.rows == rows,
        "Cannot put a \(part.shapeDescription) matrix beside a \(parts[0].shapeDescription) one")
    }
    let columns = parts.reduce(0) { $0 + $1.columns }
    self.init(rows: rows, columns: columns) { output in
      var offset = 0
      for part in parts {
        part.withUnsafeBufferPointer { input in
          for i in 0..<rows {
            for j in 0..<part.columns {
              output.initializeElement(
                at: i * columns + offset + j, to: input[i * part.columns + j])
            }
          }
        }
        offset += part.columns
      }
    }
  }

  /// The transpose.
  ///
  /// - Returns: The `columns × rows` matrix `Aᵀ`.
  /// - Complexity: O(rows × columns), in cache-sized blocks.
  @inlinable
  public func transposed() -> Matrix {
    let rows = rows
    let columns = columns
    let block = 32
    return withUnsafeBufferPointer { input in
      Matrix(rows: columns, columns: rows) { output in
        var i0 = 0
        while i0 < rows {
          let i1 = Swift.min(i0 + block, rows)
          var j0 = 0
          while j0 < columns {
            let j1 = Swift.min(j0 + block, columns)
            for i in i0..<i1 {
              for j in j0..<j1 {
                output.initializeElement(at: j * rows + i, to: input[i * columns + j])
              }
            }
            j0 = j1
          }
          i0 = i1
        }
      }
    }
  }

  /// Reinterprets the row-major elements with another shape of the same size.
  ///
  /// - Parameters:
  ///   - rows: The new number of rows.
  ///   - columns: The new number of columns.
  /// - Returns: A matrix sharing these elements in the same order.
  @inlinable
  public func reshaped(rows: Int, columns: Int) -> Matrix {
    precondition(
      rows >= 0 && columns >= 0 && rows * columns == count,
      "Cannot reshape a \(shapeDescription) matrix to \(rows)×\(columns)")
    return Matrix(uncheckedRows: rows, columns: columns, storage: storage)
  }
}
