import RankCollapseNetwork
import RankCollapseRegularization
import RankCollapseTensor

/// Compress → fine-tune → evaluate: the one pipeline of the library, used by `rankcollapse
/// compress` and by the compression experiment (`LowRankCompression`).
///
/// For every plan (one ``RankSelection`` per layer) the network is truncated
/// (``Compression/compress(_:selections:)``); with ``fineTuning`` and training data each
/// truncation is then fine-tuned (``CompressedNetwork/fineTune(_:inputs:targets:loss:progress:)``);
/// finally the dense network, every truncation and every fine-tuned truncation are evaluated on
/// the same data with their inference times measured in the same interleaved rounds
/// (``Compression/evaluate(_:names:inputs:targets:loss:timingRounds:)``).
///
/// ```swift
/// let pipeline = CompressionPipeline(fineTuning: FineTuning(epochs: 2), timingRounds: 3)
/// let result = try pipeline.run(
///   network, plans: [[.rank(8), .rank(8), .dense]], loss: .softmaxCrossEntropy,
///   evaluation: (test.inputs, .labels(test.labels)),
///   training: (train.inputs, .labels(train.labels)))
/// print(result.measurements.map(\.accuracy))  // dense, rank 8, rank 8 fine-tuned
/// ```
public struct CompressionPipeline: Sendable, Hashable {
  /// How truncations are fine-tuned; `nil` for no fine-tuning.
  public var fineTuning: FineTuning?
  /// Interleaved rounds of timed forward passes (0 skips timing).
  public var timingRounds: Int

  /// A pipeline.
  ///
  /// - Parameters:
  ///   - fineTuning: How truncations are fine-tuned (`nil`: not at all).
  ///   - timingRounds: Rounds of timed forward passes (≥ 0).
  public init(fineTuning: FineTuning? = nil, timingRounds: Int = 3) {
    self.fineTuning = fineTuning
    self.timingRounds = timingRounds
  }

  /// Runs the pipeline.
  ///
  /// - Parameters:
  ///   - network: The trained network.
  ///   - plans: One criterion per layer for each compressed variant.
  ///   - loss: ℓ, for evaluation and fine-tuning.
  ///   - evaluation: The data the variants are measured on.
  ///   - training: The data the truncations are fine-tuned on (ignored without ``fineTuning``);
  ///     training losses are measured on it too.
  ///   - progress: Progress of the fine-tuning runs.
  /// - Returns: The variants and their measurements.
  /// - Throws: ``CompressionError`` for invalid plans, settings or data;
  ///   ``CompressionError/fineTuning(_:)`` when a fine-tuning run fails.
  public func run<Scalar: MatrixScalar>(
    _ network: Network<Scalar>, plans: [[RankSelection]], loss: Loss,
    evaluation: (inputs: Matrix<Scalar>, targets: Targets<Scalar>),
    training: (inputs: Matrix<Scalar>, targets: Targets<Scalar>)? = nil,
    progress: ProgressStyle = .silent
  ) throws(CompressionError) -> CompressionPipelineResult<Scalar> {
    guard timingRounds >= 0 else {
      throw .invalidParameter(
        ParameterError(name: "timingRounds", value: "\(timingRounds)", requirement: "≥ 0"))
    }
    let dense = try Compression.compress(network, selection: .dense)
    var compressed: [CompressionResult<Scalar>] = []
    var names: [String] = []
    for plan in plans {
      compressed.append(try Compression.compress(network, selections: plan))
      let criteria = plan.map(\.description)
      names.append(Set(criteria).count == 1 ? criteria[0] : criteria.joined(separator: "; "))
    }
    var tuned: [CompressionResult<Scalar>] = []
    var summaries: [TrainingSummary] = []
    if let fineTuning, let training {
      for variant in compressed {
        var network = variant.network
        do {
          summaries.append(
            try network.fineTune(
              fineTuning, inputs: training.inputs, targets: training.targets, loss: loss,
              progress: progress))
        } catch {
          throw .fineTuning(error)
        }
        tuned.append(CompressionResult(network: network, report: variant.report))
      }
    }
    let variants = [dense] + compressed + tuned
    let allNames = ["dense"] + names + names.map { $0 + " fine-tuned" }.prefix(tuned.count)
    let measurements = try Compression.evaluate(
      variants, names: Array(allNames), inputs: evaluation.inputs,
      targets: evaluation.targets, loss: loss, timingRounds: timingRounds)
    var trainingLosses: [Double]?
    if let training, !tuned.isEmpty {
      do {
        trainingLosses = try variants.map { variant throws(NetworkError) in
          try variant.network.network.loss(
            inputs: training.inputs, targets: training.targets, loss: loss)
        }
      } catch {
        throw .invalidData(error)
      }
    }
    return CompressionPipelineResult(
      dense: dense, compressed: compressed, fineTuned: tuned, fineTuningSummaries: summaries,
      measurements: measurements, trainingLosses: trainingLosses)
  }
}

/// What ``CompressionPipeline/run(_:plans:loss:evaluation:training:progress:)`` produced.
public struct CompressionPipelineResult<Scalar: MatrixScalar>: Sendable {
  /// The dense network (the baseline).
  public var dense: CompressionResult<Scalar>
  /// One truncation per plan, before fine-tuning.
  public var compressed: [CompressionResult<Scalar>]
  /// One fine-tuned truncation per plan (empty without fine-tuning).
  public var fineTuned: [CompressionResult<Scalar>]
  /// How each fine-tuning run ended, in plan order.
  public var fineTuningSummaries: [TrainingSummary]
  /// The dense network, then every truncation, then every fine-tuned truncation (names
  /// `dense`, the plan's criteria, and the criteria followed by ` fine-tuned`).
  public var measurements: [CompressionMeasurement]
  /// L_0 on the training data of every measured variant, in the order of ``measurements``
  /// (`nil` without fine-tuning).
  public var trainingLosses: [Double]?
}

/// How a truncated network's factors are fine-tuned: Adam (β₁ = 0.9, β₂ = 0.999), minibatches,
/// weight decay on the factors (a nuclear-norm penalty on their product, see
/// ``CompressedNetwork/fineTune(with:inputs:targets:)``).
public struct FineTuning: Sendable, Hashable {
  /// Passes over the training data (≥ 1).
  public var epochs: Int
  /// Adam's η.
  public var learningRate: Double
  /// Samples per step.
  public var batchSize: Int
  /// Seeds the order of the samples.
  public var seed: UInt64
  /// λ on the factors (0: none).
  public var weightDecay: Double

  /// Fine-tuning settings.
  ///
  /// - Parameters:
  ///   - epochs: Passes over the training data (≥ 1).
  ///   - learningRate: Adam's η (> 0, finite).
  ///   - batchSize: Samples per step (≥ 1).
  ///   - seed: Seeds the order of the samples.
  ///   - weightDecay: λ on the factors (≥ 0, finite).
  public init(
    epochs: Int, learningRate: Double = 1e-3, batchSize: Int = 128, seed: UInt64 = 1,
    weightDecay: Double = 0
  ) {
    self.epochs = epochs
    self.learningRate = learningRate
    self.batchSize = batchSize
    self.seed = seed
    self.weightDecay = weightDecay
  }

  /// Checks the settings.
  ///
  /// - Throws: `ParameterError` naming the first setting out of range.
  public func validate() throws(ParameterError) {
    guard epochs >= 1 else {
      throw ParameterError(name: "epochs", value: "\(epochs)", requirement: "≥ 1")
    }
    guard learningRate > 0 && learningRate.isFinite else {
      throw ParameterError(
        name: "learningRate", value: "\(learningRate)", requirement: "finite and > 0")
    }
    guard batchSize >= 1 else {
      throw ParameterError(name: "batchSize", value: "\(batchSize)", requirement: "≥ 1")
    }
    guard weightDecay >= 0 && weightDecay.isFinite else {
      throw ParameterError(
        name: "weightDecay", value: "\(weightDecay)", requirement: "finite and ≥ 0")
    }
  }
}

extension CompressedNetwork {
  /// Fine-tunes the factors (and the dense layers and biases) with ``FineTuning``'s recipe.
  ///
  /// - Parameters:
  ///   - settings: Epochs, learning rate, batch size, seed and weight decay.
  ///   - inputs: X, N × d_0.
  ///   - targets: N targets.
  ///   - loss: ℓ.
  ///   - progress: Progress of the run.
  /// - Returns: The trainer's summary.
  /// - Throws: `TrainingError` (``FineTuning/validate()``'s refusal as
  ///   `TrainingError.invalidParameter(_:)`).
  public mutating func fineTune(
    _ settings: FineTuning, inputs: Matrix<Scalar>, targets: Targets<Scalar>, loss: Loss,
    progress: ProgressStyle = .silent
  ) throws(TrainingError) -> TrainingSummary {
    do { try settings.validate() } catch { throw .invalidParameter(error) }
    var trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: loss, learningRate: .constant(settings.learningRate),
        batchSize: settings.batchSize, shuffleSeed: settings.seed,
        maximumEpochs: settings.epochs, progress: progress),
      optimizer: Adam<Scalar>(), penalty: WeightDecay<Scalar>(lambda: settings.weightDecay))
    return try fineTune(with: &trainer, inputs: inputs, targets: targets)
  }
}
