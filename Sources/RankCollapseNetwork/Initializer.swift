import RankCollapseTensor

/// How a dense layer's weight matrix W (d_out × d_in) is drawn.
///
/// Biases start at zero.
///
/// With fan-in n = d_in and fan-out m = d_out:
///
/// | Case | Distribution |
/// |---|---|
/// | ``glorotUniform`` | U(−√(6/(n+m)), √(6/(n+m))) (Glorot & Bengio 2010) |
/// | ``glorotNormal`` | N(0, 2/(n+m)) |
/// | ``heUniform`` | U(−√(6/n), √(6/n)) (He et al. 2015) |
/// | ``heNormal`` | N(0, 2/n) |
/// | ``lecunUniform`` | U(−√(3/n), √(3/n)) (LeCun et al. 1998) |
/// | ``lecunNormal`` | N(0, 1/n) |
/// | ``orthogonal(gain:)`` | gain · Q, Q with orthonormal rows or columns (Saxe et al. 2014) |
/// | ``normal(standardDeviation:)`` | N(0, s²) |
///
/// Every initialiser draws from the generator it is given, so the same seed gives the same
/// network.
public enum Initializer: Sendable, Hashable, Codable {
  /// Glorot/Xavier uniform, variance 2/(fan-in + fan-out).
  case glorotUniform
  /// Glorot/Xavier normal, variance 2/(fan-in + fan-out).
  case glorotNormal
  /// He/Kaiming uniform, variance 2/fan-in (for ReLU layers).
  case heUniform
  /// He/Kaiming normal, variance 2/fan-in (for ReLU layers).
  case heNormal
  /// LeCun uniform, variance 1/fan-in.
  case lecunUniform
  /// LeCun normal, variance 1/fan-in.
  case lecunNormal
  /// A (semi-)orthogonal matrix times `gain`, from the QR factorisation of a Gaussian matrix
  /// (signs fixed so that the distribution is uniform).
  case orthogonal(gain: Double)
  /// Independent N(0, s²) entries.
  case normal(standardDeviation: Double)

  /// Draws a `rows × columns` weight matrix.
  ///
  /// - Parameters:
  ///   - rows: d_out, the layer's output width.
  ///   - columns: d_in, the layer's input width.
  ///   - generator: The source of randomness.
  /// - Returns: The weights.
  public func weights<Scalar: MatrixScalar>(
    rows: Int, columns: Int, using generator: inout some RandomNumberGenerator
  ) -> Matrix<Scalar> {
    let fanIn = Double(columns)
    let fanOut = Double(rows)
    // Draw in Double and round, so that Float and Double networks from one seed agree.
    func uniform(_ limit: Double) -> Matrix<Scalar> {
      Matrix(
        Matrix<Double>.randomUniform(
          rows: rows, columns: columns, in: -limit..<limit, using: &generator))
    }
    func normal(_ deviation: Double) -> Matrix<Scalar> {
      Matrix(
        Matrix<Double>.randomNormal(
          rows: rows, columns: columns, mean: 0, standardDeviation: deviation, using: &generator)
      )
    }
    switch self {
    case .glorotUniform: return uniform((6 / (fanIn + fanOut)).squareRoot())
    case .glorotNormal: return normal((2 / (fanIn + fanOut)).squareRoot())
    case .heUniform: return uniform((6 / fanIn).squareRoot())
    case .heNormal: return normal((2 / fanIn).squareRoot())
    case .lecunUniform: return uniform((3 / fanIn).squareRoot())
    case .lecunNormal: return normal((1 / fanIn).squareRoot())
    case .normal(let deviation): return normal(deviation)
    case .orthogonal(let gain):
      return Initializer.orthogonal(rows: rows, columns: columns, gain: gain, using: &generator)
    }
  }

  /// A `rows × columns` matrix with orthonormal rows (rows ≤ columns) or columns, times `gain`:
  /// Gram–Schmidt (twice, for stability) on a Gaussian matrix, which gives the Haar distribution.
  static func orthogonal<Scalar: MatrixScalar>(
    rows: Int, columns: Int, gain: Double, using generator: inout some RandomNumberGenerator
  ) -> Matrix<Scalar> {
    // Orthonormalise the shorter side's vectors, stored as rows of `basis`.
    let count = Swift.min(rows, columns)
    let length = Swift.max(rows, columns)
    var basis: [[Double]] = []
    basis.reserveCapacity(count)
    let gaussian = Matrix<Double>.randomNormal(
      rows: count, columns: length, mean: 0, standardDeviation: 1, using: &generator)
    for i in 0..<count {
      var v = gaussian.row(i)
      for _ in 0..<2 {
        for u in basis {
          var dot = 0.0
          for t in 0..<length { dot += u[t] * v[t] }
          for t in 0..<length { v[t] -= dot * u[t] }
        }
      }
      var norm = 0.0
      for t in 0..<length { norm += v[t] * v[t] }
      norm = norm.squareRoot()
      basis.append(v.map { $0 / norm })
    }
    return Matrix(rows: rows, columns: columns) { buffer in
      for r in 0..<rows {
        for c in 0..<columns {
          let value = rows <= columns ? basis[r][c] : basis[c][r]
          buffer[r * columns + c] = Scalar(gain * value)
        }
      }
    }
  }
}
