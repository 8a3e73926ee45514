import RankCollapseClustering
import RankCollapseNetwork
import RankCollapseTensor

extension NetworkBounds {
  /// One pair (l, j): its terms and the bounded quantities its links are built from.
  struct PairBounds {
    var terms: LayerPairTerms
    var centroidGradient: Matrix<Double>
    var centroidGradientError: Double
    var wcss: RoundingBound
    var curvature: RoundingBound
  }

  /// What the bounded pass over all N samples gives: L_0, the embeddings, the weight gradients
  /// and the error bounds the links need.
  struct FullPass {
    /// L_0.
    var loss: Double
    /// Z^0 = X, …, Z^{L−1} in `Double`.
    var embeddings: [Matrix<Double>]
    /// ∇_{W_l} L_0, element l − 1.
    var gradients: [Matrix<Double>]
    /// The Frobenius norm of the componentwise error bound of each gradient.
    var gradientErrors: [Double]
    /// ‖E^j‖_F, the Frobenius norm of the componentwise error bound of Z^j.
    var embeddingErrorNorms: [Double]
    /// Σ_{i∈𝒞_k} E^j_i (K × d_j): the error bounds of Z^j summed per set.
    var clusterErrorSums: [Matrix<Double>]
    /// Σ_{i∈𝒞_k} r^j_i: the row error bounds (2-norms) of Z^j summed per set.
    var clusterRowErrorSums: [[Double]]
    /// The error bounds of Z^j at the sampled points (one row per sample index).
    var sampleErrors: [Matrix<Double>]
    /// The row error bounds (2-norms) of Z^j at the sampled points.
    var sampleRowErrors: [[Double]]
  }

  /// The bounded forward and backward pass (``ErrorPass``) over all N samples, in batches.
  static func fullPass(
    layers: [BoundedLayer], inputs: Matrix<Double>, targets: Matrix<Double>, loss: Loss,
    partition: Partition, sample: [Int], batchSize: Int
  ) -> FullPass {
    let n = inputs.rows
    let depth = layers.count
    let size = Swift.max(1, Swift.min(batchSize, n))
    let batches = (n + size - 1) / size
    var position = [Int](repeating: -1, count: n)
    for (p, i) in sample.enumerated() { position[i] = p }
    let widths = [inputs.columns] + layers.map(\.outputSize)
    var result = FullPass(
      loss: 0, embeddings: (0..<depth).map { .zeros(rows: n, columns: widths[$0]) },
      gradients: layers.map { .zeros(rows: $0.outputSize, columns: $0.inputSize) },
      gradientErrors: [], embeddingErrorNorms: [Double](repeating: 0, count: depth),
      clusterErrorSums: (0..<depth).map { .zeros(rows: partition.count, columns: widths[$0]) },
      clusterRowErrorSums: [[Double]](
        repeating: [Double](repeating: 0, count: partition.count), count: depth),
      sampleErrors: (0..<depth).map { .zeros(rows: sample.count, columns: widths[$0]) },
      sampleRowErrors: [[Double]](
        repeating: [Double](repeating: 0, count: sample.count), count: depth))
    var errors = layers.map { Matrix<Double>.zeros(rows: $0.outputSize, columns: $0.inputSize) }
    var normwise = [Double](repeating: 0, count: depth)
    let weight = 1 / Double(n)
    var start = 0
    while start < n {
      let end = Swift.min(start + size, n)
      let rows = end - start
      let whole = start == 0 && end == n
      let pass = ErrorPass.run(
        layers: layers[...], inputs: whole ? inputs : inputs.rows(start..<end),
        inputErrors: .zeros(rows: rows, columns: inputs.columns),
        inputRowErrors: [Double](repeating: 0, count: rows),
        targets: whole ? targets : targets.rows(start..<end),
        targetErrors: .zeros(rows: rows, columns: targets.columns),
        targetRowErrors: [Double](repeating: 0, count: rows),
        rowWeights: [Double](repeating: weight, count: rows), loss: loss)
      result.loss += pass.loss
      for m in 1...depth {
        normwise[m - 1] += ErrorPass.accumulateGradient(
          pass: pass, layer: m - 1, batches: batches, into: &result.gradients[m - 1],
          error: &errors[m - 1])
      }
      for j in 0..<depth {
        let z = pass.outputs[j]
        let e = pass.outputErrors[j]
        let rowErrors = pass.outputRowErrors[j]
        let d = widths[j]
        for r in 0..<rows {
          let i = start + r
          let k = partition.assignment[i]
          result.embeddingErrorNorms[j] += rowErrors[r] * rowErrors[r]
          result.clusterRowErrorSums[j][k] += rowErrors[r]
          for t in 0..<d {
            result.embeddings[j][i, t] = z[r, t]
            result.clusterErrorSums[j][k, t] += e[r, t]
          }
          if position[i] >= 0 {
            for t in 0..<d { result.sampleErrors[j][position[i], t] = e[r, t] }
            result.sampleRowErrors[j][position[i]] = rowErrors[r]
          }
        }
      }
      start = end
    }
    result.embeddingErrorNorms = result.embeddingErrorNorms.map { $0.squareRoot() }
    result.gradientErrors = zip(errors.map(ErrorPass.frobenius), normwise).map {
      Swift.min($0, $1)
    }
    return result
  }

  /// The means of `points` per set, computed as ``Partition/means(of:)`` does (the first point
  /// plus the mean of the differences to it), with two bounds: `rounding`, the distance to the
  /// exact means of the computed points, `γ_{N_k+1}·mean_i|p_i − p_first| + u|ĉ_k|`; and
  /// `errors`, the distance to the exact means of the exact points (rounding plus the mean of
  /// the points' error bounds, `errorSums` / N_k).
  static func boundedMeans(
    points: Matrix<Double>, errorSums: Matrix<Double>?, rowErrorSums: [Double]?,
    partition: Partition
  ) -> (
    means: Matrix<Double>, weights: [Double], rounding: Matrix<Double>, errors: Matrix<Double>,
    rowErrors: [Double]
  ) {
    let (means, weights) = partition.means(of: points)
    let k = partition.count
    let d = points.columns
    var first = [Int](repeating: -1, count: k)
    var sizes = [Int](repeating: 0, count: k)
    var spread = Matrix<Double>.zeros(rows: k, columns: d)
    for (i, c) in partition.assignment.enumerated() {
      sizes[c] += 1
      if first[c] < 0 { first[c] = i }
      for t in 0..<d { spread[c, t] += Swift.abs(points[i, t] - points[first[c], t]) }
    }
    var rounding = spread
    var errors = spread
    for c in 0..<k {
      let size = Double(Swift.max(sizes[c], 1))
      let g = RoundingBound.gamma(sizes[c] + 1)
      for t in 0..<d {
        let value = g * spread[c, t] / size + ErrorPass.unit * Swift.abs(means[c, t])
        rounding[c, t] = value
        errors[c, t] = value + (errorSums.map { $0[c, t] / size } ?? 0)
      }
    }
    // Row bounds: ‖ε_k‖ plus the mean of the points' row bounds, capped by the componentwise.
    let roundingRows = ErrorPass.rowNorms(rounding)
    let componentwiseRows = ErrorPass.rowNorms(errors)
    let rowErrors = (0..<k).map { c in
      let size = Double(Swift.max(sizes[c], 1))
      return Swift.min(componentwiseRows[c], roundingRows[c] + (rowErrorSums?[c] ?? 0) / size)
    }
    return (means, weights, rounding, errors, rowErrors)
  }

  /// WCSS_j(𝒞) of equation (6) from the computed points and centroids, with its error bound.
  ///
  /// `√(N·WCSS) = ‖(I − Π)P‖_F` (Π the projection onto the set means) is 1-Lipschitz in the
  /// points, so it is within `‖E‖_F` (the points' error bounds) of the exact points' value; the
  /// computed centroids add at most `√(Σ_k N_k‖ε_k‖²)` (ε their `rounding`), and the sum of
  /// squares a relative `γ`.
  static func boundedWCSS(
    points: Matrix<Double>, targets: Matrix<Double>, centroids: Matrix<Double>,
    centroidTargets: Matrix<Double>, partition: Partition, pointErrorNorm: Double,
    rounding: Matrix<Double>, targetRounding: Matrix<Double>
  ) -> RoundingBound {
    var sum = 0.0
    for (i, k) in partition.assignment.enumerated() {
      for t in 0..<points.columns {
        let d = points[i, t] - centroids[k, t]
        sum += d * d
      }
      for t in 0..<targets.columns {
        let d = targets[i, t] - centroidTargets[k, t]
        sum += d * d
      }
    }
    var centroidError = 0.0
    var sizes = [Int](repeating: 0, count: partition.count)
    for k in partition.assignment { sizes[k] += 1 }
    for k in 0..<partition.count {
      var squared = 0.0
      for t in 0..<rounding.columns { squared += rounding[k, t] * rounding[k, t] }
      for t in 0..<targetRounding.columns { squared += targetRounding[k, t] * targetRounding[k, t] }
      centroidError += Double(sizes[k]) * squared
    }
    let terms = points.rows * (points.columns + targets.columns)
    let root = sum.squareRoot()
    let bound = RoundingBound(
      root,
      error: RoundingBound.gamma(terms + 3) * root + pointErrorNorm + centroidError.squareRoot())
    return bound.squared / RoundingBound.exact(Double(points.rows))
  }

  /// ∇_{W_l} L_0^{j,𝒞} = Σ_k π_k ∇_{W_l} ℓ(f_j(z̄_k), ȳ_k) for every layer of `tail` (one
  /// bounded pass over the K centroids), with the Frobenius norms of their error bounds.
  static func centroidGradients(
    tail: ArraySlice<BoundedLayer>, centroids: Matrix<Double>, centroidErrors: Matrix<Double>,
    centroidRowErrors: [Double], centroidTargets: Matrix<Double>,
    centroidTargetErrors: Matrix<Double>, centroidTargetRowErrors: [Double], weights: [Double],
    loss: Loss
  ) -> (gradients: [Matrix<Double>], errors: [Double]) {
    let pass = ErrorPass.run(
      layers: tail, inputs: centroids, inputErrors: centroidErrors,
      inputRowErrors: centroidRowErrors, targets: centroidTargets,
      targetErrors: centroidTargetErrors, targetRowErrors: centroidTargetRowErrors,
      rowWeights: weights, loss: loss)
    var gradients: [Matrix<Double>] = []
    var errors: [Double] = []
    for (m, layer) in tail.enumerated() {
      var gradient = Matrix<Double>.zeros(rows: layer.outputSize, columns: layer.inputSize)
      var error = gradient
      let normwise = ErrorPass.accumulateGradient(
        pass: pass, layer: m, batches: 1, into: &gradient, error: &error)
      gradients.append(gradient)
      errors.append(Swift.min(ErrorPass.frobenius(error), normwise))
    }
    return (gradients, errors)
  }

  /// All indices when `size ≥ count`, else a seeded uniform sample without replacement, sorted.
  static func sampleIndices(count: Int, size: Int, seed: UInt64) -> [Int] {
    guard size < count else { return Array(0..<count) }
    var generator = SeededGenerator(seed: seed)
    return Array(Array(0..<count).shuffled(using: &generator).prefix(size)).sorted()
  }

  /// The data of one segment from a centroid to a sampled point.
  struct Segment {
    /// The sample index i.
    var index: Int
    /// Its row in the sample.
    var position: Int
    /// ‖Δ_i‖², Δ_i = (z_i, y_i) − (z̄_k, ȳ_k), with its error bound.
    var squaredLength: RoundingBound
  }

  /// The M̂_{l,j} estimate for every layer of `tail` (layers j+1…L): the largest
  /// ‖G(t−h) − 2G(t) + G(t+h)‖/(h²‖Δ‖²) over the sampled points and interior stencil points,
  /// with a bound on its distance to the same maximum in exact arithmetic (same points, same
  /// stencil, exact centroids) and the sample index that attains it.
  ///
  /// A per-point G is the rank-one matrix δzᵀ, so the second difference is
  /// δ₊z₊ᵀ − 2δ₀z₀ᵀ + δ₋z₋ᵀ = (δ₊ − 2δ₀ + δ₋)z₊ᵀ + (δ₀ − δ₋)(z₊ − z₋)ᵀ + δ₀(z₊ − 2z₀ + z₋)ᵀ: three
  /// rank-one terms whose vectors are differences of the size of the result, and its norm comes
  /// from their Gram identity ‖Σ_a p_a q_aᵀ‖² = Σ_{a,b}(p_a·p_b)(q_a·q_b) without forming the
  /// matrix. Its error bound adds the Gram rounding `γ·(Σ_a‖p_a‖‖q_a‖)²` (through the square
  /// root) and the propagated errors `Σ_a (‖e_{p_a}‖‖q_a‖ + ‖p_a‖‖e_{q_a}‖ + ‖e_{p_a}‖‖e_{q_a}‖)`
  /// from the bounded pass at the stencil points (whose inputs carry the centroid's and the
  /// point's error bounds and the interpolation's rounding). A point is skipped when
  /// ‖Δ_i‖ ≤ 10³ε·max(‖(z_i, y_i)‖, 1) (a point equal to its centroid up to rounding); when the
  /// error bounds cannot tell on which side of that threshold the exact ‖Δ_i‖ lies, the error
  /// bound is infinite.
  static func segmentCurvatures(
    tail: ArraySlice<BoundedLayer>, embedding: Matrix<Double>, sampleErrors: Matrix<Double>,
    sampleRowErrors: [Double], targets: Matrix<Double>, partition: Partition,
    centroids: Matrix<Double>, centroidErrors: Matrix<Double>, centroidRowErrors: [Double],
    centroidTargets: Matrix<Double>, centroidTargetErrors: Matrix<Double>,
    centroidTargetRowErrors: [Double], sample: [Int], steps: Int, loss: Loss, batchSize: Int,
    threshold relative: Double
  ) -> [(value: Double, error: Double, point: Int?)] {
    let dz = embedding.columns
    let dy = targets.columns
    let stencil = steps + 1
    let unit = ErrorPass.unit
    var segments: [Segment] = []
    var ambiguous = false
    for (position, i) in sample.enumerated() {
      let k = partition.assignment[i]
      var squared = 0.0
      var errorSquared = 0.0
      var scale = 0.0
      var scaleError = 0.0
      for t in 0..<dz {
        let d = embedding[i, t] - centroids[k, t]
        squared += d * d
        let e = sampleErrors[position, t] + centroidErrors[k, t] + unit * Swift.abs(d)
        errorSquared += e * e
        scale += embedding[i, t] * embedding[i, t]
        scaleError += sampleErrors[position, t] * sampleErrors[position, t]
      }
      for t in 0..<dy {
        let d = targets[i, t] - centroidTargets[k, t]
        squared += d * d
        let e = centroidTargetErrors[k, t] + unit * Swift.abs(d)
        errorSquared += e * e
        scale += targets[i, t] * targets[i, t]
      }
      let lengthError = Swift.min(
        errorSquared.squareRoot(),
        sampleRowErrors[position] + centroidRowErrors[k] + centroidTargetRowErrors[k] + unit
          * squared.squareRoot())
      let length = RoundingBound.norm(squaredSum: squared, terms: dz + dy, normError: lengthError)
      let size = RoundingBound.norm(
        squaredSum: scale, terms: dz + dy,
        normError: Swift.min(scaleError.squareRoot(), sampleRowErrors[position]))
      // The exact rule: measured iff ‖Δ_i‖ > relative·max(‖(z_i, y_i)‖, 1).
      let high = relative * Swift.max(size.value + size.error, 1) * (1 + 4 * unit)
      let low = relative * Swift.max(size.value - size.error, 1) * (1 - 4 * unit)
      if length.value - length.error > high {
        segments.append(Segment(index: i, position: position, squaredLength: length.squared))
      } else if !(length.value + length.error <= low) {
        ambiguous = true
      }
    }
    var maxima = [Double](repeating: 0, count: tail.count)
    var errors = [Double](repeating: ambiguous ? .infinity : 0, count: tail.count)
    var argmax = [Int?](repeating: nil, count: tail.count)
    let chunk = Swift.max(1, batchSize / stencil)
    let g4 = RoundingBound.gamma(4)
    let curvatureScale = RoundingBound.exact(Double(steps * steps))
    var start = 0
    while start < segments.count {
      let end = Swift.min(start + chunk, segments.count)
      let rows = (end - start) * stencil
      var z = Matrix<Double>.zeros(rows: rows, columns: dz)
      var ez = z
      var y = Matrix<Double>.zeros(rows: rows, columns: dy)
      var ey = y
      var zRows = [Double](repeating: 0, count: rows)
      var yRows = [Double](repeating: 0, count: rows)
      for p in start..<end {
        let segment = segments[p]
        let i = segment.index
        let k = partition.assignment[i]
        for s in 0...steps {
          let t = Double(s) / Double(steps)
          let row = (p - start) * stencil + s
          var centerNorm = 0.0
          var differenceNorm = 0.0
          var targetCenterNorm = 0.0
          var targetDifferenceNorm = 0.0
          for c in 0..<dz {
            let center = centroids[k, c]
            let difference = embedding[i, c] - center
            centerNorm += center * center
            differenceNorm += difference * difference
            z[row, c] = center + t * difference
            ez[row, c] =
              (1 - t) * centroidErrors[k, c] + t * sampleErrors[segment.position, c]
              + g4 * (Swift.abs(center) + t * Swift.abs(difference))
          }
          for c in 0..<dy {
            let center = centroidTargets[k, c]
            let difference = targets[i, c] - center
            targetCenterNorm += center * center
            targetDifferenceNorm += difference * difference
            y[row, c] = center + t * difference
            ey[row, c] =
              (1 - t) * centroidTargetErrors[k, c]
              + g4 * (Swift.abs(center) + t * Swift.abs(difference))
          }
          zRows[row] =
            (1 - t) * centroidRowErrors[k] + t * sampleRowErrors[segment.position] + g4
            * (centerNorm.squareRoot() + t * differenceNorm.squareRoot())
          yRows[row] =
            (1 - t) * centroidTargetRowErrors[k] + g4
            * (targetCenterNorm.squareRoot() + t * targetDifferenceNorm.squareRoot())
        }
      }
      let pass = ErrorPass.run(
        layers: tail, inputs: z, inputErrors: ez, inputRowErrors: zRows, targets: y,
        targetErrors: ey, targetRowErrors: yRows, rowWeights: [Double](repeating: 1, count: rows),
        loss: loss)
      for m in 0..<tail.count {
        for p in start..<end {
          let base = (p - start) * stencil
          for s in 1..<steps {
            let norm = secondDifference(
              pass: pass, layer: m, rows: (base + s - 1, base + s, base + s + 1))
            let value = norm * curvatureScale / segments[p].squaredLength
            errors[m] = Swift.max(errors[m], value.error)
            if value.value > maxima[m] || value.value.isNaN {
              maxima[m] = value.value
              argmax[m] = segments[p].index
            }
          }
        }
      }
      start = end
    }
    return (0..<tail.count).map { (maxima[$0], errors[$0], argmax[$0]) }
  }

  /// ‖δ₊z₊ᵀ − 2δ₀z₀ᵀ + δ₋z₋ᵀ‖_F for rows (−, 0, +) with its error bound (see
  /// `segmentCurvatures`).
  static func secondDifference(pass: BoundedPass, layer m: Int, rows: (Int, Int, Int))
    -> RoundingBound
  {
    let delta = pass.deltas[m]
    let input = pass.outputs[m]
    let (p, ep) = threeTerms(delta, pass.deltaErrors[m], rows: rows, secondFirst: true)
    let (q, eq) = threeTerms(input, pass.outputErrors[m], rows: rows, secondFirst: false)
    let ap = rowNormTerms(p, pass.deltaRowErrors[m], rows: rows, secondFirst: true)
    let aq = rowNormTerms(q, pass.outputRowErrors[m], rows: rows, secondFirst: false)
    var squared = 0.0
    var spread = 0.0
    var propagated = 0.0
    for a in 0..<3 {
      for b in 0..<3 { squared += dot(p[a], p[b]) * dot(q[a], q[b]) }
      let (pn, qn) = (dot(p[a], p[a]).squareRoot(), dot(q[a], q[a]).squareRoot())
      let epn = Swift.min(dot(ep[a], ep[a]).squareRoot(), ap[a])
      let eqn = Swift.min(dot(eq[a], eq[a]).squareRoot(), aq[a])
      spread += pn * qn
      propagated += epn * qn + pn * eqn + epn * eqn
    }
    let gram = RoundingBound.gamma(delta.columns + input.columns + 12) * spread * spread
    let root = RoundingBound(squared, error: gram).squareRoot()
    return RoundingBound(root.value, error: root.error + propagated)
  }

  /// The three vectors of each factor of the second difference and their error bounds: for δ
  /// (`secondFirst`) δ₊ − 2δ₀ + δ₋, δ₀ − δ₋, δ₀; for z: z₊, z₊ − z₋, z₊ − 2z₀ + z₋.
  static func threeTerms(
    _ m: Matrix<Double>, _ e: Matrix<Double>, rows: (Int, Int, Int), secondFirst: Bool
  ) -> ([[Double]], [[Double]]) {
    let (minus, zero, plus) = rows
    let n = m.columns
    let unit = ErrorPass.unit
    let g2 = RoundingBound.gamma(2)
    var values = [[Double]](repeating: [Double](repeating: 0, count: n), count: 3)
    var errors = values
    for t in 0..<n {
      let (a, b, c) = (m[minus, t], m[zero, t], m[plus, t])
      let (ea, eb, ec) = (e[minus, t], e[zero, t], e[plus, t])
      let second = c - 2 * b + a
      let secondError =
        ec + 2 * eb + ea + g2 * (Swift.abs(c) + 2 * Swift.abs(b) + Swift.abs(a))
      if secondFirst {
        let first = b - a
        values[0][t] = second
        errors[0][t] = secondError
        values[1][t] = first
        errors[1][t] = eb + ea + unit * Swift.abs(first)
        values[2][t] = b
        errors[2][t] = eb
      } else {
        let wide = c - a
        values[0][t] = c
        errors[0][t] = ec
        values[1][t] = wide
        errors[1][t] = ec + ea + unit * Swift.abs(wide)
        values[2][t] = second
        errors[2][t] = secondError
      }
    }
    return (values, errors)
  }

  /// Bounds on the 2-norms of the three vectors' errors from the rows' error norms r: for δ
  /// (`secondFirst`) r₊ + 2r₀ + r₋ + γ_2(‖δ₊‖ + 2‖δ₀‖ + ‖δ₋‖), r₀ + r₋ + u‖δ₀ − δ₋‖, r₀; for z:
  /// r₊, r₊ + r₋ + u‖z₊ − z₋‖, r₊ + 2r₀ + r₋ + γ_2(‖z₊‖ + 2‖z₀‖ + ‖z₋‖), the norms of the rows
  /// bounded through the three vectors.
  static func rowNormTerms(
    _ values: [[Double]], _ r: [Double], rows: (Int, Int, Int), secondFirst: Bool
  ) -> [Double] {
    let (minus, zero, plus) = rows
    let g2 = RoundingBound.gamma(2)
    let unit = ErrorPass.unit
    let (rm, r0, rp) = (r[minus], r[zero], r[plus])
    let norms = values.map { dot($0, $0).squareRoot() }
    if secondFirst {
      // values = [second, δ₀ − δ₋, δ₀]: ‖δ₋‖ ≤ ‖δ₀‖ + ‖δ₀ − δ₋‖, δ₊ = second + 2δ₀ − δ₋.
      let spread = norms[0] + 6 * norms[2] + 2 * norms[1]
      return [rp + 2 * r0 + rm + g2 * spread, r0 + rm + unit * norms[1], r0]
    } else {
      // values = [z₊, z₊ − z₋, second]: ‖z₋‖ ≤ ‖z₊‖ + ‖z₊ − z₋‖, z₀ = (z₊ + z₋ − second)/2.
      let zMinus = norms[0] + norms[1]
      let zZero = (norms[2] + norms[0] + zMinus) / 2
      let spread = norms[0] + 2 * zZero + zMinus
      return [rp, rp + rm + unit * norms[1], rp + 2 * r0 + rm + g2 * spread]
    }
  }

  /// x·y.
  static func dot(_ x: [Double], _ y: [Double]) -> Double {
    var sum = 0.0
    for t in x.indices { sum += x[t] * y[t] }
    return sum
  }
}
