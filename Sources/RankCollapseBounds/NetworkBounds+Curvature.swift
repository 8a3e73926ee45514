import RankCollapseClustering
import RankCollapseNetwork
import RankCollapseTensor

extension NetworkBounds {
  /// L_0 and ∇_{W_l} L_0 for every l over all N samples, in batches (means recombined with
  /// weights rows/N).
  static func dataGradients<Scalar: MatrixScalar>(
    network: Network<Scalar>, inputs: Matrix<Scalar>, targets: Matrix<Scalar>, loss: Loss,
    batchSize: Int
  ) throws(NetworkBoundError) -> (Double, [Matrix<Scalar>]) {
    let n = inputs.rows
    var total = 0.0
    var sums = network.layers.map {
      Matrix<Scalar>.zeros(rows: $0.outputSize, columns: $0.inputSize)
    }
    var workspace = Network<Scalar>.Workspace(for: network, batchSize: Swift.min(batchSize, n))
    var gradients = Gradients(zeroingParametersOf: network)
    var start = 0
    while start < n {
      let end = Swift.min(start + batchSize, n)
      let whole = start == 0 && end == n
      let value: Double
      do {
        value = try network.gradients(
          inputs: whole ? inputs : inputs.rows(start..<end),
          targets: .values(whole ? targets : targets.rows(start..<end)), loss: loss,
          workspace: &workspace, into: &gradients)
      } catch { throw .network(error) }
      let share = Double(end - start) / Double(n)
      total += share * value
      for l in sums.indices {
        if whole {
          sums[l] = gradients.weights[l]
        } else {
          sums[l] += gradients.weights[l] * Scalar(share)
        }
      }
      start = end
    }
    return (total, sums)
  }

  /// All indices when `size ≥ count`, else a seeded uniform sample without replacement, sorted.
  static func sampleIndices(count: Int, size: Int, seed: UInt64) -> [Int] {
    guard size < count else { return Array(0..<count) }
    var generator = SeededGenerator(seed: seed)
    return Array(Array(0..<count).shuffled(using: &generator).prefix(size)).sorted()
  }

  /// The M_{l,j} estimate for every layer of `tail` (layers j+1…L): the largest
  /// ‖G(t−h) − 2G(t) + G(t+h)‖/(h²‖Δ‖²) over the sampled points and interior stencil points,
  /// with a bound on its rounding error and the sample index that attains it.
  ///
  /// The squared norm of a second difference comes from the Gram identity, whose rounding is at
  /// most `ε·(Σ_a |c_a|‖G_a‖)²` with `ε` the relative error of the dot products (`γ_w` in
  /// `Double`, plus the backprop's relative error estimate `backpropError` for each factor);
  /// the norm is then within `√ε·Σ_a |c_a|‖G_a‖` (the square root of an absolute error).
  static func segmentCurvatures<Scalar: MatrixScalar>(
    tail: Network<Scalar>, embedding: Matrix<Scalar>, targets: Matrix<Scalar>,
    partition: Partition, centroids: Matrix<Scalar>, centroidTargets: Matrix<Scalar>,
    sample: [Int], steps: Int, loss: Loss, batchSize: Int, backpropError: [Double]
  ) throws(NetworkBoundError) -> [(value: Double, error: Double, point: Int?)] {
    let dz = embedding.columns
    let dy = targets.columns
    let stencil = steps + 1
    // Points whose segment has positive length.
    var points: [(index: Int, squaredLength: Double)] = []
    // Segments shorter than ~1e3 ε relative to the point are rounding noise of the centroid
    // (a point equal to its centroid): skipped, they carry no curvature information.
    let relative = 1e3 * Double(Scalar.ulpOfOne)
    for i in sample {
      let k = partition.assignment[i]
      var squared = 0.0
      var scale = 0.0
      for t in 0..<dz {
        let d = Double(embedding[i, t] - centroids[k, t])
        squared += d * d
        scale += Double(embedding[i, t]) * Double(embedding[i, t])
      }
      for t in 0..<dy {
        let d = Double(targets[i, t] - centroidTargets[k, t])
        squared += d * d
        scale += Double(targets[i, t]) * Double(targets[i, t])
      }
      if squared > relative * relative * Swift.max(scale, 1) { points.append((i, squared)) }
    }
    var maxima = [Double](repeating: 0, count: tail.depth)
    var errors = [Double](repeating: 0, count: tail.depth)
    var argmax = [Int?](repeating: nil, count: tail.depth)
    let chunk = Swift.max(1, batchSize / stencil)
    var start = 0
    while start < points.count {
      let end = Swift.min(start + chunk, points.count)
      let rows = (end - start) * stencil
      var zRows = [Scalar](repeating: 0, count: rows * dz)
      var yRows = [Scalar](repeating: 0, count: rows * dy)
      for p in start..<end {
        let i = points[p].index
        let k = partition.assignment[i]
        for s in 0...steps {
          let t = Scalar(s) / Scalar(steps)
          let row = (p - start) * stencil + s
          for c in 0..<dz {
            let center = centroids[k, c]
            zRows[row * dz + c] = center + t * (embedding[i, c] - center)
          }
          for c in 0..<dy {
            let center = centroidTargets[k, c]
            yRows[row * dy + c] = center + t * (targets[i, c] - center)
          }
        }
      }
      let z = Matrix<Scalar>(rows: rows, columns: dz, elements: zRows)
      let y = Matrix<Scalar>(rows: rows, columns: dy, elements: yRows)
      let activations: [Matrix<Scalar>]
      let gradients: Gradients<Scalar>
      do {
        activations = try tail.embeddings(of: z, batchSize: rows)
        gradients = try tail.gradients(
          inputs: z, targets: .values(y), loss: loss,
          embeddingGradients: Set(1...tail.depth)
        ).gradients
      } catch { throw .network(error) }
      for m in 0..<tail.depth {
        let layer = tail.layers[m]
        var pre = activations[m].matmul(layer.weight, transposeOther: true)
        pre.addRowVector((0..<layer.outputSize).map { layer.bias[0, $0] })
        let upstream = gradients.embeddings[m + 1].unsafelyUnwrapped
        let scale = Scalar(rows)
        let activation = layer.activation
        let delta = upstream.zipMap(pre) { g, a in scale * g * activation.derivative(at: a) }
        let previous = activations[m]
        let epsilon =
          RoundingBound.gamma(layer.outputSize + 2) + RoundingBound.gamma(layer.inputSize + 2)
          + 2 * backpropError[m]
        for p in start..<end {
          let base = (p - start) * stencil
          let lengthSquared = points[p].squaredLength
          for s in 1..<steps {
            let r = [base + s - 1, base + s, base + s + 1]
            let c = [1.0, -2.0, 1.0]
            var norm2 = 0.0
            var spread = 0.0
            for a in 0..<3 {
              for b in 0..<3 {
                norm2 +=
                  c[a] * c[b] * rowDot(delta, r[a], r[b]) * rowDot(previous, r[a], r[b])
              }
              spread +=
                abs(c[a]) * (rowDot(delta, r[a], r[a]) * rowDot(previous, r[a], r[a])).squareRoot()
            }
            let h = 1 / Double(steps)
            let scale = h * h * lengthSquared
            let value = Swift.max(0, norm2).squareRoot() / scale
            errors[m] = Swift.max(errors[m], epsilon.squareRoot() * spread / scale)
            if value > maxima[m] || value.isNaN {
              maxima[m] = value
              argmax[m] = points[p].index
            }
          }
        }
      }
      start = end
    }
    return (0..<tail.depth).map { (maxima[$0], errors[$0], argmax[$0]) }
  }

  /// The dot product of rows a and b, accumulated in `Double`.
  static func rowDot<Scalar: MatrixScalar>(_ m: Matrix<Scalar>, _ a: Int, _ b: Int) -> Double {
    m.withUnsafeBufferPointer { p in
      let n = m.columns
      var sum = 0.0
      for t in 0..<n { sum += Double(p[a * n + t]) * Double(p[b * n + t]) }
      return sum
    }
  }
}
