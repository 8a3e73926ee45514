import RankCollapseTensor

/// A one- or two-dimensional NumPy array of `float32` or `float64` values, as stored in a `.npy`
/// file.
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
    }
  }

  /// Whether the array is two-dimensional (`shape.count == 2`).
  public var isMatrix: Bool { shape.count == 2 }

  /// The number of elements, the product of the dimensions.
  public var count: Int {
    switch storage {
    case .float32(let matrix): matrix.count
    case .float64(let matrix): matrix.count
    }
  }

  /// The elements as a matrix.
  ///
  /// A 2-D array of shape `(rows, columns)` gives a `rows × columns` matrix whose element `(i, j)`
  /// is the array's `a[i, j]`; a 1-D array of length `n` gives a `1 × n` matrix. Asking for the
  /// stored type returns the stored matrix without copying; `float32` to `Double` is exact, and
  /// `float64` to `Float` rounds to nearest.
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
