/// Named values that determine a sweep's numbers, in the order they were set.
///
/// Everything a result depends on belongs here, including what the paper leaves open (learning
/// rate, initialisation, step budget, seeds): ``Sweep`` writes them to the sidecar JSON and
/// refuses to resume a folder whose sidecar disagrees on any of them.
///
/// ```swift
/// var hyperparameters = Hyperparameters()
/// hyperparameters["widths"] = .integers([784, 400, 300, 400, 784])
/// hyperparameters["learning_rate"] = 0.001
/// hyperparameters["seed"] = 1
/// print(hyperparameters)   // one "key: value" line each
/// ```
public struct Hyperparameters: Sendable, Hashable, CustomStringConvertible,
  ExpressibleByDictionaryLiteral
{
  /// The names, in the order they were first set.
  public private(set) var keys: [String] = []
  private var values: [String: SweepValue] = [:]

  /// No values.
  public init() {}

  /// Values from a literal, in its order.
  ///
  /// - Parameter elements: Name–value pairs (a repeated name keeps the last value).
  public init(dictionaryLiteral elements: (String, SweepValue)...) {
    for (key, value) in elements { self[key] = value }
  }

  /// The value of a name; setting `nil` removes it.
  ///
  /// - Parameter key: A name.
  public subscript(key: String) -> SweepValue? {
    get { values[key] }
    set {
      if let newValue {
        if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
      } else if values.removeValue(forKey: key) != nil {
        keys.removeAll { $0 == key }
      }
    }
  }

  /// The name–value pairs in order.
  public var entries: [(key: String, value: SweepValue)] {
    keys.compactMap { key in values[key].map { (key, $0) } }
  }

  /// The values as a dictionary.
  public var dictionary: [String: SweepValue] { values }

  /// One `key: value` line per entry, in order, for printing before a run.
  public var description: String {
    entries.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
  }

  /// These values followed by `other`'s (which win where both set a name).
  ///
  /// - Parameter other: More values.
  /// - Returns: The union.
  public func merging(_ other: Hyperparameters) -> Hyperparameters {
    var result = self
    for (key, value) in other.entries { result[key] = value }
    return result
  }
}
