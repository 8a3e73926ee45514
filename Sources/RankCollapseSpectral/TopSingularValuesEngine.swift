import RankCollapseTensor

/// The adaptive subspace iteration behind `Matrix.topSingularValues`.
///
/// `a` is the matrix as given; `transposed` says whether the algorithm works with `Aᵀ` (for a
/// wide matrix), so that `A` below always has at least as many rows as columns, and
/// `M = AᵀA` is the smaller (`n × n`) Gram matrix. The iterations run in `Scalar` (for a
/// `Float` matrix, `Float` BLAS: twice the speed and half the memory traffic of `Double`); the
/// checks of the bound (``check(_:rank:passes:)``) run in `Double`, on blocks of rows of `A`
/// converted one at a time, so that the Ritz values, the residuals and `‖A‖_F²` behind the
/// reported bound carry `Double` rounding whatever `Scalar` is, and no `Double` copy of the
/// whole matrix is made.
struct TopSingularValuesEngine<Scalar: MatrixScalar> {
  let a: Matrix<Scalar>
  let transposed: Bool
  let options: TopSingularValuesOptions
  var generator: SeededGenerator
  /// Rows and columns of `A` (the tall orientation).
  let m: Int
  let n: Int
  /// `‖A‖_F²` summed in `Double` by the first check (products of `Float` values are exact in
  /// `Double`; the `Float`-blocked sum of ``Matrix/squaredFrobeniusNorm`` can be off by about
  /// `10⁻⁶` relative, which the subtraction `‖A‖_F² − Σ θ_j` would magnify by `1/τ_K`).
  var exactSquaredNorm: Double?

  /// The number `r` of Gaussian probes for the residual norm.
  ///
  /// Halko et al.'s Lemma 4.1: `P(‖X‖ > α sqrt(2/π) max_i ‖X ω_i‖) ≤ α^(−r)`; with `α = 4`
  /// and `r = 10`, `9.5 · 10⁻⁷`. Products with thin blocks are limited by reading the matrix,
  /// so ten probes cost little more than one.
  static var probes: Int { 10 }
  static var alpha: Double { 4 }
  /// The power `p` of `C^p` (`C = P⊥ M P⊥`) in the residual norm estimate.
  ///
  /// The bound on `‖C‖` is the estimate times `(α sqrt(2/π))^(1/p)`, 1.79 for `p = 2`. With
  /// `p = 1` the estimate `‖C ω‖ ≈ sqrt(Σ λ_j(C)²)` overstates `‖C‖` for a slowly decaying tail
  /// (by 2.6 for `s_j ∝ 1/j`), and the Ritz values no longer looked separated on such a
  /// spectrum.
  static var normPower: Int { 2 }

  init(matrix: Matrix<Scalar>, options: TopSingularValuesOptions) {
    a = matrix
    transposed = matrix.rows < matrix.columns
    m = Swift.max(matrix.rows, matrix.columns)
    n = Swift.min(matrix.rows, matrix.columns)
    self.options = options
    generator = SeededGenerator(seed: options.seed)
  }

  /// `A X` for `X` with `n` rows, in `Scalar`.
  func applyA(_ x: Matrix<Scalar>) -> Matrix<Scalar> {
    a.matmul(x, transposeSelf: transposed)
  }

  /// `Aᵀ Y` for `Y` with `m` rows, in `Scalar`.
  func applyAT(_ y: Matrix<Scalar>) -> Matrix<Scalar> {
    a.matmul(y, transposeSelf: !transposed)
  }

  /// An orthonormal basis of the range of `y`: its left singular vectors (thin SVD; QR is not in
  /// the LAPACK shim), all of them, so that the subspace keeps its dimension (directions of
  /// tiny singular values are still orthonormal, and a bound computed with them is still a
  /// bound); no columns for a zero `y`.
  static func orthonormalBasis<T: MatrixScalar>(
    _ y: Matrix<T>
  ) throws(LinearAlgebraError) -> Matrix<T> {
    let svd = try y.singularValueDecomposition()
    guard (svd.singularValues.first ?? 0) > 0 else { return .zeros(rows: y.rows, columns: 0) }
    return svd.u
  }

  /// One step of subspace iteration on `M = AᵀA` in `Scalar`, `V ← orth(Aᵀ(A V))`, and
  /// `Σ_{j≤K} θ_j`, the top `K` Ritz values of the orthonormal `V` it started from (eigenvalues
  /// of `(AV)ᵀ(AV)`, which tracks convergence; not used in the bound).
  ///
  /// A tall stored matrix is read once, in blocks of rows copied into one reused buffer that
  /// stays in cache for both products (`Y_r = A_r V`, `M V += A_rᵀ Y_r`); a wide one takes two
  /// passes (`A V`, then `Aᵀ(A V)`).
  func step(
    _ v: Matrix<Scalar>, rank: Int
  ) throws(LinearAlgebraError) -> (basis: Matrix<Scalar>, captured: Double) {
    let l = v.columns
    var gram = Matrix<Scalar>.zeros(rows: l, columns: l)
    var mv: Matrix<Scalar>
    if transposed {
      let y = applyA(v)
      gram.syrk(y, transposeA: true)
      mv = applyAT(y)
    } else {
      mv = .zeros(rows: n, columns: l)
      let rowsPerBlock = Swift.max(1, (1 << 19) / Swift.max(n, 1))
      var block = Matrix<Scalar>.zeros(rows: 0, columns: 0)
      var start = 0
      while start < m {
        let range = start..<Swift.min(m, start + rowsPerBlock)
        if block.rows != range.count { block = .zeros(rows: range.count, columns: n) }
        a.withUnsafeBufferPointer { source in
          block.withUnsafeMutableBufferPointer { target in
            guard let from = source.baseAddress, let to = target.baseAddress else { return }
            to.update(from: from + range.lowerBound * n, count: range.count * n)
          }
        }
        let y = block.matmul(v)
        gram.syrk(y, transposeA: true, beta: 1)
        mv.gemm(block, y, transposeA: true, beta: 1)
        start = range.upperBound
      }
    }
    var captured = 0.0
    if rank > 0 {
      let theta = try Matrix<Double>(gram).symmetricEigenvalues()
      captured = theta.sorted(by: >).prefix(rank).reduce(0) { $0 + Swift.max($1, 0) }
    }
    return (try Self.orthonormalBasis(mv), captured)
  }

  /// The number of rows of `A` per block of the `Double` passes: about 8 MB of `Double` values,
  /// so that a converted block stays in cache for its second product.
  var blockRows: Int { Swift.max(1, (1 << 20) / Swift.max(n, 1)) }

  /// Writes rows `range` of `A` in `Double` into `panel`: `range.count × n`, or for a wide
  /// stored matrix its transpose `n × range.count` (a block of columns of the stored matrix).
  ///
  /// The callers reuse one panel for all blocks: a fresh 8 MB block each time made the kernel
  /// map and zero new pages every time (a third of the run time on a 50000 × 4096 matrix).
  func panel(_ panel: inout Matrix<Double>, rows range: Range<Int>) {
    let (m, n, lower, count) = (m, n, range.lowerBound, range.count)
    let shape = transposed ? (n, count) : (count, n)
    if panel.rows != shape.0 || panel.columns != shape.1 {
      panel = .zeros(rows: shape.0, columns: shape.1)
    }
    a.withUnsafeBufferPointer { source in
      panel.withUnsafeMutableBufferPointer { target in
        if transposed {
          // Stored Aᵀ is n × m: target[i, j] = stored[i, lower + j].
          for i in 0..<n {
            for j in 0..<count { target[i * count + j] = Double(source[i * m + lower + j]) }
          }
        } else {
          let base = lower * n
          for index in 0..<(count * n) { target[index] = Double(source[base + index]) }
        }
      }
    }
  }

  /// `A X` (when `keepProduct`) and `M X = Aᵀ(A X)` in `Double`, reading the matrix once.
  ///
  /// Each block of rows of `A` is converted to `Double` and used for both products while it is
  /// in cache. Also returns `‖A‖_F²` summed in `Double` over the blocks.
  func doubleGramProducts(
    _ x: Matrix<Double>, keepProduct: Bool
  ) -> (ax: Matrix<Double>, mx: Matrix<Double>, squaredNorm: Double) {
    let width = x.columns
    var ax = Matrix<Double>.zeros(rows: keepProduct ? m : 0, columns: width)
    var mx = Matrix<Double>.zeros(rows: n, columns: width)
    var squaredNorm = 0.0
    var block = Matrix<Double>.zeros(rows: 0, columns: 0)
    var start = 0
    while start < m {
      let range = start..<Swift.min(m, start + blockRows)
      panel(&block, rows: range)
      squaredNorm += block.squaredFrobeniusNorm
      // Stored A: block = A_r (b × n), Y_r = block X, M X += blockᵀ Y_r. Stored Aᵀ: block =
      // A_rᵀ (n × b), Y_r = blockᵀ X, M X += block Y_r.
      let y = block.matmul(x, transposeSelf: transposed)
      mx.gemm(block, y, transposeA: !transposed, beta: 1)
      if keepProduct {
        ax.withUnsafeMutableBufferPointer { destination in
          y.withUnsafeBufferPointer { source in
            guard let from = source.baseAddress, let to = destination.baseAddress else { return }
            (to + range.lowerBound * width).update(from: from, count: source.count)
          }
        }
      }
      start = range.upperBound
    }
    return (ax, mx, squaredNorm)
  }

  /// Squared column norms, in `Double`.
  static func columnSquares<T: MatrixScalar>(_ x: Matrix<T>) -> [Double] {
    var result = [Double](repeating: 0, count: x.columns)
    x.withUnsafeBufferPointer { buffer in
      for i in 0..<x.rows {
        for j in 0..<x.columns {
          let value = Double(buffer[i * x.columns + j])
          result[j] += value * value
        }
      }
    }
    return result
  }

  /// `y ← (I − VVᵀ) y`.
  static func project(_ y: inout Matrix<Double>, awayFrom v: Matrix<Double>) {
    guard v.columns > 0 else { return }
    let coefficients = v.matmul(y, transposeSelf: true)
    y.gemm(v, coefficients, alpha: -1, beta: 1)
  }

  /// The largest subspace dimension the iteration may grow to: its blocks (the basis, the
  /// products with `A` and `Aᵀ`, their factorisations; about six `m × l` blocks) stay within a
  /// quarter of the matrix's own size, but never below the starting `k + p`.
  func maximumSubspace(starting l: Int) -> Int {
    Swift.max(l, Swift.min(n, (m * n) / (24 * (m + n))))
  }
}
