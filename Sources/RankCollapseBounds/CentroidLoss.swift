import RankCollapseClustering
import RankCollapseNetwork
import RankCollapseTensor

/// Why a nonlinear-network bound (Proposition 3.1, Lemma 3.3, Theorem 3.4, Proposition 4.1)
/// could not be evaluated.
public enum NetworkBoundError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The data does not fit the network (wrapped network error).
  case network(NetworkError)
  /// A partition or WCSS evaluation failed (wrapped clustering error).
  case clustering(ClusteringError)
  /// A singular value decomposition failed.
  case linearAlgebra(LinearAlgebraError)
  /// A layer index outside the range the bound allows.
  case layerOutOfRange(layer: Int, range: ClosedRange<Int>)
  /// The partition does not cover exactly the N points.
  case partitionMismatch(partitionPoints: Int, points: Int)
  /// A parameter outside its range.
  case invalidParameter(ParameterError)

  /// A parameter outside its range: the ``invalidParameter(_:)`` case with a `ParameterError`
  /// of these fields.
  ///
  /// - Parameters:
  ///   - name: The parameter's name.
  ///   - value: The value given, as text.
  ///   - requirement: What the value must be.
  /// - Returns: The error.
  public static func invalidParameter(name: String, value: String, requirement: String)
    -> NetworkBoundError
  {
    .invalidParameter(ParameterError(name: name, value: value, requirement: requirement))
  }

  /// A one-line explanation.
  public var description: String {
    switch self {
    case .network(let error): "network: \(error)"
    case .clustering(let error): "clustering: \(error)"
    case .linearAlgebra(let error): "linear algebra: \(error)"
    case .layerOutOfRange(let layer, let range):
      "layer \(layer) is outside \(range.lowerBound)…\(range.upperBound)"
    case .partitionMismatch(let partitionPoints, let points):
      "the partition covers \(partitionPoints) points but the data has \(points)"
    case .invalidParameter(let parameter):
      "\(parameter.name) = \(parameter.value): must be \(parameter.requirement)"
    }
  }
}

/// The centroid-based loss at layer j for a partition 𝒞 = {𝒞_1, …, 𝒞_K} (paper equation 8),
/// evaluated with its gradients with respect to every later layer's parameters.
///
/// With the layer-j centroids z̄_k^j = (1/N_k) Σ_{i∈𝒞_k} z_i^j and ȳ_k = (1/N_k) Σ_{i∈𝒞_k} y_i,
/// and π_k = N_k / N,
///
///     L_0^{j,𝒞}(Θ) = Σ_k π_k ℓ(f_j(Θ_j, z̄_k^j), ȳ_k),
///
/// where f_j is the sub-network made of layers j+1, …, L. The regularised loss of equation (8) adds
/// λ‖Θ‖² (see ``regularizedValue(network:lambda:includingBiases:)``). By Proposition 3.1 each
/// ∇_{W_l} L_0^{j,𝒞}, l > j, has rank at most K.
///
/// Targets enter as values: integer labels become one-hot rows, so ȳ_k is the class-frequency
/// vector of 𝒞_k (the centroid of equation 6 with targets concatenated).
public struct CentroidBasedLoss<Scalar: MatrixScalar>: Sendable {
  /// j ∈ 0…L−1, the layer whose embedding is clustered (0 = the inputs).
  public let layer: Int
  /// The K × d_j centroids z̄_k^j, one per row, in partition order.
  public let centroids: Matrix<Scalar>
  /// The K × d_L target centroids ȳ_k.
  public let centroidTargets: Matrix<Scalar>
  /// π_k = N_k / N.
  public let weights: [Double]
  /// L_0^{j,𝒞}(Θ) = Σ_k π_k ℓ(f_j(Θ_j, z̄_k^j), ȳ_k) (equation 8 without the penalty).
  public let value: Double
  /// ∇_{W_l} L_0^{j,𝒞} for l = j+1, …, L; element l − j − 1 (use ``weightGradient(layer:)``).
  public let weightGradients: [Matrix<Scalar>]
  /// ∇_{b_l} L_0^{j,𝒞} for l = j+1, …, L; element l − j − 1.
  public let biasGradients: [Matrix<Scalar>]

  /// Evaluates equation (8) from the inputs: computes Z^j = f^j(Θ^j, X) first.
  ///
  /// - Parameters:
  ///   - network: Θ, L layers.
  ///   - inputs: X, N × d_0.
  ///   - targets: N targets (labels become one-hot rows).
  ///   - loss: ℓ.
  ///   - partition: 𝒞, over the N samples.
  ///   - layer: j ∈ 0…L−1.
  /// - Throws: ``NetworkBoundError`` when the data, partition or layer do not fit.
  /// - Complexity: One forward pass to layer j over N samples, then K forward/backward passes of
  ///   one centroid through layers j+1…L.
  public init(
    network: Network<Scalar>, inputs: Matrix<Scalar>, targets: Targets<Scalar>, loss: Loss,
    partition: Partition, layer: Int
  ) throws(NetworkBoundError) {
    guard layer >= 0 && layer < network.depth else {
      throw .layerOutOfRange(layer: layer, range: 0...(network.depth - 1))
    }
    let embedding: Matrix<Scalar>
    do { embedding = try network.embedding(layer: layer, of: inputs) } catch {
      throw .network(error)
    }
    try NetworkBounds.checkTargets(targets, count: inputs.rows, outputs: network.outputSize)
    try self.init(
      network: network, embedding: embedding,
      targets: targets.matrix(classes: network.outputSize), loss: loss, partition: partition,
      layer: layer)
  }

  /// Evaluates equation (8) from a precomputed embedding Z^j.
  ///
  /// - Parameters:
  ///   - network: Θ, L layers (only layers j+1…L are used).
  ///   - embedding: Z^j, N × d_j.
  ///   - targets: Y, N × d_L.
  ///   - loss: ℓ.
  ///   - partition: 𝒞, over the N samples.
  ///   - layer: j ∈ 0…L−1.
  /// - Throws: ``NetworkBoundError`` when the shapes, partition or layer do not fit.
  public init(
    network: Network<Scalar>, embedding: Matrix<Scalar>, targets: Matrix<Scalar>, loss: Loss,
    partition: Partition, layer: Int
  ) throws(NetworkBoundError) {
    guard layer >= 0 && layer < network.depth else {
      throw .layerOutOfRange(layer: layer, range: 0...(network.depth - 1))
    }
    guard partition.pointCount == embedding.rows, targets.rows == embedding.rows else {
      throw .partitionMismatch(partitionPoints: partition.pointCount, points: embedding.rows)
    }
    let tail: Network<Scalar>
    do { tail = try Network(layers: Array(network.layers[layer...])) } catch {
      throw .network(error)
    }
    guard embedding.columns == tail.inputSize else {
      throw .network(.inputWidthMismatch(expected: tail.inputSize, got: embedding.columns))
    }
    let (z, pi) = partition.means(of: embedding)
    let (y, _) = partition.means(of: targets)
    var total = 0.0
    var weightSums = tail.layers.map {
      Matrix<Scalar>.zeros(rows: $0.outputSize, columns: $0.inputSize)
    }
    var biasSums = tail.layers.map { Matrix<Scalar>.zeros(rows: 1, columns: $0.outputSize) }
    var workspace = Network<Scalar>.Workspace(for: tail, batchSize: 1)
    var gradients = Gradients(zeroingParametersOf: tail)
    for k in 0..<partition.count {
      let value: Double
      do {
        value = try tail.gradients(
          inputs: z.rows(k..<(k + 1)), targets: .values(y.rows(k..<(k + 1))), loss: loss,
          workspace: &workspace, into: &gradients)
      } catch { throw .network(error) }
      total += pi[k] * value
      let weight = Scalar(pi[k])
      for m in tail.layers.indices {
        weightSums[m] += gradients.weights[m] * weight
        biasSums[m] += gradients.biases[m] * weight
      }
    }
    self.layer = layer
    self.centroids = z
    self.centroidTargets = y
    self.weights = pi
    self.value = total
    self.weightGradients = weightSums
    self.biasGradients = biasSums
  }

  /// ∇_{W_l} L_0^{j,𝒞}, of rank at most K (Proposition 3.1).
  ///
  /// - Parameter l: A later layer, j+1 ≤ l ≤ L (paper numbering).
  /// - Returns: The d_l × d_{l−1} gradient.
  /// - Precondition: j < l ≤ L.
  public func weightGradient(layer l: Int) -> Matrix<Scalar> {
    precondition(
      l > layer && l - layer <= weightGradients.count,
      "weightGradient(layer: \(l)) needs \(layer + 1)…\(layer + weightGradients.count)")
    return weightGradients[l - layer - 1]
  }

  /// The full equation (8): L_λ^{j,𝒞}(Θ) = L_0^{j,𝒞}(Θ) + λ‖Θ‖² (every layer's parameters).
  ///
  /// - Parameters:
  ///   - network: Θ.
  ///   - lambda: λ ≥ 0.
  ///   - includingBiases: Whether ‖Θ‖² includes the biases (equation 3 does).
  /// - Returns: The regularised centroid-based loss.
  public func regularizedValue(
    network: Network<Scalar>, lambda: Double, includingBiases: Bool = true
  ) -> Double {
    value + lambda * network.squaredNorm(includingBiases: includingBiases)
  }
}
