import RankCollapseClustering
import RankCollapseSpectral
import RankCollapseTensor

/// The linear least-squares problem of the paper's deep linear case (section 5).
///
/// It carries the library's conventions and the closed-form minimisers (Theorem 5.1, Remark
/// 5.2, equation 21).
///
/// ## Layout: samples are rows
///
/// The paper stores samples as columns, `X = [x_1 ⋯ x_N] ∈ ℝ^{d×N}`, `Y ∈ ℝ^{c×N}` (eq. 15), and
/// the model is `f(Θ, x) = Θ x` with `Θ ∈ ℝ^{c×d}`. This library stores one sample per row, so
/// ``inputs`` is `X_rows = Xᵀ` (`N × d`) and ``targets`` is `Y_rows = Yᵀ` (`N × c`). `Θ` keeps
/// the paper's shape `c × d` (like a layer weight `W_l`), and the predictions are
/// `X_rows Θᵀ` (`N × c`). The translation used everywhere:
///
/// | paper (columns)  | here (rows)            | shape  |
/// |------------------|------------------------|--------|
/// | `X Xᵀ`           | `X_rowsᵀ X_rows` (``gram``)  | `d × d` |
/// | `Y Xᵀ`           | `Y_rowsᵀ X_rows` (``crossProduct``) | `c × d` |
/// | `Tr(Y Yᵀ)`       | `‖Y_rows‖_F²` (``targetEnergy``) | scalar |
/// | `‖Y − Θ X‖_F`     | `‖Y_rows − X_rows Θᵀ‖_F` | scalar |
///
/// ## Loss and weight decay
///
/// The library's objective is paper eq. (19) exactly: the squared loss without `½`, averaged
/// over the samples, plus `λ‖Θ‖_F²`:
///
///     L_λ(Θ) = (1/N) ‖Y − Θ X‖_F² + λ ‖Θ‖_F²,   ∇L_λ(Θ) = (2/N)(Θ X Xᵀ − Y Xᵀ) + 2λ Θ.
///
/// Its minimiser is `Θ* = Y Xᵀ (X Xᵀ + Nλ I)⁻¹` (eq. 21 with eq. 28). Because eq. (19) uses the
/// same normalisation as the library, the constants of Remark 5.2 (`√(Nλ)`) and of Theorems 5.3
/// and 5.4 carry over unchanged. The factor 2 of the weight-decay gradient (`2λΘ`, see DESIGN)
/// cancels against the 2 of the squared loss's gradient in the stationarity equation, so no
/// `2λ` appears in this section. The only constant that changes is Theorem 5.1's loss value: the
/// paper's `½(Tr(YYᵀ) − Σσ²)` is for `½‖Y − ΘX‖²`; with this library's loss it is
/// `(1/N)(Tr(YYᵀ) − Σσ²)`.
///
/// The normaliser `N` is ``normalization``; it equals the number of samples except for the
/// augmented problem of Remark 5.2 (``augmented(lambda:)``), which keeps the original `N` so
/// that its unregularised loss equals `L_λ` of the original problem (eq. 19).
///
/// All quantities are computed in `Double` whatever the scalar type of the data.
public struct DeepLinearProblem: Sendable {
  /// The inputs `X_rows = Xᵀ`, one sample `x_i` per row (`N × d`).
  public let inputs: Matrix<Double>
  /// The targets `Y_rows = Yᵀ`, one target `y_i` per row (`N × c`).
  public let targets: Matrix<Double>
  /// The paper's `X Xᵀ` (`d × d`), here `X_rowsᵀ X_rows`.
  public let gram: Matrix<Double>
  /// The paper's `Y Xᵀ` (`c × d`), here `Y_rowsᵀ X_rows`.
  public let crossProduct: Matrix<Double>
  /// The paper's `Tr(Y Yᵀ) = ‖Y‖_F²`.
  public let targetEnergy: Double
  /// The `N` of the loss's `1/N` and of `Nλ` (the sample count, except for ``augmented(lambda:)``).
  public let normalization: Int

  /// The number of samples (rows).
  public var sampleCount: Int { inputs.rows }
  /// The input dimension `d`.
  public var inputDimension: Int { inputs.columns }
  /// The output dimension `c`.
  public var outputDimension: Int { targets.columns }

  /// A problem from data with one sample per row.
  ///
  /// - Parameters:
  ///   - inputs: `N × d` inputs `x_i` (rows).
  ///   - targets: `N × c` targets `y_i` (rows).
  /// - Throws: ``DeepLinearError/emptyData(samples:inputDimension:outputDimension:)``,
  ///   ``DeepLinearError/sampleCountMismatch(inputs:targets:)`` or
  ///   ``DeepLinearError/nonFiniteData``.
  /// - Complexity: O(N·d·(d + c)) for ``gram`` and ``crossProduct`` (O(N·d²) when the targets
  ///   equal the inputs: one Gram matrix serves both).
  public init<S: MatrixScalar>(inputs: Matrix<S>, targets: Matrix<S>) throws(DeepLinearError) {
    guard inputs.rows == targets.rows else {
      throw .sampleCountMismatch(inputs: inputs.rows, targets: targets.rows)
    }
    guard inputs.rows > 0, inputs.columns > 0, targets.columns > 0 else {
      throw .emptyData(
        samples: inputs.rows, inputDimension: inputs.columns, outputDimension: targets.columns)
    }
    // Convert through concrete types: this generic initialiser is not specialised for callers.
    let x = promoted(inputs)
    let y = promoted(targets)
    guard x.isFinite, y.isFinite else { throw .nonFiniteData }
    let gram = x.gram(transposeSelf: true)
    // An autoencoder (targets equal to the inputs, Figure 2) shares one Gram matrix.
    let autoencoder = x == y
    self.init(
      inputs: x, targets: y, gram: gram,
      crossProduct: autoencoder ? gram : y.matmul(x, transposeSelf: true),
      targetEnergy: squaredNorm(y), normalization: x.rows, targetsAreInputs: autoencoder)
  }

  /// A problem from precomputed parts (no validation).
  init(
    inputs: Matrix<Double>, targets: Matrix<Double>, gram: Matrix<Double>,
    crossProduct: Matrix<Double>, targetEnergy: Double, normalization: Int,
    targetsAreInputs: Bool = false
  ) {
    self.inputs = inputs
    self.targets = targets
    self.gram = gram
    self.crossProduct = crossProduct
    self.targetEnergy = targetEnergy
    self.normalization = normalization
    self.targetsAreInputs = targetsAreInputs
  }

  /// Whether ``targets`` equals ``inputs`` (an autoencoder), so that `Y Xᵀ = Y Yᵀ = X Xᵀ` are all
  /// ``gram`` and need no further products.
  let targetsAreInputs: Bool

  /// The paper's `Y Yᵀ` (`c × c`), here `Y_rowsᵀ Y_rows`.
  var targetGram: Matrix<Double> {
    targetsAreInputs ? gram : targets.gram(transposeSelf: true)
  }

  // MARK: Loss and gradient

  /// The loss `L_λ(Θ) = (1/N) ‖Y − Θ X‖_F² + λ ‖Θ‖_F²` of paper equation 19.
  ///
  /// It is evaluated directly from the residual `Y_rows − X_rows Θᵀ`.
  ///
  /// - Parameters:
  ///   - parameters: `Θ`, `c × d`.
  ///   - lambda: `λ ≥ 0` (default 0: the unregularised `L_0`).
  /// - Returns: The loss, with `N` = ``normalization``.
  /// - Complexity: O(N·c·d).
  public func loss(_ parameters: Matrix<Double>, lambda: Double = 0) -> Double {
    checkShape(parameters, "loss")
    precondition(lambda >= 0 && lambda.isFinite, "loss: λ must be finite and ≥ 0, got \(lambda)")
    let residual = targets - inputs.matmul(parameters, transposeOther: true)
    return squaredNorm(residual) / Double(normalization) + lambda * squaredNorm(parameters)
  }

  /// The gradient `∇L_λ(Θ) = (2/N)(Θ X Xᵀ − Y Xᵀ) + 2λ Θ` (the library's convention: no `½` in
  /// the loss, `2λΘ` from the penalty), from ``gram`` and ``crossProduct``.
  ///
  /// A minimiser of ``loss(_:lambda:)`` makes it vanish (the stationarity equation of eq. 21).
  ///
  /// - Parameters:
  ///   - parameters: `Θ`, `c × d`.
  ///   - lambda: `λ ≥ 0`.
  /// - Returns: The `c × d` gradient.
  /// - Complexity: O(c·d²).
  public func gradient(_ parameters: Matrix<Double>, lambda: Double = 0) -> Matrix<Double> {
    checkShape(parameters, "gradient")
    precondition(lambda >= 0 && lambda.isFinite, "gradient: λ must be finite and ≥ 0")
    let n = Double(normalization)
    var result = parameters.matmul(gram) - crossProduct
    result *= 2 / n
    result += (2 * lambda) * parameters
    return result
  }

  // MARK: Remark 5.2

  /// Remark 5.2: the regularised problem as an unregularised one.
  ///
  /// The data are `X_λ = [X, √(Nλ) I]`, `Y_λ = [Y, 0]` (eq. 18).
  ///
  /// With samples as rows the blocks are stacked below: `X_λ,rows = [X_rows; √(Nλ) I_d]`
  /// (`(N + d) × d`) and `Y_λ,rows = [Y_rows; 0]` (`(N + d) × c`). Then
  /// `(1/N)‖Y_λ − Θ X_λ‖² = (1/N)‖Y − ΘX‖² + λ‖Θ‖² = L_λ(Θ)` (eq. 19).
  ///
  /// The constant: the `1/N` of eq. (19) is the ORIGINAL `N`, not the `N + d` rows of the
  /// augmented data, so the result keeps ``normalization`` `= N` and its `loss(Θ, lambda: 0)`
  /// equals this problem's `loss(Θ, lambda: λ)`. (A plain mean over the `N + d` rows would be
  /// `N/(N + d)` times `L_λ`: the same minimisers, a different value.) With this library's
  /// `λ‖Θ‖²` penalty and no `½`, `√(Nλ)` is the right scale.
  ///
  /// - Parameter lambda: `λ ≥ 0`.
  /// - Returns: The augmented problem.
  /// - Throws: ``DeepLinearError/invalidLambda(_:requirement:)``.
  /// - Complexity: O((N + d)·d) to build the rows, O(d²) for the Gram matrix.
  public func augmented(lambda: Double) throws(DeepLinearError) -> DeepLinearProblem {
    try Self.validate(lambda: lambda, positive: false)
    let (n, d, c) = (sampleCount, inputDimension, outputDimension)
    let scale = (Double(normalization) * lambda).squareRoot()
    var x = Matrix<Double>.zeros(rows: n + d, columns: d)
    var y = Matrix<Double>.zeros(rows: n + d, columns: c)
    x.withUnsafeMutableBufferPointer { out in
      inputs.withUnsafeBufferPointer { src in
        for i in 0..<(n * d) { out[i] = src[i] }
      }
      for j in 0..<d { out[(n + j) * d + j] = scale }
    }
    y.withUnsafeMutableBufferPointer { out in
      targets.withUnsafeBufferPointer { src in
        for i in 0..<(n * c) { out[i] = src[i] }
      }
    }
    return DeepLinearProblem(
      inputs: x, targets: y, gram: regularizedGram(lambda: lambda), crossProduct: crossProduct,
      targetEnergy: targetEnergy, normalization: normalization)
  }

  /// The paper's `X_λ X_λᵀ = X Xᵀ + Nλ I` (equation 28), `d × d`.
  func regularizedGram(lambda: Double) -> Matrix<Double> {
    var a = gram
    let shift = Double(normalization) * lambda
    for j in 0..<inputDimension { a[j, j] += shift }
    return a
  }

  // MARK: Minimisers (eq. 21)

  /// The minimiser `Θ* = Y_λ X_λᵀ (X_λ X_λᵀ)⁻¹ = Y Xᵀ (X Xᵀ + Nλ I)⁻¹` of `L_λ`.
  ///
  /// This is paper eq. 21 with eq. 28, computed by a Cholesky solve.
  ///
  /// In rows: `Θ*ᵀ = (X_rowsᵀ X_rows + Nλ I)⁻¹ X_rowsᵀ Y_rows`. It satisfies the stationarity
  /// equation `gradient(Θ*, lambda: λ) = 0`.
  ///
  /// - Parameter lambda: `λ ≥ 0`; with `λ = 0` the inputs must span `ℝ^d`.
  /// - Returns: `Θ*`, `c × d`.
  /// - Throws: ``DeepLinearError/invalidLambda(_:requirement:)``,
  ///   ``DeepLinearError/singularGram``.
  /// - Complexity: O(d³/3 + c·d²).
  public func minimizer(lambda: Double) throws(DeepLinearError) -> Matrix<Double> {
    try Self.validate(lambda: lambda, positive: false)
    let a = regularizedGram(lambda: lambda)
    do {
      return try a.choleskySolve(crossProduct.transposed()).transposed()
    } catch .notPositiveDefinite {
      throw .singularGram
    } catch {
      throw .linearAlgebra(error)
    }
  }

  /// The centroid problem of equation 20.
  ///
  /// Every sample `(x_i, y_i)` is replaced by the centroid `(x̄_k, ȳ_k)` of its set `C_k`, so `X̄ = [rep(x̄_1, N_1) ⋯ rep(x̄_K, N_K)]` and likewise `Ȳ`.
  ///
  /// Its loss is the centroid-based loss `L_λ^{0,C}` of eq. (8) at layer 0 for the linear model
  /// (the same `1/N`), so its ``minimizer(lambda:)`` is `Θ*,C` of eq. (21). With rows, row `i` of
  /// `X̄_rows` is the centroid of the set containing sample `i` (samples keep their order).
  ///
  /// - Parameter partition: A partition of the `N` samples.
  /// - Returns: The problem on `(X̄, Ȳ)` with the same ``normalization``.
  /// - Throws: ``DeepLinearError/partitionMismatch(partition:samples:)``.
  /// - Complexity: O(N·(d + c)) plus O(K·d·(d + c)) for its Gram matrices.
  public func centroidProblem(partition: Partition) throws(DeepLinearError) -> DeepLinearProblem {
    try centroidParts(partition: partition).problem
  }

  /// ``centroidProblem(partition:)`` with the Frobenius norms of the deviations of every sample
  /// from the first sample of its set, `‖X − X_first‖_F` and `‖Y − Y_first‖_F`, which bound the
  /// rounding of the centroids (see ``classMeans(_:_:)``).
  ///
  /// `scaled` holds the `√N_k`-scaled centroids `X_s` (`K × d`) and `Y_s` (`K × c`), with
  /// `X̄ᵀX̄ = X_sᵀX_s` and `Ȳᵀ X̄ = Y_sᵀX_s` in rows; `nil` when every set holds identical points
  /// and the centroid problem is this problem itself.
  func centroidParts(partition: Partition) throws(DeepLinearError) -> (
    problem: DeepLinearProblem, inputSpread: Double, targetSpread: Double,
    scaled: (inputs: Matrix<Double>, targets: Matrix<Double>)?
  ) {
    guard partition.pointCount == sampleCount else {
      throw .partitionMismatch(partition: partition.pointCount, samples: sampleCount)
    }
    let (xMeans, xSpread) = classMeans(inputs, partition)
    let (yMeans, ySpread) = classMeans(targets, partition)
    // Sets of identical points (the means are exact, so X̄ = X bit for bit): the centroid
    // problem IS this problem, and sharing its Gram matrices makes Θ*,C = Θ* exactly.
    if xSpread == 0 && ySpread == 0 {
      return (self, 0, 0, nil)
    }
    // X̄ X̄ᵀ = Σ_k N_k x̄_k x̄_kᵀ and Ȳ X̄ᵀ = Σ_k N_k ȳ_k x̄_kᵀ from √N_k-scaled centroids.
    let roots = partition.sizes.map { Double($0).squareRoot() }
    let xs = scaleRows(xMeans, roots)
    let ys = scaleRows(yMeans, roots)
    let xBar = xMeans.rows(at: partition.assignment)
    let yBar = yMeans.rows(at: partition.assignment)
    let problem = DeepLinearProblem(
      inputs: xBar, targets: yBar, gram: xs.gram(transposeSelf: true),
      crossProduct: ys.matmul(xs, transposeSelf: true), targetEnergy: squaredNorm(ys),
      normalization: normalization)
    return (problem, xSpread.squareRoot(), ySpread.squareRoot(), (xs, ys))
  }

  /// The minimiser `Θ*,C = Ȳ_λ X̄_λᵀ (X̄_λ X̄_λᵀ)⁻¹ = Ȳ X̄ᵀ (X̄ X̄ᵀ + Nλ I)⁻¹` of the centroid loss.
  ///
  /// This is paper eq. 21 with the centroid matrices of eq. 20; its rank is at most `K`.
  ///
  /// - Parameters:
  ///   - partition: The partition `C` of the `N` samples into `K` sets.
  ///   - lambda: `λ > 0` (`X̄ X̄ᵀ` has rank ≤ K, so it is singular for `K < d` without it).
  /// - Returns: `Θ*,C`, `c × d`.
  /// - Throws: As ``centroidProblem(partition:)`` and ``minimizer(lambda:)``.
  /// - Complexity: O(N·(d + c) + d³/3 + K·d²).
  public func centroidMinimizer(partition: Partition, lambda: Double) throws(DeepLinearError)
    -> Matrix<Double>
  {
    try Self.validate(lambda: lambda, positive: true)
    return try centroidProblem(partition: partition).minimizer(lambda: lambda)
  }

  // MARK: Validation

  /// Throws unless `λ` is finite and `≥ 0` (`> 0` when `positive`).
  static func validate(lambda: Double, positive: Bool) throws(DeepLinearError) {
    guard lambda.isFinite, positive ? lambda > 0 : lambda >= 0 else {
      throw .invalidLambda(lambda, requirement: positive ? "finite and > 0" : "finite and ≥ 0")
    }
  }

  /// Precondition: `Θ` is `c × d`.
  func checkShape(_ parameters: Matrix<Double>, _ operation: String) {
    precondition(
      parameters.rows == outputDimension && parameters.columns == inputDimension,
      "\(operation): Θ is \(parameters.shapeDescription) but the problem needs "
        + "c × d = \(outputDimension)×\(inputDimension) (targets \(targets.shapeDescription), "
        + "inputs \(inputs.shapeDescription))")
  }
}

/// `a` as `Matrix<Double>`, converting `Float` through the concrete (specialised) initialiser.
func promoted<S: MatrixScalar>(_ a: Matrix<S>) -> Matrix<Double> {
  if let double = a as? Matrix<Double> { return double }
  if let float = a as? Matrix<Float> { return Matrix<Double>(float) }
  return Matrix<Double>(a)
}

/// `‖A‖_F²` accumulated in `Double`.
func squaredNorm(_ a: Matrix<Double>) -> Double {
  a.withUnsafeBufferPointer { buffer in
    var total = 0.0
    for value in buffer { total += value * value }
    return total
  }
}

/// `Tr A` of a square matrix.
func trace(_ a: Matrix<Double>) -> Double {
  (0..<Swift.min(a.rows, a.columns)).reduce(0) { $0 + a[$1, $1] }
}

/// `‖A − B‖_F²` without forming `A − B`: each difference is rounded once, as in `A − B`.
func squaredDistance(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
  precondition(
    a.rows == b.rows && a.columns == b.columns,
    "squaredDistance: \(a.shapeDescription) against \(b.shapeDescription)")
  return a.withUnsafeBufferPointer { p in
    b.withUnsafeBufferPointer { q in
      var total = 0.0
      for i in 0..<p.count {
        let difference = p[i] - q[i]
        total += difference * difference
      }
      return total
    }
  }
}

/// `Σ_i ‖x_i − m_{assignment[i]}‖²` for the rows `x_i` of `data` and the rows of `means`,
/// without forming the `N`-row matrix of means.
func squaredDeviation(_ data: Matrix<Double>, _ means: Matrix<Double>, _ assignment: [Int])
  -> Double
{
  precondition(
    data.columns == means.columns && data.rows == assignment.count,
    "squaredDeviation: \(data.shapeDescription) data, \(means.shapeDescription) means, "
      + "\(assignment.count) assignments")
  let m = data.columns
  return data.withUnsafeBufferPointer { p in
    means.withUnsafeBufferPointer { q in
      var total = 0.0
      for (i, set) in assignment.enumerated() {
        for j in 0..<m {
          let difference = p[i * m + j] - q[set * m + j]
          total += difference * difference
        }
      }
      return total
    }
  }
}

/// The `K × columns` means of the rows of `data` in each set of `partition`, and
/// `Σ_i ‖x_i − x_{f(i)}‖²` with `x_{f(i)}` the first sample of the set of sample `i`.
///
/// Each mean is `x_f + (Σ_{i∈C_k} (x_i − x_f)) / N_k`, shifted by the set's first sample `x_f`:
/// the mean of identical points is then that point exactly (a plain `Σ x_i / N_k` is not: ten
/// copies of 0.1 sum to 0.9999999999999999), and the rounding error of a mean is at most
/// `γ_{N_k+3}(mean_i |x_i − x_f| + |x̄_k|)` per coordinate, small when the set is tight. Summed
/// over the `N` rows of `X̄`, `‖X̄̂ − X̄‖_F ≤ γ_{N+3}(spread + ‖X̄̂‖_F)` with `spread` the square
/// root of the second value (Cauchy–Schwarz on the mean).
func classMeans(_ data: Matrix<Double>, _ partition: Partition) -> (
  means: Matrix<Double>, spread: Double
) {
  let (k, m) = (partition.count, data.columns)
  var means = Matrix<Double>.zeros(rows: k, columns: m)
  let sizes = partition.sizes
  var first = [Int](repeating: -1, count: k)
  for (i, set) in partition.assignment.enumerated() where first[set] < 0 { first[set] = i }
  var spread = 0.0
  means.withUnsafeMutableBufferPointer { out in
    data.withUnsafeBufferPointer { src in
      for (i, set) in partition.assignment.enumerated() where i != first[set] {
        let f = first[set]
        for j in 0..<m {
          let deviation = src[i * m + j] - src[f * m + j]
          out[set * m + j] += deviation
          spread += deviation * deviation
        }
      }
      for set in 0..<k where sizes[set] > 0 {
        let count = Double(sizes[set])
        let f = first[set]
        for j in 0..<m { out[set * m + j] = src[f * m + j] + out[set * m + j] / count }
      }
    }
  }
  return (means, spread)
}

/// Row `i` of `a` times `factors[i]`.
func scaleRows(_ a: Matrix<Double>, _ factors: [Double]) -> Matrix<Double> {
  var result = a
  let m = a.columns
  result.withUnsafeMutableBufferPointer { buffer in
    for (i, factor) in factors.enumerated() {
      for j in 0..<m { buffer[i * m + j] *= factor }
    }
  }
  return result
}
