import RankCollapseNetwork
import RankCollapseSpectral
import RankCollapseTensor

/// One layer of the evaluated network in `Double`, with the absolute values the error pass
/// multiplies by.
struct BoundedLayer {
  /// W_l, d_l × d_{l−1} (the network's values, exactly representable in `Double`).
  let weight: Matrix<Double>
  /// |W_l|, entrywise.
  let absoluteWeight: Matrix<Double>
  /// b_l (zeros for a layer without bias).
  let bias: [Double]
  /// σ_l.
  let activation: Activation
  /// An upper bound on ‖W_l‖₂: the computed largest singular value plus the SVD's backward
  /// error `p(n)u‖W_l‖_F` (Weyl), or ‖W_l‖_F when that is smaller or the SVD fails.
  let spectralBound: Double
  /// An upper bound on ‖|W_l|‖₂: √(‖|W_l|‖₁‖|W_l|‖_∞).
  let absoluteSpectralBound: Double
  /// ‖b_l‖.
  let biasNorm: Double

  init<Scalar: MatrixScalar>(_ layer: Dense<Scalar>) {
    let w = Matrix<Double>(layer.weight)
    let absolute = w.map { Swift.abs($0) }
    let b = (0..<layer.outputSize).map { layer.hasBias ? Double(layer.bias[0, $0]) : 0 }
    let frobenius = w.frobeniusNorm
    let backward = RoundingBound.decompositionError(Swift.max(w.rows, w.columns)) * frobenius
    let largest = (try? w.spectrum()).map { $0.spectralNorm + backward }
    let rowSums = absolute.rowSums().max() ?? 0
    let columnSums = absolute.columnSums().max() ?? 0
    weight = w
    absoluteWeight = absolute
    bias = b
    activation = layer.activation
    spectralBound = Swift.min(frobenius, largest ?? frobenius)
    absoluteSpectralBound = (rowSums * columnSums).squareRoot()
    biasNorm = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
  }

  var inputSize: Int { weight.columns }
  var outputSize: Int { weight.rows }
}

/// The values of one forward and backward pass over a batch, each with a componentwise bound
/// on its distance to the value exact arithmetic would give from the same parameters and the
/// exact inputs (see ``ErrorPass``).
struct BoundedPass {
  /// Z^0 (the inputs), Z^1, …, Z^D: `outputs[m]` is the input of layer m + 1.
  var outputs: [Matrix<Double>]
  /// Componentwise bounds on `|outputs[m] − exact|`.
  var outputErrors: [Matrix<Double>]
  /// δ^m = w_i ∂ℓ_i/∂A^m in row i (A^m the pre-activation): `deltas[m − 1]` for layer m, so that
  /// ∇_{W_m} Σ_i w_i ℓ_i = δ^mᵀ Z^{m−1}.
  var deltas: [Matrix<Double>]
  /// Componentwise bounds on `|deltas[m − 1] − exact|`.
  var deltaErrors: [Matrix<Double>]
  /// Bounds on the 2-norm of each row's error of `outputs[m]` (never above the norm of the
  /// componentwise bound's row; see ``ErrorPass``).
  var outputRowErrors: [[Double]]
  /// Bounds on the 2-norm of each row's error of `deltas[m − 1]`.
  var deltaRowErrors: [[Double]]
  /// Σ_i w_i ℓ_i.
  var loss: Double
}

/// A forward and backward pass in `Double` that carries a componentwise forward error bound
/// next to every computed value.
///
/// This is running error analysis in the sense of Higham, *Accuracy and Stability of Numerical
/// Algorithms*, chapter 3.
///
/// With `u = 2⁻⁵³`, `γ_n = nu/(1 − nu)` and `|fl(AB) − AB| ≤ γ_n |A||B|` for an inner dimension
/// `n` (any summation order, with or without fused multiply-adds), a layer with input `Ẑ`
/// (error `E`) computes `Â = ẐWᵀ + 1bᵀ` with error
/// `E_A = (γ_{n+1}|Ẑ| + E)|W|ᵀ + γ_{n+1}|b|`, and `Ẑ' = σ(Â)` with error
/// `L_σ·E_A + c_σ u|Ẑ'|` (`L_σ` = sup|σ′|; `c_σ u` the activation's own relative error: 16u for
/// tanh, whose implementation is measured within 4 ulp, that is 8u, 32u for the logistic
/// function, exact for ReLU). The loss gradient `ĝ = 2w(f̂ − y)` has error
/// `2w(E_f + E_y) + γ_4|ĝ|` (softmax cross-entropy: `w·mass·p̂(e^{2m} − 1) + …`, m the row's
/// largest output error). Backward,
/// `D̂ = Ĝ ⊙ σ̂′` has error `E_G(|σ̂′| + E_σ′) + |Ĝ|E_σ′ + u|D̂|` (for tanh, σ′ = 1 − z² and
/// `E_σ′ = (2|ẑ| + E_z)E_z + γ_2`; for ReLU a derivative whose sign is not certain counts as
/// wrong by 1), and `Ĝ^{m−1} = D̂W` has error `(E_D + γ_{d_m}|D̂|)|W|`. The weight gradient
/// `D̂ᵀẐ` summed over B batches has error `(γ_{n_b+B}|D̂| + E_D)ᵀ(|Ẑ| + E_Z) + |D̂|ᵀE_Z`.
///
/// The componentwise bounds assume the errors aligned with |W| in every layer, which for wide
/// layers overstates them by about the ratio of |W|'s row sums to ‖W‖₂ per layer. The pass
/// therefore also carries a second bound per row, on the 2-norm of the row's error, propagated
/// with ‖W‖₂ (an upper bound from the SVD): `r_A = ‖W‖₂r_Z + γ_{n+1}(‖ẑ‖‖|W|‖₂ + ‖b‖)`,
/// `r_Z' = sup|σ′|r_A + c_σu‖ẑ'‖`, for tanh
/// `r_δ = r_G(1 + (2 + r_Z)r_Z + γ_2) + max_c |ĝ_c|(2|ẑ_c| + r_Z)·r_Z + γ_2‖ĝ‖ + u‖δ̂‖`,
/// `r_G ← ‖W‖₂r_δ + γ_{d_l}‖δ̂‖‖|W|‖₂`, each capped by the norm of the componentwise bound's row;
/// the weight gradient's error is then also at most
/// `γ_{n+B}‖δ̂‖_F‖Ẑ‖_F + Σ_i (r_{δ,i}(‖ẑ_i‖ + r_{Z,i}) + ‖δ̂_i‖r_{Z,i})`, and the smaller of the
/// two bounds is used. Both are rigorous; for other activations than tanh and identity the row
/// bound is the componentwise one's.
///
/// Every bound is a product of non-negative factors evaluated in `Double`, so its own rounding
/// is a relative `γ_n` of at most about 10⁻¹², which the 10⁻⁶ margin of
/// ``RoundingBound/allowance(_:_:)`` covers; factors `1 + O(u)` on error terms are covered the same
/// way. The pass costs about twice a plain gradient: each product with W is repeated once with
/// |W| on the error bounds, and the weight gradient's bound is two more products.
enum ErrorPass {
  /// `u = 2⁻⁵³`.
  static let unit = Double.ulpOfOne / 2

  /// `γ_n` (``RoundingBound/gamma(_:)``).
  static func gamma(_ n: Int) -> Double { RoundingBound.gamma(n) }

  /// (sup|σ′|, relative error of σ in units of u, error of σ per unit of |a| in units of u).
  static func forwardModel(_ activation: Activation) -> (Double, Double, Double) {
    switch activation {
    case .identity, .relu: (1, 0, 0)
    case .tanh: (1, 16, 0)
    case .leakyReLU(let slope): (Swift.max(1, Swift.abs(slope)), 1, 0)
    case .sigmoid: (0.25, 32, 0)
    // GELU: sup|σ′| ≈ 1.129; a·Φ(a) loses relative accuracy where Φ(a) is small.
    case .gelu: (1.13, 16, 16)
    }
  }

  /// The bounded pass of `layers` over `inputs` (error `inputErrors`) against `targets` (error
  /// `targetErrors`), with per-row loss weights `rowWeights` (each within one rounding of the
  /// exact weight).
  static func run(
    layers: ArraySlice<BoundedLayer>, inputs: Matrix<Double>, inputErrors: Matrix<Double>,
    inputRowErrors: [Double], targets: Matrix<Double>, targetErrors: Matrix<Double>,
    targetRowErrors: [Double], rowWeights: [Double], loss: Loss
  ) -> BoundedPass {
    let rows = inputs.rows
    precondition(
      rowWeights.count == rows && targets.rows == rows && inputErrors.rows == rows
        && targetErrors.rows == rows,
      "ErrorPass.run: \(rows) inputs, \(targets.rows) targets, \(rowWeights.count) weights")
    var outputs = [inputs]
    var outputErrors = [inputErrors]
    var rowErrors = [zip(rowNorms(inputErrors), inputRowErrors).map { Swift.min($0, $1) }]
    var preActivations: [(Matrix<Double>, Matrix<Double>)?] = []
    for layer in layers {
      let z = outputs[outputs.count - 1]
      let e = outputErrors[outputErrors.count - 1]
      let r = rowErrors[rowErrors.count - 1]
      let g = gamma(layer.inputSize + 1)
      var a = z.matmul(layer.weight, transposeOther: true)
      a.addRowVector(layer.bias)
      var ea = z.zipMap(e) { g * Swift.abs($0) + $1 }.matmul(
        layer.absoluteWeight, transposeOther: true)
      ea.addRowVector(layer.bias.map { g * Swift.abs($0) })
      let (lipschitz, relative, onInput) = forwardModel(layer.activation)
      let activation = layer.activation
      var out = a
      var outError = ea
      a.withUnsafeBufferPointer { ap in
        ea.withUnsafeBufferPointer { eap in
          out.withUnsafeMutableBufferPointer { zp in
            outError.withUnsafeMutableBufferPointer { ezp in
              for t in 0..<ap.count {
                let value: Double = activation(ap[t])
                zp[t] = value
                ezp[t] =
                  lipschitz * eap[t] + unit
                  * (relative * Swift.abs(value) + onInput * Swift.abs(ap[t]))
              }
            }
          }
        }
      }
      // The row bounds: ‖W‖₂ on the inherited error, this layer's rounding through ‖|W|‖₂.
      let zNorms = rowNorms(z)
      let aNorms = rowNorms(a)
      let outNorms = rowNorms(out)
      let componentwise = rowNorms(outError)
      var next = [Double](repeating: 0, count: rows)
      for i in 0..<rows {
        let rA =
          layer.spectralBound * r[i] + g
          * (zNorms[i] * layer.absoluteSpectralBound + layer.biasNorm)
        let rZ = lipschitz * rA + unit * (relative * outNorms[i] + onInput * aNorms[i])
        next[i] = Swift.min(componentwise[i], rZ)
      }
      rowErrors.append(next)
      preActivations.append(activation.needsPreActivation ? (a, ea) : nil)
      outputs.append(out)
      outputErrors.append(outError)
    }
    var (upstream, upstreamError, total) = lossGradient(
      outputs: outputs[outputs.count - 1], errors: outputErrors[outputErrors.count - 1],
      targets: targets, targetErrors: targetErrors, rowWeights: rowWeights, loss: loss)
    var upstreamRows = rowNorms(upstreamError)
    if case .squaredError = loss {
      let fRows = rowErrors[rowErrors.count - 1]
      let gNorms = rowNorms(upstream)
      for i in 0..<rows {
        let normwise =
          2 * rowWeights[i] * (fRows[i] + targetRowErrors[i]) + gamma(4) * gNorms[i]
        upstreamRows[i] = Swift.min(upstreamRows[i], normwise)
      }
    }
    let depth = layers.count
    var deltas = [Matrix<Double>](repeating: .zeros(rows: 0, columns: 0), count: depth)
    var deltaErrors = deltas
    var deltaRowErrors = [[Double]](repeating: [], count: depth)
    for m in stride(from: depth, through: 1, by: -1) {
      let layer = layers[layers.startIndex + m - 1]
      let (d, ed) = multiplyByDerivative(
        upstream, upstreamError, outputs: outputs[m], outputErrors: outputErrors[m],
        preActivation: preActivations[m - 1], activation: layer.activation)
      deltas[m - 1] = d
      deltaErrors[m - 1] = ed
      var dRows = rowNorms(ed)
      switch layer.activation {
      case .identity:
        dRows = zip(dRows, upstreamRows).map { Swift.min($0, $1) }
      case .tanh:
        let z = outputs[m]
        let rZ = rowErrors[m]
        let dNorms = rowNorms(d)
        let gNorms = rowNorms(upstream)
        let g2 = gamma(2)
        for i in 0..<rows {
          var largest = 0.0
          for c in 0..<d.columns {
            largest = Swift.max(
              largest, Swift.abs(upstream[i, c]) * (2 * Swift.abs(z[i, c]) + rZ[i]))
          }
          let normwise =
            upstreamRows[i] * (1 + (2 + rZ[i]) * rZ[i] + g2) + largest * rZ[i] + g2 * gNorms[i]
            + unit * dNorms[i]
          dRows[i] = Swift.min(dRows[i], normwise)
        }
      default: break
      }
      deltaRowErrors[m - 1] = dRows
      if m > 1 {
        let g = gamma(layer.outputSize)
        upstream = d.matmul(layer.weight)
        upstreamError = ed.zipMap(d) { $0 + g * Swift.abs($1) }.matmul(layer.absoluteWeight)
        let componentwise = rowNorms(upstreamError)
        let dNorms = rowNorms(d)
        upstreamRows = (0..<rows).map { i in
          Swift.min(
            componentwise[i],
            layer.spectralBound * dRows[i] + g * dNorms[i] * layer.absoluteSpectralBound)
        }
      }
    }
    return BoundedPass(
      outputs: outputs, outputErrors: outputErrors, deltas: deltas, deltaErrors: deltaErrors,
      outputRowErrors: rowErrors, deltaRowErrors: deltaRowErrors, loss: total)
  }

  /// The 2-norm of each row.
  static func rowNorms(_ m: Matrix<Double>) -> [Double] {
    m.withUnsafeBufferPointer { p in
      (0..<m.rows).map { i in
        var sum = 0.0
        for t in 0..<m.columns { sum += p[i * m.columns + t] * p[i * m.columns + t] }
        return sum.squareRoot()
      }
    }
  }

  /// `∂(Σ_i w_i ℓ_i)/∂f` with its error bound, and `Σ_i w_i ℓ_i`.
  static func lossGradient(
    outputs f: Matrix<Double>, errors ef: Matrix<Double>, targets y: Matrix<Double>,
    targetErrors ey: Matrix<Double>, rowWeights: [Double], loss: Loss
  ) -> (Matrix<Double>, Matrix<Double>, Double) {
    var g = Matrix<Double>.zeros(rows: f.rows, columns: f.columns)
    var eg = g
    var total = 0.0
    let columns = f.columns
    let g4 = gamma(4)
    for i in 0..<f.rows {
      let w = rowWeights[i]
      switch loss {
      case .squaredError:
        var rowLoss = 0.0
        for c in 0..<columns {
          let r = f[i, c] - y[i, c]
          rowLoss += r * r
          let value = 2 * w * r
          g[i, c] = value
          eg[i, c] = 2 * w * (ef[i, c] + ey[i, c]) + g4 * Swift.abs(value)
        }
        total += w * rowLoss
      case .softmaxCrossEntropy:
        var maximum = f[i, 0]
        var largestError = 0.0
        for c in 0..<columns {
          maximum = Swift.max(maximum, f[i, c])
          largestError = Swift.max(largestError, ef[i, c])
        }
        var exps = [Double](repeating: 0, count: columns)
        var sum = 0.0
        for c in 0..<columns {
          exps[c] = Double.branchFreeExp(f[i, c] - maximum)
          sum += exps[c]
        }
        let logSumExp = maximum + logarithm(sum)
        var mass = 0.0
        var massError = 0.0
        var absoluteMass = 0.0
        var rowLoss = 0.0
        for c in 0..<columns {
          mass += y[i, c]
          massError += ey[i, c]
          absoluteMass += Swift.abs(y[i, c])
          rowLoss += y[i, c] * (logSumExp - f[i, c])
        }
        massError += gamma(columns) * absoluteMass
        // p(f)/p(f̂) ∈ [e^{−2m}, e^{2m}]; e^x − 1 ≤ x(1 + x) for 0 ≤ x ≤ 1.
        let x = 2 * largestError
        let spread = x <= 1 ? x * (1 + x) : .infinity
        let evaluation = gamma(columns + 20)
        for c in 0..<columns {
          let p = exps[c] / sum
          let value = w * (mass * p - y[i, c])
          g[i, c] = value
          let pError = p * (spread * (1 + evaluation) + evaluation)
          eg[i, c] =
            w * (Swift.abs(mass) * pError + massError * (p + pError) + ey[i, c])
            + g4 * (w * (Swift.abs(mass) * p + Swift.abs(y[i, c])))
        }
        total += w * rowLoss
      }
    }
    return (g, eg, total)
  }

  /// `log x` through the scalar protocol (the module does not import Foundation).
  static func logarithm<S: MatrixScalar>(_ x: S) -> S { S.log(x) }

  /// D = G ⊙ σ′(A) with its error bound (see the type's documentation).
  static func multiplyByDerivative(
    _ g: Matrix<Double>, _ eg: Matrix<Double>, outputs z: Matrix<Double>,
    outputErrors ez: Matrix<Double>, preActivation: (Matrix<Double>, Matrix<Double>)?,
    activation: Activation
  ) -> (Matrix<Double>, Matrix<Double>) {
    if case .identity = activation { return (g, eg) }
    var d = g
    var ed = eg
    let g2 = gamma(2)
    let pre = preActivation ?? (.zeros(rows: 0, columns: 0), .zeros(rows: 0, columns: 0))
    g.withUnsafeBufferPointer { gp in
      eg.withUnsafeBufferPointer { egp in
        z.withUnsafeBufferPointer { zp in
          ez.withUnsafeBufferPointer { ezp in
            pre.0.withUnsafeBufferPointer { ap in
              pre.1.withUnsafeBufferPointer { eap in
                d.withUnsafeMutableBufferPointer { dp in
                  ed.withUnsafeMutableBufferPointer { edp in
                    for t in 0..<gp.count {
                      let zv = zp[t]
                      let ze = ezp[t]
                      let slope: Double
                      let slopeError: Double
                      switch activation {
                      case .identity:
                        (slope, slopeError) = (1, 0)
                      case .tanh:
                        slope = 1 - zv * zv
                        slopeError = (2 * Swift.abs(zv) + ze) * ze + g2
                      case .relu:
                        slope = zv > 0 ? 1 : 0
                        slopeError = ze > 0 && zv <= ze ? 1 : 0
                      case .leakyReLU(let s):
                        slope = zv > 0 ? 1 : s
                        slopeError = ze > 0 && Swift.abs(zv) <= ze ? Swift.abs(1 - s) : 0
                      case .sigmoid:
                        slope = zv * (1 - zv)
                        slopeError = ze * (Swift.abs(1 - 2 * zv) + ze) + g2 * Swift.abs(slope)
                      case .gelu:
                        slope = activation.derivative(at: ap[t])
                        // sup|σ″| = 2φ(0) < 0.8.
                        slopeError = 0.8 * eap[t] + 32 * unit * (1 + Swift.abs(ap[t]))
                      }
                      let gv = gp[t]
                      let value = gv * slope
                      dp[t] = value
                      edp[t] =
                        egp[t] * (Swift.abs(slope) + slopeError) + Swift.abs(gv) * slopeError
                        + unit * Swift.abs(value)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return (d, ed)
  }

  /// Adds `δᵀZ` to `gradient` and the componentwise bound on its error to `error` (one batch of
  /// `batches`); returns this batch's share of the normwise bound on the error's Frobenius norm.
  @discardableResult
  static func accumulateGradient(
    pass: BoundedPass, layer m: Int, batches: Int, into gradient: inout Matrix<Double>,
    error: inout Matrix<Double>
  ) -> Double {
    let d = pass.deltas[m]
    let ed = pass.deltaErrors[m]
    let z = pass.outputs[m]
    let ez = pass.outputErrors[m]
    gradient.gemm(d, z, transposeA: true, beta: 1)
    let g = gamma(d.rows + batches + 1)
    let left = d.zipMap(ed) { g * Swift.abs($0) + $1 }
    let right = z.zipMap(ez) { Swift.abs($0) + $1 }
    error.gemm(left, right, transposeA: true, beta: 1)
    if ez.maxAbsoluteValue > 0 {
      error.gemm(d.map { Swift.abs($0) }, ez, transposeA: true, beta: 1)
    }
    let dNorms = rowNorms(d)
    let zNorms = rowNorms(z)
    let rD = pass.deltaRowErrors[m]
    let rZ = pass.outputRowErrors[m]
    var normwise = g * d.frobeniusNorm * z.frobeniusNorm
    for i in 0..<d.rows { normwise += rD[i] * (zNorms[i] + rZ[i]) + dNorms[i] * rZ[i] }
    return normwise
  }

  /// `‖X̂‖_F` with its error: `terms` squares summed (relative `γ_{terms+2}` on the root) plus
  /// `entryErrorNorm`, the Frobenius norm of the entries' error bounds.
  static func norm(_ x: Matrix<Double>, entryErrorNorm: Double) -> RoundingBound {
    RoundingBound.norm(
      squaredSum: x.squaredFrobeniusNorm, terms: x.rows * x.columns, normError: entryErrorNorm)
  }

  /// The Frobenius norm of a non-negative bound matrix.
  static func frobenius(_ e: Matrix<Double>) -> Double { e.squaredFrobeniusNorm.squareRoot() }
}
