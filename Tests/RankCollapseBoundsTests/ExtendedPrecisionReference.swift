#if arch(x86_64) && !os(Windows)
import RankCollapseTensor

/// Float80 (64-bit significand, unit roundoff 2⁻⁶⁴, 2¹¹ times finer than `Double`).
typealias Wide = Float80

/// A dense row-major matrix in `Float80` for the references of the adversarial tests.
struct WideMatrix {
  var rows: Int
  var columns: Int
  var values: [Wide]

  init(rows: Int, columns: Int, values: [Wide]? = nil) {
    self.rows = rows
    self.columns = columns
    self.values = values ?? [Wide](repeating: 0, count: rows * columns)
  }

  init(_ m: Matrix<Double>) {
    self.init(
      rows: m.rows, columns: m.columns,
      values: m.withUnsafeBufferPointer { $0.map { Wide($0) } })
  }

  subscript(i: Int, j: Int) -> Wide {
    get { values[i * columns + j] }
    set { values[i * columns + j] = newValue }
  }

  var transposed: WideMatrix {
    var t = WideMatrix(rows: columns, columns: rows)
    for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
    return t
  }

  static func * (a: WideMatrix, b: WideMatrix) -> WideMatrix {
    precondition(a.columns == b.rows, "\(a.rows)×\(a.columns) * \(b.rows)×\(b.columns)")
    var c = WideMatrix(rows: a.rows, columns: b.columns)
    for i in 0..<a.rows {
      for k in 0..<a.columns {
        let x = a[i, k]
        if x == 0 { continue }
        for j in 0..<b.columns { c[i, j] += x * b[k, j] }
      }
    }
    return c
  }

  static func - (a: WideMatrix, b: WideMatrix) -> WideMatrix {
    WideMatrix(rows: a.rows, columns: a.columns, values: zip(a.values, b.values).map { $0 - $1 })
  }

  var squaredNorm: Wide { values.reduce(0) { $0 + $1 * $1 } }

  /// Rows `indices` of the matrix, in order.
  func rows(at indices: [Int]) -> WideMatrix {
    WideMatrix(
      rows: indices.count, columns: columns,
      values: indices.flatMap { i in values[(i * columns)..<((i + 1) * columns)] })
  }
}

enum WideLinearAlgebra {
  /// Columns p and q of `m` rotated: (m_p, m_q) ← (c m_p − s m_q, s m_p + c m_q).
  static func rotateColumns(_ m: inout WideMatrix, _ p: Int, _ q: Int, c: Wide, s: Wide) {
    for k in 0..<m.rows {
      let (x, y) = (m[k, p], m[k, q])
      m[k, p] = c * x - s * y
      m[k, q] = s * x + c * y
    }
  }

  /// Eigenvalues and eigenvectors (columns of V) of a symmetric matrix by cyclic Jacobi
  /// rotations, to full Float80 accuracy.
  static func symmetricEigen(_ a: WideMatrix) -> (values: [Wide], vectors: WideMatrix) {
    let n = a.rows
    var m = a
    var v = WideMatrix(rows: n, columns: n)
    for i in 0..<n { v[i, i] = 1 }
    for _ in 0..<60 {
      var off: Wide = 0
      for p in 0..<n { for q in (p + 1)..<n { off += m[p, q] * m[p, q] } }
      var diag: Wide = 0
      for p in 0..<n { diag += m[p, p] * m[p, p] }
      if off <= Wide.ulpOfOne * Wide.ulpOfOne * diag * 1e-4 || off == 0 { break }
      for p in 0..<n {
        for q in (p + 1)..<n {
          let apq = m[p, q]
          if apq == 0 { continue }
          let theta = (m[q, q] - m[p, p]) / (2 * apq)
          let t =
            (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot()
          let s = t * c
          rotateColumns(&m, p, q, c: c, s: s)
          m = m.transposed
          rotateColumns(&m, p, q, c: c, s: s)
          m = m.transposed
          rotateColumns(&v, p, q, c: c, s: s)
        }
      }
    }
    return ((0..<n).map { m[$0, $0] }, v)
  }

  /// f(A) = V f(Λ) Vᵀ for a symmetric A.
  static func function(_ a: WideMatrix, _ f: (Wide) -> Wide) -> WideMatrix {
    let (values, v) = symmetricEigen(a)
    var scaled = v
    for i in 0..<a.rows { for j in 0..<a.rows { scaled[i, j] *= f(values[j]) } }
    return scaled * v.transposed
  }

  /// One-sided Jacobi (Hestenes): A V = W with orthogonal columns; returns the columns of W
  /// and V sorted by decreasing norm (the singular values), to high relative accuracy.
  static func hestenes(_ a: WideMatrix) -> (w: WideMatrix, v: WideMatrix, sigma: [Wide]) {
    let n = a.columns
    var w = a
    var v = WideMatrix(rows: n, columns: n)
    for i in 0..<n { v[i, i] = 1 }
    for _ in 0..<60 {
      var rotated = false
      for p in 0..<n {
        for q in (p + 1)..<n {
          var alpha: Wide = 0
          var beta: Wide = 0
          var gamma: Wide = 0
          for k in 0..<w.rows {
            alpha += w[k, p] * w[k, p]
            beta += w[k, q] * w[k, q]
            gamma += w[k, p] * w[k, q]
          }
          if gamma == 0 || abs(gamma) <= Wide.ulpOfOne * (alpha * beta).squareRoot() {
            continue
          }
          rotated = true
          let zeta = (beta - alpha) / (2 * gamma)
          let t = (zeta >= 0 ? 1 : -1) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
          let c = 1 / (1 + t * t).squareRoot()
          let s = c * t
          rotateColumns(&w, p, q, c: c, s: s)
          rotateColumns(&v, p, q, c: c, s: s)
        }
      }
      if !rotated { break }
    }
    let norms = (0..<n).map { j in (0..<w.rows).reduce(Wide(0)) { $0 + w[$1, j] * w[$1, j] } }
    let order = (0..<n).sorted { norms[$0] > norms[$1] }
    var ws = WideMatrix(rows: w.rows, columns: n)
    var vs = WideMatrix(rows: n, columns: n)
    for (to, from) in order.enumerated() {
      for k in 0..<w.rows { ws[k, to] = w[k, from] }
      for k in 0..<n { vs[k, to] = v[k, from] }
    }
    return (ws, vs, order.map { norms[$0].squareRoot() })
  }

  /// The exact means of the rows of `x` in each set (Float80 sums of `Double` values are exact
  /// for up to 2¹¹ terms of equal exponent range, so means of duplicates are exact), expanded
  /// to one row per sample.
  static func centroidRows(_ x: WideMatrix, _ assignment: [Int]) -> WideMatrix {
    let k = (assignment.max() ?? -1) + 1
    var sums = WideMatrix(rows: k, columns: x.columns)
    var counts = [Wide](repeating: 0, count: k)
    for (i, set) in assignment.enumerated() {
      counts[set] += 1
      for j in 0..<x.columns { sums[set, j] += x[i, j] }
    }
    for set in 0..<k where counts[set] > 0 {
      for j in 0..<x.columns { sums[set, j] /= counts[set] }
    }
    return sums.rows(at: assignment)
  }
}

/// The links of Theorems 5.3 and 5.4 computed in Float80 from the same `Double` data.
enum WideTheorems {
  /// Θ* = Y Xᵀ (X Xᵀ + Nλ I)⁻¹ in rows: (XᵀX + NλI)⁻¹ XᵀY, transposed.
  static func minimizer(_ x: WideMatrix, _ y: WideMatrix, n: Wide, lambda: Wide) -> WideMatrix {
    var a = x.transposed * x
    for j in 0..<a.rows { a[j, j] += n * lambda }
    let inverse = WideLinearAlgebra.function(a) { 1 / $0 }
    return (inverse * (x.transposed * y)).transposed
  }

  /// [left, link 2, right] of ``DeepLinearProblem/theorem53(lambda:estimator:)``.
  static func theorem53(x: Matrix<Double>, y: Matrix<Double>, lambda: Double, partition: [Int])
    -> [Wide]
  {
    let (wx, wy) = (WideMatrix(x), WideMatrix(y))
    let n = Wide(x.rows)
    let d = Wide(x.columns)
    let l = Wide(lambda)
    let xBar = WideLinearAlgebra.centroidRows(wx, partition)
    let yBar = WideLinearAlgebra.centroidRows(wy, partition)
    let left = (minimizer(wx, wy, n: n, lambda: l) - minimizer(xBar, yBar, n: n, lambda: l))
      .squaredNorm.squareRoot()
    let xb = xBar.squaredNorm.squareRoot()
    let yb = yBar.squaredNorm.squareRoot()
    let xd2 = (wx - xBar).squaredNorm
    let yd2 = (wy - yBar).squaredNorm
    let link2 =
      d * yb * xb * xd2 / (l * l * n * n) + d.squareRoot() * (xd2 * yd2).squareRoot() / (l * n)
    let right = (xd2 + yd2) / n / l * (d / (n * l) * yb * xb + d.squareRoot())
    return [left, link2, right]
  }

  /// [left, link 2, link 3, link 4, right] of
  /// ``DeepLinearProblem/theorem54(rank:lambda:estimator:)``.
  static func theorem54(
    x: Matrix<Double>, y: Matrix<Double>, rank: Int, lambda: Double, partition: [Int]
  ) -> [Wide] {
    let (wx, wy) = (WideMatrix(x), WideMatrix(y))
    let n = Wide(x.rows)
    let d = Wide(x.columns)
    let c = Wide(y.columns)
    let l = Wide(lambda)
    var a = wx.transposed * wx
    for j in 0..<a.rows { a[j, j] += n * l }
    let root = WideLinearAlgebra.function(a) { 1 / $0.squareRoot() }
    let q = (wy.transposed * wx) * root  // c × d
    let (w, v, sigma) = WideLinearAlgebra.hestenes(q)
    // Q − Q_K = Σ_{j>K} w_j v_jᵀ.
    var tail = WideMatrix(rows: q.rows, columns: q.columns)
    var qTail: Wide = 0
    for j in rank..<sigma.count {
      qTail += sigma[j] * sigma[j]
      for i in 0..<q.rows { for k in 0..<q.columns { tail[i, k] += w[i, j] * v[k, j] } }
    }
    let left = (tail * root).squaredNorm
    let rootNorm2 = root.squaredNorm
    let ySigma = WideLinearAlgebra.hestenes(wy).sigma
    let yTail = ySigma.dropFirst(rank).reduce(Wide(0)) { $0 + $1 * $1 }
    let factor = d * min(d, c)
    let yBar = WideLinearAlgebra.centroidRows(wy, partition)
    let wcss = (wy - yBar).squaredNorm / n
    return [
      left, qTail * rootNorm2, d / (n * l) * qTail, factor / (n * l) * yTail,
      factor / l * wcss,
    ]
  }
}
#endif
