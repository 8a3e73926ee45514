extension Matrix {
  /// A matrix of zeros.
  ///
  /// - Parameters:
  ///   - rows: The number of rows.
  ///   - columns: The number of columns.
  /// - Returns: The `rows × columns` zero matrix.
  @inlinable
  public static func zeros(rows: Int, columns: Int) -> Matrix {
    Matrix(rows: rows, columns: columns, repeating: 0)
  }

  /// A matrix of ones.
  ///
  /// - Parameters:
  ///   - rows: The number of rows.
  ///   - columns: The number of columns.
  /// - Returns: The `rows × columns` matrix of ones.
  @inlinable
  public static func ones(rows: Int, columns: Int) -> Matrix {
    Matrix(rows: rows, columns: columns, repeating: 1)
  }

  /// The identity matrix.
  ///
  /// - Parameter size: The number of rows and columns.
  /// - Returns: The `size × size` identity.
  @inlinable
  public static func identity(_ size: Int) -> Matrix {
    diagonal(Array(repeating: 1, count: size))
  }

  /// A square diagonal matrix.
  ///
  /// - Parameter values: The diagonal, top left to bottom right.
  /// - Returns: The `n × n` matrix with `values` on its diagonal, `n = values.count`.
  @inlinable
  public static func diagonal(_ values: [Scalar]) -> Matrix {
    diagonal(values, rows: values.count, columns: values.count)
  }

  /// A rectangular matrix with `values` on its main diagonal and zeros elsewhere.
  ///
  /// - Parameters:
  ///   - values: The diagonal; at most `min(rows, columns)` values.
  ///   - rows: The number of rows.
  ///   - columns: The number of columns.
  /// - Returns: The `rows × columns` matrix whose `(i, i)` element is `values[i]`.
  @inlinable
  public static func diagonal(_ values: [Scalar], rows: Int, columns: Int) -> Matrix {
    precondition(
      values.count <= Swift.min(rows, columns),
      "\(values.count) diagonal values do not fit a \(rows)×\(columns) matrix")
    var result = zeros(rows: rows, columns: columns)
    result.withUnsafeMutableBufferPointer { buffer in
      for (i, value) in values.enumerated() { buffer[i * columns + i] = value }
    }
    return result
  }

  /// Creates a matrix from an array of rows.
  ///
  /// - Parameter rows: The rows, all of the same length. An empty array gives a `0 × 0` matrix.
  @inlinable
  public init(_ rows: [[Scalar]]) {
    let columns = rows.first?.count ?? 0
    for (i, row) in rows.enumerated() {
      precondition(
        row.count == columns, "Row \(i) has \(row.count) elements, row 0 has \(columns)")
    }
    self.init(rows: rows.count, columns: columns, elements: rows.joined())
  }

  /// Creates a one-row matrix from a vector.
  ///
  /// - Parameter vector: The elements of the row.
  @inlinable
  public init(rowVector vector: [Scalar]) {
    self.init(rows: 1, columns: vector.count, elements: vector)
  }

  /// Creates a one-column matrix from a vector.
  ///
  /// - Parameter vector: The elements of the column.
  @inlinable
  public init(columnVector vector: [Scalar]) {
    self.init(rows: vector.count, columns: 1, elements: vector)
  }

  /// Creates a matrix by converting each element of a matrix of another precision.
  ///
  /// Converting `Double` to `Float` rounds to nearest; values beyond `Float`'s range become
  /// infinite.
  ///
  /// - Parameter other: The matrix to convert.
  @inlinable
  public init<Other: MatrixScalar>(_ other: Matrix<Other>) {
    self.init(rows: other.rows, columns: other.columns) { output in
      other.withUnsafeBufferPointer { input in
        for i in 0..<input.count { output.initializeElement(at: i, to: Scalar(input[i])) }
      }
    }
  }

  /// A matrix of independent normal samples.
  ///
  /// Samples come from the Box–Muller transform on uniform doubles drawn from `generator`, so the
  /// same seeded generator gives the same matrix on every platform.
  ///
  /// - Parameters:
  ///   - rows: The number of rows.
  ///   - columns: The number of columns.
  ///   - mean: The mean of every element.
  ///   - standardDeviation: The standard deviation of every element (at least 0).
  ///   - generator: The source of randomness.
  /// - Returns: A `rows × columns` matrix with elements drawn from `N(mean, standardDeviation²)`.
  @inlinable
  public static func randomNormal(
    rows: Int, columns: Int, mean: Scalar = 0, standardDeviation: Scalar = 1,
    using generator: inout some RandomNumberGenerator
  ) -> Matrix {
    precondition(standardDeviation >= 0, "standardDeviation must be ≥ 0, got \(standardDeviation)")
    var normal = NormalSampler()
    return Matrix(rows: rows, columns: columns) { buffer in
      for i in 0..<buffer.count {
        let z = normal.next(using: &generator)
        buffer.initializeElement(at: i, to: mean + standardDeviation * Scalar(z))
      }
    }
  }

  /// A matrix of independent uniform samples.
  ///
  /// - Parameters:
  ///   - rows: The number of rows.
  ///   - columns: The number of columns.
  ///   - range: The interval the elements are drawn from.
  ///   - generator: The source of randomness.
  /// - Returns: A `rows × columns` matrix with elements drawn uniformly from `range`.
  @inlinable
  public static func randomUniform(
    rows: Int, columns: Int, in range: Range<Scalar>,
    using generator: inout some RandomNumberGenerator
  ) -> Matrix where Scalar.RawSignificand: FixedWidthInteger {
    Matrix(rows: rows, columns: columns) { buffer in
      for i in 0..<buffer.count {
        buffer.initializeElement(at: i, to: Scalar.random(in: range, using: &generator))
      }
    }
  }
}
