import RankCollapseTensor

/// The singular values of a matrix, sorted, with every spectral measurement the paper uses as a
/// member: compute the spectrum once, then ask it many questions.
///
/// With singular values `s_1 ≥ s_2 ≥ … ≥ s_k ≥ 0`:
///
/// | member | definition | where in the paper |
/// |---|---|---|
/// | ``relativeTail(afterRank:)`` | `τ_K = Σ_{j>K} s_j² / Σ_j s_j²` | Figure 1 |
/// | ``distanceToRank(_:)`` | `‖W − W_K‖_F = sqrt(Σ_{j>K} s_j²)` | Theorem 3.4, left side |
/// | ``tailError(_:)`` | `e(r) = Σ_{i≥r} s_i / Σ_i s_i` | eq. (22), Figure 3 |
/// | ``softRank(epsilon:)`` | `rk(ε) = min{k ≥ 0 : e(k+1) ≤ ε}` | Figures 4–5 |
/// | ``stableRank`` | `‖W‖_F² / ‖W‖_2²` | |
/// | ``effectiveRank`` | `exp(−Σ p_i log p_i)`, `p_i = s_i / Σ s` | Roy & Vetterli (2007) |
/// | ``numericalRank(tolerance:)`` | `#{i : s_i > tol}`, `tol = s_1 · max(m, n) · ε_Scalar` | NumPy's `matrix_rank` |
///
/// ## The off-by-one in e(r)
///
/// The sum in `e(r)` starts at `i = r`, so `e(1) = 1`, and keeping the top `r − 1` singular values
/// leaves the error `e(r)`. ``softRank(epsilon:)`` counts *kept* values: keeping `k` values leaves
/// `e(k + 1)`, so `rk(ε)` is the smallest `k` with `e(k + 1) ≤ ε` (with `e(k_max + 1) = 0`).
/// Hence `rk(ε) = 0` for every `ε ≥ 1`, and `rk(0)` is the number of non-zero singular values.
///
/// ## rk(ε) against the paper's formula
///
/// The paper (section 6, Figure 4) writes `rk(ε) = min{r | e(r) ≤ ε}`, and describes it in words
/// as "the minimal number of singular values required to approximate up to ε" (Figures 4–5).
/// The formula and the words differ by one: `e(r) ≤ ε` means keeping the top `r − 1` values
/// suffices, so the formula's `r` is one more than the count the words describe. The library
/// follows the words:
///
///     rk(ε) = min{k : e(k + 1) ≤ ε} = (paper's min{r : e(r) ≤ ε}) − 1.
///
/// Compare values with the paper's figures as counts of kept values; add 1 to obtain the
/// formula's `r`.
///
/// ## The zero matrix
///
/// For a matrix whose singular values are all zero (or that has none), there is nothing to
/// approximate: every relative quantity (`τ_K`, `e(r)`), every rank and every norm is 0.
///
/// ## Extreme scales
///
/// Every sum is taken over the singular values divided by a power of two near `s_1` (an exact
/// division), as LAPACK's norm routines scale before they square: a matrix times `1e-300` or
/// `1e300` has the same `τ_K`, `e(r)`, `rk(ε)`, stable and effective rank as the matrix itself,
/// and its norms are the scaled norms, where `Σ s_i²` in plain arithmetic would underflow to 0
/// or overflow to infinity. A distance ``distanceToRank(_:)`` whose squares would underflow
/// next to `s_1` (one entry of `1e300` among ordinary ones) is summed relative to its own
/// largest term. Only a norm (or singular value) that exceeds the largest finite `Scalar` is
/// `+infinity`; the ratios and ranks stay finite.
public struct Spectrum<Scalar: MatrixScalar>: Sendable, Equatable {
  /// The singular values in decreasing order (an entry beyond the largest finite `Scalar` is
  /// `+infinity`; see ``scaledSingularValues``).
  public let singularValues: [Scalar]

  /// The number of rows of the matrix.
  public let rows: Int

  /// The number of columns of the matrix.
  public let columns: Int

  /// The singular values times ``unit``, in decreasing order: `s_1 · unit` is in `[1/2, 1)`
  /// (or 0 for the zero matrix), so sums of their squares neither overflow nor underflow.
  public let scaledSingularValues: [Scalar]

  /// The power of two the singular values are multiplied by to give ``scaledSingularValues``
  /// (1 for the zero matrix).
  public let unit: Scalar

  /// `suffixSquares[j] = Σ_{i≥j} (s_i · unit)²` (0-based), summed from the smallest value up for
  /// accuracy; one extra trailing 0.
  @usableFromInline let suffixSquares: [Scalar]

  /// `suffixSums[j] = Σ_{i≥j} s_i · unit` (0-based); one extra trailing 0.
  @usableFromInline let suffixSums: [Scalar]

  /// Creates a spectrum from singular values computed elsewhere.
  ///
  /// - Parameters:
  ///   - singularValues: Finite, non-negative values in any order; at most `min(rows, columns)`.
  ///   - rows: The number of rows of the matrix.
  ///   - columns: The number of columns of the matrix.
  public init(singularValues: [Scalar], rows: Int, columns: Int) {
    precondition(
      singularValues.allSatisfy { $0.isFinite && $0 >= 0 },
      "Singular values must be finite and non-negative")
    self.init(
      sortedSingularValues: singularValues.sorted(by: >), rows: rows, columns: columns)
  }

  /// Creates a spectrum from values already sorted in decreasing order.
  @usableFromInline
  init(sortedSingularValues values: [Scalar], rows: Int, columns: Int) {
    self.init(sortedSingularValues: values, factor: 1, rows: rows, columns: columns)
  }

  /// Creates a spectrum from the singular values of a matrix multiplied by `factor`, a power of
  /// two (see `Matrix.scaledSingularValues()`), sorted in decreasing order; the singular values
  /// of the matrix itself, `values[i] / factor`, may exceed the range of `Scalar`.
  @usableFromInline
  init(sortedSingularValues values: [Scalar], factor: Scalar, rows: Int, columns: Int) {
    precondition(
      values.count <= Swift.min(rows, columns),
      "\(values.count) singular values for a \(rows)×\(columns) matrix")
    precondition(
      factor > 0 && factor.isFinite, "Spectrum: the factor must be positive, got \(factor)")
    let top = values.first ?? 0
    // 2^-(e+1) for s_1 = f · 2^e, f in [1, 2), so that s_1 · step is in [1/2, 1); the exponent
    // is clamped so that the step itself is finite (a subnormal s_1 stays below 1/2).
    let exponent = Swift.min(-(top.exponent + 1), Scalar.greatestFiniteMagnitude.exponent)
    let step: Scalar = top > 0 ? Scalar(sign: .plus, exponent: exponent, significand: 1) : 1
    let scaled = step == 1 ? values : values.map { $0 * step }
    self.singularValues = factor == 1 ? values : values.map { $0 / factor }
    self.scaledSingularValues = scaled
    self.unit = factor * step
    self.rows = rows
    self.columns = columns
    var squares = [Scalar](repeating: 0, count: scaled.count + 1)
    var sums = [Scalar](repeating: 0, count: scaled.count + 1)
    for j in stride(from: scaled.count - 1, through: 0, by: -1) {
      squares[j] = squares[j + 1] + scaled[j] * scaled[j]
      sums[j] = sums[j + 1] + scaled[j]
    }
    self.suffixSquares = squares
    self.suffixSums = sums
  }

  /// The spectrum of the transposed matrix: the same singular values, rows and columns swapped.
  ///
  /// - Returns: The spectrum of `Wᵀ`.
  public func transposed() -> Spectrum {
    Spectrum(
      singularValues: singularValues, rows: columns, columns: rows,
      scaledSingularValues: scaledSingularValues, unit: unit, suffixSquares: suffixSquares,
      suffixSums: suffixSums)
  }

  private init(
    singularValues: [Scalar], rows: Int, columns: Int, scaledSingularValues: [Scalar],
    unit: Scalar, suffixSquares: [Scalar], suffixSums: [Scalar]
  ) {
    self.singularValues = singularValues
    self.rows = rows
    self.columns = columns
    self.scaledSingularValues = scaledSingularValues
    self.unit = unit
    self.suffixSquares = suffixSquares
    self.suffixSums = suffixSums
  }

  /// The number of singular values, `min(rows, columns)` for a computed spectrum.
  public var count: Int { singularValues.count }

  /// The Frobenius norm `‖W‖_F = sqrt(Σ s_i²)`.
  public var frobeniusNorm: Scalar { suffixSquares[0].squareRoot() / unit }

  /// The spectral norm `‖W‖_2 = s_1` (0 without singular values).
  public var spectralNorm: Scalar { singularValues.first ?? 0 }

  /// The nuclear norm `‖W‖_* = Σ s_i`.
  public var nuclearNorm: Scalar { suffixSums[0] / unit }

  /// The stable rank `‖W‖_F² / ‖W‖_2²`, between 1 and the rank for a non-zero matrix (0 for zero).
  public var stableRank: Scalar {
    let top = scaledSingularValues.first ?? 0
    return top > 0 ? suffixSquares[0] / (top * top) : 0
  }

  /// The effective rank `exp(H(p))` of Roy & Vetterli (2007), with `p_i = s_i / Σ s` and the
  /// Shannon entropy `H(p) = −Σ p_i log p_i` (`0 log 0 = 0`); 0 for the zero matrix.
  public var effectiveRank: Scalar {
    let total = suffixSums[0]
    guard total > 0 else { return 0 }
    var entropy: Scalar = 0
    for value in scaledSingularValues where value > 0 {
      let p = value / total
      entropy -= p * Scalar.log(p)
    }
    return Scalar.exp(entropy)
  }

  /// The number of singular values above a tolerance.
  ///
  /// ## Which epsilon
  ///
  /// The default is NumPy's `matrix_rank` and PyTorch's `torch.linalg.matrix_rank` default,
  /// `s_1 · max(m, n) · ε` with `ε` the machine epsilon of the precision the singular values are
  /// *computed* in, here `Scalar`. That is NumPy's own rule: it takes `finfo(S.dtype).eps` of the
  /// computed singular values `S`, so an integer array (whose SVD NumPy runs in `float64`) gets
  /// `float64`'s epsilon. The tolerance bounds the rounding error of the SVD itself, which
  /// depends on the arithmetic, not on how the values were stored.
  ///
  /// Values stored in a narrower type and converted exactly to `Scalar` (`float16`, `bfloat16`
  /// or `float32` weights analysed in `Double`) therefore use `Scalar`'s epsilon, and their
  /// numerical rank is that of the converted matrix. The storage type's epsilon would be wrong
  /// for them: `bfloat16`'s `ε = 2⁻⁷` makes `max(m, n) · ε ≥ 1` once a dimension reaches 128,
  /// so the threshold exceeds `s_1` and every matrix would have numerical rank 0 (NumPy has no
  /// linear algebra in the 16-bit types, so it offers no other convention). Pass a larger
  /// epsilon only to ask a different question on purpose, say "rank above `float32` storage
  /// noise": `.numpyDefault(machineEpsilon: 0x1p-23)`.
  ///
  /// - Parameter tolerance: The threshold (default: NumPy's, with `Scalar.ulpOfOne`).
  /// - Returns: `#{i : s_i > tol}`.
  public func numericalRank(tolerance: RankTolerance<Scalar> = .numpyDefault()) -> Int {
    if case .absolute(let value) = tolerance {
      return singularValues.prefix { $0 > value }.count
    }
    // Relative rules compare the scaled values, so an infinite s_1 does not hide the rest.
    let threshold = scaledThreshold(for: tolerance)
    return scaledSingularValues.prefix { $0 > threshold }.count
  }

  /// The absolute threshold a tolerance rule gives for this spectrum.
  ///
  /// - Parameter tolerance: The rule.
  /// - Returns: The value singular values must exceed to count toward the numerical rank.
  public func threshold(for tolerance: RankTolerance<Scalar>) -> Scalar {
    switch tolerance {
    case .absolute(let value): value
    case .relativeToLargest(let factor): factor * spectralNorm
    case .numpyDefault(let epsilon): spectralNorm * Scalar(Swift.max(rows, columns)) * epsilon
    }
  }

  /// ``threshold(for:)`` times ``unit``, for the relative rules.
  private func scaledThreshold(for tolerance: RankTolerance<Scalar>) -> Scalar {
    let top = scaledSingularValues.first ?? 0
    switch tolerance {
    case .absolute(let value): return value * unit
    case .relativeToLargest(let factor): return factor * top
    case .numpyDefault(let epsilon): return top * Scalar(Swift.max(rows, columns)) * epsilon
    }
  }

  /// The relative spectral tail `τ_K = Σ_{j>K} s_j² / Σ_j s_j²` (paper, Figure 1): the fraction of
  /// `‖W‖_F²` outside the best rank-`K` approximation.
  ///
  /// - Parameter rank: `K ≥ 0`; values at or beyond the number of singular values give 0.
  /// - Returns: A value in `[0, 1]`; 0 for the zero matrix.
  public func relativeTail(afterRank rank: Int) -> Scalar {
    precondition(rank >= 0, "relativeTail: rank K must be ≥ 0, got \(rank)")
    let total = suffixSquares[0]
    guard total > 0, rank < count else { return 0 }
    return suffixSquares[rank] / total
  }

  /// The Frobenius distance from the matrix to the set of matrices of rank at most `K`,
  /// `‖W − W_K‖_F = sqrt(Σ_{j>K} s_j²)` (Eckart–Young; the left side of Theorem 3.4).
  ///
  /// - Parameter rank: `K ≥ 0`.
  /// - Returns: The distance; 0 when `K` is at least the number of singular values.
  public func distanceToRank(_ rank: Int) -> Scalar {
    precondition(rank >= 0, "distanceToRank: rank K must be ≥ 0, got \(rank)")
    guard rank < count else { return 0 }
    let largest = scaledSingularValues[rank]
    // Squares of scaled values below this may be subnormal and lose digits; then sum the
    // tail relative to its own largest term instead (LAPACK's dnrm2 idea).
    guard largest * largest < Scalar.leastNormalMagnitude / Scalar.ulpOfOne, largest > 0 else {
      return suffixSquares[rank].squareRoot() / unit
    }
    var sum: Scalar = 0
    for value in scaledSingularValues[rank...].reversed() {
      let ratio = value / largest
      sum += ratio * ratio
    }
    return sum.squareRoot() * largest / unit
  }

  /// The tail error `e(r) = Σ_{i≥r} s_i / Σ_i s_i` of the paper's equation (22).
  ///
  /// The sum starts at `i = r` (1-based): `e(1) = 1`, and keeping the top `r − 1` singular values
  /// leaves the error `e(r)`.
  ///
  /// - Parameter r: `1 ≤ r`; values beyond the number of singular values give 0.
  /// - Returns: A value in `[0, 1]`; 0 for the zero matrix.
  public func tailError(_ r: Int) -> Scalar {
    precondition(r >= 1, "tailError: e(r) is defined for r ≥ 1, got \(r)")
    let total = suffixSums[0]
    guard total > 0, r <= count else { return 0 }
    return suffixSums[r - 1] / total
  }

  /// The curve `[e(1), e(2), …, e(k)]` of equation (22), `k` the number of singular values.
  ///
  /// Figure 3 of the paper plots it.
  public var tailErrors: [Scalar] { (0..<count).map { tailError($0 + 1) } }

  /// The soft rank `rk(ε)`: the minimal number of leading singular values to keep so that the
  /// tail error of the rest is at most `ε` (paper, Figures 4–5).
  ///
  /// Keeping `k` values leaves `e(k + 1)`, so `rk(ε) = min{k ≥ 0 : e(k + 1) ≤ ε}`: the count of
  /// the paper's words, which is the paper's formula `min{r : e(r) ≤ ε}` minus one (see
  /// "rk(ε) against the paper's formula" on ``Spectrum``). Edge cases:
  /// `rk(ε) = 0` for `ε ≥ 1` and for the zero matrix; `rk(0)` is the number of non-zero singular
  /// values.
  ///
  /// - Parameter epsilon: The allowed relative error, `ε ≥ 0`.
  /// - Returns: A count between 0 and the number of singular values.
  public func softRank(epsilon: Scalar) -> Int {
    precondition(epsilon >= 0 && !epsilon.isNaN, "softRank: ε must be ≥ 0, got \(epsilon)")
    let total = suffixSums[0]
    guard total > 0 else { return 0 }
    // suffixSums is non-increasing, so the first k with suffixSums[k] ≤ ε·total is the answer.
    let bound = epsilon * total
    var low = 0
    var high = count
    while low < high {
      let mid = (low + high) / 2
      if suffixSums[mid] <= bound { high = mid } else { low = mid + 1 }
    }
    return low
  }
}

/// How ``Spectrum/numericalRank(tolerance:)`` decides that a singular value is zero.
public enum RankTolerance<Scalar: MatrixScalar>: Sendable, Equatable {
  /// Singular values at most this value count as zero.
  case absolute(Scalar)

  /// Singular values at most this factor times `s_1` count as zero.
  case relativeToLargest(Scalar)

  /// NumPy's and PyTorch's default: `s_1 · max(m, n) · machineEpsilon`, where NumPy takes the
  /// epsilon of the precision the singular values are computed in (see
  /// ``Spectrum/numericalRank(tolerance:)``).
  case numpyDefault(machineEpsilon: Scalar)

  /// NumPy's and PyTorch's default with the machine epsilon of `Scalar`, the precision the
  /// singular values are computed in.
  ///
  /// - Returns: `.numpyDefault(machineEpsilon: Scalar.ulpOfOne)`.
  public static func numpyDefault() -> RankTolerance { .numpyDefault(machineEpsilon: .ulpOfOne) }
}
