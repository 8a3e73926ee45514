import RankCollapseTensor

/// A data set drawn from a ``GaussianMixture``: the points, each one's component, and the
/// targets of the two tasks the paper uses.
public struct GaussianMixtureSample<Scalar: MatrixScalar>: Sendable, Equatable {
  /// The points `x_i`, one per row (`N × d`).
  public let points: Matrix<Scalar>

  /// The component each point was drawn from, in `0..<K`.
  public let labels: [Int]

  /// The number of points of each component, `N_k`.
  public let counts: [Int]

  /// The number of components `K`.
  public var components: Int { counts.count }

  /// The targets of the autoencoding task of paper section 4: `y_i = x_i`.
  public var autoencodingTargets: Matrix<Scalar> { points }

  /// The one-hot targets of the classification task: row `i` is `e_{labels[i]}` (`N × K`).
  public func oneHotTargets() -> Matrix<Scalar> {
    var targets = Matrix<Scalar>.zeros(rows: labels.count, columns: components)
    for (i, label) in labels.enumerated() { targets[i, label] = 1 }
    return targets
  }

  /// The empirical class means `x̄_k` (`K × d`; a row of zeros for an empty component), the
  /// centroids of the centroid-based loss (paper section 5).
  public func classMeans() -> Matrix<Scalar> {
    let d = points.columns
    var sums = [Double](repeating: 0, count: components * d)
    points.withUnsafeBufferPointer { buffer in
      for (i, label) in labels.enumerated() {
        for j in 0..<d { sums[label * d + j] += Double(buffer[i * d + j]) }
      }
    }
    return Matrix(rows: components, columns: d) { output in
      for k in 0..<components {
        let n = Double(Swift.max(counts[k], 1))
        for j in 0..<d { output.initializeElement(at: k * d + j, to: Scalar(sums[k * d + j] / n)) }
      }
    }
  }
}
