import RankCollapseClustering
import RankCollapseNetwork
import RankCollapseTensor

/// The K weighted rows of the centroid-based loss of equation (8) at j = 0.
@usableFromInline
struct CentroidProblem<Scalar: MatrixScalar>: Sendable {
  /// x̄_k, K × d_0.
  @usableFromInline let inputs: Matrix<Scalar>
  /// ȳ_k, K × d_L.
  @usableFromInline let targets: Matrix<Scalar>
  /// π_k = N_k / N.
  @usableFromInline let weights: [Double]
  /// Whether every cluster has the same size (then one batched pass is the weighted sum).
  @usableFromInline let balanced: Bool
  /// Single rows for the weighted path.
  @usableFromInline let rowInputs: [Matrix<Scalar>]
  @usableFromInline let rowTargets: [Matrix<Scalar>]

  /// K.
  @inlinable var count: Int { inputs.rows }

  @inlinable
  init(inputs x: Matrix<Scalar>, targets y: Matrix<Scalar>, partition: Partition) {
    let (means, weights) = partition.means(of: x)
    let (targetMeans, _) = partition.means(of: y)
    inputs = means
    targets = targetMeans
    self.weights = weights
    let sizes = partition.sizes
    balanced = sizes.allSatisfy { $0 == sizes[0] }
    rowInputs = balanced ? [] : (0..<means.rows).map { means.rows($0..<($0 + 1)) }
    rowTargets = balanced ? [] : (0..<means.rows).map { targetMeans.rows($0..<($0 + 1)) }
  }

  /// L_0^{0,𝒞}(Θ) = Σ_k π_k ℓ(f(x̄_k), ȳ_k) and its gradient into `gradients`.
  @inlinable
  func lossAndGradients(
    _ network: Network<Scalar>, loss: Loss, workspace: inout Network<Scalar>.Workspace,
    into gradients: inout Gradients<Scalar>
  ) -> Double {
    if balanced {
      // The shapes were checked before the warm-up started.
      return
        (try? network.gradients(
          inputs: inputs, targets: .values(targets), loss: loss, workspace: &workspace,
          into: &gradients)) ?? .nan
    }
    var single = gradients
    var total = 0.0
    for l in gradients.weights.indices {
      Self.scale(&gradients.weights[l], by: 0)
      Self.scale(&gradients.biases[l], by: 0)
    }
    for k in 0..<count {
      guard
        let value = try? network.gradients(
          inputs: rowInputs[k], targets: .values(rowTargets[k]), loss: loss,
          workspace: &workspace, into: &single)
      else { return .nan }
      total += weights[k] * value
      let w = Scalar(weights[k])
      for l in gradients.weights.indices {
        Self.add(single.weights[l], times: w, to: &gradients.weights[l])
        Self.add(single.biases[l], times: w, to: &gradients.biases[l])
      }
    }
    return total
  }

  @inlinable
  static func scale(_ m: inout Matrix<Scalar>, by a: Scalar) {
    m.withUnsafeMutableBufferPointer { p in
      for i in p.indices { p[i] *= a }
    }
  }

  @inlinable
  static func add(_ x: Matrix<Scalar>, times a: Scalar, to y: inout Matrix<Scalar>) {
    x.withUnsafeBufferPointer { x in
      y.withUnsafeMutableBufferPointer { y in
        for i in y.indices { y[i] += a * x[i] }
      }
    }
  }
}
