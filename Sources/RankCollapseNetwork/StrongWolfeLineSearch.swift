/// The settings of a line search that finds a step length t > 0 along a descent direction d
/// satisfying the strong Wolfe conditions (Nocedal & Wright, *Numerical Optimization*, 2nd ed.,
/// eq. 3.7 and Algorithms 3.5–3.6):
///
///     φ(t) ≤ φ(0) + c₁ t φ′(0)        (sufficient decrease)
///     |φ′(t)| ≤ c₂ |φ′(0)|            (curvature)
///
/// with φ(t) = f(x + t d). The search first brackets an acceptable step (growing t by cubic
/// extrapolation, at most tenfold per evaluation), then zooms into the bracket by safeguarded
/// cubic interpolation. A trial point where f or its gradient is not finite counts as a step that
/// is too long.
///
/// Near a minimiser the decrease φ(0) − φ(t) falls below the rounding error of f itself, and the
/// sufficient-decrease test becomes a coin toss. There the search also accepts a step that meets
/// the *approximate* Wolfe conditions of Hager & Zhang (SIAM J. Optim. 16, 2005, eq. 4.1), which
/// use only derivatives: φ(t) ≤ φ(0) + ε_f, φ′(t) ≤ (1 − 2δ)|φ′(0)| with δ = 0.1, and
/// |φ′(t)| ≤ c₂ |φ′(0)|, where ε_f = ``noiseFactor`` · u · |φ(0)| (u the unit roundoff of the
/// scalar type), and only where the decrease the slope predicts, t·|φ′(0)|, is itself below ε_f
/// (elsewhere f can tell an increase from a decrease, and a step must decrease it). When no step
/// decreases f by more than ε_f at all, the search reports that the
/// precision of the scalar type is exhausted (``LBFGSStep/failed(evaluations:precisionLimited:)``).
public struct StrongWolfeLineSearch: Sendable, Hashable, Codable {
  /// c₁ ∈ (0, c₂), the sufficient-decrease constant.
  public var sufficientDecrease: Double
  /// c₂ ∈ (c₁, 1), the curvature constant (0.9 for quasi-Newton directions).
  public var curvature: Double
  /// The largest number of objective evaluations one search may make (≥ 1).
  public var maximumEvaluations: Int
  /// The rounding level of f in units of u·|f|: differences of f below it count as noise.
  public var noiseFactor: Double

  /// A line search.
  ///
  /// - Parameters:
  ///   - sufficientDecrease: c₁ (default 10⁻⁴).
  ///   - curvature: c₂ (default 0.9).
  ///   - maximumEvaluations: Evaluations per search (default 25).
  ///   - noiseFactor: ε_f / (u·|f|) (default 10).
  @inlinable
  public init(
    sufficientDecrease: Double = 1e-4, curvature: Double = 0.9, maximumEvaluations: Int = 25,
    noiseFactor: Double = 10
  ) {
    self.sufficientDecrease = sufficientDecrease
    self.curvature = curvature
    self.maximumEvaluations = maximumEvaluations
    self.noiseFactor = noiseFactor
  }

  /// Checks the settings.
  ///
  /// - Throws: ``TrainingError/invalidConfiguration(_:)`` naming the first bad one.
  public func validate() throws(TrainingError) {
    guard sufficientDecrease > 0, curvature < 1, sufficientDecrease < curvature else {
      throw .invalidConfiguration(
        "line search constants must satisfy 0 < c1 < c2 < 1, got c1 = \(sufficientDecrease), c2 = \(curvature)"
      )
    }
    guard maximumEvaluations >= 1 else {
      throw .invalidConfiguration(
        "line search maximumEvaluations must be at least 1, got \(maximumEvaluations)")
    }
    guard noiseFactor.isFinite, noiseFactor >= 0 else {
      throw .invalidConfiguration(
        "line search noiseFactor must be finite and ≥ 0, got \(noiseFactor)")
    }
  }

  /// The minimiser of the cubic through (t₁, f₁, g₁) and (t₂, f₂, g₂), clamped.
  ///
  /// Nocedal & Wright eq. 3.59, clamped to [lower, upper]; the interval's midpoint when the cubic has no
  /// minimiser.
  @inlinable
  static func cubicMinimizer(
    _ t1: Double, _ f1: Double, _ g1: Double, _ t2: Double, _ f2: Double, _ g2: Double,
    lower: Double, upper: Double
  ) -> Double {
    let d1 = g1 + g2 - 3 * (f1 - f2) / (t1 - t2)
    let discriminant = d1 * d1 - g1 * g2
    var t = (lower + upper) / 2
    if discriminant >= 0, f1.isFinite, f2.isFinite, g1.isFinite, g2.isFinite {
      let d2 = (t2 >= t1 ? 1.0 : -1.0) * discriminant.squareRoot()
      let candidate = t2 - (t2 - t1) * (g2 + d2 - d1) / (g2 - g1 + 2 * d2)
      if candidate.isFinite { t = candidate }
    }
    return Swift.min(Swift.max(t, lower), upper)
  }
}
