import RankCollapse
import RankCollapseSweep

extension Experiments {
  /// The low-rank compression experiment: "larger λ allows smaller ranks at equal accuracy".
  ///
  /// The classifier of ``ClassifierExperiment`` is trained at several λ (each λ a grid point of
  /// a resumable `Sweep`, with the classifier's own state file, so an interrupted run resumes
  /// mid-training). Each trained network is then compressed at every rank r of ``ranks`` with
  /// RankCollapseCompression (`Compression.evaluate` with `RankSelection.rank(r)` for every
  /// layer): every weight W_l (d_l × d_{l−1}) becomes the factors U_l V_l of its best
  /// rank-min(r, d_l, d_{l−1}) approximation (Eckart–Young), unless factoring would not save
  /// (r(d_l + d_{l−1}) ≥ d_l d_{l−1}: the layer stays dense). The compressed network's test
  /// accuracy, test loss, parameter count, FLOPs per image and inference time are recorded,
  /// also for the dense network, and optionally the accuracy after fine-tuning the factors.
  ///
  /// Weight decay concentrates each W_l's spectrum on a few singular values (the paper's rank
  /// collapse, Theorem 3.4), so the claim is that the smallest rank at which the truncated
  /// network keeps a given accuracy falls as λ grows. ``summary(_:)`` finds that rank per λ for two
  /// targets: within ``accuracyDrop`` of the λ's own dense accuracy, and the absolute
  /// ``targetAccuracy`` (the "equal accuracy" comparison across λ).
  public struct LowRankCompression: Sendable, Hashable, Codable {
    /// The hyperparameters shared by every λ (its ``ClassifierConfiguration/lambda`` is replaced).
    public var configuration: ClassifierConfiguration
    /// The weight decay values, one curve each.
    public var lambdas: [Double]
    /// The ranks r to truncate every layer at (each layer keeps min(r, d_l, d_{l−1})).
    public var ranks: [Int]
    /// Training images (the first ones), or `nil` for all.
    public var trainingSamples: Int?
    /// Test images (the first ones), or `nil` for all.
    public var testSamples: Int?
    /// The average-pooling window applied to the images (1: none).
    public var pooling: Int
    /// Epochs of fine-tuning of the factors after truncation (0: none).
    public var fineTuningEpochs: Int
    /// The first target: test accuracy at least the λ's dense accuracy minus this (0.01 = one
    /// percentage point).
    public var accuracyDrop: Double
    /// The second target: this absolute test accuracy, the same for every λ.
    public var targetAccuracy: Double
    /// Interleaved rounds of timed forward passes over the test images (the fastest is recorded).
    public var timingRepetitions: Int

    /// Creates the experiment.
    ///
    /// - Parameters:
    ///   - configuration: Shared classifier hyperparameters.
    ///   - lambdas: The λ values (at least one, distinct, each ≥ 0).
    ///   - ranks: The ranks (at least one, distinct, each ≥ 1).
    ///   - trainingSamples: Training images, or `nil` for all.
    ///   - testSamples: Test images, or `nil` for all.
    ///   - pooling: Image pooling window.
    ///   - fineTuningEpochs: Fine-tuning epochs after truncation, ≥ 0.
    ///   - accuracyDrop: The tolerated drop from the dense accuracy, in [0, 1].
    ///   - targetAccuracy: The absolute accuracy target, in [0, 1].
    ///   - timingRepetitions: Timed forward passes per rank, ≥ 1.
    public init(
      configuration: ClassifierConfiguration, lambdas: [Double], ranks: [Int],
      trainingSamples: Int?, testSamples: Int?, pooling: Int = 1, fineTuningEpochs: Int = 0,
      accuracyDrop: Double = 0.01, targetAccuracy: Double = 0.8, timingRepetitions: Int = 5
    ) {
      self.configuration = configuration
      self.lambdas = lambdas
      self.ranks = ranks
      self.trainingSamples = trainingSamples
      self.testSamples = testSamples
      self.pooling = pooling
      self.fineTuningEpochs = fineTuningEpochs
      self.accuracyDrop = accuracyDrop
      self.targetAccuracy = targetAccuracy
      self.timingRepetitions = timingRepetitions
    }

    /// The default scale: a few minutes on 2 cores in a release build.
    ///
    /// The first 10 000 Fashion-MNIST training and 2 000 test images, a 784-256-128-64-10 tanh
    /// network, Adam (η = 10⁻³, batches of 128) for 30 epochs (a checkpoint every 5, so an
    /// interrupted λ resumes there), λ ∈ {0, 10⁻³, 3·10⁻³, 10⁻²},
    /// ranks 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, one epoch of fine-tuning per
    /// rank; targets: 1 point below the dense accuracy, and 80 %.
    public static var defaultScale: LowRankCompression {
      LowRankCompression(
        configuration: ClassifierConfiguration(
          hiddenWidths: [256, 128, 64], lambda: 0, epochs: 30, recordEvery: 5, batchSize: 128,
          learningRate: 1e-3, optimizer: .adam, measurementSamples: 1000),
        lambdas: [0, 1e-3, 3e-3, 1e-2], ranks: standardRanks, trainingSamples: 10_000,
        testSamples: 2000, fineTuningEpochs: 1)
    }

    /// The larger scale: all 60 000 training and 10 000 test images, a 784-512-256-128-10
    /// network, 100 epochs, ranks up to 256, two epochs of fine-tuning per rank.
    public static var paperScale: LowRankCompression {
      LowRankCompression(
        configuration: ClassifierConfiguration(
          hiddenWidths: [512, 256, 128], lambda: 0, epochs: 100, recordEvery: 10,
          batchSize: 128, learningRate: 1e-3, optimizer: .adam, measurementSamples: 5000),
        lambdas: [0, 1e-3, 3e-3, 1e-2], ranks: standardRanks + [192, 256],
        trainingSamples: nil, testSamples: nil, fineTuningEpochs: 2)
    }

    /// 1, 2, 3, 4, 6, 8, 12, …, 96, 128: roughly two ranks per octave.
    public static let standardRanks = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128]

    /// Checks every setting.
    ///
    /// - Throws: ``ClassifierError/invalidConfiguration(_:)`` naming the bad value.
    public func validate() throws(ClassifierError) {
      try validateLambdas()
      guard !ranks.isEmpty else { throw .invalidConfiguration("give at least one rank") }
      if let rank = ranks.first(where: { $0 < 1 }) {
        throw .invalidConfiguration("ranks must be at least 1, got \(rank)")
      }
      guard Set(ranks).count == ranks.count else {
        throw .invalidConfiguration("the ranks must differ, got \(ranks)")
      }
      guard fineTuningEpochs >= 0 else {
        throw .invalidConfiguration("fine-tuning epochs must be ≥ 0, got \(fineTuningEpochs)")
      }
      guard accuracyDrop >= 0, accuracyDrop <= 1 else {
        throw .invalidConfiguration("the accuracy drop must be in [0, 1], got \(accuracyDrop)")
      }
      guard targetAccuracy >= 0, targetAccuracy <= 1 else {
        throw .invalidConfiguration(
          "the target accuracy must be in [0, 1], got \(targetAccuracy)")
      }
      guard timingRepetitions >= 1 else {
        throw .invalidConfiguration(
          "timing repetitions must be at least 1, got \(timingRepetitions)")
      }
      guard pooling >= 1 else {
        throw .invalidConfiguration("pooling must be at least 1, got \(pooling)")
      }
    }
  }
}
