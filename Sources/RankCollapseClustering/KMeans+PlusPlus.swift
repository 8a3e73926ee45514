import Foundation
import RankCollapseTensor

extension KMeans {
  /// `K` initial centroids chosen by greedy k-means++.
  ///
  /// The first centre is a uniformly random point. Each further centre is chosen among
  /// `2 + ⌊ln K⌋` candidate points drawn with probability proportional to `D(x)²`, the squared
  /// distance to the nearest centre chosen so far (Arthur & Vassilvitskii 2007); the candidate
  /// that leaves the smallest potential `Σ_i D(x_i)²` wins (the greedy variant scikit-learn
  /// uses). The distances of all points to the candidates come from one matrix product per
  /// block of rows.
  ///
  /// - Parameters:
  ///   - points: `N × d`, one point per row.
  ///   - count: `K`, the number of centres.
  ///   - generator: The source of randomness.
  /// - Returns: The `K × d` centres (copies of data points). The choices are driven by a
  ///   `SeededGenerator` seeded with one value drawn from `generator`.
  /// - Throws: ``ClusteringError`` for empty or non-finite data, `K < 1` or `K > N`.
  /// - Complexity: O(N d K (2 + ln K)).
  public static func plusPlusCentroids<Scalar: MatrixScalar>(
    _ points: Matrix<Scalar>, count: Int, using generator: inout some RandomNumberGenerator
  ) throws(ClusteringError) -> Matrix<Scalar> {
    // A concrete generator seeded from `generator`, so that the call tree is specialised.
    var generator = SeededGenerator(seed: generator.next())
    if let points = points as? Matrix<Float> {
      return unsafeBitCast(
        try plusPlusImplementation(points, count: count, using: &generator),
        to: Matrix<Scalar>.self)
    }
    if let points = points as? Matrix<Double> {
      return unsafeBitCast(
        try plusPlusImplementation(points, count: count, using: &generator),
        to: Matrix<Scalar>.self)
    }
    return try plusPlusImplementation(points, count: count, using: &generator)
  }

  /// ``plusPlusCentroids(_:count:using:)`` for a concrete scalar type.
  static func plusPlusImplementation<Scalar: MatrixScalar>(
    _ points: Matrix<Scalar>, count: Int, using generator: inout SeededGenerator
  ) throws(ClusteringError) -> Matrix<Scalar> {
    try validatePoints(points, targets: nil)
    try validateClusterCount(count, points: points.rows)
    return plusPlusCentroids(
      points, squaredNorms: squaredRowNormsImplementation(points), count: count,
      using: &generator)
  }

  /// Greedy k-means++ on validated points with their squared row norms.
  static func plusPlusCentroids<Scalar: MatrixScalar>(
    _ points: Matrix<Scalar>, squaredNorms: [Scalar], count: Int,
    using generator: inout SeededGenerator
  ) -> Matrix<Scalar> {
    var seeder = PlusPlusSeeder(points: points, squaredNorms: squaredNorms, count: count)
    var draws: [Double] = []
    let chosen = seeder.choose { trials, total in
      draws = (0..<trials).map { _ in Double.random(in: 0..<1, using: &generator) * total }
      return draws
    } first: {
      Int.random(in: 0..<points.rows, using: &generator)
    }
    return points.rows(at: chosen)
  }
}

/// The non-generic-randomness part of greedy k-means++, specialised for both scalar types.
struct PlusPlusSeeder<Scalar: MatrixScalar> {
  let points: Matrix<Scalar>
  let squaredNorms: [Scalar]
  let count: Int

  /// Chooses `count` row indices; `draw(trials, potential)` returns `trials` values uniform in
  /// `[0, potential)`, `first()` the first index.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  mutating func choose(
    draw: (Int, Double) -> [Double], first: () -> Int
  ) -> [Int] {
    let n = points.rows
    let d = points.columns
    let trials = 2 + Int(log(Double(count)))
    var chosen = [first()]
    chosen.reserveCapacity(count)
    var closest = [Double](repeating: 0, count: n)
    var cumulative = [Double](repeating: 0, count: n)
    var distances = [Scalar](repeating: 0, count: n * trials)
    var candidates = [Scalar](repeating: 0, count: trials * d)
    let parts = Kernels.partCount(rows: n)
    var pots = [Double](repeating: 0, count: parts * trials)

    points.withUnsafeBufferPointer { xBuffer in
      let x = UncheckedSendable(xBuffer.baseAddress.unsafelyUnwrapped)
      squaredNorms.withUnsafeBufferPointer { normBuffer in
        let norms = UncheckedSendable(normBuffer.baseAddress.unsafelyUnwrapped)
        /// Squared distances of all points to the `m` candidate rows in `candidates`, into
        /// `distances` (`N × m`, stride `trials`), and per part `Σ_i min(closest_i, D_i)`.
        func measure(_ indices: [Int]) {
          let m = indices.count
          var candidateNorms = [Scalar](repeating: 0, count: m)
          candidates.withUnsafeMutableBufferPointer { c in
            for (r, index) in indices.enumerated() {
              (c.baseAddress.unsafelyUnwrapped + r * d).update(from: x.value + index * d, count: d)
              candidateNorms[r] = norms.value[index]
            }
          }
          candidates.withUnsafeBufferPointer { cBuffer in
            let c = UncheckedSendable(cBuffer.baseAddress.unsafelyUnwrapped)
            candidateNorms.withUnsafeBufferPointer { cnBuffer in
              let cn = UncheckedSendable(cnBuffer.baseAddress.unsafelyUnwrapped)
              closest.withUnsafeBufferPointer { closestBuffer in
                let closest = UncheckedSendable(closestBuffer.baseAddress.unsafelyUnwrapped)
                distances.withUnsafeMutableBufferPointer { dBuffer in
                  let out = UncheckedSendable(dBuffer.baseAddress.unsafelyUnwrapped)
                  pots.withUnsafeMutableBufferPointer { potBuffer in
                    let pots = UncheckedSendable(potBuffer.baseAddress.unsafelyUnwrapped)
                    Kernels.forEachPart(parts) { part in
                      let range = Kernels.range(part: part, of: parts, count: n)
                      var sums = [Double](repeating: 0, count: m)
                      var start = range.lowerBound
                      let chunk = 1024
                      while start < range.upperBound {
                        let rows = Swift.min(chunk, range.upperBound - start)
                        let block = out.value + start * trials
                        Scalar.blasGEMM(
                          transposeA: false, transposeB: true, m: rows, n: m, k: d, alpha: -2,
                          a: x.value + start * d, lda: d, b: c.value, ldb: d, beta: 0, c: block,
                          ldc: trials)
                        for r in 0..<rows {
                          let i = start + r
                          for t in 0..<m {
                            let value = Swift.max(
                              0, block[r * trials + t] + norms.value[i] + cn.value[t])
                            block[r * trials + t] = value
                            sums[t] += Swift.min(closest.value[i], Double(value))
                          }
                        }
                        start += rows
                      }
                      for t in 0..<m { pots.value[part * trials + t] = sums[t] }
                    }
                  }
                }
              }
            }
          }
        }

        // The first centre: every point's distance to it.
        for i in 0..<n { closest[i] = .infinity }
        measure(chosen)
        var potential = 0.0
        for i in 0..<n {
          closest[i] = Double(distances[i * trials])
          potential += closest[i]
        }
        for _ in 1..<count {
          var running = 0.0
          for i in 0..<n {
            running += closest[i]
            cumulative[i] = running
          }
          let targets = draw(trials, running)
          let indices = targets.map { target in
            // The first index whose cumulative sum reaches the target (NumPy's searchsorted).
            var low = 0
            var high = n
            while low < high {
              let middle = (low + high) / 2
              if cumulative[middle] < target { low = middle + 1 } else { high = middle }
            }
            return Swift.min(low, n - 1)
          }
          measure(indices)
          var bestTrial = 0
          var bestPotential = Double.infinity
          for t in 0..<trials {
            var total = 0.0
            for part in 0..<parts { total += pots[part * trials + t] }
            if total < bestPotential {
              bestPotential = total
              bestTrial = t
            }
          }
          for i in 0..<n {
            closest[i] = Swift.min(closest[i], Double(distances[i * trials + bestTrial]))
          }
          potential = bestPotential
          chosen.append(indices[bestTrial])
        }
        _ = potential
      }
    }
    return chosen
  }
}
