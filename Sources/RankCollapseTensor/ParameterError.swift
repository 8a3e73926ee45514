/// A parameter outside its allowed range: which one, the value given, and what it must be.
///
/// Every error type of the library that reports a bad parameter carries this one value in its
/// `invalidParameter` case (`ClusteringError`, `GaussianMixtureError`, `WarmupError`,
/// `NetworkBoundError`, `SweepError`, `ExperimentError`, `DeepLinearCentroidsError`), so a
/// caller reads the name, the value and the requirement the same way whatever threw:
///
/// ```swift
/// var generator = SeededGenerator(seed: 1)
/// do {
///   _ = try GaussianMixture<Double>(
///     components: 0, dimension: 2, standardDeviation: 0.1, using: &generator)
/// } catch .invalidParameter(let parameter) {
///   print(parameter.name, parameter.value, parameter.requirement)
/// } catch {
///   print(error)
/// }
/// ```
public struct ParameterError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The parameter's name, as the API or the command line spells it.
  public var name: String
  /// The value given, as text.
  public var value: String
  /// What the value must be ("finite and > 0", "in 1…100000").
  public var requirement: String
  /// The error that found the value invalid, when a check elsewhere did (for instance the
  /// `NetworkError` of widths a network cannot be built with); `nil` for a direct check.
  public var cause: UnderlyingError?

  /// A parameter error.
  ///
  /// - Parameters:
  ///   - name: The parameter's name.
  ///   - value: The value given, as text.
  ///   - requirement: What the value must be.
  ///   - cause: The error that found the value invalid, if another check did.
  public init(name: String, value: String, requirement: String, cause: UnderlyingError? = nil) {
    self.name = name
    self.value = value
    self.requirement = requirement
    self.cause = cause
  }

  /// "invalid `name` '`value`': must be `requirement`".
  public var description: String { "invalid \(name) '\(value)': must be \(requirement)" }
}
