import RankCollapse

extension Experiments.DeepLinearCentroids {
  /// The paper's qualitative claims about Figure 2, checked on a set of measurements.
  ///
  /// Section 6.2: the distance grows quadratically with σ and decreases with λ; Theorem 5.3
  /// bounds it.
  public struct Summary: Sendable, Hashable, Codable {
    /// For each λ (ascending), the least-squares slope of `log ‖Θ_C − Θ‖` against `log σ` over
    /// the trained distances (2 for quadratic growth).
    public var trainedSlopes: [Slope]
    /// The same for the closed-form distances of equation 21.
    public var closedFormSlopes: [Slope]
    /// The mean of ``trainedSlopes`` (equal to the pooled fit with one intercept per λ when every
    /// λ has the same σ values).
    public var trainedSlope: Double
    /// The mean of ``closedFormSlopes``.
    public var closedFormSlope: Double
    /// For how many σ the trained distance decreases strictly with λ (every consecutive pair).
    public var decreasingInLambda: Int
    /// The number of σ values with at least two λ.
    public var sigmaCount: Int
    /// How many points have the trained and the closed-form distance below Theorem 5.3's bound.
    public var belowBound: Int
    /// The number of points.
    public var pointCount: Int
    /// The largest ratio trained distance / bound.
    public var largestBoundRatio: Double
    /// How many trainings (of `2 × pointCount`) met the gradient tolerance.
    public var converged: Int
    /// How many points have a trained distance at rounding level
    /// (``Record/trainedDistanceIsRounding``).
    public var atRounding: Int

    /// The slope of one line of the right panel.
    public struct Slope: Sendable, Hashable, Codable {
      /// λ of the line.
      public var lambda: Double
      /// The fitted slope of `log distance` against `log σ`.
      public var slope: Double
    }

    /// Summarises the records of a grid (any order; points with a non-positive distance, and
    /// trained distances at rounding level (``Record/trainedDistanceIsRounding``), are left
    /// out of the fits, which need at least two σ per λ).
    ///
    /// - Parameter measurements: The grid's records.
    public init(_ measurements: [Record]) {
      let lambdas = Array(Set(measurements.map(\.lambda))).sorted()
      let sigmas = Array(Set(measurements.map(\.sigma))).sorted()
      func slopes(_ value: (Record) -> Double) -> [Slope] {
        lambdas.compactMap { lambda in
          let line = measurements.filter { $0.lambda == lambda && value($0) > 0 }
          guard Set(line.map(\.sigma)).count >= 2 else { return nil }
          let slope = logLogSlope(x: line.map(\.sigma), y: line.map(value))
          return Slope(lambda: lambda, slope: slope)
        }
      }
      trainedSlopes = slopes { $0.trainedDistanceIsRounding ? 0 : $0.trainedDistance }
      closedFormSlopes = slopes(\.closedFormDistance)
      func mean(_ values: [Slope]) -> Double {
        values.isEmpty ? .nan : values.map(\.slope).reduce(0, +) / Double(values.count)
      }
      trainedSlope = mean(trainedSlopes)
      closedFormSlope = mean(closedFormSlopes)
      var decreasing = 0
      var counted = 0
      for sigma in sigmas {
        let line = measurements.filter { $0.sigma == sigma }.sorted { $0.lambda < $1.lambda }
        guard line.count >= 2 else { continue }
        counted += 1
        if zip(line, line.dropFirst()).allSatisfy({ $1.trainedDistance < $0.trainedDistance }) {
          decreasing += 1
        }
      }
      decreasingInLambda = decreasing
      sigmaCount = counted
      belowBound = measurements.filter(\.belowBound).count
      pointCount = measurements.count
      largestBoundRatio = measurements.map { $0.trainedDistance / $0.bound }.max() ?? .nan
      converged =
        measurements.filter(\.fullConverged).count
        + measurements.filter(\.centroidConverged).count
      atRounding = measurements.filter(\.trainedDistanceIsRounding).count
    }
  }

  /// The least-squares slope of `log y` against `log x`.
  ///
  /// - Parameters:
  ///   - x: Positive abscissae (at least two distinct).
  ///   - y: Positive ordinates, as many as `x`.
  /// - Returns: `Σ (u − ū)(v − v̄) / Σ (u − ū)²` with `u = log x`, `v = log y`.
  /// - Precondition: Equal counts, positive values, two distinct `x`.
  public static func logLogSlope(x: [Double], y: [Double]) -> Double {
    precondition(x.count == y.count, "logLogSlope: \(x.count) x values but \(y.count) y values")
    precondition(
      x.allSatisfy { $0 > 0 } && y.allSatisfy { $0 > 0 }, "logLogSlope: values must be positive")
    let u = x.map { Double.log($0) }
    let v = y.map { Double.log($0) }
    let uMean = u.reduce(0, +) / Double(u.count)
    let vMean = v.reduce(0, +) / Double(v.count)
    var numerator = 0.0
    var denominator = 0.0
    for (a, b) in zip(u, v) {
      numerator += (a - uMean) * (b - vMean)
      denominator += (a - uMean) * (a - uMean)
    }
    precondition(denominator > 0, "logLogSlope needs two distinct x values")
    return numerator / denominator
  }
}
