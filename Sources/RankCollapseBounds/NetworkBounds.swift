import RankCollapseClustering
import RankCollapseNetwork
import RankCollapseSpectral
import RankCollapseTensor

/// How ``NetworkBounds/evaluate(network:inputs:targets:loss:lambda:partition:options:)``
/// estimates the curvature constant M_{l,j} of Lemma 3.3 and Theorem 3.4.
public struct NetworkBoundOptions: Sendable, Hashable, Codable {
  /// How many points (z_i^j, y_i) the M_{l,j} estimate visits (all N when N is not larger);
  /// a seeded uniform sample without replacement otherwise.
  public var curvatureSampleSize: Int
  /// T ≥ 2: each segment from a centroid to a point is cut into T steps of length h = 1/T, and
  /// the second differences at the T − 1 interior stencil points are measured.
  public var segmentSteps: Int
  /// Seed of the point sample.
  public var seed: UInt64
  /// Samples per forward/backward pass (bounds working memory).
  public var batchSize: Int
  /// An extra relative slack added to each link's derived rounding allowance
  /// (``BoundReport/tolerance``); default 0: the allowances already cover the rounding.
  public var tolerance: Double

  /// Creates options.
  ///
  /// - Parameters:
  ///   - curvatureSampleSize: Points visited by the M estimate (≥ 1).
  ///   - segmentSteps: Steps T ≥ 2 per segment.
  ///   - seed: Seed of the point sample.
  ///   - batchSize: Samples per pass (≥ 1).
  ///   - tolerance: Extra relative slack of each link of a ``BoundReport`` (default 0).
  public init(
    curvatureSampleSize: Int = 1000, segmentSteps: Int = 4, seed: UInt64 = 0,
    batchSize: Int = 2048, tolerance: Double = 0
  ) {
    self.curvatureSampleSize = curvatureSampleSize
    self.segmentSteps = segmentSteps
    self.seed = seed
    self.batchSize = batchSize
    self.tolerance = tolerance
  }
}

/// The quantities of Lemma 3.3 for one pair of layers j < l (paper numbering, j = 0 is the
/// input).
public struct LayerPairTerms: Sendable, Hashable, Codable {
  /// l ∈ 1…L, the layer whose weight gradient is compared.
  public var layer: Int
  /// j ∈ 0…l−1, the layer whose embedding is clustered.
  public var clusteredLayer: Int
  /// ‖∇_{W_l} L_0‖ (full data, backprop in `Double` with forward error bounds).
  public var fullGradientNorm: Double
  /// ‖∇_{W_l} L_0^{j,𝒞}‖ (centroid-based loss of equation 8, the same backprop).
  public var centroidGradientNorm: Double
  /// ‖R‖ = ‖∇_{W_l} L_0 − ∇_{W_l} L_0^{j,𝒞}‖, exact up to rounding (Lemma 3.3).
  public var residualNorm: Double
  /// WCSS_j(𝒞) of equation (6), targets concatenated, 1/N normalised.
  public var wcss: Double
  /// The estimate of M_{l,j}(Θ, 𝒞) (see ``NetworkBounds``).
  public var curvature: Double
  /// ‖R‖ / WCSS_j(𝒞), the constant the data actually needs (nil when WCSS_j = 0).
  public var impliedConstant: Double?
  /// ‖2λW_l + ∇_{W_l} L_0^{j,𝒞}‖ / (2λ), the distance from W_l to the rank-≤K matrix
  /// −∇_{W_l} L_0^{j,𝒞}/(2λ): the first link of Theorem 3.4's chain.
  public var centroidDistance: Double
  /// The sample index i whose segment gave the largest second difference, that is the point
  /// behind ``curvature`` (`nil` when no segment was measured; absent in older JSON).
  public var curvaturePoint: Int?
  /// A bound on `|curvature − M̂_exact|`, M̂_exact the same maximum in exact arithmetic (same
  /// parameters, points, sample and stencil; see ``NetworkBounds``); infinite when rounding
  /// cannot tell whether a sampled point equals its centroid; `nil` in older JSON.
  public var curvatureError: Double?
}

/// Everything ``NetworkBounds/evaluate(network:inputs:targets:loss:lambda:partition:options:)``
/// measured: the pair terms, Lemma 3.3 per pair, Theorem 3.4 per layer and per pair.
public struct NetworkBoundsEvaluation: Sendable, Hashable, Codable {
  /// λ of L_λ (equation 3, penalty λ‖Θ‖², gradient 2λΘ); NaN when the layers have different
  /// λ_l (see ``layerLambdas``).
  public var lambda: Double
  /// λ_l of each layer l = 1…L (all equal to ``lambda`` for a uniform weight decay).
  public var layerLambdas: [Double]?
  /// K, the number of sets of the partition (the rank in dist(W_l, rank ≤ K)).
  public var clusters: Int
  /// The number of points the M estimate visited.
  public var curvatureSampleSize: Int
  /// L_0(Θ), the mean data loss.
  public var dataLoss: Double
  /// One entry per pair j < l, ordered by l then j.
  public var pairs: [LayerPairTerms]
  /// Lemma 3.3 per pair, ordered like ``pairs``: left ‖R‖, right M_{l,j}·WCSS_j/2 (the proof's
  /// constant, Appendix A.3).
  public var lemma33: [BoundReport]
  /// Theorem 3.4's chain per pair, ordered like ``pairs``.
  public var theorem34Pairs: [BoundReport]
  /// Theorem 3.4 per layer l = 1…L: the chain of the j that minimises the right side.
  public var theorem34: [BoundReport]
  /// The sorted sample indices the M estimate visited (every report's
  /// ``BoundReport/sampleIndices`` too); `nil` in older JSON.
  public var curvatureSample: [Int]?
  /// The partition used, the 0-based set of each sample; `nil` in older JSON.
  public var partition: [Int]?
  /// Hypotheses of Lemma 3.3 and Theorem 3.4 that this network does not meet (a ReLU or
  /// leaky-ReLU layer is not C²); empty when they hold; `nil` in older JSON.
  public var unmetAssumptions: [String]?
}

/// Evaluators of the nonlinear-network results of the paper: Proposition 3.1, Lemma 3.3,
/// Theorem 3.4 and Proposition 4.1.
///
/// Conventions (DESIGN.md): the penalty is λ‖Θ‖² with gradient 2λΘ, so a stationary point of
/// L_λ satisfies W_l = −∇_{W_l} L_0 / (2λ) (the paper's equation 4 writes λ for our 2λ), and every
/// bound that divides by λ in the paper divides by 2λ here. WCSS (equation 6) includes the targets
/// and is normalised by 1/N. Layers are numbered 1…L as in the paper (`layers[l − 1]` in code);
/// j = 0 stands for the input data.
///
/// ## The constant M_{l,j}
///
/// Lemma 3.3's remainder for a point i ∈ 𝒞_k with Δ_i = (z_i^j, y_i) − (z̄_k^j, ȳ_k) is
/// R_i = ∫_0^1 (1 − t) D²G(c_k + tΔ_i)[Δ_i, Δ_i] dt with G = ∇_{W_l} ℓ(f_j(Θ_j, z), y), so
/// ‖R_i‖ ≤ ½ max_t ‖D²G(c_k + tΔ_i)[Δ̂_i, Δ̂_i]‖ ‖Δ_i‖² with Δ̂ = Δ/‖Δ‖: only the second
/// derivative along the segment from the centroid to the point enters. The estimate of M_{l,j} is
///
///     max over sampled i and s = 1…T−1 of ‖G(t_{s−1}) − 2G(t_s) + G(t_{s+1})‖ / (h² ‖Δ_i‖²),
///
/// with t_s = s/T, h = 1/T, G evaluated by the backprop at c_k + t_s Δ_i (inputs and targets
/// both interpolated). Each G is the rank-one matrix δ z^{l−1ᵀ}, so the second difference is the
/// sum of three rank-one terms whose vectors are themselves differences,
/// (δ₊ − 2δ₀ + δ₋)z₊ᵀ + (δ₀ − δ₋)(z₊ − z₋)ᵀ + δ₀(z₊ − 2z₀ + z₋)ᵀ, and its norm comes from their
/// Gram identity ‖Σ_a p_a q_aᵀ‖² = Σ_{a,b} (p_a·p_b)(q_a·q_b) without forming the matrices (the
/// Gram sum then cancels only as much as the three terms do, not down from ‖G‖² to the size of
/// the difference). A second difference
/// is a weighted average of D²G[Δ, Δ] over [t − h, t + h], so the estimate never exceeds the
/// supremum over the convex hull; being a sample, it can also fall short of it. It is therefore
/// named M̂ in the reports ("sampled"), never the paper's M, which is a supremum of the second
/// derivative's norm over the whole hull and can be one or two orders of magnitude larger; the
/// reports' right sides use M̂, and the chain's link ‖R‖/(2λ) ≤ M̂·WCSS/(4λ) tests the estimate.
/// The reports carry the sampled indices (``BoundReport/sampleIndices``,
/// ``NetworkBoundsEvaluation/curvatureSample``), the point attaining M̂
/// (``LayerPairTerms/curvaturePoint``) and the partition (``BoundReport/partition``), so an
/// outside check can recompute everything. Segments of length at most 10³ε·max(‖(z_i, y_i)‖, 1)
/// (ε of the network's scalar type: a point equal to its centroid up to rounding) are skipped.
///
/// ## Hypotheses
///
/// Lemma 3.3 and Theorem 3.4 assume a C² network. ReLU and leaky-ReLU layers are not C²; the
/// evaluator still computes every number but lists the unmet hypothesis in each report's
/// ``BoundReport/unmetAssumptions`` (and ``NetworkBoundsEvaluation/unmetAssumptions``), and the
/// tables mark the verdict with `*`: it then judges the numbers, not the theorem.
///
/// ## Rounding allowance
///
/// Every quantity is computed in `Double` from the network's parameters (exact in `Double` for
/// `Float` and `Double` networks) by one bounded forward and backward pass (running error
/// analysis, Higham, *Accuracy and Stability of Numerical Algorithms*, ch. 3): next to each
/// computed embedding Ẑ^m, pre-activation and backpropagated δ^m it carries a componentwise bound
/// E on its distance to the exact value, propagated with `|fl(AB) − AB| ≤ γ_n|A||B|` through the
/// products with |W| (a second pass on absolute values, about the cost of one more gradient).
/// Each link's allowance is the sum of the two sides' forward error bounds, built from:
/// - ∇_{W_l} L_0 and ∇_{W_l} L_0^{j,𝒞} = δᵀZ: the Frobenius norm of the componentwise bound
///   `(γ_{n+B}|δ̂| + E_δ)ᵀ(|Ẑ| + E_Z) + |δ̂|ᵀE_Z` (n rows per batch, B batches); for the centroid
///   gradient the centroids' own bound (their rounding plus the mean of the points' bounds) enters
///   as the input error of the pass;
/// - ‖R‖, ‖S‖/(2λ), ‖2λW + ∇L^{j,𝒞}‖/(2λ): those norms plus `u` per rounded sum or product and
///   `γ` for the sum of squares;
/// - dist(W_l, rank ≤ K): the SVD's backward error `p(n)u‖W_l‖_F` with `p(n) = 10n` (Mirsky;
///   LAPACK leaves p(n) as "a modestly growing function"), 0 when K ≥ min(d_l, d_{l−1});
/// - WCSS_j: √(N·WCSS) = ‖(I − Π)P‖_F is 1-Lipschitz in the points P = (Z^j, Y), so the points'
///   bound ‖E^j‖_F, the centroids' rounding `√(Σ_k N_k‖ε_k‖²)` and `γ` of the sum of squares;
/// - M̂: per stencil point the propagated bounds of the three rank-one terms and the Gram
///   rounding `γ·(Σ_a‖p_a‖‖q_a‖)²` through the square root, divided by h²‖Δ‖² with the bound of
///   ‖Δ‖²; the maximum's bound is the largest bound over the candidates (|max x̂ − max x| ≤
///   max|x̂ − x|), infinite when a point's skip decision is not certain.
///
/// The componentwise bounds assume the errors aligned with |W| in every layer; for wide layers
/// that overstates them by roughly the ratio of |W|'s row sums to ‖W‖₂ per layer. The pass
/// therefore also propagates a bound on the 2-norm of each sample's error with ‖W‖₂ (an upper
/// bound from the SVD plus its backward error), the local rounding through ‖|W|‖₂ ≤
/// √(‖|W|‖₁‖|W|‖_∞), and bounds the weight gradient's error by
/// `γ‖δ̂‖_F‖Ẑ‖_F + Σ_i (r_{δ,i}(‖ẑ_i‖ + r_{Z,i}) + ‖δ̂_i‖r_{Z,i})`; every quantity uses the
/// smaller of the two rigorous bounds.
///
/// These are rigorous bounds under two stated assumptions: LAPACK's `p(n)` and the activation's
/// measured accuracy (tanh within 4 ulp, counted as 16u). On degenerate data
/// (every point equal to its centroid) ‖R‖ is a rounding residue against M̂·WCSS = 0: the verdict
/// is then ``BoundReport/Verdict/undecided``, not "fails". Where a sampled segment is only a few
/// ulps long relative to its point (near-duplicates, jitter 10⁻⁹), the second differences are
/// below `Double`'s resolution: M̂'s bound is then larger than M̂ and its links carry it.
public enum NetworkBounds {
  /// Proposition 3.1: the numerical rank of ∇_{W_l} Σ_{i=1}^K ℓ(f(Θ, x_i), y_i) for a batch of
  /// K samples is at most K.
  ///
  /// - Parameters:
  ///   - network: Θ.
  ///   - inputs: The K samples x_i, K × d_0.
  ///   - targets: Their targets.
  ///   - loss: ℓ.
  ///   - layer: l ∈ 1…L.
  ///   - tolerance: The rank threshold (default NumPy's s_1·max(m, n)·ε).
  /// - Returns: Left: the numerical rank; right: K; terms: the threshold used, s_1 and s_{K+1}.
  /// - Throws: ``NetworkBoundError`` when the data does not fit or the SVD fails.
  /// - Complexity: One forward/backward pass over K samples and one SVD of d_l × d_{l−1}.
  public static func proposition31<Scalar: MatrixScalar>(
    network: Network<Scalar>, inputs: Matrix<Scalar>, targets: Targets<Scalar>, loss: Loss,
    layer: Int, tolerance: RankTolerance<Scalar> = .numpyDefault()
  ) throws(NetworkBoundError) -> BoundReport {
    guard layer >= 1 && layer <= network.depth else {
      throw .layerOutOfRange(layer: layer, range: 1...network.depth)
    }
    let gradient: Matrix<Scalar>
    do {
      gradient =
        try network.gradients(inputs: inputs, targets: targets, loss: loss).gradients
        .weights[layer - 1] * Scalar(inputs.rows)
    } catch { throw .network(error) }
    let spectrum: Spectrum<Scalar>
    do { spectrum = try gradient.spectrum() } catch { throw .linearAlgebra(error) }
    let rank = spectrum.numericalRank(tolerance: tolerance)
    let k = inputs.rows
    var terms = [
      BoundReport.Term("rank threshold", Double(spectrum.threshold(for: tolerance))),
      BoundReport.Term("s_1", Double(spectrum.spectralNorm)),
    ]
    if k < spectrum.count {
      terms.append(BoundReport.Term("s_{K+1}", Double(spectrum.singularValues[k])))
    }
    return BoundReport(
      statement: "Proposition 3.1, layer \(layer)",
      leftName: "rank ∇_{W_\(layer)} Σ_i ℓ_i", leftSide: Double(rank),
      rightName: "K", rightSide: Double(k), terms: terms,
      estimators: ["rank": "#{s_i > threshold}, tolerance \(tolerance)"], tolerance: 0)
  }

  /// Lemma 3.3 and Theorem 3.4 for every pair of layers j < l, with every link of the proof's
  /// chain at a point that need not be exactly stationary.
  ///
  /// For each layer l with S = ∇_{W_l} L_0 + 2λW_l (the stationarity residual of equation 4 in our
  /// convention) and each j < l, writing R = ∇_{W_l} L_0 − ∇_{W_l} L_0^{j,𝒞} (Lemma 3.3),
  ///
  ///     dist(W_l, rank ≤ K) = sqrt(Σ_{i>K} s_i²)
  ///       ≤ ‖2λW_l + ∇_{W_l} L_0^{j,𝒞}‖ / (2λ)          (rank ∇L_0^{j,𝒞} ≤ K, Proposition 3.1)
  ///       ≤ ‖S‖/(2λ) + ‖R‖/(2λ)                        (triangle inequality)
  ///       ≤ ‖S‖/(2λ) + M_{l,j} WCSS_j(𝒞) / (2·2λ)      (Lemma 3.3, proof's ½)
  ///       ≤ ‖S‖/(2λ) + M_{l,j} WCSS_j(𝒞) / (2λ)        (right side: Theorem 3.4's form).
  ///
  /// The right side is Theorem 3.4's min_j M_{l,j}/(2λ)·TCV_{K,j} with TCV_{K,j} replaced by
  /// its upper estimate WCSS_j(𝒞) of the given partition and the stationarity term added (it is
  /// zero at an exact stationary point). The paper's j runs over 1…l−1; j = 0 (the inputs) is
  /// included here, since Lemma 3.3 holds for it too and it is the only choice for l = 1.
  ///
  /// - Parameters:
  ///   - network: Θ (`Float` or `Double`; everything is evaluated in `Double`).
  ///   - inputs: X, N × d_0.
  ///   - targets: N targets (labels become one-hot rows).
  ///   - loss: ℓ.
  ///   - lambda: λ > 0 of the penalty λ‖Θ‖².
  ///   - partition: 𝒞 with K sets over the N samples (e.g. the classes, or k-means).
  ///   - options: The M estimate's sample and stencil, batch size and link tolerance.
  /// - Returns: The pair terms and the reports of Lemma 3.3 and Theorem 3.4.
  /// - Throws: ``NetworkBoundError`` when the data does not fit, λ ≤ 0, or an option is out of
  ///   range.
  /// - Complexity: One bounded forward/backward pass over N samples (about twice a plain
  ///   gradient: the products with W are repeated with |W| on the error bounds), one bounded
  ///   pass over the K centroids per j, and for each j one bounded forward/backward pass of layers
  ///   j+1…L over min(N, curvatureSampleSize)·(T + 1) interpolated points (without weight
  ///   gradients); one SVD per layer.
  public static func evaluate<Scalar: MatrixScalar>(
    network: Network<Scalar>, inputs: Matrix<Scalar>, targets: Targets<Scalar>, loss: Loss,
    lambda: Double, partition: Partition, options: NetworkBoundOptions = NetworkBoundOptions()
  ) throws(NetworkBoundError) -> NetworkBoundsEvaluation {
    guard lambda.isFinite, lambda > 0 else {
      throw .invalidParameter(name: "lambda", value: "\(lambda)", requirement: "finite and > 0")
    }
    return try evaluate(
      network: network, inputs: inputs, targets: targets, loss: loss,
      lambdas: Array(repeating: lambda, count: network.depth), partition: partition,
      options: options)
  }

  /// Lemma 3.3 and Theorem 3.4 for a network trained with `penalty`, λ_l read from the penalty.
  ///
  /// Reading λ from the penalty itself means the factor 2 of the gradient 2λW cannot be mixed
  /// up, and a per-layer weight decay λ_l‖W_l‖² is checked layer by layer (eq. 4 reads
  /// 2λ_l W_l = −∇_{W_l}L_0 at a stationary point).
  ///
  /// The penalty's gradient on each weight must be a multiple 2λ_l W_l of the weight (weight
  /// decay, coupled or decoupled, with any per-layer λ_l > 0), the only form Theorem 3.4 is
  /// stated for; λ_l is that multiple's half. Everything else is as in
  /// ``evaluate(network:inputs:targets:loss:lambda:partition:options:)``.
  ///
  /// - Parameters:
  ///   - network: Θ (`Float` or `Double`; everything is evaluated in `Double`).
  ///   - inputs: X, N × d_0.
  ///   - targets: N targets (labels become one-hot rows).
  ///   - loss: ℓ.
  ///   - penalty: The penalty that trained the network.
  ///   - partition: 𝒞 with K sets over the N samples.
  ///   - options: The M estimate's sample and stencil, batch size and link tolerance.
  /// - Returns: The pair terms and the reports of Lemma 3.3 and Theorem 3.4, with
  ///   ``NetworkBoundsEvaluation/layerLambdas`` holding λ_l.
  /// - Throws: ``NetworkBoundError/invalidParameter(name:value:requirement:)`` naming the layer
  ///   whose penalty is not weight decay with λ_l > 0, or what the λ form throws.
  public static func evaluate<Scalar: MatrixScalar, Regularizer: Penalty>(
    network: Network<Scalar>, inputs: Matrix<Scalar>, targets: Targets<Scalar>, loss: Loss,
    penalty: Regularizer, partition: Partition,
    options: NetworkBoundOptions = NetworkBoundOptions()
  ) throws(NetworkBoundError) -> NetworkBoundsEvaluation where Regularizer.Scalar == Scalar {
    var gradients = Gradients(zeroingParametersOf: network)
    penalty.addGradient(of: network, to: &gradients)
    var lambdas: [Double] = []
    for l in 1...network.depth {
      let w = network.layers[l - 1].weight
      // The whole penalty gradient on W_l: the coupled part plus the decoupled rate r·W_l.
      let wd = Matrix<Double>(w)
      let g =
        Matrix<Double>(gradients.weights[l - 1])
        + wd * Double(penalty.decoupledRate(layer: l, isBias: false))
      let weightSquared = wd.squaredFrobeniusNorm
      let multiple = weightSquared > 0 ? Self.dot(g, wd) / weightSquared : .nan
      let residual = (g - wd * multiple).frobeniusNorm
      let tolerance = 1e3 * Double(Scalar.ulpOfOne) * Swift.max(g.frobeniusNorm, 1e-300)
      guard multiple.isFinite, multiple > 0, residual <= tolerance else {
        throw .invalidParameter(
          name: "penalty", value: "layer \(l)",
          requirement:
            "a weight decay λ_l‖W_l‖² with λ_l > 0 (gradient 2λ_l W_l) and a non-zero W_l; "
            + "Theorem 3.4 is stated for that penalty")
      }
      lambdas.append(multiple / 2)
    }
    return try evaluate(
      network: network, inputs: inputs, targets: targets, loss: loss, lambdas: lambdas,
      partition: partition, options: options)
  }

  static func dot(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
    zip(a.elements, b.elements).reduce(0) { $0 + $1.0 * $1.1 }
  }

  /// The common core: λ_l per layer.
  static func evaluate<Scalar: MatrixScalar>(
    network: Network<Scalar>, inputs: Matrix<Scalar>, targets: Targets<Scalar>, loss: Loss,
    lambdas: [Double], partition: Partition, options: NetworkBoundOptions
  ) throws(NetworkBoundError) -> NetworkBoundsEvaluation {
    precondition(lambdas.count == network.depth, "one λ per layer")
    guard options.segmentSteps >= 2 else {
      throw .invalidParameter(
        name: "segmentSteps", value: "\(options.segmentSteps)", requirement: "at least 2")
    }
    guard options.curvatureSampleSize >= 1, options.batchSize >= 1 else {
      throw .invalidParameter(
        name: "curvatureSampleSize, batchSize",
        value: "\(options.curvatureSampleSize), \(options.batchSize)", requirement: "at least 1")
    }
    guard partition.pointCount == inputs.rows else {
      throw .partitionMismatch(partitionPoints: partition.pointCount, points: inputs.rows)
    }
    let n = inputs.rows
    let depth = network.depth
    try checkTargets(targets, count: n, outputs: network.outputSize)
    let y = Matrix<Double>(targets.matrix(classes: network.outputSize))
    let layers = network.layers.map(BoundedLayer.init)
    let sample = sampleIndices(
      count: n, size: options.curvatureSampleSize, seed: options.seed)
    let unmet = unmetAssumptions(network: network)
    let full = fullPass(
      layers: layers, inputs: Matrix<Double>(inputs), targets: y, loss: loss,
      partition: partition, sample: sample, batchSize: options.batchSize)
    typealias B = RoundingBound
    // Segments shorter than 1e3·ε (of the network's scalar) relative to the point are rounding
    // noise of the centroid (a point equal to its centroid): skipped.
    let threshold = 1e3 * Double(Scalar.ulpOfOne)
    let targetMeans = boundedMeans(
      points: y, errorSums: nil, rowErrorSums: nil, partition: partition)

    var pairBounds = [[PairBounds]](repeating: [], count: depth)
    for j in 0..<depth {
      let points = full.embeddings[j]
      let means = boundedMeans(
        points: points, errorSums: full.clusterErrorSums[j],
        rowErrorSums: full.clusterRowErrorSums[j], partition: partition)
      let wcss = boundedWCSS(
        points: points, targets: y, centroids: means.means,
        centroidTargets: targetMeans.means, partition: partition,
        pointErrorNorm: full.embeddingErrorNorms[j], rounding: means.rounding,
        targetRounding: targetMeans.rounding)
      let tail = layers[j...]
      let centroid = centroidGradients(
        tail: tail, centroids: means.means, centroidErrors: means.errors,
        centroidRowErrors: means.rowErrors, centroidTargets: targetMeans.means,
        centroidTargetErrors: targetMeans.errors, centroidTargetRowErrors: targetMeans.rowErrors,
        weights: means.weights, loss: loss)
      let curvatures = segmentCurvatures(
        tail: tail, embedding: points, sampleErrors: full.sampleErrors[j],
        sampleRowErrors: full.sampleRowErrors[j], targets: y, partition: partition,
        centroids: means.means, centroidErrors: means.errors, centroidRowErrors: means.rowErrors,
        centroidTargets: targetMeans.means, centroidTargetErrors: targetMeans.errors,
        centroidTargetRowErrors: targetMeans.rowErrors, sample: sample, steps: options.segmentSteps,
        loss: loss, batchSize: options.batchSize,
        threshold: threshold)
      for l in (j + 1)...depth {
        let g = full.gradients[l - 1]
        let gc = centroid.gradients[l - j - 1]
        let r = (g - gc).frobeniusNorm
        let twoLambda = 2 * lambdas[l - 1]
        let distance = (layers[l - 1].weight * twoLambda + gc).frobeniusNorm / twoLambda
        let curvature = curvatures[l - j - 1]
        pairBounds[l - 1].append(
          PairBounds(
            terms: LayerPairTerms(
              layer: l, clusteredLayer: j, fullGradientNorm: g.frobeniusNorm,
              centroidGradientNorm: gc.frobeniusNorm, residualNorm: r, wcss: wcss.value,
              curvature: curvature.value, impliedConstant: wcss.value > 0 ? r / wcss.value : nil,
              centroidDistance: distance, curvaturePoint: curvature.point,
              curvatureError: curvature.error),
            centroidGradient: gc, centroidGradientError: centroid.errors[l - j - 1],
            wcss: wcss, curvature: B(curvature.value, error: curvature.error)))
      }
    }

    let k = partition.count
    let how =
      "sampled directional estimate M̂ (not the paper's sup-norm M, which can be much larger): "
      + "max over \(sample.count) of \(n) points (seed \(options.seed), indices in the "
      + "report's sampleIndices) and \(options.segmentSteps - 1) interior stencil points of "
      + "‖second difference of ∇_{W_l}ℓ along the segment centroid→point‖/(h²‖Δ‖²), "
      + "h = 1/\(options.segmentSteps)"
    let unit = ErrorPass.unit
    var pairs: [LayerPairTerms] = []
    var lemma: [BoundReport] = []
    var chains: [BoundReport] = []
    var theorem: [BoundReport] = []
    for l in 1...depth {
      let w = layers[l - 1].weight
      let spectrum: Spectrum<Double>
      do { spectrum = try w.spectrum() } catch { throw .linearAlgebra(error) }
      let weightNorm = w.frobeniusNorm
      let distanceValue = spectrum.distanceToRank(k)
      // Mirsky: the computed singular values are those of W + E, ‖E‖_F ≤ p(n)u‖W‖_F, so the
      // norm of the tail moves by at most ‖E‖_F; an empty tail is exactly 0.
      let smaller = Swift.min(w.rows, w.columns)
      let distance = B(
        distanceValue,
        error: k >= smaller
          ? 0
          : B.decompositionError(Swift.max(w.rows, w.columns)) * weightNorm
            + B.gamma(smaller + 3) * distanceValue)
      let lambda = lambdas[l - 1]
      let twoLambda = 2 * lambda
      let bt = B.exact(twoLambda)
      let g = full.gradients[l - 1]
      let gradientError = full.gradientErrors[l - 1]
      let scaledWeight = w * twoLambda
      let scaledWeightNorm = scaledWeight.frobeniusNorm
      // Entries ĝ + fl(2λw): errors E_G + u|2λw| + u|sum|.
      let sum = g + scaledWeight
      let stationarityNorm = ErrorPass.norm(
        sum,
        entryErrorNorm: gradientError + unit * scaledWeightNorm + unit * sum.frobeniusNorm)
      let stationarity = stationarityNorm / bt
      var best: BoundReport?
      for bounds in pairBounds[l - 1] {
        let terms = bounds.terms
        let j = terms.clusteredLayer
        pairs.append(terms)
        let gc = bounds.centroidGradient
        let difference = g - gc
        let residual = ErrorPass.norm(
          difference,
          entryErrorNorm: gradientError + bounds.centroidGradientError + unit
            * difference.frobeniusNorm)
        let centroidSum = gc + scaledWeight
        let eckartYoung =
          ErrorPass.norm(
            centroidSum,
            entryErrorNorm: bounds.centroidGradientError + unit * scaledWeightNorm + unit
              * centroidSum.frobeniusNorm) / bt
        let curvature = bounds.curvature
        let wcss = bounds.wcss
        let mw = curvature * wcss
        let half = mw / B.exact(2)
        var lemmaTerms = [
          BoundReport.Term("WCSS_\(j)(C)", terms.wcss),
          BoundReport.Term(
            "M̂_{\(l),\(j)} (sampled)", terms.curvature,
            note: "directional second differences at sampled points; ≤ the paper's sup-norm M"),
          BoundReport.Term("error bound of M̂", curvature.error),
          BoundReport.Term("M̂·WCSS (statement's form)", mw.value),
          BoundReport.Term("‖∇L_0‖", terms.fullGradientNorm),
          BoundReport.Term("‖∇L_0^{j,C}‖", terms.centroidGradientNorm),
          BoundReport.Term("error bound of ‖R‖", residual.error),
          BoundReport.Term("error bound of WCSS", wcss.error),
        ]
        if let point = terms.curvaturePoint {
          lemmaTerms.append(
            BoundReport.Term("M̂ attained at sample", Double(point), note: "0-based index"))
        }
        if let c = terms.impliedConstant {
          lemmaTerms.append(BoundReport.Term("implied constant ‖R‖/WCSS", c))
        }
        lemma.append(
          BoundReport(
            statement: "Lemma 3.3, l = \(l), j = \(j)", leftName: "‖R‖",
            leftSide: residual.value, rightName: "M̂·WCSS_\(j)/2", rightSide: half.value,
            terms: lemmaTerms, estimators: ["M": how], tolerance: options.tolerance,
            allowances: B.allowances([residual, half]), unmetAssumptions: unmet,
            partition: partition.assignment, sampleIndices: sample))
        let link2 = stationarity + residual / bt
        let link3 = stationarity + mw / (B.exact(2) * bt)
        let right = stationarity + mw / bt
        let report = BoundReport(
          statement: "Theorem 3.4, l = \(l), j = \(j), K = \(k), λ = \(lambda)",
          leftName: "dist(W_\(l), rank ≤ \(k))", leftSide: distance.value,
          rightName: "‖S‖/(2λ) + M̂·WCSS/(2λ)", rightSide: right.value,
          chain: [
            BoundReport.Term(
              "‖2λW + ∇L^{j,C}‖/(2λ)", eckartYoung.value,
              note: "Eckart–Young, rank ∇L^{j,C} ≤ K"),
            BoundReport.Term("‖S‖/(2λ) + ‖R‖/(2λ)", link2.value, note: "triangle inequality"),
            BoundReport.Term(
              "‖S‖/(2λ) + M̂·WCSS/(2·2λ)", link3.value, note: "Lemma 3.3 with the proof's ½"),
          ],
          terms: [
            BoundReport.Term("stationarity ‖∇L_0 + 2λW‖/(2λ)", stationarity.value),
            BoundReport.Term(
              "sampled-M right side M̂·WCSS/(2λ)", mw.value / twoLambda,
              note: "the paper's M·TCV/(2λ) uses the sup-norm M ≥ M̂"),
            BoundReport.Term("‖R‖", terms.residualNorm),
            BoundReport.Term("WCSS_\(j)(C)", terms.wcss),
            BoundReport.Term("M̂_{\(l),\(j)} (sampled)", terms.curvature),
          ],
          estimators: ["M": how, "TCV_{K,j}": "WCSS_j of the given partition (an upper bound)"],
          tolerance: options.tolerance,
          allowances: B.allowances([distance, eckartYoung, link2, link3, right]),
          unmetAssumptions: unmet, partition: partition.assignment, sampleIndices: sample)
        chains.append(report)
        if let current = best, !(report.rightSide < current.rightSide) { continue }
        best = report
      }
      if var best {
        best.statement = "Theorem 3.4, layer \(l) (best of j < l): " + best.statement
        theorem.append(best)
      }
    }
    let dataLoss = full.loss
    let uniform = lambdas.allSatisfy { $0 == lambdas[0] }
    return NetworkBoundsEvaluation(
      lambda: uniform ? lambdas[0] : .nan, layerLambdas: lambdas, clusters: k,
      curvatureSampleSize: sample.count, dataLoss: dataLoss,
      pairs: pairs, lemma33: lemma, theorem34Pairs: chains, theorem34: theorem,
      curvatureSample: sample, partition: partition.assignment, unmetAssumptions: unmet)
  }

  /// The hypotheses of Lemma 3.3 and Theorem 3.4 that `network` does not meet: both assume
  /// a C² network (Taylor's theorem with integral remainder, Appendix A.3), which a ReLU or
  /// leaky-ReLU layer is not (its second derivative is a Dirac mass at 0).
  ///
  /// - Parameter network: Θ.
  /// - Returns: One sentence per offending layer, empty when every activation is C².
  public static func unmetAssumptions<Scalar: MatrixScalar>(network: Network<Scalar>)
    -> [String]
  {
    network.layers.enumerated().compactMap { index, layer in
      switch layer.activation {
      case .relu, .leakyReLU:
        "layer \(index + 1) uses \(layer.activation), which is not C² (Lemma 3.3 and Theorem "
          + "3.4 assume a C² network; their verdicts then judge the numbers only)"
      case .identity, .tanh, .sigmoid, .gelu: nil
      }
    }
  }

  /// Checks the targets' count and width (labels in 0 ..< d_L) before they become a matrix.
  static func checkTargets<Scalar: MatrixScalar>(
    _ targets: Targets<Scalar>, count: Int, outputs: Int
  ) throws(NetworkBoundError) {
    let fits: Bool
    switch targets {
    case .values(let y): fits = y.rows == count && y.columns == outputs
    case .labels(let labels):
      fits = labels.count == count && labels.allSatisfy { $0 >= 0 && $0 < outputs }
    }
    guard fits else {
      throw .invalidParameter(
        name: "targets", value: "\(targets.count) targets",
        requirement: "\(count) targets of width \(outputs) (labels in 0..<\(outputs))")
    }
  }
}
