import RankCollapseTensor

/// Neural-collapse measurements of labelled features `h_i` (one layer's embeddings).
///
/// With `C` classes, class sizes `N_c`, class means `μ_c`, the global mean `μ_G` of all `N`
/// points and the centred class means `μ̃_c = μ_c − μ_G`:
///
/// - ``nc1`` (Papyan, Han & Donoho 2020): `NC1 = (1/C) Tr(Σ_W Σ_B⁺)` with the within-class
///   covariance `Σ_W = (1/N) Σ_i (h_i − μ_{y_i})(h_i − μ_{y_i})ᵀ`, the between-class covariance
///   `Σ_B = (1/C) Σ_c μ̃_c μ̃_cᵀ` and `⁺` the Moore–Penrose pseudo-inverse (eigenvalues of
///   `Σ_B` at most `10⁻¹² · λ_max` count as zero).
/// - ``cdnv``, the class-distance normalised variance (Galanti, György & Hutter 2022), averaged
///   over the `C(C−1)/2` pairs of classes:
///   `V(c, c') = (σ_c² + σ_{c'}²) / (2 ‖μ_c − μ_{c'}‖²)` with `σ_c² = (1/N_c) Σ_{i∈c} ‖h_i − μ_c‖²`;
///   `+∞` when two class means coincide.
/// - ``nc2Equinorm`` (Papyan et al. 2020): the coefficient of variation of the norms,
///   `std_c ‖μ̃_c‖ / mean_c ‖μ̃_c‖` (population standard deviation).
/// - ``nc2Equiangularity`` (Papyan et al. 2020, "maximal-angle equiangularity"):
///   `mean_{c≠c'} |cos∠(μ̃_c, μ̃_{c'}) + 1/(C−1)|`, zero exactly for the angles of a simplex
///   equiangular tight frame (ETF).
/// - ``cosineStandardDeviation``: `std_{c≠c'} cos∠(μ̃_c, μ̃_{c'})` (Papyan et al.'s
///   equiangularity plot).
/// - ``simplexETFError`` (Zhu et al. 2021, applied to the means):
///   `‖ M̃M̃ᵀ/‖M̃M̃ᵀ‖_F − (I_C − 𝟙𝟙ᵀ/C)/√(C−1) ‖_F` for the `C × d` matrix `M̃` of centred
///   means; zero exactly when the centred means form a simplex ETF (equal norms, and equal
///   angles with cosine `−1/(C−1)`).
/// - ``nearestClassCentreAccuracy`` (Papyan et al.'s NC4, as an accuracy): the fraction of
///   points whose nearest class mean (Euclidean, ties to the smaller label) is their own.
///
/// On perfectly collapsed features (every point equal to its class mean, and the centred means
/// a simplex ETF) NC1, CDNV, both NC2 errors are 0 and the accuracy is 1.
///
/// Undefined quantities are `NaN`: the NC2 values when every centred mean is zero.
public struct NeuralCollapseMetrics: Sendable, Hashable {
  /// The number of classes `C`.
  public var classCount: Int
  /// `NC1 = (1/C) Tr(Σ_W Σ_B⁺)`.
  public var nc1: Double
  /// The mean class-distance normalised variance.
  public var cdnv: Double
  /// `std_c ‖μ̃_c‖ / mean_c ‖μ̃_c‖`.
  public var nc2Equinorm: Double
  /// `mean_{c≠c'} |cos∠(μ̃_c, μ̃_{c'}) + 1/(C−1)|`.
  public var nc2Equiangularity: Double
  /// `std_{c≠c'} cos∠(μ̃_c, μ̃_{c'})`.
  public var cosineStandardDeviation: Double
  /// The Frobenius distance of the normalised Gram matrix of the centred means from the
  /// normalised simplex ETF Gram matrix.
  public var simplexETFError: Double
  /// The nearest-class-centre accuracy in `[0, 1]`.
  public var nearestClassCentreAccuracy: Double
  /// `Tr Σ_W`, the mean squared distance of a point to its class mean.
  public var withinClassVariance: Double

  /// Measures the features `h_i` (rows of `features`) with class labels `labels`.
  ///
  /// - Parameters:
  ///   - features: `N × d`, one feature vector per row.
  ///   - labels: One integer class label per row (any integers; at least two distinct).
  /// - Throws: ``ClusteringError/labelCountMismatch(labels:points:)``,
  ///   ``ClusteringError/tooFewClasses(found:)``, and the errors of empty or non-finite data.
  /// - Complexity: Two passes over the features plus one `N × d × C` matrix product:
  ///   O(N d C + d C² + C³).
  public init<S: MatrixScalar>(features: Matrix<S>, labels: [Int]) throws(ClusteringError) {
    try validatePoints(features, targets: nil)
    guard labels.count == features.rows else {
      throw .labelCountMismatch(labels: labels.count, points: features.rows)
    }
    let partition = try Partition(labels: labels)
    guard partition.count >= 2 else { throw .tooFewClasses(found: partition.count) }
    if let features = features as? Matrix<Float> {
      self = Self.measure(features: features, partition: partition)
    } else if let features = features as? Matrix<Double> {
      self = Self.measure(features: features, partition: partition)
    } else {
      self = Self.measure(features: features, partition: partition)
    }
  }

  /// Creates metrics from their values.
  ///
  /// - Parameters:
  ///   - classCount: `C`.
  ///   - nc1: NC1.
  ///   - cdnv: CDNV.
  ///   - nc2Equinorm: Equinorm.
  ///   - nc2Equiangularity: Equiangularity.
  ///   - cosineStandardDeviation: Standard deviation of the cosines.
  ///   - simplexETFError: Simplex-ETF error.
  ///   - nearestClassCentreAccuracy: NCC accuracy.
  ///   - withinClassVariance: `Tr Σ_W`.
  public init(
    classCount: Int, nc1: Double, cdnv: Double, nc2Equinorm: Double, nc2Equiangularity: Double,
    cosineStandardDeviation: Double, simplexETFError: Double, nearestClassCentreAccuracy: Double,
    withinClassVariance: Double
  ) {
    self.classCount = classCount
    self.nc1 = nc1
    self.cdnv = cdnv
    self.nc2Equinorm = nc2Equinorm
    self.nc2Equiangularity = nc2Equiangularity
    self.cosineStandardDeviation = cosineStandardDeviation
    self.simplexETFError = simplexETFError
    self.nearestClassCentreAccuracy = nearestClassCentreAccuracy
    self.withinClassVariance = withinClassVariance
  }

  static func measure<S: MatrixScalar>(features: Matrix<S>, partition: Partition) -> Self {
    let n = features.rows
    let d = features.columns
    let c = partition.count
    let labels = partition.assignment
    let stats = ClassStatistics(points: features, assignment: labels, classCount: c)
    // Global mean and centred means μ̃_c (C × d).
    var global = [Double](repeating: 0, count: d)
    for k in 0..<c {
      for t in 0..<d { global[t] += Double(stats.sizes[k]) * stats.means[k * d + t] }
    }
    for t in 0..<d { global[t] /= Double(n) }
    var centred = [Double](repeating: 0, count: c * d)
    for k in 0..<c {
      for t in 0..<d { centred[k * d + t] = stats.means[k * d + t] - global[t] }
    }
    // Gram matrix G = M̃ M̃ᵀ (C × C).
    var gram = [Double](repeating: 0, count: c * c)
    for a in 0..<c {
      for b in 0...a {
        var s = 0.0
        for t in 0..<d { s += centred[a * d + t] * centred[b * d + t] }
        gram[a * c + b] = s
        gram[b * c + a] = s
      }
    }
    // P = R M̃ᵀ with the residuals r_i = h_i − μ_{y_i}, block by block; accumulate PᵀP and the
    // nearest-class-centre decisions from ‖h_i − μ_k‖² − ‖r_i‖² = 2(P_i[y] − P_i[k]) + ‖μ̃_y − μ̃_k‖².
    let centredScalar = Matrix<S>(rows: c, columns: d, elements: centred.map { S($0) })
    let blockRows = 256
    var residual = Matrix<S>.zeros(rows: Swift.min(blockRows, n), columns: d)
    var projection = Matrix<S>.zeros(rows: residual.rows, columns: c)
    var projectionGram = [Double](repeating: 0, count: c * c)
    var correct = 0
    var start = 0
    while start < n {
      let rows = Swift.min(blockRows, n - start)
      if rows != residual.rows {
        residual = Matrix<S>.zeros(rows: rows, columns: d)
        projection = Matrix<S>.zeros(rows: rows, columns: c)
      }
      residual.withUnsafeMutableBufferPointer { r in
        features.withUnsafeBufferPointer { h in
          for q in 0..<rows {
            let i = start + q
            let k = labels[i]
            for t in 0..<d {
              r[q * d + t] = S(Double(h[i * d + t]) - stats.means[k * d + t])
            }
          }
        }
      }
      projection.gemm(residual, centredScalar, transposeB: true)
      projection.withUnsafeBufferPointer { p in
        for q in 0..<rows {
          let row = p.baseAddress.unsafelyUnwrapped + q * c
          for a in 0..<c {
            let pa = Double(row[a])
            for b in 0..<c { projectionGram[a * c + b] += pa * Double(row[b]) }
          }
          let y = labels[start + q]
          let own = Double(row[y])
          var bestClass = y
          var bestValue = 0.0
          for k in 0..<c where k != y {
            let distance = gram[y * c + y] - 2 * gram[y * c + k] + gram[k * c + k]
            let value = 2 * (own - Double(row[k])) + distance
            if value < bestValue || (value == bestValue && k < bestClass) {
              bestValue = value
              bestClass = k
            }
          }
          if bestClass == y { correct += 1 }
        }
      }
      start += rows
    }
    // NC1 = Σ_j u_jᵀ (PᵀP) u_j / (N s_j⁴) over the eigenpairs (s_j², u_j) of G above tolerance.
    var nc1 = 0.0
    if let (values, vectors) = try? Matrix<Double>(rows: c, columns: c, elements: gram)
      .symmetricEigendecomposition()
    {
      let largest = values.last ?? 0
      for j in 0..<c where values[j] > 1e-12 * largest && values[j] > 0 {
        var quadratic = 0.0
        for a in 0..<c {
          var row = 0.0
          for b in 0..<c { row += projectionGram[a * c + b] * vectors[b, j] }
          quadratic += vectors[a, j] * row
        }
        nc1 += quadratic / (Double(n) * values[j] * values[j])
      }
    }
    // CDNV over pairs of classes.
    var cdnvSum = 0.0
    var pairs = 0
    for a in 0..<c {
      for b in (a + 1)..<c {
        let distance = gram[a * c + a] - 2 * gram[a * c + b] + gram[b * c + b]
        let variances =
          stats.deviations[a] / Double(stats.sizes[a]) + stats.deviations[b]
          / Double(stats.sizes[b])
        cdnvSum += distance > 0 ? variances / (2 * distance) : .infinity
        pairs += 1
      }
    }
    // NC2.
    let norms = (0..<c).map { gram[$0 * c + $0].squareRoot() }
    let meanNorm = norms.reduce(0, +) / Double(c)
    let normVariance = norms.reduce(0) { $0 + ($1 - meanNorm) * ($1 - meanNorm) } / Double(c)
    var cosines: [Double] = []
    for a in 0..<c {
      for b in 0..<c where b != a { cosines.append(gram[a * c + b] / (norms[a] * norms[b])) }
    }
    let ideal = -1 / Double(c - 1)
    let equiangularity = cosines.reduce(0) { $0 + abs($1 - ideal) } / Double(cosines.count)
    let meanCosine = cosines.reduce(0, +) / Double(cosines.count)
    let cosineVariance =
      cosines.reduce(0) { $0 + ($1 - meanCosine) * ($1 - meanCosine) } / Double(cosines.count)
    let gramNorm = gram.reduce(0) { $0 + $1 * $1 }.squareRoot()
    var etf = 0.0
    let etfScale = 1 / Double(c - 1).squareRoot()
    for a in 0..<c {
      for b in 0..<c {
        let target = ((a == b ? 1 : 0) - 1 / Double(c)) * etfScale
        let difference = gram[a * c + b] / gramNorm - target
        etf += difference * difference
      }
    }
    return NeuralCollapseMetrics(
      classCount: c, nc1: nc1, cdnv: cdnvSum / Double(pairs),
      nc2Equinorm: normVariance.squareRoot() / meanNorm, nc2Equiangularity: equiangularity,
      cosineStandardDeviation: cosineVariance.squareRoot(), simplexETFError: etf.squareRoot(),
      nearestClassCentreAccuracy: Double(correct) / Double(n),
      withinClassVariance: stats.sumOfSquaredDeviations / Double(n))
  }
}
