/// A value computed in `Double` with a bound on its distance to the exact value it stands for.
///
/// The evaluators derive each link's allowance (``BoundReport/allowances``) by carrying this
/// pair through the formula of the link: every operation rounds once (unit roundoff
/// `u = 2⁻⁵³`) and propagates the input errors by the usual first-principles bounds, which are
/// rigorous for the operations themselves (no first-order truncation):
/// `|x̂ ± ŷ − (x ± y)| ≤ e_x + e_y + u|x̂ ± ŷ|`,
/// `|x̂ŷ − xy| ≤ |x̂|e_y + |ŷ|e_x + e_x e_y + u|x̂ŷ|`,
/// `|x̂/ŷ − x/y| ≤ (e_x + |x̂/ŷ| e_y)/(|ŷ| − e_y) + u|x̂/ŷ|` (infinite when `e_y ≥ |ŷ|`), and for
/// `√x` the width of `[√(x̂ − e_x), √(x̂ + e_x)]` around `√x̂`.
struct RoundingBound {
  /// The computed value.
  var value: Double
  /// A bound on `|value − exact|`.
  var error: Double

  /// The unit roundoff of `Double`, `u = 2⁻⁵³`.
  static let unit = Double.ulpOfOne / 2

  /// Higham's `γ_n = n u / (1 − n u)`: the relative error bound of `n` rounded operations in
  /// sequence (a sum or a dot product of `n` terms, in any order); infinite when `n u ≥ ½`.
  static func gamma(_ n: Int) -> Double {
    let nu = Double(n) * unit
    return nu < 0.5 ? nu / (1 - nu) : .infinity
  }

  /// A value and its error bound.
  init(_ value: Double, error: Double) {
    self.value = value
    self.error = error.isNaN ? .infinity : error
  }

  /// An exactly known value (an input, an integer count).
  static func exact(_ value: Double) -> RoundingBound { RoundingBound(value, error: 0) }

  /// `√n` for an exact `n`, correctly rounded.
  static func root(_ value: Double) -> RoundingBound {
    let root = value.squareRoot()
    return RoundingBound(root, error: unit * root)
  }

  /// The square root of a computed `Σ x̂_i²` of `terms` squares, as the Frobenius norm of a
  /// matrix whose entries are each within the entry-wise error of an exact one, plus
  /// `normError`: a bound on how far the exact matrix's norm is from the norm of the computed
  /// entries.
  ///
  /// The computed sum is `‖X̂‖²(1 + θ)` with `|θ| ≤ γ_{terms+1}` (non-negative terms), so its
  /// square root is within `γ_{terms+1}·√sum` of `‖X̂‖`.
  static func norm(squaredSum: Double, terms: Int, normError: Double = 0) -> RoundingBound {
    let root = squaredSum.squareRoot()
    return RoundingBound(root, error: gamma(terms + 2) * root + normError)
  }

  static func + (a: RoundingBound, b: RoundingBound) -> RoundingBound {
    let value = a.value + b.value
    return RoundingBound(value, error: a.error + b.error + unit * abs(value))
  }

  static func - (a: RoundingBound, b: RoundingBound) -> RoundingBound {
    let value = a.value - b.value
    return RoundingBound(value, error: a.error + b.error + unit * abs(value))
  }

  static func * (a: RoundingBound, b: RoundingBound) -> RoundingBound {
    let value = a.value * b.value
    return RoundingBound(
      value,
      error: abs(a.value) * b.error + abs(b.value) * a.error + a.error * b.error + unit
        * abs(value))
  }

  static func / (a: RoundingBound, b: RoundingBound) -> RoundingBound {
    let value = a.value / b.value
    guard b.error < abs(b.value) else { return RoundingBound(value, error: .infinity) }
    return RoundingBound(
      value,
      error: (a.error + abs(value) * b.error) / (abs(b.value) - b.error) + unit * abs(value))
  }

  /// `√x` for `x ≥ 0` (a negative computed value reads as 0).
  func squareRoot() -> RoundingBound {
    let base = Swift.max(value, 0)
    let root = base.squareRoot()
    let high = (base + error).squareRoot()
    let low = Swift.max(base - error, 0).squareRoot()
    return RoundingBound(
      root, error: Swift.max(high - root, root - low) + 2 * RoundingBound.unit * high)
  }

  /// `x²`.
  var squared: RoundingBound { self * self }

  /// The allowance of the link `a ≤ b`: a bound on the error of `â − b̂`, with a margin of
  /// `10⁻⁶` relative for the rounding of the bound computations themselves.
  static func allowance(_ a: RoundingBound, _ b: RoundingBound) -> Double {
    (a.error + b.error) * (1 + 1e-6)
  }

  /// The allowances of a chain `links[0] ≤ links[1] ≤ …`.
  static func allowances(_ links: [RoundingBound]) -> [Double] {
    zip(links, links.dropFirst()).map { allowance($0, $1) }
  }

  /// A backward error bound `p(n)·u` for a LAPACK eigen- or singular value decomposition.
  ///
  /// For a matrix with largest dimension `n`, the computed factors are those of a matrix within
  /// `p(n)·u·‖A‖_F` of `A` (Anderson et al., LAPACK Users' Guide, §4.7 and §4.9). LAPACK leaves
  /// `p(n)` as "a modestly growing function of n"; the library takes `p(n) = 10 n`, the usual
  /// reading, so allowances built on it are bounds under that assumption.
  static func decompositionError(_ n: Int) -> Double { gamma(10 * Swift.max(n, 1)) }
}
