import RankCollapseTensor
import _RankCollapseKernels

/// The buffers and loops of one k-means fit on fixed points.
///
/// The points are split into `parts` contiguous row ranges processed concurrently; each range
/// owns its workspace (distance block, gathered rows, centroid-sum deltas), so the parts never
/// write shared memory except disjoint entries of the per-point arrays. Partial sums are reduced
/// in part order, which keeps results deterministic for a given thread count.
final class KMeansEngine<S: MatrixScalar>: @unchecked Sendable {
  /// Rows per block handed to one matrix product; a block of 784-wide rows stays in L2.
  static var chunk: Int { 256 }

  let x: UnsafePointer<S>
  let norms: UnsafePointer<S>
  let n: Int
  let d: Int
  let k: Int
  let parts: Int

  /// Centroids as used by the products (`k × d`, scalar type of the data).
  let centroids: UnsafeMutablePointer<S>
  /// `‖c_j‖²`.
  let centroidNorms: UnsafeMutablePointer<S>
  /// Centroids in `Double` (`k × d`), the ones the means are computed in.
  let exactCentroids: UnsafeMutablePointer<Double>
  /// Running per-cluster coordinate sums (`k × d`) and counts.
  let sums: UnsafeMutablePointer<Double>
  let counts: UnsafeMutablePointer<Int>

  /// The cluster of each point and Hamerly's bounds: `upper[i] ≥ ‖x_i − c_{a(i)}‖`,
  /// `lower[i] ≤ min_{j ≠ a(i)} ‖x_i − c_j‖`.
  let labels: UnsafeMutablePointer<Int>
  let upper: UnsafeMutablePointer<Double>
  let lower: UnsafeMutablePointer<Double>
  /// Half the distance from each centroid to its nearest other centroid.
  let halfSeparation: UnsafeMutablePointer<Double>

  /// Per-part workspaces.
  let dots: UnsafeMutablePointer<S>  // parts × chunk × k
  let gathered: UnsafeMutablePointer<S>  // parts × chunk × d
  let deltaSums: UnsafeMutablePointer<Double>  // parts × k × d
  let blockSums: UnsafeMutablePointer<S>  // parts × k × d
  let blockLabels: UnsafeMutablePointer<Int64>  // parts × chunk
  let blockBest: UnsafeMutablePointer<Float>  // parts × chunk
  let blockSecond: UnsafeMutablePointer<Float>  // parts × chunk
  let kernelScratch: UnsafeMutablePointer<Float>  // parts × 2k
  /// Whether the assignment pass uses the fused AVX2 + FMA kernel (`Float` data on a processor
  /// that has it) instead of a BLAS product followed by a scalar loop.
  let fused: Bool
  let deltaCounts: UnsafeMutablePointer<Int>  // parts × k
  let partChanged: UnsafeMutablePointer<Int>  // parts
  let partInertia: UnsafeMutablePointer<Double>  // parts

  init(points: UnsafePointer<S>, norms: UnsafePointer<S>, rows: Int, columns: Int, clusters: Int) {
    x = points
    self.norms = norms
    n = rows
    d = columns
    k = clusters
    parts = Kernels.partCount(rows: rows)
    let chunk = Self.chunk
    centroids = .allocate(capacity: k * d)
    centroidNorms = .allocate(capacity: k)
    exactCentroids = .allocate(capacity: k * d)
    sums = .allocate(capacity: k * d)
    counts = .allocate(capacity: k)
    labels = .allocate(capacity: n)
    labels.initialize(repeating: -1, count: n)
    upper = .allocate(capacity: n)
    upper.initialize(repeating: 0, count: n)
    lower = .allocate(capacity: n)
    lower.initialize(repeating: 0, count: n)
    halfSeparation = .allocate(capacity: k)
    dots = .allocate(capacity: parts * chunk * k)
    gathered = .allocate(capacity: parts * chunk * d)
    deltaSums = .allocate(capacity: parts * k * d)
    blockSums = .allocate(capacity: parts * k * d)
    blockLabels = .allocate(capacity: parts * chunk)
    blockBest = .allocate(capacity: parts * chunk)
    blockSecond = .allocate(capacity: parts * chunk)
    kernelScratch = .allocate(capacity: parts * 2 * k)
    fused = S.self == Float.self && Kernels.fusedAssignmentAvailable
    deltaCounts = .allocate(capacity: parts * k)
    partChanged = .allocate(capacity: parts)
    partInertia = .allocate(capacity: parts)
  }

  deinit {
    for pointer in [centroids, dots, gathered, blockSums] as [UnsafeMutablePointer<S>] {
      pointer.deallocate()
    }
    centroidNorms.deallocate()
    blockLabels.deallocate()
    blockBest.deallocate()
    blockSecond.deallocate()
    kernelScratch.deallocate()
    for pointer in [exactCentroids, sums, upper, lower, halfSeparation, deltaSums, partInertia] {
      pointer.deallocate()
    }
    for pointer in [counts, labels, deltaCounts, partChanged] { pointer.deallocate() }
  }

  /// Sets the centroids from `K × d` values in the data's scalar type.
  func setCentroids(_ values: UnsafePointer<S>) {
    for t in 0..<(k * d) { exactCentroids[t] = Double(values[t]) }
    publishCentroids()
  }

  /// Copies ``exactCentroids`` to ``centroids`` and recomputes ``centroidNorms``.
  func publishCentroids() {
    for t in 0..<(k * d) { centroids[t] = S(exactCentroids[t]) }
    for j in 0..<k {
      centroidNorms[j] = S(Kernels.sumOfSquares(centroids + j * d, count: d))
    }
  }

  /// Squared distances (up to the row's own `‖x‖²`) of `rows` rows at `rowsPointer` to every
  /// centroid, by one product: `dots = X_block Cᵀ`, then `‖c_j‖² − 2 x·c_j`.
  @inline(__always)
  func products(_ rowsPointer: UnsafePointer<S>, rows: Int, into out: UnsafeMutablePointer<S>) {
    S.blasGEMM(
      transposeA: false, transposeB: true, m: rows, n: k, k: d, alpha: 1, a: rowsPointer,
      lda: d, b: centroids, ldb: d, beta: 0, c: out, ldc: k)
  }

  /// The nearest and second-nearest centroid of a row from its products `x·c_j`: returns the
  /// index and both squared distances (clamped at 0), ties to the lower index.
  @inline(__always)
  func nearest(_ row: UnsafePointer<S>, norm: S) -> (index: Int, best: Double, second: Double) {
    var bestIndex = 0
    var best = centroidNorms[0] - 2 * row[0]
    var second = S.infinity
    var j = 1
    while j < k {
      let value = centroidNorms[j] - 2 * row[j]
      if value < best {
        second = best
        best = value
        bestIndex = j
      } else if value < second {
        second = value
      }
      j &+= 1
    }
    return (
      bestIndex, Swift.max(0, Double(norm + best)),
      second.isFinite ? Swift.max(0, Double(norm + second)) : .infinity
    )
  }

  /// Assigns every point to its nearest centroid by matrix products (one Lloyd assignment
  /// step), recomputes ``sums`` and ``counts`` from scratch, and sets tight bounds.
  ///
  /// - Returns: How many labels changed, and `Σ_i min_j ‖x_i − c_j‖²` from the products.
  @discardableResult
  func assignAll(updateBounds: Bool) -> (changed: Int, inertia: Double) {
    let chunk = Self.chunk
    Kernels.forEachPart(parts) { part in
      let range = Kernels.range(part: part, of: parts, count: n)
      let dots = self.dots + part * chunk * k
      let partSums = self.deltaSums + part * k * d
      let blockSums = self.blockSums + part * k * d
      let partCounts = self.deltaCounts + part * k
      partSums.update(repeating: 0, count: k * d)
      partCounts.update(repeating: 0, count: k)
      var changed = 0
      var inertia = 0.0
      var start = range.lowerBound
      while start < range.upperBound {
        let rows = Swift.min(chunk, range.upperBound - start)
        // The block's rows are summed in the data's scalar type (a few hundred terms), then
        // added to the Double sums once per block.
        blockSums.update(repeating: 0, count: k * d)
        if fused {
          // One pass over the rows: products, argmin and accumulation (the rows are read once).
          let labels = self.blockLabels + part * chunk
          let best = self.blockBest + part * chunk
          let second = self.blockSecond + part * chunk
          func float(_ pointer: UnsafePointer<S>) -> UnsafePointer<Float> {
            UnsafeRawPointer(pointer).assumingMemoryBound(to: Float.self)
          }
          rc_kmeans_assign_f32_avx2(
            float(x + start * d), Int64(rows), Int64(d), float(norms + start), float(centroids),
            float(centroidNorms), Int64(k), labels, best, second,
            UnsafeMutableRawPointer(blockSums).assumingMemoryBound(to: Float.self),
            kernelScratch + part * 2 * k)
          for r in 0..<rows {
            let i = start + r
            let j = Int(labels[r])
            if self.labels[i] != j {
              changed &+= 1
              self.labels[i] = j
            }
            let bestDistance = Double(best[r])
            if updateBounds {
              upper[i] = bestDistance.squareRoot()
              lower[i] = Double(second[r]).squareRoot()
            }
            inertia += bestDistance
            partCounts[j] &+= 1
          }
          for t in 0..<(k * d) { partSums[t] += Double(blockSums[t]) }
          start += rows
          continue
        }
        products(x + start * d, rows: rows, into: dots)
        for r in 0..<rows {
          let i = start + r
          let (j, best, second) = nearest(dots + r * k, norm: norms[i])
          if labels[i] != j {
            changed &+= 1
            labels[i] = j
          }
          if updateBounds {
            upper[i] = best.squareRoot()
            lower[i] = second.squareRoot()
          }
          inertia += best
          partCounts[j] &+= 1
          Kernels.add(x + i * d, into: blockSums + j * d, count: d)
        }
        for t in 0..<(k * d) { partSums[t] += Double(blockSums[t]) }
        start += rows
      }
      partChanged[part] = changed
      partInertia[part] = inertia
    }
    sums.update(repeating: 0, count: k * d)
    counts.update(repeating: 0, count: k)
    return reduceParts()
  }

  /// One assignment step that recomputes distances only for the points whose Hamerly bounds
  /// (`upper[i] > max(halfSeparation[a(i)], lower[i])`) do not prove their assignment;
  /// ``sums`` and ``counts`` are updated by the moves.
  ///
  /// - Returns: How many labels changed (the inertia is not computed: `0`).
  func assignBounded() -> Int {
    let chunk = Self.chunk
    Kernels.forEachPart(parts) { part in
      let range = Kernels.range(part: part, of: parts, count: n)
      let dots = self.dots + part * chunk * k
      let gathered = self.gathered + part * chunk * d
      let partSums = self.deltaSums + part * k * d
      let partCounts = self.deltaCounts + part * k
      partSums.update(repeating: 0, count: k * d)
      partCounts.update(repeating: 0, count: k)
      var changed = 0
      var pending: [Int] = []
      pending.reserveCapacity(chunk)
      func flush() {
        guard !pending.isEmpty else { return }
        products(gathered, rows: pending.count, into: dots)
        for (r, i) in pending.enumerated() {
          let (j, best, second) = nearest(dots + r * k, norm: norms[i])
          upper[i] = best.squareRoot()
          lower[i] = second.squareRoot()
          let old = labels[i]
          if old != j {
            changed &+= 1
            labels[i] = j
            partCounts[old] &-= 1
            partCounts[j] &+= 1
            Kernels.subtract(x + i * d, from: partSums + old * d, count: d)
            Kernels.accumulate(x + i * d, into: partSums + j * d, count: d)
          }
        }
        pending.removeAll(keepingCapacity: true)
      }
      for i in range {
        let bound = Swift.max(halfSeparation[labels[i]], lower[i])
        guard upper[i] > bound else { continue }
        (gathered + pending.count * d).update(from: x + i * d, count: d)
        pending.append(i)
        if pending.count == chunk { flush() }
      }
      flush()
      partChanged[part] = changed
      partInertia[part] = 0
    }
    return reduceParts().changed
  }

  /// Adds the parts' sums and counts to ``sums`` and ``counts`` in part order.
  private func reduceParts() -> (changed: Int, inertia: Double) {
    var changed = 0
    var inertia = 0.0
    for part in 0..<parts {
      let partSums = deltaSums + part * k * d
      for t in 0..<(k * d) { sums[t] += partSums[t] }
      for j in 0..<k { counts[j] += deltaCounts[part * k + j] }
      changed += partChanged[part]
      inertia += partInertia[part]
    }
    return (changed, inertia)
  }

  /// Gives every empty cluster the point farthest from its centroid (among clusters with more
  /// than one point), as scikit-learn does; updates labels, sums and counts.
  ///
  /// - Returns: Whether any cluster was empty.
  func repairEmptyClusters() -> Bool {
    let empty = (0..<k).filter { counts[$0] == 0 }
    guard !empty.isEmpty else { return false }
    var distances: [(distance: Double, index: Int)] = []
    distances.reserveCapacity(n)
    for i in 0..<n {
      distances.append(
        (Kernels.squaredDistance(x + i * d, exactCentroids + labels[i] * d, count: d), i))
    }
    // Farthest first; ties to the lower index.
    distances.sort {
      $0.distance > $1.distance || ($0.distance == $1.distance && $0.index < $1.index)
    }
    var next = 0
    for j in empty {
      while next < n && counts[labels[distances[next].index]] <= 1 { next += 1 }
      guard next < n else { break }
      let i = distances[next].index
      next += 1
      let old = labels[i]
      counts[old] -= 1
      Kernels.subtract(x + i * d, from: sums + old * d, count: d)
      labels[i] = j
      counts[j] = 1
      Kernels.accumulate(x + i * d, into: sums + j * d, count: d)
    }
    return true
  }

  /// Replaces the centroids by the cluster means (a cluster with no point keeps its centroid)
  /// and returns each centroid's shift `‖c_j^{new} − c_j‖`.
  func updateCentroids() -> [Double] {
    var shifts = [Double](repeating: 0, count: k)
    for j in 0..<k where counts[j] > 0 {
      let scale = 1 / Double(counts[j])
      var shift = 0.0
      for t in 0..<d {
        let value = sums[j * d + t] * scale
        let difference = value - exactCentroids[j * d + t]
        shift += difference * difference
        exactCentroids[j * d + t] = value
      }
      shifts[j] = shift.squareRoot()
    }
    publishCentroids()
    return shifts
  }

  /// Moves the bounds by the centroid shifts (`upper += p_{a(i)}`, `lower −= max_{j≠a(i)} p_j`)
  /// and recomputes the half separations.
  func updateBounds(shifts: [Double]) {
    var first = 0
    for j in 1..<Swift.max(k, 1) where shifts[j] > shifts[first] { first = j }
    var secondShift = 0.0
    for j in 0..<k where j != first { secondShift = Swift.max(secondShift, shifts[j]) }
    let firstShift = shifts[first]
    let (largest, runnerUp) = (first, secondShift)
    Kernels.forEachPart(parts) { part in
      for i in Kernels.range(part: part, of: parts, count: n) {
        let a = labels[i]
        upper[i] += shifts[a]
        lower[i] -= a == largest ? runnerUp : firstShift
      }
    }
    for j in 0..<k {
      var nearest = Double.infinity
      for other in 0..<k where other != j {
        nearest = Swift.min(
          nearest, Kernels.squaredDistance(centroids + other * d, exactCentroids + j * d, count: d))
      }
      halfSeparation[j] = 0.5 * nearest.squareRoot()
    }
  }

  /// `Σ_i ‖x_i − c_{a(i)}‖²` from the differences, in `Double`.
  func exactInertia() -> Double {
    var partial = [Double](repeating: 0, count: parts)
    partial.withUnsafeMutableBufferPointer { partial in
      let partial = UncheckedSendable(partial.baseAddress.unsafelyUnwrapped)
      Kernels.forEachPart(parts) { part in
        var sum = 0.0
        for i in Kernels.range(part: part, of: parts, count: n) {
          sum += Kernels.squaredDistance(x + i * d, exactCentroids + labels[i] * d, count: d)
        }
        partial.value[part] = sum
      }
    }
    return partial.reduce(0, +)
  }

  /// The centroids as a `K × d` matrix.
  func centroidMatrix() -> Matrix<S> {
    Matrix(rows: k, columns: d) { buffer in
      for t in 0..<(k * d) { buffer[t] = S(exactCentroids[t]) }
    }
  }

  /// The labels as an array.
  func labelArray() -> [Int] { Array(UnsafeBufferPointer(start: labels, count: n)) }
}
