/// The error that caused another one, kept whole: the library's errors that report a failed
/// stage (`ExperimentError.analysis(stage:cause:)`, `ClassifierError.measurement(_:cause:)`, …)
/// carry it, so a caller can still ask what went wrong underneath.
///
/// ```swift
/// do {
///   try experiment.run()
/// } catch .analysis(let stage, let cause) {
///   if let failure = cause.error as? LinearAlgebraError { … }   // the original value
///   print(stage, cause)                                         // its description
/// }
/// ```
///
/// Two values are equal when their errors have the same type and the same description (errors
/// in general are not `Equatable`).
public struct UnderlyingError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The original error.
  public let error: any Error

  /// Keeps `error`.
  ///
  /// - Parameter error: The cause.
  public init(_ error: any Error) {
    self.error = error
  }

  /// The original error's description.
  public var description: String { String(describing: error) }

  /// Whether the two errors have the same type and description.
  public static func == (lhs: UnderlyingError, rhs: UnderlyingError) -> Bool {
    type(of: lhs.error) == type(of: rhs.error) && lhs.description == rhs.description
  }

  /// Hashes the error's type and description, the parts ``==(_:_:)`` compares.
  ///
  /// - Parameter hasher: The hasher.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(ObjectIdentifier(type(of: error)))
    hasher.combine(description)
  }
}
