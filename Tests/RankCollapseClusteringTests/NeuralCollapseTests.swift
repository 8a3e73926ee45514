import PropertyBased
import RankCollapseClustering
import RankCollapseTensor
import Testing

/// `C` centred simplex-ETF vectors in `ℝ^d` (`d ≥ C`): `scale · √(C/(C−1)) (e_c − 𝟙/C)`,
/// rotated by a fixed random orthogonal map so that no coordinate is special.
private func simplexMeans(classes: Int, dimension: Int, scale: Double, seed: UInt64) throws
  -> Matrix<Double>
{
  var means = Matrix<Double>.zeros(rows: classes, columns: dimension)
  let factor = scale * (Double(classes) / Double(classes - 1)).squareRoot()
  for c in 0..<classes {
    for t in 0..<classes { means[c, t] = factor * ((c == t ? 1 : 0) - 1 / Double(classes)) }
  }
  var generator = SeededGenerator(seed: seed)
  let random = Matrix<Double>.randomNormal(rows: dimension, columns: dimension, using: &generator)
  let (_, q) = try (random.matmul(random, transposeOther: true)).symmetricEigendecomposition()
  return means.matmul(q)
}

@Suite("Neural-collapse metrics")
struct NeuralCollapseTests {
  @Test("Perfectly collapsed features (points at simplex-ETF class means): every metric is 0")
  func collapsed() throws {
    let classes = 5
    let means = try simplexMeans(classes: classes, dimension: 8, scale: 3, seed: 2)
    var rows: [[Double]] = []
    var labels: [Int] = []
    for i in 0..<100 {
      // A common offset μ_G must not matter.
      rows.append(means.row(i % classes).map { $0 + 7 })
      labels.append(i % classes)
    }
    let metrics = try NeuralCollapseMetrics(features: Matrix(rows), labels: labels)
    #expect(metrics.classCount == classes)
    // Exact zeros up to Double rounding of O(10) numbers.
    #expect(abs(metrics.nc1) <= 1e-20)
    #expect(abs(metrics.cdnv) <= 1e-20)
    #expect(abs(metrics.withinClassVariance) <= 1e-20)
    #expect(abs(metrics.nc2Equinorm) <= 1e-12)
    #expect(abs(metrics.nc2Equiangularity) <= 1e-12)
    #expect(abs(metrics.cosineStandardDeviation) <= 1e-12)
    #expect(abs(metrics.simplexETFError) <= 1e-12)
    #expect(metrics.nearestClassCentreAccuracy == 1)
  }

  @Test("Perturbed features: NC1, CDNV and the NC2 errors become positive")
  func positiveOtherwise() throws {
    let (points, labels) = blobs(
      clusters: 4, perCluster: 40, dimension: 6, sigma: 1.5, separation: 4, seed: 12)
    let metrics = try NeuralCollapseMetrics(features: Matrix<Float>(points), labels: labels)
    #expect(metrics.nc1 > 0.01)
    #expect(metrics.cdnv > 0.01)
    #expect(metrics.nc2Equinorm > 1e-3)
    #expect(metrics.nc2Equiangularity > 1e-3)
    #expect(metrics.simplexETFError > 1e-3)
    #expect(metrics.nearestClassCentreAccuracy > 0.5 && metrics.nearestClassCentreAccuracy < 1)
  }

  @Test("NC1, CDNV and NCC accuracy equal their definitions computed directly")
  func matchesDefinitions() async {
    await propertyCheck(
      count: 40, input: Gen.int(in: 2...5), Gen.int(in: 2...7), Gen.int(in: 8...60),
      Gen.uint64()
    ) { classes, d, n, seed in
      var generator = SeededGenerator(seed: seed)
      let features = Matrix<Double>.randomNormal(
        rows: n, columns: d, mean: 1, standardDeviation: 1, using: &generator)
      let labels = (0..<n).map {
        $0 < classes ? $0 : Int.random(in: 0..<classes, using: &generator)
      }
      let metrics = try #require(try? NeuralCollapseMetrics(features: features, labels: labels))
      // Direct: means, Σ_W, Σ_B (d × d), pseudo-inverse by eigendecomposition.
      var means = Matrix<Double>.zeros(rows: classes, columns: d)
      var sizes = [Double](repeating: 0, count: classes)
      for i in 0..<n {
        sizes[labels[i]] += 1
        for t in 0..<d { means[labels[i], t] += features[i, t] }
      }
      for c in 0..<classes { for t in 0..<d { means[c, t] /= sizes[c] } }
      let global = (0..<d).map { t in (0..<n).reduce(0.0) { $0 + features[$1, t] } / Double(n) }
      var sigmaW = Matrix<Double>.zeros(rows: d, columns: d)
      var sigmaB = Matrix<Double>.zeros(rows: d, columns: d)
      var variances = [Double](repeating: 0, count: classes)
      for i in 0..<n {
        let r = (0..<d).map { features[i, $0] - means[labels[i], $0] }
        variances[labels[i]] += r.reduce(0) { $0 + $1 * $1 } / sizes[labels[i]]
        for a in 0..<d { for b in 0..<d { sigmaW[a, b] += r[a] * r[b] / Double(n) } }
      }
      for c in 0..<classes {
        let m = (0..<d).map { means[c, $0] - global[$0] }
        for a in 0..<d { for b in 0..<d { sigmaB[a, b] += m[a] * m[b] / Double(classes) } }
      }
      let (values, vectors) = try #require(try? sigmaB.symmetricEigendecomposition())
      var pinv = Matrix<Double>.zeros(rows: d, columns: d)
      for j in 0..<d where values[j] > 1e-10 * (values.last ?? 0) {
        for a in 0..<d {
          for b in 0..<d { pinv[a, b] += vectors[a, j] * vectors[b, j] / values[j] }
        }
      }
      let product = sigmaW.matmul(pinv)
      let nc1 = (0..<d).reduce(0.0) { $0 + product[$1, $1] } / Double(classes)
      // Pseudo-inverse of a rank-(C−1) matrix in Double: relative 1e-8 is safe.
      #expect(abs(metrics.nc1 - nc1) <= 1e-8 * Swift.max(1, nc1))
      var cdnv = 0.0
      var correct = 0
      for a in 0..<classes {
        for b in (a + 1)..<classes {
          let distance = (0..<d).reduce(0.0) {
            $0 + (means[a, $1] - means[b, $1]) * (means[a, $1] - means[b, $1])
          }
          cdnv += (variances[a] + variances[b]) / (2 * distance)
        }
      }
      cdnv /= Double(classes * (classes - 1) / 2)
      #expect(abs(metrics.cdnv - cdnv) <= 1e-9 * Swift.max(1, cdnv))
      for i in 0..<n {
        let distances = (0..<classes).map { c in
          (0..<d).reduce(0.0) {
            $0 + (features[i, $1] - means[c, $1]) * (features[i, $1] - means[c, $1])
          }
        }
        if distances.firstIndex(of: distances.min() ?? 0) == labels[i] { correct += 1 }
      }
      #expect(metrics.nearestClassCentreAccuracy == Double(correct) / Double(n))
    }
  }

  @Test("NC metrics reject a single class and mismatched labels")
  func errors() {
    let features = Matrix<Double>([[0, 1], [1, 0], [2, 2]])
    #expect(throws: ClusteringError.tooFewClasses(found: 1)) {
      try NeuralCollapseMetrics(features: features, labels: [4, 4, 4])
    }
    #expect(throws: ClusteringError.labelCountMismatch(labels: 2, points: 3)) {
      try NeuralCollapseMetrics(features: features, labels: [0, 1])
    }
  }
}
