import RankCollapseTensor

/// A one- or two-dimensional NumPy array of `float32`, `float64`, integer or boolean values, as
/// stored in a `.npy` file.
///
/// The elements are held in C (row-major) order in the machine's byte order, whatever order the
/// file used: a big-endian file is byte-swapped and a Fortran-ordered (`fortran_order: True`)
/// file is transposed into row-major order when it is read, so
/// ``matrix(as:)`` always gives element `(i, j)` of the NumPy array at row `i`, column `j`.
///
/// Read one with ``NumPy/read(contentsOf:)`` or `NumPy.decode(_:)`; make one from a `Matrix`
/// or an array and save it with ``NumPy/write(_:to:)``.
///
/// Two arrays are equal when their shapes, element types and elements are equal; as for `Float`,
/// an array holding `NaN` is not equal to itself.
public struct NumPyArray: Sendable, Equatable {
  /// The elements, row-major, as a matrix of the decoded type (a 1-D array is one row).
  @usableFromInline
  enum Storage: Sendable, Equatable {
    case float32(Matrix<Float>)
    case float64(Matrix<Double>)
    case integers(IntegerElements)
  }

  /// The dimensions, as in NumPy: `[n]` for a 1-D array, `[rows, columns]` for a 2-D array.
  public let shape: [Int]

  @usableFromInline
  let storage: Storage

  /// Creates an array from its shape and storage; `shape` must describe `storage`.
  init(shape: [Int], storage: Storage) {
    self.shape = shape
    self.storage = storage
  }

  /// The element type (NumPy's `dtype`, without the byte order, which is a detail of the file).
  public var dataType: NumPyDataType {
    switch storage {
    case .float32: .float32
    case .float64: .float64
    case .integers(let elements): NumPyDataType(elements.format)
    }
  }

  /// Whether the array is two-dimensional (`shape.count == 2`).
  public var isMatrix: Bool { shape.count == 2 }

  /// The number of elements, the product of the dimensions.
  public var count: Int {
    switch storage {
    case .float32(let matrix): matrix.count
    case .float64(let matrix): matrix.count
    case .integers(let elements): elements.count
    }
  }

  /// The elements as a matrix.
  ///
  /// A 2-D array of shape `(rows, columns)` gives a `rows × columns` matrix whose element `(i, j)`
  /// is the array's `a[i, j]`; a 1-D array of length `n` gives a `1 × n` matrix. Asking for the
  /// stored type returns the stored matrix without copying; `float32` to `Double` is exact, and
  /// `float64` to `Float` rounds to nearest. Integers are converted as NumPy's `astype` converts
  /// them (rounded to nearest, exact up to 2^24 for `Float` and 2^53 for `Double`; `bool` gives 0
  /// and 1).
  ///
  /// - Parameter type: The scalar type of the result, `Float.self` or `Double.self`.
  /// - Returns: The elements in row-major order.
  /// - Complexity: O(1) for the stored type, O(`count`) for a conversion.
  @inlinable
  public func matrix<S: MatrixScalar>(as type: S.Type) -> Matrix<S> {
    switch storage {
    case .float32(let matrix):
      if let same = matrix as? Matrix<S> { return same }
      return Matrix<S>(matrix)
    case .float64(let matrix):
      if let same = matrix as? Matrix<S> { return same }
      return Matrix<S>(matrix)
    case .integers(let elements):
      let rows = shape.count == 2 ? shape[0] : 1
      return Matrix<S>(
        rows: rows, columns: rows == 0 ? (shape.count == 2 ? shape[1] : 0) : count / rows,
        elements: elements.floatingPoint(S.self))
    }
  }

  /// The elements as integers, in C (row-major) order: labels, class indices, counts.
  ///
  /// - Returns: The `count` elements; `bool` elements are 0 or 1.
  /// - Throws: ``NumPyError/notIntegerArray(dataType:)`` for a `float32` or `float64` array (round
  ///   it yourself if you mean to), ``NumPyError/integerOverflow(index:value:)`` for a `uint64`
  ///   value above `Int.max`.
  /// - Complexity: O(`count`).
  public func integers() throws(NumPyError) -> [Int] {
    guard case .integers(let elements) = storage else {
      throw .notIntegerArray(dataType: dataType)
    }
    switch elements.integers() {
    case .success(let values): return values
    case .failure(let overflow):
      throw .integerOverflow(index: overflow.index, value: overflow.value)
    }
  }

  /// All elements in C (row-major) order.
  ///
  /// - Parameter type: The scalar type of the result, `Float.self` or `Double.self`.
  /// - Returns: The `count` elements; for a 2-D array, row after row.
  /// - Complexity: O(`count`).
  @inlinable
  public func vector<S: MatrixScalar>(as type: S.Type) -> [S] {
    matrix(as: S.self).elements
  }

  /// Creates a 2-D array holding a matrix.
  ///
  /// A `Matrix<Float>` becomes a `float32` array and a `Matrix<Double>` a `float64` array, without
  /// copying the elements. A matrix of any other `MatrixScalar` type is converted to `float64`.
  ///
  /// - Parameter matrix: The matrix; its shape becomes `(rows, columns)`.
  public init<S: MatrixScalar>(_ matrix: Matrix<S>) {
    self.init(shape: [matrix.rows, matrix.columns], storage: Storage(matrix))
  }

  /// Creates a 1-D array holding a vector.
  ///
  /// `[Float]` becomes a `float32` array and `[Double]` a `float64` array. A vector of any other
  /// `MatrixScalar` type is converted to `float64`.
  ///
  /// - Parameter vector: The elements; the shape becomes `(vector.count,)`.
  public init<S: MatrixScalar>(vector: [S]) {
    let matrix = Matrix(rows: 1, columns: vector.count, elements: vector)
    self.init(shape: [vector.count], storage: Storage(matrix))
  }
}

extension NumPyArray {
  /// Creates a 1-D integer array, with the NumPy type matching `T`.
  ///
  /// `Int8` becomes `int8`, `UInt16` `uint16`, and so on; `Int` and `UInt` become `int64` and
  /// `uint64` (what `np.save` writes for Python integers on a 64-bit machine).
  ///
  /// - Parameter integers: The elements; the shape becomes `(integers.count,)`.
  public init<T: FixedWidthInteger>(integers: [T]) {
    self.init(shape: [integers.count], storage: .integers(IntegerElements(integers)))
  }

  /// Creates a 2-D integer array from its elements in row-major order.
  ///
  /// - Parameters:
  ///   - integers: `rows × columns` elements, row after row.
  ///   - rows: The number of rows.
  ///   - columns: The number of columns.
  public init<T: FixedWidthInteger>(integers: [T], rows: Int, columns: Int) {
    precondition(
      rows >= 0 && columns >= 0 && integers.count == rows * columns,
      "a \(rows)×\(columns) integer array needs \(rows * columns) elements, got \(integers.count)")
    self.init(shape: [rows, columns], storage: .integers(IntegerElements(integers)))
  }

  /// Creates a 1-D `bool` array.
  ///
  /// - Parameter booleans: The elements; the shape becomes `(booleans.count,)`.
  public init(booleans: [Bool]) {
    self.init(shape: [booleans.count], storage: .integers(IntegerElements(booleans)))
  }
}

extension NumPyArray.Storage {
  /// Wraps a matrix of `Float` or `Double`, converting any other scalar type to `Double`.
  init<S: MatrixScalar>(_ matrix: Matrix<S>) {
    if let float = matrix as? Matrix<Float> {
      self = .float32(float)
    } else if let double = matrix as? Matrix<Double> {
      self = .float64(double)
    } else {
      self = .float64(Matrix<Double>(matrix))
    }
  }
}
