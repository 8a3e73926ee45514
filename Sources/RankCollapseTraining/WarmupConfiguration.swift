import RankCollapseClustering

/// Where the partition 𝒞 = {𝒞_1, …, 𝒞_K} of the centroid warm-up comes from.
public enum PartitionSource: Sendable, Hashable {
  /// A given partition of the N samples.
  case partition(Partition)
  /// The class labels of `Targets.labels` (one cluster per class present).
  case labels
  /// k-means with K clusters on the inputs X (`KMeans` of RankCollapseClustering, seeded by
  /// ``CentroidWarmupConfiguration/seed``).
  case kMeans(clusters: Int, restarts: Int = 1)
}

/// Re-partitions the data during the warm-up by k-means on a hidden layer's embedding Z^j.
///
/// Every ``everySteps`` warm-up steps the trainer computes Z^j = f^j(Θ^j, X) for all N samples
/// (one forward pass to layer j), clusters its rows into ``clusters`` sets with k-means (warm
/// started from the current partition's layer-j centroids, so refreshing is deterministic and
/// cheap when nothing moves), and continues the warm-up on the input centroids of the new
/// partition. The loss stays equation (8) at j = 0: only the partition changes, chosen where
/// the network already separates the data (Lemma 3.3's bound uses WCSS_j of the partition).
public struct PartitionRefresh: Sendable, Hashable {
  /// j ∈ 1…L−1, the hidden layer whose embedding is clustered.
  public var layer: Int
  /// Warm-up steps between refreshes (≥ 1).
  public var everySteps: Int
  /// K of the new partitions; `nil` keeps the current number of clusters.
  public var clusters: Int?

  /// A refresh policy.
  ///
  /// - Parameters:
  ///   - layer: j ∈ 1…L−1.
  ///   - everySteps: Warm-up steps between refreshes.
  ///   - clusters: K of the refreshed partitions, or `nil` for the current K.
  public init(layer: Int, everySteps: Int, clusters: Int? = nil) {
    self.layer = layer
    self.everySteps = everySteps
    self.clusters = clusters
  }
}

/// The warm-up phase's settings: the partition, the switch rule and its budget.
///
/// ## Switch rule
///
/// Lemma 3.3 (equation 9) writes the full gradient as the centroid gradient plus a residual,
/// ∇L_0(Θ) = ∇L_0^{0,𝒞}(Θ) + R(Θ) with ‖R‖ ≤ M·WCSS_0(𝒞). The centroid gradient is a useful
/// descent direction for the full objective while R is small against it; as the warm-up
/// approaches a stationary point of the centroid objective L_λ^{0,𝒞} its gradient shrinks but R
/// does not. So every ``checkInterval`` warm-up steps (and at step 0) the trainer estimates
///
///     R̂ = (1/|S|) Σ_{i∈S} (∇ℓ(f(Θ, x_i), y_i) − ∇ℓ(f(Θ, x̄_{k(i)}), ȳ_{k(i)})),
///
/// S a fresh uniform sample of ``sampleSize`` rows without replacement and k(i) the cluster of
/// sample i. Since R(Θ) = (1/N) Σ_i (∇ℓ_i − ∇ℓ(x̄_{k(i)}, ȳ_{k(i)})) exactly, R̂ is an unbiased
/// estimate of R; pairing each sample with its own centroid (a control variate) makes it
/// vanish for degenerate clusters whatever the sample, so its noise scales with the
/// within-cluster variation, like Lemma 3.3's bound M·WCSS_0, and not with the spread of the
/// gradients across clusters. With r̂ = ‖R̂‖ (all weights and biases; the penalty's gradient
/// is the same in both terms and cancels) the warm-up switches to the full data when
///
///     r̂ > ρ · ‖∇L_λ^{0,𝒞}(Θ)‖        (ρ = ``residualFraction``).
///
/// It also switches when the warm-up made ``maximumSteps`` steps, or when
/// ‖∇L_λ^{0,𝒞}‖ falls to the full phase's gradient tolerance. Sampling noise (of order
/// 1/√|S| times the within-cluster spread of the gradients) can only make r̂ larger on
/// average than ‖R‖ (Jensen), so the rule errs towards switching early; ``sampleSize`` ≥ N
/// uses all the data and makes r̂ = ‖R‖ exact. Each check costs a forward and backward pass
/// over 2|S| rows.
public struct CentroidWarmupConfiguration: Sendable, Hashable {
  /// 𝒞: labels, k-means on the inputs, or a given partition.
  public var partition: PartitionSource
  /// ρ > 0: switch when the residual estimate exceeds ρ‖∇L_λ^{0,𝒞}‖.
  public var residualFraction: Double
  /// m ≥ 1: warm-up steps between residual estimates.
  public var checkInterval: Int
  /// |S| ≥ 1: rows sampled for each residual estimate (capped at N).
  public var sampleSize: Int
  /// The step cap of the warm-up phase (≥ 0; 0 skips the warm-up).
  public var maximumSteps: Int
  /// Optional re-partitioning from a hidden layer during the warm-up.
  public var refresh: PartitionRefresh?
  /// Seeds k-means and the residual samples.
  public var seed: UInt64

  /// A warm-up configuration.
  ///
  /// - Parameters:
  ///   - partition: 𝒞's source.
  ///   - residualFraction: ρ > 0.
  ///   - checkInterval: m ≥ 1.
  ///   - sampleSize: |S| ≥ 1.
  ///   - maximumSteps: The warm-up's step cap.
  ///   - refresh: Re-partitioning from Z^j, or `nil`.
  ///   - seed: Seeds k-means and the samples.
  public init(
    partition: PartitionSource, residualFraction: Double = 0.5, checkInterval: Int = 10,
    sampleSize: Int = 512, maximumSteps: Int = 1000, refresh: PartitionRefresh? = nil,
    seed: UInt64 = 0
  ) {
    self.partition = partition
    self.residualFraction = residualFraction
    self.checkInterval = checkInterval
    self.sampleSize = sampleSize
    self.maximumSteps = maximumSteps
    self.refresh = refresh
    self.seed = seed
  }

  /// Checks the settings that do not depend on the data.
  @usableFromInline
  func validate(depth: Int) throws(WarmupError) {
    func require(_ ok: Bool, _ name: String, _ value: String, _ rule: String)
      throws(WarmupError)
    {
      if !ok { throw .invalidParameter(name: name, value: value, requirement: rule) }
    }
    try require(
      residualFraction > 0 && residualFraction.isFinite, "residualFraction",
      "\(residualFraction)", "finite and > 0")
    try require(checkInterval >= 1, "checkInterval", "\(checkInterval)", "at least 1")
    try require(sampleSize >= 1, "sampleSize", "\(sampleSize)", "at least 1")
    try require(maximumSteps >= 0, "maximumSteps", "\(maximumSteps)", "≥ 0")
    if case .kMeans(let clusters, let restarts) = partition {
      try require(clusters >= 1, "clusters", "\(clusters)", "at least 1")
      try require(restarts >= 1, "restarts", "\(restarts)", "at least 1")
    }
    if let refresh {
      try require(
        refresh.layer >= 1 && refresh.layer < depth, "refresh.layer", "\(refresh.layer)",
        "a hidden layer in 1…\(depth - 1)")
      try require(
        refresh.everySteps >= 1, "refresh.everySteps", "\(refresh.everySteps)", "at least 1")
      if let k = refresh.clusters {
        try require(k >= 1, "refresh.clusters", "\(k)", "at least 1")
      }
    }
  }
}
