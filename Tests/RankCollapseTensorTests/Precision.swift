import RankCollapseTensor

/// The two scalar types, as a test argument.
enum Precision: String, CaseIterable, Sendable {
  case float
  case double

  /// The scalar type.
  var type: any MatrixScalar.Type { self == .float ? Float.self : Double.self }

  /// The relative accuracy a test of a well-conditioned result of modest size may ask for: a few
  /// hundred ulps of the type (Float ε ≈ 1.2e-7, Double ε ≈ 2.2e-16).
  var tolerance: Double { self == .float ? 1e-4 : 1e-11 }
}
