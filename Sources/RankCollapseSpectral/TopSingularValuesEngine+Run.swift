import RankCollapseTensor

extension TopSingularValuesEngine {
  /// Runs the adaptive loop of `Matrix.topSingularValues` (documented there).
  ///
  /// - Parameters:
  ///   - wanted: The number of singular values to return.
  ///   - rank: `K`.
  ///   - squaredNorm: `‖A‖_F²` as the caller summed it (for the convergence prediction; the
  ///     bound uses the `Double` sum of the first check).
  /// - Returns: The values, the tail and its bound.
  /// - Throws: `LinearAlgebraError/noConvergence(routine:info:)` from LAPACK.
  mutating func run(
    wanted: Int, rank: Int, squaredNorm: Double
  ) throws(LinearAlgebraError) -> TopSingularValues {
    var l = Swift.min(wanted + options.oversampling, n)
    let l0 = l
    var v = try Self.orthonormalBasis(
      Matrix<Scalar>.randomNormal(rows: n, columns: l, using: &generator))
    var iterations = 0
    // Cost model: a product of A with a thin block reads A once ("a pass"); a full SVD (values
    // only, ?gesdd) took about 19 passes on a 30522 × 384 matrix (0.75 s against 40 ms) and
    // grows like 2mn² + 2n³ flops against 2mn·l for a pass. Give up past two thirds of it.
    let fullCost = Swift.max(19 * Double(n) / 384 * (1 + Double(n) / Double(m)), 12)
    let budget = 2 * fullCost / 3
    var passes = 1  // ‖A‖_F²
    let checkCost = 2 + 2 * (Self.normPower - 1)
    while iterations < options.initialPowerIterations {
      v = try step(v, rank: 0).basis
      iterations += 1
      passes += 2
    }
    // Between checks, plain iterations (2 passes) track the captured energy
    // S_t = Σ_{j≤K} θ_j, which converges geometrically: a check is run when the predicted rest
    // δ_t·r/(1 − r) (δ_t = S_t − S_{t−1}, r = δ_t/δ_{t−1}) is below the accuracy, or when the
    // budget leaves room for one last check. The prediction only decides when to check; what
    // is returned is always bounded by the check.
    var history: [Double] = []
    var checkNow = false
    while true {
      if !checkNow {
        let result = try step(v, rank: rank)
        v = result.basis
        iterations += 1
        passes += 2
        history.append(result.captured)
        let count = history.count
        var predicted = Double.infinity
        // Below this change the captured energy is rounding noise of Scalar products (about
        // 10⁻⁷ of it in Float): the iteration can no longer see its progress, so check.
        let noise = 8 * Double(Scalar.ulpOfOne) * (history.last ?? 0)
        if count >= 2 && Swift.abs(history[count - 1] - history[count - 2]) <= noise {
          predicted = 0
        } else if count >= 3 {
          let delta = history[count - 1] - history[count - 2]
          let previous = history[count - 2] - history[count - 3]
          if delta <= 0 {
            predicted = 0
          } else if previous > 0 && delta < previous {
            let ratio = delta / previous
            predicted = delta * ratio / (1 - ratio)
          }
        }
        let rest = squaredNorm - (history.last ?? 0)
        checkNow =
          predicted <= 0.5 * options.relativeAccuracy * rest
          || Double(passes + 2 + checkCost) > budget
        continue
      }
      checkNow = false
      let result = try check(v, rank: rank, passes: &passes)
      let meets = result.bound <= options.relativeAccuracy * (result.tail - result.bound)
      // A tail at the rounding level of ‖A‖_F² (an exactly low-rank matrix): T ∈ [0, T̂] with
      // T̂ below what the full SVD itself resolves, so both are 0 to working precision.
      let norm = exactSquaredNorm ?? squaredNorm
      let zeroTail = result.tail <= Double(n) * Double.ulpOfOne * norm
      // Ritz values that are not separated in a subspace that may not grow any more (a flat
      // spectrum, such as noise) will not give a bound: stop and leave it to the full SVD.
      let stuck = !result.separated && l >= maximumSubspace(starting: l0)
      if meets || zeroTail || stuck || Double(passes + checkCost) > budget || v.columns < l {
        return TopSingularValues(
          rows: a.rows, columns: a.columns, singularValues: Array(result.values.prefix(wanted)),
          rank: rank, frobeniusNorm: norm.squareRoot(), tailSquares: result.tail,
          tailSquaresErrorBound: result.bound, subspaceDimension: v.columns,
          powerIterations: iterations, meetsAccuracy: meets || zeroTail,
          isExact: false, failureProbability: Double.pow(Self.alpha, -Double(Self.probes)))
      }
      history.append(result.values.prefix(rank).reduce(0) { $0 + $1 * $1 })
      // The check computed M V already: one iteration for the price of an orthonormalisation.
      v = Matrix<Scalar>(try Self.orthonormalBasis(result.nextRange))
      iterations += 1
      if !result.separated {
        // Grow the subspace by half: new Gaussian directions, refined with the rest.
        let extra = Swift.min(Swift.max(l / 2, 4), maximumSubspace(starting: l0) - l)
        guard extra > 0 else { continue }
        // Orthonormalised before they join V: at the scale of M they would fall below the
        // rounding of V's unit columns.
        let fresh = try Self.orthonormalBasis(
          applyAT(applyA(Matrix<Scalar>.randomNormal(rows: n, columns: extra, using: &generator))))
        v = try Self.orthonormalBasis(Matrix(horizontallyStacking: [v, fresh]))
        l = v.columns
        passes += 2
        history.removeAll()
      }
    }
  }
}
