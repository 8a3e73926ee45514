// Helpers shared by the test targets; not part of the public library.
import RankCollapseTensor

/// A random orthogonal `n × n` matrix, built as a product of Householder reflections in plain
/// Swift (independent of LAPACK, so tests can use it to check LAPACK results).
///
/// - Parameters:
///   - size: `n`.
///   - generator: The source of randomness.
/// - Returns: `Q` with `QᵀQ = I` up to rounding.
public func randomOrthogonal(
  _ size: Int, using generator: inout some RandomNumberGenerator
) -> Matrix<Double> {
  var q = Matrix<Double>.identity(size)
  for _ in 0..<size {
    let v = Matrix<Double>.randomNormal(rows: 1, columns: size, using: &generator).elements
    let norm2 = v.reduce(0) { $0 + $1 * $1 }
    guard norm2 > 0 else { continue }
    // Q ← Q (I − 2 v vᵀ / ‖v‖²), row by row.
    for i in 0..<size {
      var dot = 0.0
      for j in 0..<size { dot += q[i, j] * v[j] }
      let factor = 2 * dot / norm2
      for j in 0..<size { q[i, j] -= factor * v[j] }
    }
  }
  return q
}

/// A `rows × columns` matrix `U diag(values) Vᵀ` with random orthogonal `U`, `V`: its singular
/// values are exactly `values` (sorted, padded with zeros) up to rounding.
///
/// - Parameters:
///   - values: At most `min(rows, columns)` non-negative values.
///   - rows: The number of rows.
///   - columns: The number of columns.
///   - generator: The source of randomness.
/// - Returns: The matrix.
public func matrixWithSingularValues(
  _ values: [Double], rows: Int, columns: Int, using generator: inout some RandomNumberGenerator
) -> Matrix<Double> {
  let u = randomOrthogonal(rows, using: &generator)
  let v = randomOrthogonal(columns, using: &generator)
  let d = Matrix<Double>.diagonal(values, rows: rows, columns: columns)
  return naiveProduct(naiveProduct(u, d), v.transposed())
}

/// The matrix product by the textbook triple loop in `Double`, independent of BLAS.
///
/// - Parameters:
///   - a: An `m × k` matrix.
///   - b: A `k × n` matrix.
/// - Returns: `a · b` as `Matrix<Double>`.
public func naiveProduct<S: MatrixScalar>(_ a: Matrix<S>, _ b: Matrix<S>) -> Matrix<Double> {
  precondition(a.columns == b.rows)
  var c = Matrix<Double>.zeros(rows: a.rows, columns: b.columns)
  for i in 0..<a.rows {
    for p in 0..<a.columns {
      let aip = Double(a[i, p])
      for j in 0..<b.columns { c[i, j] += aip * Double(b[p, j]) }
    }
  }
  return c
}

/// The largest absolute elementwise difference of two matrices of equal shape, in `Double`.
///
/// - Parameters:
///   - a: A matrix.
///   - b: A matrix of the same shape.
/// - Returns: `max |a_ij − b_ij|`.
public func maxDifference<S: MatrixScalar, T: MatrixScalar>(_ a: Matrix<S>, _ b: Matrix<T>)
  -> Double
{
  precondition(a.rows == b.rows && a.columns == b.columns)
  return zip(a.elements, b.elements).reduce(0) { Swift.max($0, abs(Double($1.0) - Double($1.1))) }
}

/// The largest absolute elementwise difference of two vectors of equal length, in `Double`.
///
/// - Parameters:
///   - a: A vector.
///   - b: A vector of the same length.
/// - Returns: `max |a_i − b_i|`.
public func maxDifference<S: BinaryFloatingPoint, T: BinaryFloatingPoint>(_ a: [S], _ b: [T])
  -> Double
{
  precondition(a.count == b.count)
  return zip(a, b).reduce(0) { Swift.max($0, abs(Double($1.0) - Double($1.1))) }
}
