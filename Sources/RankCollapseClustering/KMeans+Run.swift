import RankCollapseTensor

extension KMeans {
  /// One run from the given centroids (points and centroids already validated).
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  func run<Scalar: MatrixScalar>(
    _ points: Matrix<Scalar>, squaredNorms: [Scalar], initialCentroids: Matrix<Scalar>
  ) -> KMeansResult<Scalar> {
    let n = points.rows
    let d = points.columns
    return points.withUnsafeBufferPointer { x in
      squaredNorms.withUnsafeBufferPointer { norms in
        let engine = KMeansEngine<Scalar>(
          points: x.baseAddress.unsafelyUnwrapped, norms: norms.baseAddress.unsafelyUnwrapped,
          rows: n, columns: d, clusters: clusterCount)
        initialCentroids.withUnsafeBufferPointer {
          engine.setCentroids($0.baseAddress.unsafelyUnwrapped)
        }
        let useBounds = algorithm == .hamerly
        var absoluteTolerance = 0.0
        var iterations = 0
        var converged = false
        var strictlyConverged = false
        var needsFullPass = true
        for iteration in 1...maximumIterations {
          iterations = iteration
          let changed =
            needsFullPass || !useBounds
            ? engine.assignAll(updateBounds: useBounds).changed : engine.assignBounded()
          if iteration == 1 {
            absoluteTolerance = tolerance * meanVariance(engine: engine, norms: norms)
          }
          needsFullPass = engine.repairEmptyClusters()
          if changed == 0 && !needsFullPass && iteration > 1 {
            converged = true
            strictlyConverged = true
            break
          }
          let shifts = engine.updateCentroids()
          if useBounds && !needsFullPass && clusterCount > 1 { engine.updateBounds(shifts: shifts) }
          if useBounds && clusterCount == 1 { needsFullPass = true }
          if shifts.reduce(0, { $0 + $1 * $1 }) <= absoluteTolerance {
            converged = true
            break
          }
        }
        if !strictlyConverged {
          // Labels consistent with the final centroids; the centroids stay as they are.
          if useBounds && !needsFullPass && clusterCount > 1 {
            _ = engine.assignBounded()
          } else {
            engine.assignAll(updateBounds: false)
          }
        }
        return KMeansResult(
          assignment: engine.labelArray(), centroids: engine.centroidMatrix(),
          inertia: engine.exactInertia(), iterations: iterations, converged: converged)
      }
    }
  }

  /// The mean per-coordinate variance `(1/(N d)) (Σ_i ‖x_i‖² − N ‖x̄‖²)` from the row norms and
  /// the cluster sums after the first assignment (which add up to `Σ_i x_i`).
  private func meanVariance<Scalar: MatrixScalar>(
    engine: KMeansEngine<Scalar>, norms: UnsafeBufferPointer<Scalar>
  ) -> Double {
    let n = Double(engine.n)
    var total = 0.0
    for value in norms { total += Double(value) }
    var meanNorm = 0.0
    for t in 0..<engine.d {
      var column = 0.0
      for j in 0..<engine.k { column += engine.sums[j * engine.d + t] }
      column /= n
      meanNorm += column * column
    }
    return Swift.max(0, total - n * meanNorm) / (n * Double(engine.d))
  }

  /// One Lloyd iteration: assigns every point to its nearest centroid (distances from one matrix
  /// product per block of rows, `‖x‖² − 2 x·c + ‖c‖²`) and replaces each centroid by the mean of
  /// its points; a centroid with no point stays where it is.
  ///
  /// This is the building block the fit repeats (there with Hamerly's bounds and empty-cluster
  /// repair); it is public so that its cost can be measured on its own.
  ///
  /// - Parameters:
  ///   - points: `N × d`, one point per row.
  ///   - squaredNorms: ``squaredRowNorms(_:)`` of `points`.
  ///   - centroids: `K × d` centroids, replaced by the new ones.
  ///   - assignment: Receives the `N` labels (any previous contents are compared to count
  ///     changes; pass an empty array the first time).
  /// - Returns: How many labels changed, and `Σ_i min_j ‖x_i − c_j‖²` for the old centroids
  ///   (computed from the products, so with their rounding).
  /// - Precondition: `centroids` has `d` columns and at least one row; `squaredNorms` has `N`
  ///   values.
  public static func lloydIteration<Scalar: MatrixScalar>(
    points: Matrix<Scalar>, squaredNorms: [Scalar], centroids: inout Matrix<Scalar>,
    assignment: inout [Int]
  ) -> (changed: Int, inertia: Double) {
    if let points = points as? Matrix<Float>, var centres = centroids as? Matrix<Float> {
      let outcome = lloydIterationImplementation(
        points: points, squaredNorms: unsafeBitCast(squaredNorms, to: [Float].self),
        centroids: &centres, assignment: &assignment)
      centroids = unsafeBitCast(centres, to: Matrix<Scalar>.self)
      return outcome
    }
    if let points = points as? Matrix<Double>, var centres = centroids as? Matrix<Double> {
      let outcome = lloydIterationImplementation(
        points: points, squaredNorms: unsafeBitCast(squaredNorms, to: [Double].self),
        centroids: &centres, assignment: &assignment)
      centroids = unsafeBitCast(centres, to: Matrix<Scalar>.self)
      return outcome
    }
    return lloydIterationImplementation(
      points: points, squaredNorms: squaredNorms, centroids: &centroids, assignment: &assignment)
  }

  /// ``lloydIteration(points:squaredNorms:centroids:assignment:)`` for a concrete scalar type.
  static func lloydIterationImplementation<Scalar: MatrixScalar>(
    points: Matrix<Scalar>, squaredNorms: [Scalar], centroids: inout Matrix<Scalar>,
    assignment: inout [Int]
  ) -> (changed: Int, inertia: Double) {
    precondition(
      centroids.columns == points.columns && centroids.rows >= 1,
      "lloydIteration: centroids \(centroids.shapeDescription) for points "
        + points.shapeDescription)
    precondition(
      squaredNorms.count == points.rows,
      "lloydIteration: \(squaredNorms.count) norms for \(points.shapeDescription) points")
    let n = points.rows
    let k = centroids.rows
    let previous = assignment.count == n ? assignment : nil
    let result: (changed: Int, inertia: Double) = points.withUnsafeBufferPointer { x in
      squaredNorms.withUnsafeBufferPointer { norms in
        let engine = KMeansEngine<Scalar>(
          points: x.baseAddress.unsafelyUnwrapped, norms: norms.baseAddress.unsafelyUnwrapped,
          rows: n, columns: points.columns, clusters: k)
        centroids.withUnsafeBufferPointer { engine.setCentroids($0.baseAddress.unsafelyUnwrapped) }
        if let previous {
          for i in 0..<n { engine.labels[i] = previous[i] }
        }
        let outcome = engine.assignAll(updateBounds: false)
        _ = engine.updateCentroids()
        centroids = engine.centroidMatrix()
        assignment = engine.labelArray()
        return outcome
      }
    }
    return (previous == nil ? n : result.changed, result.inertia)
  }
}
