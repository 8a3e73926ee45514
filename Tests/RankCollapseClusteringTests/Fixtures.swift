import RankCollapseClustering
import RankCollapseTensor

/// Points drawn around `clusters` means: `N_k = perCluster` points per blob, each coordinate
/// `μ_k + σ·N(0, 1)`, with the means `separation` apart along the coordinate axes (blob `k` at
/// `separation · e_{k mod d}` scaled by `1 + k / d`), so blobs never coincide.
func blobs(
  clusters: Int, perCluster: Int, dimension: Int, sigma: Double, separation: Double,
  seed: UInt64
) -> (points: Matrix<Double>, labels: [Int]) {
  var generator = SeededGenerator(seed: seed)
  var points = Matrix<Double>.randomNormal(
    rows: clusters * perCluster, columns: dimension, standardDeviation: sigma,
    using: &generator)
  var labels: [Int] = []
  for k in 0..<clusters {
    for r in 0..<perCluster {
      let i = k * perCluster + r
      points[i, k % dimension] += separation * (1 + Double(k / dimension))
      labels.append(k)
    }
  }
  return (points, labels)
}

/// WCSS of equation (6) by the most direct loop: class means, then squared distances.
func directWCSS(_ points: Matrix<Double>, _ targets: Matrix<Double>?, labels: [Int]) -> Double {
  let n = points.rows
  var total = 0.0
  for label in Set(labels) {
    let members = (0..<n).filter { labels[$0] == label }
    for matrix in [points, targets].compactMap({ $0 }) {
      for t in 0..<matrix.columns {
        let mean = members.reduce(0.0) { $0 + matrix[$1, t] } / Double(members.count)
        total += members.reduce(0.0) { $0 + (matrix[$1, t] - mean) * (matrix[$1, t] - mean) }
      }
    }
  }
  return total / Double(n)
}

/// Whether two labellings define the same partition (equal up to renaming the sets).
func samePartition(_ a: [Int], _ b: [Int]) -> Bool {
  guard a.count == b.count else { return false }
  var forward: [Int: Int] = [:]
  var backward: [Int: Int] = [:]
  for (x, y) in zip(a, b) {
    if let mapped = forward[x], mapped != y { return false }
    if let mapped = backward[y], mapped != x { return false }
    forward[x] = y
    backward[y] = x
  }
  return true
}
