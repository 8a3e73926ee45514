extension Matrix {
  /// A new matrix with `transform` applied to every element.
  ///
  /// Allocates the result once and runs a loop without bounds checks; with a closure literal the
  /// call is specialised and inlined in the caller's module.
  ///
  /// ```swift
  /// let activated = z.map { .tanh($0) }
  /// ```
  ///
  /// - Parameter transform: The function to apply.
  /// - Returns: A matrix of the same shape.
  @inlinable
  public func map(_ transform: (Scalar) throws -> Scalar) rethrows -> Matrix {
    try withUnsafeBufferPointer { input in
      try Matrix(rows: rows, columns: columns) { output in
        for i in 0..<input.count { output.initializeElement(at: i, to: try transform(input[i])) }
      }
    }
  }

  /// Applies `transform` to every element in place (no allocation when the storage is unique).
  ///
  /// - Parameter transform: The function to apply.
  @inlinable
  public mutating func apply(_ transform: (Scalar) throws -> Scalar) rethrows {
    try withUnsafeMutableBufferPointer { buffer in
      for i in 0..<buffer.count { buffer[i] = try transform(buffer[i]) }
    }
  }

  /// A new matrix combining the elements of two matrices of equal shape.
  ///
  /// - Parameters:
  ///   - other: A matrix of the same shape.
  ///   - combine: The function of `(self[i, j], other[i, j])`.
  /// - Returns: A matrix of the same shape.
  @inlinable
  public func zipMap(_ other: Matrix, _ combine: (Scalar, Scalar) throws -> Scalar) rethrows
    -> Matrix
  {
    precondition(
      rows == other.rows && columns == other.columns,
      "Elementwise operation on a \(shapeDescription) and a \(other.shapeDescription) matrix")
    return try withUnsafeBufferPointer { lhs in
      try other.withUnsafeBufferPointer { rhs in
        try Matrix(rows: rows, columns: columns) { output in
          for i in 0..<lhs.count {
            output.initializeElement(at: i, to: try combine(lhs[i], rhs[i]))
          }
        }
      }
    }
  }

  /// Combines `other` into `self` element by element, in place.
  ///
  /// - Parameters:
  ///   - other: A matrix of the same shape.
  ///   - combine: The new value of `self[i, j]` from `(self[i, j], other[i, j])`.
  @inlinable
  public mutating func formZip(_ other: Matrix, _ combine: (Scalar, Scalar) throws -> Scalar)
    rethrows
  {
    precondition(
      rows == other.rows && columns == other.columns,
      "Elementwise operation on a \(shapeDescription) and a \(other.shapeDescription) matrix")
    try other.withUnsafeBufferPointer { rhs in
      try withUnsafeMutableBufferPointer { lhs in
        for i in 0..<lhs.count { lhs[i] = try combine(lhs[i], rhs[i]) }
      }
    }
  }

  /// The elementwise (Hadamard) product.
  ///
  /// - Parameter other: A matrix of the same shape.
  /// - Returns: `self ⊙ other`.
  @inlinable
  public func hadamard(_ other: Matrix) -> Matrix { zipMap(other, *) }

  /// Adds a row vector to every row (broadcasting), in place: `Z ← Z + 1 bᵀ`.
  ///
  /// - Parameter vector: `columns` values; element `j` is added to column `j`.
  @inlinable
  public mutating func addRowVector(_ vector: [Scalar]) {
    precondition(
      vector.count == columns,
      "Cannot broadcast a row of \(vector.count) elements over a \(shapeDescription) matrix")
    let rows = rows
    let columns = columns
    vector.withUnsafeBufferPointer { v in
      withUnsafeMutableBufferPointer { buffer in
        for i in 0..<rows {
          let base = i * columns
          for j in 0..<columns { buffer[base + j] += v[j] }
        }
      }
    }
  }

  /// A copy with a row vector added to every row (broadcasting): `Z + 1 bᵀ`.
  ///
  /// - Parameter vector: `columns` values; element `j` is added to column `j`.
  /// - Returns: A matrix of the same shape.
  @inlinable
  public func addingRowVector(_ vector: [Scalar]) -> Matrix {
    var result = self
    result.addRowVector(vector)
    return result
  }

  /// The sum of each row.
  ///
  /// - Returns: `rows` values.
  @inlinable
  public func rowSums() -> [Scalar] {
    let columns = columns
    return withUnsafeBufferPointer { buffer in
      (0..<rows).map { i in
        var sum: Scalar = 0
        for j in 0..<columns { sum += buffer[i * columns + j] }
        return sum
      }
    }
  }

  /// The sum of each column.
  ///
  /// - Returns: `columns` values.
  @inlinable
  public func columnSums() -> [Scalar] {
    let columns = columns
    var sums = [Scalar](repeating: 0, count: columns)
    withUnsafeBufferPointer { buffer in
      sums.withUnsafeMutableBufferPointer { s in
        for i in 0..<rows {
          let base = i * columns
          for j in 0..<columns { s[j] += buffer[base + j] }
        }
      }
    }
    return sums
  }

  /// The mean of each row (0 for a matrix without columns).
  ///
  /// - Returns: `rows` values.
  @inlinable
  public func rowMeans() -> [Scalar] {
    let scale: Scalar = columns > 0 ? 1 / Scalar(columns) : 0
    return rowSums().map { $0 * scale }
  }

  /// The mean of each column: the mean sample when rows are samples (0 without rows).
  ///
  /// - Returns: `columns` values.
  @inlinable
  public func columnMeans() -> [Scalar] {
    let scale: Scalar = rows > 0 ? 1 / Scalar(rows) : 0
    return columnSums().map { $0 * scale }
  }

  /// The sum of all elements.
  @inlinable
  public var sum: Scalar {
    withUnsafeBufferPointer { buffer in
      var total: Scalar = 0
      for value in buffer { total += value }
      return total
    }
  }

  /// The Frobenius norm `‖A‖_F = sqrt(Σ a_ij²)`, computed without overflow (BLAS `?nrm2`).
  @inlinable
  public var frobeniusNorm: Scalar {
    withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
      return Scalar.blasNorm2(count: buffer.count, base)
    }
  }

  /// The largest absolute value of an element (0 for an empty matrix; `NaN` if any element is).
  @inlinable
  public var maxAbsoluteValue: Scalar {
    withUnsafeBufferPointer { buffer in
      var result: Scalar = 0
      for value in buffer {
        if value.isNaN { return .nan }
        result = Swift.max(result, Swift.abs(value))
      }
      return result
    }
  }

  /// Whether every element is finite (neither infinite nor `NaN`).
  @inlinable
  public var isFinite: Bool {
    withUnsafeBufferPointer { buffer in
      // `x − x` is 0 exactly when x is finite. OR-ing the comparisons into an integer keeps the
      // loop branch-free and lets the compiler vectorise it (a floating-point sum would not be).
      var bad: UInt8 = 0
      for value in buffer { bad |= value - value == 0 ? 0 : 1 }
      return bad == 0
    }
  }

  /// Elementwise sum.
  ///
  /// - Parameters:
  ///   - lhs: A matrix.
  ///   - rhs: A matrix of the same shape.
  /// - Returns: `lhs + rhs`.
  @inlinable
  public static func + (lhs: Matrix, rhs: Matrix) -> Matrix { lhs.zipMap(rhs, +) }

  /// Elementwise difference.
  ///
  /// - Parameters:
  ///   - lhs: A matrix.
  ///   - rhs: A matrix of the same shape.
  /// - Returns: `lhs − rhs`.
  @inlinable
  public static func - (lhs: Matrix, rhs: Matrix) -> Matrix { lhs.zipMap(rhs, -) }

  /// Adds a matrix in place.
  ///
  /// - Parameters:
  ///   - lhs: The matrix to change.
  ///   - rhs: A matrix of the same shape.
  @inlinable
  public static func += (lhs: inout Matrix, rhs: Matrix) { lhs.formZip(rhs, +) }

  /// Subtracts a matrix in place.
  ///
  /// - Parameters:
  ///   - lhs: The matrix to change.
  ///   - rhs: A matrix of the same shape.
  @inlinable
  public static func -= (lhs: inout Matrix, rhs: Matrix) { lhs.formZip(rhs, -) }

  /// Multiplies every element by a scalar.
  ///
  /// - Parameters:
  ///   - lhs: A scalar.
  ///   - rhs: A matrix.
  /// - Returns: `lhs · rhs`.
  @inlinable
  public static func * (lhs: Scalar, rhs: Matrix) -> Matrix { rhs.map { lhs * $0 } }

  /// Multiplies every element by a scalar.
  ///
  /// - Parameters:
  ///   - lhs: A matrix.
  ///   - rhs: A scalar.
  /// - Returns: `rhs · lhs`.
  @inlinable
  public static func * (lhs: Matrix, rhs: Scalar) -> Matrix { lhs.map { $0 * rhs } }

  /// Multiplies every element by a scalar in place.
  ///
  /// - Parameters:
  ///   - lhs: The matrix to change.
  ///   - rhs: A scalar.
  @inlinable
  public static func *= (lhs: inout Matrix, rhs: Scalar) { lhs.apply { $0 * rhs } }

  /// Negates every element.
  ///
  /// - Parameter operand: A matrix.
  /// - Returns: `−operand`.
  @inlinable
  public static prefix func - (operand: Matrix) -> Matrix { operand.map { -$0 } }
}
