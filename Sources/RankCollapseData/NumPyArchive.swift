/// The named arrays of a NumPy `.npz` archive, in archive order.
///
/// `np.savez("f.npz", x=x, labels=y)` stores the members `x.npy` and `labels.npy`; reading the
/// archive gives the arrays named `"x"` and `"labels"` (the `.npy` suffix removed, as `np.load`
/// does), in the order of the archive's central directory.
///
/// ```swift
/// let archive = try NumPy.readArchive(contentsOf: "features.npz")
/// let points = try #require(archive["x"]).matrix(as: Float.self)
/// let labels = try #require(archive["labels"]).integers()
/// ```
///
/// Two archives are equal when they hold equal arrays under the same names in the same order.
public struct NumPyArchive: Sendable, Equatable {
  /// The names of the arrays, in order.
  public private(set) var names: [String]

  private var arrays: [String: NumPyArray]

  /// Creates an empty archive.
  public init() {
    names = []
    arrays = [:]
  }

  /// Creates an archive holding the given arrays in order.
  ///
  /// - Parameter arrays: Names and arrays; the names must be distinct.
  public init(_ arrays: [(name: String, array: NumPyArray)]) {
    self.init()
    for (name, array) in arrays {
      precondition(self[name] == nil, "the archive already has an array named '\(name)'")
      self[name] = array
    }
  }

  /// The number of arrays.
  public var count: Int { names.count }

  /// Whether the archive holds no arrays.
  public var isEmpty: Bool { names.isEmpty }

  /// The array with the given name, `nil` if there is none.
  ///
  /// Setting a new name appends the array; setting an existing name replaces it in place;
  /// setting `nil` removes it.
  ///
  /// - Parameter name: The array's name (without `.npy`).
  public subscript(name: String) -> NumPyArray? {
    get { arrays[name] }
    set {
      if let newValue {
        if arrays.updateValue(newValue, forKey: name) == nil { names.append(name) }
      } else if arrays.removeValue(forKey: name) != nil {
        names.removeAll { $0 == name }
      }
    }
  }

  /// The arrays with their names, in order.
  public var elements: [(name: String, array: NumPyArray)] {
    names.compactMap { name in arrays[name].map { (name, $0) } }
  }

  /// Two archives are equal when they hold equal arrays under the same names in the same order.
  public static func == (lhs: NumPyArchive, rhs: NumPyArchive) -> Bool {
    lhs.names == rhs.names && lhs.arrays == rhs.arrays
  }
}

/// The name, element type and shape of an array in a `.npz` archive, read from its `.npy`
/// header without decoding the array (see ``NumPy/archiveInfo(contentsOf:including:)``).
public struct NumPyArrayInfo: Sendable, Equatable {
  /// The array's name (the member name without `.npy`).
  public var name: String
  /// The element type.
  public var dataType: NumPyDataType
  /// The dimensions, any number of them (`[]` for a scalar).
  public var shape: [Int]

  /// Creates a description of an array.
  ///
  /// - Parameters:
  ///   - name: The array's name.
  ///   - dataType: The element type.
  ///   - shape: The dimensions.
  public init(name: String, dataType: NumPyDataType, shape: [Int]) {
    self.name = name
    self.dataType = dataType
    self.shape = shape
  }

  /// Whether the array is two-dimensional, a matrix.
  public var isMatrix: Bool { shape.count == 2 }
}
