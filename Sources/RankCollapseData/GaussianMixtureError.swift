/// Why a ``GaussianMixture`` could not be created.
public enum GaussianMixtureError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A parameter is out of range; `requirement` says what it must be.
  case invalidParameter(name: String, value: String, requirement: String)

  /// A sentence naming the parameter, its value and the requirement.
  public var description: String {
    switch self {
    case .invalidParameter(let name, let value, let requirement):
      "invalid Gaussian mixture parameter \(name) = \(value): it must be \(requirement)"
    }
  }
}
