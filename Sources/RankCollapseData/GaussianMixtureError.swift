import RankCollapseTensor

/// Why a ``GaussianMixture`` could not be created.
public enum GaussianMixtureError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A parameter is out of range; `requirement` says what it must be.
  case invalidParameter(ParameterError)

  /// A parameter outside its range: the ``invalidParameter(_:)`` case with a `ParameterError`
  /// of these fields.
  ///
  /// - Parameters:
  ///   - name: The parameter's name.
  ///   - value: The value given, as text.
  ///   - requirement: What the value must be.
  /// - Returns: The error.
  public static func invalidParameter(name: String, value: String, requirement: String)
    -> GaussianMixtureError
  {
    .invalidParameter(ParameterError(name: name, value: value, requirement: requirement))
  }

  /// A sentence naming the parameter, its value and the requirement.
  public var description: String {
    switch self {
    case .invalidParameter(let parameter):
      "invalid Gaussian mixture parameter \(parameter.name) = \(parameter.value): it must be \(parameter.requirement)"
    }
  }
}
