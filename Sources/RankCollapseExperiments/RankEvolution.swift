import RankCollapse
import RankCollapsePlots

extension Experiments {
  /// The experiment of the paper's Figure 3 (section 6.3).
  ///
  /// The classifier of ``ClassifierExperiment`` is trained at several λ, recording every few
  /// epochs each layer's tail curve e(r) (equation 22) and the class-label TCV of each layer's
  /// embeddings.
  ///
  /// Each λ is trained by its own resumable ``ClassifierExperiment`` with a state file
  /// `lambda-<λ>.safetensors` in the state folder: an interrupted run continues from its last
  /// measurement, and finished λ are not trained again.
  public struct RankEvolution: Sendable, Hashable, Codable {
    /// The hyperparameters shared by every λ (its ``ClassifierConfiguration/lambda`` is replaced).
    public var configuration: ClassifierConfiguration
    /// The weight decay values, one row of panels each.
    public var lambdas: [Double]
    /// Training images (the first ones), or `nil` for all.
    public var trainingSamples: Int?
    /// Test images (the first ones), or `nil` for all.
    public var testSamples: Int?
    /// The average-pooling window applied to the images (1: none).
    public var pooling: Int

    /// Creates the experiment.
    ///
    /// - Parameters:
    ///   - configuration: Shared hyperparameters.
    ///   - lambdas: The λ values (at least one, each ≥ 0).
    ///   - trainingSamples: Training images, or `nil` for all.
    ///   - testSamples: Test images, or `nil` for all.
    ///   - pooling: Image pooling window.
    public init(
      configuration: ClassifierConfiguration, lambdas: [Double], trainingSamples: Int?,
      testSamples: Int?, pooling: Int = 1
    ) {
      self.configuration = configuration
      self.lambdas = lambdas
      self.trainingSamples = trainingSamples
      self.testSamples = testSamples
      self.pooling = pooling
    }

    /// The default scale: a few minutes on 2 cores in a release build.
    ///
    /// The first 10 000
    /// Fashion-MNIST training images, a 784-256-128-64-10 tanh network, Adam (η = 10⁻³, batches
    /// of 128) for 40 epochs, measured every 4 epochs, λ ∈ {10⁻³, 3·10⁻³, 10⁻²}, TCV on the
    /// first 2 000 training images.
    public static var defaultScale: RankEvolution {
      RankEvolution(
        configuration: ClassifierConfiguration(
          hiddenWidths: [256, 128, 64], lambda: 0, epochs: 40, recordEvery: 4, batchSize: 128,
          learningRate: 1e-3, optimizer: .adam, measurementSamples: 2000),
        lambdas: [1e-3, 3e-3, 1e-2], trainingSamples: 10_000, testSamples: 2000)
    }

    /// The paper's scale: all 60 000 training and 10 000 test images, a 784-512-256-128-10
    /// network, 300 epochs measured every 20 (the paper measures every 100 of an unstated
    /// number), TCV on the first 10 000 training images.
    public static var paperScale: RankEvolution {
      RankEvolution(
        configuration: ClassifierConfiguration(
          hiddenWidths: [512, 256, 128], lambda: 0, epochs: 300, recordEvery: 20,
          batchSize: 128, learningRate: 1e-3, optimizer: .adam, measurementSamples: 10_000),
        lambdas: [1e-3, 3e-3, 1e-2], trainingSamples: nil, testSamples: nil)
    }

    /// Checks the λ values and the shared configuration.
    ///
    /// - Throws: ``ClassifierError/invalidConfiguration(_:)`` naming the bad value.
    public func validate() throws(ClassifierError) {
      try validateLambdas()
    }

    /// Trains every λ in turn (resuming from `stateFolder` when given).
    ///
    /// - Parameters:
    ///   - data: The images.
    ///   - stateFolder: An existing folder for the per-λ state files, or `nil` for none.
    ///   - progress: The trainer's progress output.
    ///   - onSnapshot: Called with λ and each new snapshot.
    /// - Returns: One run per λ, in the order of ``lambdas``.
    /// - Throws: ``ClassifierError``.
    public func run(
      on data: ClassifierData, stateFolder: String? = nil, progress: ProgressStyle = .silent,
      onSnapshot: ((Double, ClassifierSnapshot) -> Void)? = nil
    ) throws(ClassifierError) -> [ClassifierRun] {
      try validate()
      var runs: [ClassifierRun] = []
      for lambda in lambdas {
        let experiment = ClassifierExperiment(configuration: configuration(lambda: lambda))
        runs.append(
          try experiment.run(
            on: data, statePath: stateFolder.map { Self.statePath(folder: $0, lambda: lambda) },
            progress: progress, onSnapshot: { onSnapshot?(lambda, $0) }))
      }
      return runs
    }
  }
}
