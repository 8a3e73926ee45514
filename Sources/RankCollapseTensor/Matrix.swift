/// A dense two-dimensional array of `Float` or `Double`, stored in **row-major** order.
///
/// `Matrix` is a copy-on-write value type: copies are cheap until one of them is mutated, and a
/// uniquely referenced matrix is mutated in place. Its elements sit in one contiguous buffer that is
/// handed directly to BLAS and LAPACK.
///
/// ## Storage order
///
/// Element `(i, j)` is stored at offset `i * columns + j`, the layout of a C-ordered NumPy array.
/// It is the one order used everywhere in RankCollapse. Data sets hold **one sample per row**
/// (`N × d`); a dense layer's weight `W_l` has shape `d_l × d_{l-1}`, as in the paper, so a layer
/// computes `Z_l = σ(Z_{l-1} W_lᵀ + b_lᵀ)`.
///
/// ## Errors
///
/// Shape mismatches between operands are programmer errors and stop the program with a
/// `precondition` failure whose message names both shapes. LAPACK failures (a singular system, a
/// matrix that is not positive definite, no convergence) are thrown as ``LinearAlgebraError``.
@frozen
public struct Matrix<Scalar: MatrixScalar>: Sendable {
  /// The elements in row-major order.
  @usableFromInline
  internal var storage: ContiguousArray<Scalar>

  /// The number of rows.
  public let rows: Int

  /// The number of columns.
  public let columns: Int

  /// Creates a matrix from its row-major storage without checking anything.
  @inlinable
  internal init(uncheckedRows rows: Int, columns: Int, storage: ContiguousArray<Scalar>) {
    self.rows = rows
    self.columns = columns
    self.storage = storage
  }

  /// Creates a matrix whose elements `initializer` writes into uninitialised row-major storage.
  ///
  /// The closure must initialise all `rows * columns` elements.
  ///
  /// This is the allocation-free building block of every operation that returns a new matrix: it
  /// allocates the result once and never zero-fills it.
  ///
  /// - Parameters:
  ///   - rows: The number of rows (at least 0).
  ///   - columns: The number of columns (at least 0).
  ///   - initializer: Writes every element of the buffer it is given.
  @inlinable
  public init(
    rows: Int, columns: Int,
    unsafeUninitializedElements initializer: (UnsafeMutableBufferPointer<Scalar>) throws -> Void
  ) rethrows {
    precondition(
      rows >= 0 && columns >= 0, "Matrix shape must be non-negative, got \(rows)×\(columns)")
    let count = rows.multipliedReportingOverflow(by: columns)
    precondition(!count.overflow, "Matrix shape \(rows)×\(columns) overflows Int")
    self.rows = rows
    self.columns = columns
    self.storage = try ContiguousArray(unsafeUninitializedCapacity: count.partialValue) {
      buffer, initializedCount in
      try initializer(buffer)
      initializedCount = count.partialValue
    }
  }

  /// Creates a matrix with every element equal to `value`.
  ///
  /// - Parameters:
  ///   - rows: The number of rows (at least 0).
  ///   - columns: The number of columns (at least 0).
  ///   - value: The value of every element.
  @inlinable
  public init(rows: Int, columns: Int, repeating value: Scalar) {
    self.init(rows: rows, columns: columns) { buffer in
      buffer.initialize(repeating: value)
    }
  }

  /// Creates a matrix from its elements in row-major order.
  ///
  /// - Parameters:
  ///   - rows: The number of rows.
  ///   - columns: The number of columns.
  ///   - elements: `rows * columns` values, row after row.
  @inlinable
  public init(rows: Int, columns: Int, elements: some Collection<Scalar>) {
    precondition(
      elements.count == rows * columns,
      "Matrix of shape \(rows)×\(columns) needs \(rows * columns) elements, got \(elements.count)")
    self.rows = rows
    self.columns = columns
    self.storage = ContiguousArray(elements)
  }

  /// The shape as `(rows, columns)`.
  @inlinable
  public var shape: (rows: Int, columns: Int) { (rows, columns) }

  /// The number of elements, `rows * columns`.
  @inlinable
  public var count: Int { storage.count }

  /// The elements in row-major order.
  @inlinable
  public var elements: [Scalar] { Array(storage) }

  /// Whether the matrix is square.
  @inlinable
  public var isSquare: Bool { rows == columns }

  /// The element at row `row` and column `column`.
  ///
  /// Both indices are checked. In hot loops use ``withUnsafeBufferPointer(_:)`` instead.
  @inlinable
  public subscript(row: Int, column: Int) -> Scalar {
    get {
      precondition(
        row >= 0 && row < rows && column >= 0 && column < columns,
        "Index (\(row), \(column)) out of range for a \(rows)×\(columns) matrix")
      return storage[row &* columns &+ column]
    }
    set {
      precondition(
        row >= 0 && row < rows && column >= 0 && column < columns,
        "Index (\(row), \(column)) out of range for a \(rows)×\(columns) matrix")
      storage[row &* columns &+ column] = newValue
    }
  }

  /// Calls `body` with the row-major elements.
  ///
  /// - Parameter body: A closure that reads the elements.
  /// - Returns: What `body` returns.
  @inlinable
  public func withUnsafeBufferPointer<R>(
    _ body: (UnsafeBufferPointer<Scalar>) throws -> R
  ) rethrows -> R {
    try storage.withUnsafeBufferPointer(body)
  }

  /// Calls `body` with the row-major elements for mutation, copying the storage first only if it
  /// is shared.
  ///
  /// - Parameter body: A closure that may change the elements (not the shape).
  /// - Returns: What `body` returns.
  @inlinable
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
  ) rethrows -> R {
    try storage.withUnsafeMutableBufferPointer(body)
  }

  /// A short description of the shape, such as `"784×400"`.
  @inlinable
  public var shapeDescription: String { "\(rows)×\(columns)" }
}

extension Matrix: Equatable {
  /// Whether two matrices have the same shape and exactly equal elements.
  ///
  /// - Parameters:
  ///   - lhs: A matrix.
  ///   - rhs: Another matrix.
  /// - Returns: `true` when shapes and all elements are equal (`NaN` is never equal).
  @inlinable
  public static func == (lhs: Matrix, rhs: Matrix) -> Bool {
    lhs.rows == rhs.rows && lhs.columns == rhs.columns && lhs.storage == rhs.storage
  }
}

extension Matrix: CustomStringConvertible {
  /// The shape and, for small matrices, the elements row by row.
  public var description: String {
    var text = "Matrix<\(Scalar.self)>(\(shapeDescription))"
    guard rows * columns <= 100 else { return text + " […]" }
    for i in 0..<rows {
      let row = (0..<columns).map { "\(self[i, $0])" }.joined(separator: ", ")
      text += "\n  [\(row)]"
    }
    return text
  }
}
