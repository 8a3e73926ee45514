import RankCollapseSpectral
import RankCollapseTensor

/// Unit Gaussian noise plus `spikes` orthogonal rank-one signals, each of singular value
/// `factor` times the noise edge √rows + √columns: a matrix whose Marchenko–Pastur fit should
/// find exactly `spikes` spikes.
///
/// - Parameters:
///   - rows: The number of rows.
///   - columns: The number of columns.
///   - spikes: The number of signal directions.
///   - factor: Their strength, in units of the noise edge.
///   - generator: The source of randomness (noise first, then the directions).
/// - Returns: The matrix and the noise edge.
/// - Throws: `LinearAlgebraError` when the SVD that orthonormalises the directions fails.
public func spikedNoise(
  rows: Int, columns: Int, spikes: Int, factor: Double,
  using generator: inout some RandomNumberGenerator
) throws -> (matrix: Matrix<Double>, edge: Double) {
  var matrix = Matrix<Double>.randomNormal(rows: rows, columns: columns, using: &generator)
  let edge = Double(rows).squareRoot() + Double(columns).squareRoot()
  let u = try Matrix<Double>.randomNormal(rows: rows, columns: spikes, using: &generator)
    .singularValueDecomposition().u
  let v = try Matrix<Double>.randomNormal(rows: columns, columns: spikes, using: &generator)
    .singularValueDecomposition().u
  matrix.gemm(u, v, transposeB: true, alpha: factor * edge, beta: 1)
  return (matrix, edge)
}
