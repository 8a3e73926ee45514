/// The tensors and metadata of a safetensors file, tensors in file order.
///
/// Read one with ``SafeTensors/read(contentsOf:including:)``; build one from tensors and write
/// it with ``SafeTensors/write(_:to:)``.
///
/// ```swift
/// let file = try SafeTensors.read(contentsOf: "model.safetensors")
/// for tensor in file.tensors where tensor.isMatrix {
///   let w = try tensor.matrix(as: Double.self)
///   print(tensor.name, try w.spectrum().stableRank)
/// }
/// ```
public struct SafeTensorsFile: Sendable, Equatable {
  /// The tensors, in the order their data appears in the file (for a file this library wrote,
  /// the order they were given in).
  public private(set) var tensors: [SafeTensor]

  /// The header's `__metadata__` entries (free-form text such as `{"format": "pt"}`).
  public var metadata: [String: String]

  /// The position of each tensor in ``tensors``, by name.
  private var positions: [String: Int] = [:]

  /// Creates a file's contents.
  ///
  /// - Parameters:
  ///   - tensors: The tensors, in order; names must be distinct and not `__metadata__`.
  ///   - metadata: Free-form text entries for the header's `__metadata__`.
  public init(tensors: [SafeTensor] = [], metadata: [String: String] = [:]) {
    self.tensors = []
    self.metadata = metadata
    for tensor in tensors { append(tensor) }
  }

  /// The tensor names, in order.
  public var names: [String] { tensors.map(\.name) }

  /// The tensor with the given name, `nil` if there is none.
  ///
  /// - Parameter name: The tensor's name.
  /// - Complexity: O(1) on average.
  public subscript(name: String) -> SafeTensor? {
    positions[name].map { tensors[$0] }
  }

  /// Adds a tensor after the others.
  ///
  /// - Parameter tensor: A tensor whose name is not yet used and is not `__metadata__`.
  /// - Complexity: O(1) amortised, so a file of n tensors is built in O(n).
  public mutating func append(_ tensor: SafeTensor) {
    precondition(
      tensor.name != SafeTensors.metadataKey, "'__metadata__' is reserved and cannot name a tensor")
    precondition(
      positions.updateValue(tensors.count, forKey: tensor.name) == nil,
      "there is already a tensor named '\(tensor.name)'")
    tensors.append(tensor)
  }

  /// Makes room for `count` tensors in all, so appending them does not reallocate.
  mutating func reserveCapacity(_ count: Int) {
    tensors.reserveCapacity(count)
    positions.reserveCapacity(count)
  }

  /// Removes the tensor with the given name, if any.
  ///
  /// - Parameter name: The tensor's name.
  /// - Complexity: O(number of tensors).
  public mutating func removeTensor(named name: String) {
    guard let position = positions.removeValue(forKey: name) else { return }
    tensors.remove(at: position)
    for index in position..<tensors.count { positions[tensors[index].name] = index }
  }
}
