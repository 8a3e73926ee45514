/// A failure reported by LAPACK, or an input a factorisation cannot take.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The matrix of a linear system is exactly singular: LU found a zero pivot at this position
  /// (1-based, as LAPACK reports it).
  case singularMatrix(pivot: Int)

  /// The matrix is not (numerically) positive definite: the leading minor of this order is not
  /// positive, or an eigenvalue is not.
  case notPositiveDefinite(order: Int)

  /// An iterative LAPACK routine did not converge; `info` is its positive return value.
  case noConvergence(routine: String, info: Int)

  /// LAPACK rejected argument number `-info`: a bug in RankCollapse, please report it.
  case illegalArgument(routine: String, info: Int)

  /// The input has an infinite or `NaN` element; LAPACK's results would be meaningless.
  case nonFiniteInput(operation: String)

  /// The operation needs a square matrix.
  case notSquare(rows: Int, columns: Int)

  /// A sentence saying what went wrong.
  public var description: String {
    switch self {
    case .singularMatrix(let pivot):
      "the matrix is singular (LU pivot \(pivot) is exactly zero)"
    case .notPositiveDefinite(let order):
      "the matrix is not positive definite (leading minor of order \(order) is not positive)"
    case .noConvergence(let routine, let info):
      "LAPACK \(routine) did not converge (info = \(info))"
    case .illegalArgument(let routine, let info):
      "LAPACK \(routine) rejected argument \(-info) (a RankCollapse bug, please report it)"
    case .nonFiniteInput(let operation):
      "\(operation): the matrix has an infinite or NaN element"
    case .notSquare(let rows, let columns):
      "the operation needs a square matrix, got \(rows)×\(columns)"
    }
  }
}
