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
  /// The relative tolerance of the returned reports' links (rounding of the backprop sums).
  public var tolerance: Double

  /// Creates options.
  ///
  /// - Parameters:
  ///   - curvatureSampleSize: Points visited by the M estimate (≥ 1).
  ///   - segmentSteps: Steps T ≥ 2 per segment.
  ///   - seed: Seed of the point sample.
  ///   - batchSize: Samples per pass (≥ 1).
  ///   - tolerance: Relative tolerance of each link of a ``BoundReport``.
  public init(
    curvatureSampleSize: Int = 1000, segmentSteps: Int = 4, seed: UInt64 = 0,
    batchSize: Int = 2048, tolerance: Double = 1e-8
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
  /// ‖∇_{W_l} L_0‖ (full data, manual backprop).
  public var fullGradientNorm: Double
  /// ‖∇_{W_l} L_0^{j,𝒞}‖ (centroid-based loss of equation 8, manual backprop).
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
}

/// Everything ``NetworkBounds/evaluate(network:inputs:targets:loss:lambda:partition:options:)``
/// measured: the pair terms, Lemma 3.3 per pair, Theorem 3.4 per layer and per pair.
public struct NetworkBoundsEvaluation: Sendable, Hashable, Codable {
  /// λ of L_λ (equation 3, penalty λ‖Θ‖², gradient 2λΘ).
  public var lambda: Double
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
/// with t_s = s/T, h = 1/T, G evaluated by the manual backprop at c_k + t_s Δ_i (inputs and
/// targets both interpolated). Each G is the rank-one matrix δ z^{l−1ᵀ}, so the norm of the
/// second difference comes from the Gram identity ‖Σ_a c_a δ_a z_aᵀ‖² =
/// Σ_{a,b} c_a c_b (δ_a·δ_b)(z_a·z_b) in `Double` without forming the matrices. A second difference
/// is a weighted average of D²G[Δ, Δ] over [t − h, t + h], so the estimate never exceeds the
/// supremum over the convex hull; being a sample, it can also fall short of it. The chain's
/// link ‖R‖/(2λ) ≤ M·WCSS/(4λ) therefore tests the estimate. Segments of length below
/// 1e3·ε relative to the point (a point equal to its centroid up to rounding) are skipped. Use
/// `Double` networks: with `Float` the second differences drown in rounding. Rounding also keeps
/// R from being exactly zero on degenerate data (‖R‖ ≈ ε‖∇L_0‖ while M·WCSS = 0), so a report
/// whose links are all at rounding level can flag a failing link that is only rounding.
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
  ///   - network: Θ (use `Double`).
  ///   - inputs: X, N × d_0.
  ///   - targets: N targets (labels become one-hot rows).
  ///   - loss: ℓ.
  ///   - lambda: λ > 0 of the penalty λ‖Θ‖².
  ///   - partition: 𝒞 with K sets over the N samples (e.g. the classes, or k-means).
  ///   - options: The M estimate's sample and stencil, batch size and link tolerance.
  /// - Returns: The pair terms and the reports of Lemma 3.3 and Theorem 3.4.
  /// - Throws: ``NetworkBoundError`` when the data does not fit, λ ≤ 0, or an option is out of
  ///   range.
  /// - Complexity: One forward pass and one backward pass over N samples, K small passes per j,
  ///   and for each j one forward/backward pass of layers j+1…L over
  ///   min(N, curvatureSampleSize)·(T + 1) interpolated points; one SVD per layer.
  public static func evaluate<Scalar: MatrixScalar>(
    network: Network<Scalar>, inputs: Matrix<Scalar>, targets: Targets<Scalar>, loss: Loss,
    lambda: Double, partition: Partition, options: NetworkBoundOptions = NetworkBoundOptions()
  ) throws(NetworkBoundError) -> NetworkBoundsEvaluation {
    guard lambda.isFinite, lambda > 0 else {
      throw .invalidParameter(name: "lambda", value: "\(lambda)", requirement: "finite and > 0")
    }
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
    let y = targets.matrix(classes: network.outputSize)
    let embeddings: [Matrix<Scalar>]
    do {
      embeddings = try network.embeddings(of: inputs, batchSize: options.batchSize)
    } catch { throw .network(error) }
    let (dataLoss, full) = try dataGradients(
      network: network, inputs: inputs, targets: y, loss: loss, batchSize: options.batchSize)
    let sample = sampleIndices(
      count: n, size: options.curvatureSampleSize, seed: options.seed)

    // pairTerms[l − 1][j]
    var pairTerms = [[LayerPairTerms]](repeating: [], count: depth)
    for j in 0..<depth {
      let wcss: Double
      do {
        wcss = try partition.withinClusterSumOfSquares(points: embeddings[j], targets: y)
      } catch { throw .clustering(error) }
      let centroid = try CentroidBasedLoss(
        network: network, embedding: embeddings[j], targets: y, loss: loss,
        partition: partition, layer: j)
      let tail: Network<Scalar>
      do { tail = try Network(layers: Array(network.layers[j...])) } catch {
        throw .network(error)
      }
      let curvatures = try segmentCurvatures(
        tail: tail, embedding: embeddings[j], targets: y, partition: partition,
        centroids: centroid.centroids, centroidTargets: centroid.centroidTargets,
        sample: sample, steps: options.segmentSteps, loss: loss, batchSize: options.batchSize)
      for l in (j + 1)...depth {
        let g = full[l - 1]
        let gc = centroid.weightGradient(layer: l)
        let r = Double((g - gc).frobeniusNorm)
        let twoLambda = 2 * lambda
        let w = network.layers[l - 1].weight * Scalar(twoLambda)
        let distance = Double((w + gc).frobeniusNorm) / twoLambda
        pairTerms[l - 1].append(
          LayerPairTerms(
            layer: l, clusteredLayer: j, fullGradientNorm: Double(g.frobeniusNorm),
            centroidGradientNorm: Double(gc.frobeniusNorm), residualNorm: r, wcss: wcss,
            curvature: curvatures[l - j - 1], impliedConstant: wcss > 0 ? r / wcss : nil,
            centroidDistance: distance))
      }
    }

    let k = partition.count
    let how =
      "max over \(sample.count) of \(n) points (seed \(options.seed)) and "
      + "\(options.segmentSteps - 1) interior stencil points of ‖second difference of "
      + "∇_{W_l}ℓ along the segment centroid→point‖/(h²‖Δ‖²), h = 1/\(options.segmentSteps)"
    var pairs: [LayerPairTerms] = []
    var lemma: [BoundReport] = []
    var chains: [BoundReport] = []
    var theorem: [BoundReport] = []
    for l in 1...depth {
      let w = network.layers[l - 1].weight
      let spectrum: Spectrum<Scalar>
      do { spectrum = try w.spectrum() } catch { throw .linearAlgebra(error) }
      let distance = Double(spectrum.distanceToRank(k))
      let twoLambda = 2 * lambda
      let s = full[l - 1] + w * Scalar(twoLambda)
      let stationarity = Double(s.frobeniusNorm) / twoLambda
      var best: BoundReport?
      for terms in pairTerms[l - 1] {
        let j = terms.clusteredLayer
        pairs.append(terms)
        let mw = terms.curvature * terms.wcss
        var lemmaTerms = [
          BoundReport.Term("WCSS_\(j)(C)", terms.wcss),
          BoundReport.Term("M_{\(l),\(j)} estimate", terms.curvature),
          BoundReport.Term("M·WCSS (statement's form)", mw),
          BoundReport.Term("‖∇L_0‖", terms.fullGradientNorm),
          BoundReport.Term("‖∇L_0^{j,C}‖", terms.centroidGradientNorm),
        ]
        if let c = terms.impliedConstant {
          lemmaTerms.append(BoundReport.Term("implied constant ‖R‖/WCSS", c))
        }
        lemma.append(
          BoundReport(
            statement: "Lemma 3.3, l = \(l), j = \(j)", leftName: "‖R‖",
            leftSide: terms.residualNorm, rightName: "M·WCSS_\(j)/2", rightSide: mw / 2,
            terms: lemmaTerms, estimators: ["M": how], tolerance: options.tolerance))
        let eckartYoung = terms.centroidDistance
        let report = BoundReport(
          statement: "Theorem 3.4, l = \(l), j = \(j), K = \(k), λ = \(lambda)",
          leftName: "dist(W_\(l), rank ≤ \(k))", leftSide: distance,
          rightName: "‖S‖/(2λ) + M·WCSS/(2λ)", rightSide: stationarity + mw / twoLambda,
          chain: [
            BoundReport.Term(
              "‖2λW + ∇L^{j,C}‖/(2λ)", eckartYoung, note: "Eckart–Young, rank ∇L^{j,C} ≤ K"),
            BoundReport.Term(
              "‖S‖/(2λ) + ‖R‖/(2λ)", stationarity + terms.residualNorm / twoLambda,
              note: "triangle inequality"),
            BoundReport.Term(
              "‖S‖/(2λ) + M·WCSS/(2·2λ)", stationarity + mw / (2 * twoLambda),
              note: "Lemma 3.3 with the proof's ½"),
          ],
          terms: [
            BoundReport.Term("stationarity ‖∇L_0 + 2λW‖/(2λ)", stationarity),
            BoundReport.Term("paper right side M·WCSS/(2λ)", mw / twoLambda),
            BoundReport.Term("‖R‖", terms.residualNorm),
            BoundReport.Term("WCSS_\(j)(C)", terms.wcss),
            BoundReport.Term("M_{\(l),\(j)} estimate", terms.curvature),
          ],
          estimators: ["M": how, "TCV_{K,j}": "WCSS_j of the given partition (an upper bound)"],
          tolerance: options.tolerance)
        chains.append(report)
        if let current = best, !(report.rightSide < current.rightSide) { continue }
        best = report
      }
      if var best {
        best.statement = "Theorem 3.4, layer \(l) (best of j < l): " + best.statement
        theorem.append(best)
      }
    }
    return NetworkBoundsEvaluation(
      lambda: lambda, clusters: k, curvatureSampleSize: sample.count, dataLoss: dataLoss,
      pairs: pairs, lemma33: lemma, theorem34Pairs: chains, theorem34: theorem)
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
