import RankCollapseClustering
import RankCollapseNetwork

/// Why the warm-up handed over to the full data.
public enum SwitchReason: String, Sendable, Hashable, Codable {
  /// The residual estimate exceeded ρ‖∇L_λ^{0,𝒞}‖ (Lemma 3.3's approximation stopped being
  /// useful).
  case residual
  /// The warm-up made its ``CentroidWarmupConfiguration/maximumSteps``.
  case stepCap
  /// ‖∇L_λ^{0,𝒞}‖ fell to the full phase's gradient tolerance (a stationary point of
  /// equation 8).
  case centroidStationary
}

/// One warm-up step: the centroid objective of equation (8) at j = 0 before the update.
public struct WarmupRecord: Sendable, Hashable {
  /// Warm-up steps made before this record.
  public var step: Int
  /// Seconds since the start of ``CentroidWarmupTrainer/fit(_:inputs:targets:observer:)``.
  public var seconds: Double
  /// L_λ^{0,𝒞}(Θ) = Σ_k π_k ℓ(f(x̄_k), ȳ_k) + R(Θ).
  public var centroidObjective: Double
  /// ‖∇L_λ^{0,𝒞}(Θ)‖ over all weights and biases.
  public var centroidGradientNorm: Double

  /// A record.
  ///
  /// - Parameters:
  ///   - step: Warm-up steps made.
  ///   - seconds: Seconds since the start.
  ///   - centroidObjective: L_λ^{0,𝒞}(Θ).
  ///   - centroidGradientNorm: ‖∇L_λ^{0,𝒞}(Θ)‖.
  public init(step: Int, seconds: Double, centroidObjective: Double, centroidGradientNorm: Double) {
    self.step = step
    self.seconds = seconds
    self.centroidObjective = centroidObjective
    self.centroidGradientNorm = centroidGradientNorm
  }
}

/// One residual estimate of the switch rule.
public struct ResidualCheck: Sendable, Hashable {
  /// The warm-up step at which it was made.
  public var step: Int
  /// r̂ = ‖R̂‖, the sampled Lemma 3.3 residual (see ``CentroidWarmupConfiguration``).
  public var residual: Double
  /// ‖∇L_λ^{0,𝒞}‖.
  public var centroidGradientNorm: Double
  /// L_λ estimated on S: (1/|S|) Σ_{i∈S} ℓ_i + R(Θ).
  public var sampleObjective: Double

  /// A check.
  ///
  /// - Parameters:
  ///   - step: The warm-up step.
  ///   - residual: r̂.
  ///   - centroidGradientNorm: ‖∇L_λ^{0,𝒞}‖.
  ///   - sampleObjective: L_λ estimated on S.
  public init(step: Int, residual: Double, centroidGradientNorm: Double, sampleObjective: Double) {
    self.step = step
    self.residual = residual
    self.centroidGradientNorm = centroidGradientNorm
    self.sampleObjective = sampleObjective
  }
  /// r̂ / ‖∇L_λ^{0,𝒞}‖ (∞ when the centroid gradient vanishes).
  public var ratio: Double {
    centroidGradientNorm > 0 ? residual / centroidGradientNorm : .infinity
  }
}

/// One recorded step of the full-data phase (the library `Trainer`'s observer).
public struct FullRecord: Sendable, Hashable {
  /// Full-data steps made before this record.
  public var step: Int
  /// Seconds since the start of ``CentroidWarmupTrainer/fit(_:inputs:targets:observer:)``
  /// (warm-up included, the caller's observer excluded).
  public var seconds: Double
  /// L_0 on the data (or the current minibatch).
  public var loss: Double
  /// R(Θ).
  public var penalty: Double
  /// ‖∇L_λ‖.
  public var gradientNorm: Double
  /// L_λ = L_0 + R.
  public var objective: Double { loss + penalty }

  /// A record.
  ///
  /// - Parameters:
  ///   - step: Full-data steps made.
  ///   - seconds: Seconds since the start.
  ///   - loss: L_0.
  ///   - penalty: R(Θ).
  ///   - gradientNorm: ‖∇L_λ‖.
  public init(step: Int, seconds: Double, loss: Double, penalty: Double, gradientNorm: Double) {
    self.step = step
    self.seconds = seconds
    self.loss = loss
    self.penalty = penalty
    self.gradientNorm = gradientNorm
  }
}

/// What a warm-up run did: when and why it switched, and both phases' trajectories.
public struct CentroidWarmupResult: Sendable {
  /// Warm-up steps made (the step at which training switched to the full data).
  public var switchStep: Int
  /// Why it switched.
  public var switchReason: SwitchReason
  /// Seconds spent in the warm-up (partition, k-means, refreshes and checks included).
  public var warmupSeconds: Double
  /// The warm-up trajectory, one record per warm-up step (and one at the switch).
  public var warmup: [WarmupRecord]
  /// Every residual estimate, in order; the last one decided a ``SwitchReason/residual``
  /// switch.
  public var checks: [ResidualCheck]
  /// Warm-up steps at which the partition was refreshed.
  public var refreshSteps: [Int]
  /// The partition in use when the warm-up ended.
  public var partition: Partition
  /// The full-data trajectory, one record per observer call of the `Trainer`.
  public var full: [FullRecord]
  /// The full phase's summary (its steps count full-data steps only).
  public var summary: TrainingSummary
  /// Seconds of the whole call, without the time spent in the caller's observer.
  public var seconds: Double

  @usableFromInline
  init(
    switchStep: Int, switchReason: SwitchReason, warmupSeconds: Double, warmup: [WarmupRecord],
    checks: [ResidualCheck], refreshSteps: [Int], partition: Partition, full: [FullRecord],
    summary: TrainingSummary, seconds: Double
  ) {
    self.switchStep = switchStep
    self.switchReason = switchReason
    self.warmupSeconds = warmupSeconds
    self.warmup = warmup
    self.checks = checks
    self.refreshSteps = refreshSteps
    self.partition = partition
    self.full = full
    self.summary = summary
    self.seconds = seconds
  }
}
