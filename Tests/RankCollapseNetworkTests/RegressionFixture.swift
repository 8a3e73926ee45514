import RankCollapseNetwork
import RankCollapseTensor

/// A tanh network of `widths` and `rows` standard normal inputs and targets, drawn in that
/// order from `SeededGenerator(seed:)`.
///
/// - Parameters:
///   - widths: d_0, …, d_L.
///   - rows: The number of samples N.
///   - seed: The generator's seed.
/// - Returns: The network, the N × d_0 inputs and the N × d_L targets.
/// - Throws: `NetworkError` for widths that make no network.
func regressionProblem(
  widths: [Int], rows: Int, seed: UInt64
) throws -> (network: Network<Double>, x: Matrix<Double>, y: Matrix<Double>) {
  var generator = SeededGenerator(seed: seed)
  let network = try Network<Double>(widths: widths, activation: .tanh, using: &generator)
  let x = Matrix<Double>.randomNormal(rows: rows, columns: widths[0], using: &generator)
  let y = Matrix<Double>.randomNormal(
    rows: rows, columns: widths[widths.count - 1], using: &generator)
  return (network, x, y)
}
