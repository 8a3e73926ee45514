import RankCollapseTensor

/// One named tensor of a safetensors file: its element type, its shape and its elements.
///
/// Elements are held row-major (C order, as safetensors stores them) in the machine's byte order:
/// `F32` and `F64` as they are, `F16` and `BF16` converted to `Float` exactly, integers and
/// booleans as exact integers. Make one from a `Matrix` or an array to write it with
/// ``SafeTensors/write(_:to:)``.
///
/// A tensor of any number of dimensions can be read and written; ``matrix(as:flattening:)``
/// gives a matrix for one or two dimensions and reshapes more only when asked.
public struct SafeTensor: Sendable, Equatable {
  /// The elements, row-major, as a `d₀ × (d₁·…)` matrix (a 1-D tensor is one row, a 0-D tensor
  /// a 1 × 1 matrix).
  @usableFromInline
  enum Storage: Sendable, Equatable {
    case float32(Matrix<Float>)
    case float64(Matrix<Double>)
    case integers(IntegerElements)
  }

  /// The tensor's name (the key in the header), such as `"encoder.layer.0.attention.weight"`.
  public var name: String

  /// The element type stored in the file (and written back).
  public let dataType: SafeTensorsDataType

  /// The dimensions, outermost first; `[]` for a scalar.
  public let shape: [Int]

  @usableFromInline
  let storage: Storage

  /// Creates a tensor; `storage` must hold `shape`'s element count of `dataType`'s kind.
  init(name: String, dataType: SafeTensorsDataType, shape: [Int], storage: Storage) {
    self.name = name
    self.dataType = dataType
    self.shape = shape
    self.storage = storage
  }

  /// The number of elements, the product of the dimensions (1 for a scalar).
  public var count: Int { shape.reduce(1, *) }

  /// Whether the tensor has exactly two dimensions.
  public var isMatrix: Bool { shape.count == 2 }

  /// The `(rows, columns)` a `d₀ × d₁ × …` tensor is stored as: `(d₀, d₁·…)`, `(1, n)` for one
  /// dimension, `(1, 1)` for none.
  @usableFromInline
  static func storedShape(_ shape: [Int]) -> (rows: Int, columns: Int) {
    switch shape.count {
    case 0: return (1, 1)
    case 1: return (1, shape[0])
    default: return (shape[0], shape.dropFirst().reduce(1, *))
    }
  }

  /// The elements as a matrix.
  ///
  /// A 2-D tensor of shape `[rows, columns]` gives a `rows × columns` matrix and a 1-D tensor of
  /// length `n` a `1 × n` matrix. A tensor with more dimensions `[d₀, d₁, …]` (a convolution
  /// kernel, say) gives the `d₀ × (d₁·…)` matrix of its row-major elements when `flattening` is
  /// `true`, and is an error otherwise. Asking for the stored type returns the stored matrix
  /// without copying; `F16`, `BF16` and `F32` tensors are stored as `Float`, so `Double` is an
  /// exact conversion; `F64` to `Float` rounds to nearest; integers convert as `astype` does.
  ///
  /// - Parameters:
  ///   - type: `Float.self` or `Double.self`.
  ///   - flattening: Whether to reshape a tensor of three or more dimensions to `d₀ × (d₁·…)`.
  /// - Returns: The elements in row-major order.
  /// - Throws: ``SafeTensorsError/notAMatrix(tensor:shape:)`` for three or more dimensions
  ///   without `flattening`.
  /// - Complexity: O(1) for the stored type, O(`count`) for a conversion.
  @inlinable
  public func matrix<S: MatrixScalar>(
    as type: S.Type, flattening: Bool = false
  ) throws(SafeTensorsError) -> Matrix<S> {
    guard shape.count <= 2 || flattening else {
      throw .notAMatrix(tensor: name, shape: shape)
    }
    return storedMatrix(as: S.self)
  }

  /// The stored `d₀ × (d₁·…)` matrix, converted to `S`.
  @inlinable
  func storedMatrix<S: MatrixScalar>(as type: S.Type) -> Matrix<S> {
    switch storage {
    case .float32(let matrix):
      if let same = matrix as? Matrix<S> { return same }
      return Matrix<S>(matrix)
    case .float64(let matrix):
      if let same = matrix as? Matrix<S> { return same }
      return Matrix<S>(matrix)
    case .integers(let elements):
      let (rows, columns) = Self.storedShape(shape)
      return Matrix<S>(rows: rows, columns: columns, elements: elements.floatingPoint(S.self))
    }
  }

  /// All elements in row-major order, whatever the number of dimensions.
  ///
  /// - Parameter type: `Float.self` or `Double.self`.
  /// - Returns: The `count` elements.
  /// - Complexity: O(`count`).
  @inlinable
  public func vector<S: MatrixScalar>(as type: S.Type) -> [S] {
    storedMatrix(as: S.self).elements
  }

  /// The elements as integers, in row-major order: labels, token ids, position ids.
  ///
  /// - Returns: The `count` elements; `BOOL` elements are 0 or 1.
  /// - Throws: ``SafeTensorsError/notIntegerTensor(tensor:dataType:)`` for a floating-point
  ///   tensor, ``SafeTensorsError/integerOverflow(tensor:index:value:)`` for a `U64` value above
  ///   `Int.max`.
  /// - Complexity: O(`count`).
  public func integers() throws(SafeTensorsError) -> [Int] {
    guard case .integers(let elements) = storage else {
      throw .notIntegerTensor(tensor: name, dataType: dataType)
    }
    switch elements.integers() {
    case .success(let values): return values
    case .failure(let overflow):
      throw .integerOverflow(tensor: name, index: overflow.index, value: overflow.value)
    }
  }

  // MARK: Creating tensors

  /// Creates a 2-D tensor holding a matrix.
  ///
  /// - Parameters:
  ///   - name: The tensor's name.
  ///   - matrix: The elements; the shape becomes `[rows, columns]`.
  ///   - dataType: The type to store: `F32` (the default for `Float`) or `F64` (the default for
  ///     `Double`), or `F16`/`BF16`, to which the elements are rounded (to nearest, ties to even)
  ///     when the file is written.
  public init<S: MatrixScalar>(
    name: String, matrix: Matrix<S>, dataType: SafeTensorsDataType? = nil
  ) {
    self.init(name: name, matrix: matrix, shape: [matrix.rows, matrix.columns], dataType: dataType)
  }

  /// Creates a tensor of any shape from its elements in row-major order.
  ///
  /// - Parameters:
  ///   - name: The tensor's name.
  ///   - elements: `shape`'s product of elements, row-major.
  ///   - shape: The dimensions (`[]` for a scalar).
  ///   - dataType: `F32`, `F64`, `F16` or `BF16`; by default `F32` for `Float` and `F64`
  ///     otherwise.
  public init<S: MatrixScalar>(
    name: String, elements: [S], shape: [Int], dataType: SafeTensorsDataType? = nil
  ) {
    precondition(shape.allSatisfy { $0 >= 0 }, "tensor shape \(shape) has a negative dimension")
    precondition(
      elements.count == shape.reduce(1, *),
      "a tensor of shape \(shape) needs \(shape.reduce(1, *)) elements, got \(elements.count)")
    let (rows, columns) = Self.storedShape(shape)
    self.init(
      name: name, matrix: Matrix(rows: rows, columns: columns, elements: elements), shape: shape,
      dataType: dataType)
  }

  /// Creates a 1-D tensor.
  ///
  /// - Parameters:
  ///   - name: The tensor's name.
  ///   - vector: The elements; the shape becomes `[vector.count]`.
  ///   - dataType: `F32`, `F64`, `F16` or `BF16`; by default `F32` for `Float` and `F64`
  ///     otherwise.
  public init<S: MatrixScalar>(
    name: String, vector: [S], dataType: SafeTensorsDataType? = nil
  ) {
    self.init(name: name, elements: vector, shape: [vector.count], dataType: dataType)
  }

  private init<S: MatrixScalar>(
    name: String, matrix: Matrix<S>, shape: [Int], dataType: SafeTensorsDataType?
  ) {
    let type = dataType ?? (S.self == Float.self ? .float32 : .float64)
    precondition(
      type.isFloatingPoint, "a floating-point tensor cannot be stored as \(type); use integers:")
    let storage: Storage
    if type == .float64 {
      storage = .float64(matrix as? Matrix<Double> ?? Matrix<Double>(matrix))
    } else {
      storage = .float32(matrix as? Matrix<Float> ?? Matrix<Float>(matrix))
    }
    self.init(name: name, dataType: type, shape: shape, storage: storage)
  }

  /// Creates an integer tensor, with the safetensors type matching `T` (`Int` and `UInt` become
  /// `I64` and `U64`).
  ///
  /// - Parameters:
  ///   - name: The tensor's name.
  ///   - integers: The elements, row-major.
  ///   - shape: The dimensions; by default `[integers.count]`.
  public init<T: FixedWidthInteger>(name: String, integers: [T], shape: [Int]? = nil) {
    let shape = shape ?? [integers.count]
    precondition(
      shape.allSatisfy { $0 >= 0 } && integers.count == shape.reduce(1, *),
      "a tensor of shape \(shape) needs \(shape.reduce(1, *)) elements, got \(integers.count)")
    let elements = IntegerElements(integers)
    self.init(
      name: name, dataType: SafeTensorsDataType(elements.format), shape: shape,
      storage: .integers(elements))
  }

  /// Creates a `BOOL` tensor.
  ///
  /// - Parameters:
  ///   - name: The tensor's name.
  ///   - booleans: The elements, row-major.
  ///   - shape: The dimensions; by default `[booleans.count]`.
  public init(name: String, booleans: [Bool], shape: [Int]? = nil) {
    let shape = shape ?? [booleans.count]
    precondition(
      shape.allSatisfy { $0 >= 0 } && booleans.count == shape.reduce(1, *),
      "a tensor of shape \(shape) needs \(shape.reduce(1, *)) elements, got \(booleans.count)")
    self.init(
      name: name, dataType: .bool, shape: shape, storage: .integers(IntegerElements(booleans)))
  }
}

/// The name, element type and shape of a tensor in a safetensors file, read from the header
/// alone (``SafeTensors/tensorInfo(contentsOf:)``).
public struct SafeTensorInfo: Sendable, Equatable, Hashable {
  /// The tensor's name.
  public var name: String
  /// The element type.
  public var dataType: SafeTensorsDataType
  /// The dimensions, outermost first.
  public var shape: [Int]

  /// Creates a description of a tensor.
  ///
  /// - Parameters:
  ///   - name: The tensor's name.
  ///   - dataType: The element type.
  ///   - shape: The dimensions.
  public init(name: String, dataType: SafeTensorsDataType, shape: [Int]) {
    self.name = name
    self.dataType = dataType
    self.shape = shape
  }
}
