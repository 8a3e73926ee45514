/// The leading singular values of a large matrix, with `τ_K` and the distance to rank `K` and
/// a bound on their error: the result of
/// ``RankCollapseTensor/Matrix/topSingularValues(_:tailAfterRank:options:)``.
///
/// With singular values `s_1 ≥ s_2 ≥ …`, the tail `T = Σ_{j>K} s_j² = ‖W‖_F² − Σ_{j≤K} s_j²`
/// is estimated from the exact `‖W‖_F²` and the Ritz values of a randomised range finder. The
/// estimate ``tailSquares`` never lies below the true tail (Ky Fan: the projection of `W` onto
/// any `K`-dimensional subspace carries at most `Σ_{j≤K} s_j²`), and ``tailSquaresErrorBound``
/// `Δ` bounds how far above it can lie: `T ∈ [tailSquares − Δ, tailSquares]`, in exact
/// arithmetic and with probability at least `1 − ` ``failureProbability`` (the only random
/// ingredient is the estimate of the range finder's residual norm; see
/// ``RankCollapseTensor/Matrix/topSingularValues(_:tailAfterRank:options:)``).
public struct TopSingularValues: Sendable, Equatable {
  /// The number of rows of the matrix.
  public let rows: Int

  /// The number of columns of the matrix.
  public let columns: Int

  /// The leading singular values in decreasing order, each a lower bound of the exact one
  /// (Ritz values of a subspace; Cauchy interlacing).
  public let singularValues: [Double]

  /// `K` of ``relativeTail`` and ``distanceToRank``.
  public let rank: Int

  /// `‖W‖_F`, computed exactly from the entries (not estimated).
  public let frobeniusNorm: Double

  /// The estimate of `T = Σ_{j>K} s_j²`, an upper bound of the exact tail.
  public let tailSquares: Double

  /// `Δ ≥ 0` with `T ∈ [tailSquares − Δ, tailSquares]`.
  public let tailSquaresErrorBound: Double

  /// The range finder's subspace dimension at the end (`K` plus oversampling, grown when needed).
  public let subspaceDimension: Int

  /// The number of power iterations run.
  public let powerIterations: Int

  /// Whether the bound met the requested relative accuracy (or the result is exact).
  public let meetsAccuracy: Bool

  /// Whether the values come from a full SVD (small matrices, `K` near `min(m, n)`): then the
  /// error bound is 0 and the values are those of ``Spectrum``.
  public let isExact: Bool

  /// The probability that ``tailSquaresErrorBound`` fails to bound the error: that the
  /// randomised estimate of the residual norm `‖(I − QQᵀ)W‖_2` falls below the true norm
  /// (Halko, Martinsson & Tropp 2011, Lemma 4.1); 0 for an exact result.
  public let failureProbability: Double

  /// Creates a result; the library's entry point is
  /// ``RankCollapseTensor/Matrix/topSingularValues(_:tailAfterRank:options:)``.
  ///
  /// - Parameters:
  ///   - rows: The number of rows.
  ///   - columns: The number of columns.
  ///   - singularValues: The leading singular values, decreasing.
  ///   - rank: `K`.
  ///   - frobeniusNorm: `‖W‖_F`.
  ///   - tailSquares: The estimate of `Σ_{j>K} s_j²`.
  ///   - tailSquaresErrorBound: Its error bound `Δ`.
  ///   - subspaceDimension: The subspace dimension used.
  ///   - powerIterations: The power iterations run.
  ///   - meetsAccuracy: Whether the requested accuracy was met.
  ///   - isExact: Whether a full SVD gave the values.
  ///   - failureProbability: The probability the bound fails.
  public init(
    rows: Int, columns: Int, singularValues: [Double], rank: Int, frobeniusNorm: Double,
    tailSquares: Double, tailSquaresErrorBound: Double, subspaceDimension: Int,
    powerIterations: Int, meetsAccuracy: Bool, isExact: Bool, failureProbability: Double
  ) {
    self.rows = rows
    self.columns = columns
    self.singularValues = singularValues
    self.rank = rank
    self.frobeniusNorm = frobeniusNorm
    self.tailSquares = tailSquares
    self.tailSquaresErrorBound = tailSquaresErrorBound
    self.subspaceDimension = subspaceDimension
    self.powerIterations = powerIterations
    self.meetsAccuracy = meetsAccuracy
    self.isExact = isExact
    self.failureProbability = failureProbability
  }

  /// `‖W‖_2 = s_1` (a lower bound of it unless ``isExact``).
  public var spectralNorm: Double { singularValues.first ?? 0 }

  /// `‖W‖_F² / s_1²` with the estimated `s_1` (an upper bound of the stable rank unless
  /// ``isExact``).
  public var stableRank: Double {
    let top = spectralNorm
    return top > 0 ? (frobeniusNorm / top) * (frobeniusNorm / top) : 0
  }

  /// The estimate of `τ_K = Σ_{j>K} s_j² / ‖W‖_F²` (Figure 1): an upper bound of the exact value;
  /// 0 for the zero matrix.
  public var relativeTail: Double {
    guard frobeniusNorm > 0 else { return 0 }
    return Swift.min(1, tailSquares / frobeniusNorm / frobeniusNorm)
  }

  /// A bound on `|τ̂_K − τ_K|`: `Δ / ‖W‖_F²`.
  public var relativeTailErrorBound: Double {
    guard frobeniusNorm > 0 else { return 0 }
    return tailSquaresErrorBound / frobeniusNorm / frobeniusNorm
  }

  /// The estimate of `‖W − W_K‖_F = sqrt(Σ_{j>K} s_j²)` (Theorem 3.4, left side): an upper
  /// bound of the exact distance.
  public var distanceToRank: Double { tailSquares.squareRoot() }

  /// A bound on `|d̂ − d|` for the distance to rank `K`:
  /// `sqrt(T̂) − sqrt(max(T̂ − Δ, 0))`.
  public var distanceErrorBound: Double {
    tailSquares.squareRoot() - Swift.max(tailSquares - tailSquaresErrorBound, 0).squareRoot()
  }

  /// A bound on the relative error `|τ̂_K − τ_K| / τ_K` (the same for the squared distance):
  /// `Δ / (T̂ − Δ)`; infinite when `Δ ≥ T̂`, 0 when both are 0.
  public var relativeErrorBound: Double {
    if tailSquaresErrorBound == 0 { return 0 }
    let lower = tailSquares - tailSquaresErrorBound
    return lower > 0 ? tailSquaresErrorBound / lower : .infinity
  }
}

/// How ``RankCollapseTensor/Matrix/topSingularValues(_:tailAfterRank:options:)`` runs.
public struct TopSingularValuesOptions: Sendable, Equatable {
  /// The relative accuracy requested for `τ_K` and the squared distance to rank `K`
  /// (default `1e-6`); the loop adds power iterations and oversampling until the bound meets
  /// it or the work would exceed about two thirds of a full SVD.
  public var relativeAccuracy: Double

  /// The initial oversampling `p` (default 10): the subspace has `k + p` dimensions.
  public var oversampling: Int

  /// The power iterations before the loop starts tracking convergence to decide when to check
  /// the bound (default 2).
  public var initialPowerIterations: Int

  /// The seed of the Gaussian test matrices (default 0): same seed, same numbers.
  public var seed: UInt64

  /// Which algorithm computes the values (default ``Method/automatic``).
  public var method: Method

  /// The algorithms of
  /// ``RankCollapseTensor/Matrix/topSingularValues(_:tailAfterRank:options:)``.
  public enum Method: Sendable, Equatable, CaseIterable {
    /// The Gram matrix when `min(m, n) ≤ 24 (k + p)`, the range finder otherwise.
    case automatic
    /// The eigenvalues of the `Double` Gram matrix of the thinner side (`m·n²` operations,
    /// deterministic, with a rounding bound).
    case gram
    /// The randomised range finder with power iterations and an a-posteriori bound.
    case rangeFinder
  }

  /// Creates options.
  ///
  /// - Parameters:
  ///   - relativeAccuracy: The relative accuracy for `τ_K`, `> 0`.
  ///   - oversampling: The initial oversampling, `≥ 0`.
  ///   - initialPowerIterations: The power iterations before convergence tracking, `≥ 0`.
  ///   - seed: The random seed.
  ///   - method: The algorithm.
  public init(
    relativeAccuracy: Double = 1e-6, oversampling: Int = 10, initialPowerIterations: Int = 2,
    seed: UInt64 = 0, method: Method = .automatic
  ) {
    precondition(
      relativeAccuracy > 0 && relativeAccuracy.isFinite,
      "relativeAccuracy must be a positive finite number, got \(relativeAccuracy)")
    precondition(oversampling >= 0, "oversampling must be ≥ 0, got \(oversampling)")
    precondition(
      initialPowerIterations >= 0,
      "initialPowerIterations must be ≥ 0, got \(initialPowerIterations)")
    self.relativeAccuracy = relativeAccuracy
    self.oversampling = oversampling
    self.initialPowerIterations = initialPowerIterations
    self.seed = seed
    self.method = method
  }
}
