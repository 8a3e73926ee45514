import RankCollapseClustering
import RankCollapseTensor
import Testing

@Suite("Partition means (centroids and weights of eq. 8)")
struct PartitionMeansTests {
  @Test("Means and weights of an unbalanced partition, Float and Double")
  func unbalanced() throws {
    let partition = try Partition(labels: [7, 3, 7, 7, 3])
    let points: [[Double]] = [[1, 2], [10, 20], [3, 4], [5, 9], [30, 40]]
    let (means, weights) = partition.means(of: Matrix<Double>(points))
    // Set 0 holds label 3 (points 1 and 4), set 1 label 7 (points 0, 2, 3).
    #expect(means == Matrix<Double>([[20, 30], [3, 5]]))
    #expect(weights == [0.4, 0.6])
    let (floatMeans, floatWeights) = partition.means(
      of: Matrix<Float>(points.map { $0.map(Float.init) }))
    #expect(floatMeans == Matrix<Float>([[20, 30], [3, 5]]))
    #expect(floatWeights == weights)
  }

  @Test("The weighted means recombine into the overall mean (random partitions)")
  func recombine() throws {
    var generator = SeededGenerator(seed: 11)
    for _ in 0..<50 {
      let n = Int.random(in: 1...40, using: &generator)
      let d = Int.random(in: 1...6, using: &generator)
      let k = Int.random(in: 1...n, using: &generator)
      // Every set non-empty: the first k points take sets 0..<k.
      let labels = (0..<n).map { $0 < k ? $0 : Int.random(in: 0..<k, using: &generator) }
      let partition = try Partition(labels: labels)
      let points = Matrix<Double>.randomNormal(rows: n, columns: d, using: &generator)
      let (means, weights) = partition.means(of: points)
      #expect(abs(weights.reduce(0, +) - 1) <= 1e-12)
      let overall = points.columnMeans()
      for t in 0..<d {
        let recombined = (0..<k).reduce(0.0) { $0 + weights[$1] * means[$1, t] }
        #expect(abs(recombined - overall[t]) <= 1e-12 * Swift.max(1, abs(overall[t])))
      }
    }
  }
}
