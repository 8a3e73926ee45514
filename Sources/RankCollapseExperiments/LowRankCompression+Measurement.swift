import RankCollapse
import RankCollapseSweep

extension Experiments.LowRankCompression {
  /// The measurements of one network, dense or truncated at one rank.
  public struct Measurement: Sendable, Hashable {
    /// The rank r every layer was truncated at, or `nil` for the dense network.
    public var rank: Int?
    /// The rank each layer kept: min(r, d_l, d_{l−1}) when factored, the full min(d_l, d_{l−1})
    /// when it stayed dense (not stored in the table).
    public var layerRanks: [Int]
    /// The fraction of test images classified correctly.
    public var testAccuracy: Double
    /// The mean cross-entropy on the test images.
    public var testLoss: Double
    /// Weights and biases stored.
    public var parameters: Int
    /// Floating-point operations of a forward pass, per image.
    public var flops: Int
    /// The fastest of the timed forward passes over all test images, in seconds.
    public var inferenceSeconds: Double
    /// The dense network's fastest pass divided by this network's, timed in the same
    /// interleaved rounds (1 for the dense network itself).
    public var speedup: Double
    /// The test accuracy after fine-tuning the factors, when fine-tuning was asked for.
    public var fineTunedTestAccuracy: Double?
    /// The test loss after fine-tuning the factors, when fine-tuning was asked for.
    public var fineTunedTestLoss: Double?

    /// Creates a measurement.
    ///
    /// - Parameters:
    ///   - rank: r, or `nil` for dense.
    ///   - layerRanks: The rank of each layer.
    ///   - testAccuracy: Test accuracy.
    ///   - testLoss: Test cross-entropy.
    ///   - parameters: Stored parameters.
    ///   - flops: FLOPs per image.
    ///   - inferenceSeconds: Fastest forward time over the test images.
    ///   - speedup: Dense time / this time, measured side by side.
    ///   - fineTunedTestAccuracy: Accuracy after fine-tuning, or `nil`.
    ///   - fineTunedTestLoss: Loss after fine-tuning, or `nil`.
    public init(
      rank: Int?, layerRanks: [Int], testAccuracy: Double, testLoss: Double, parameters: Int,
      flops: Int, inferenceSeconds: Double, speedup: Double, fineTunedTestAccuracy: Double? = nil,
      fineTunedTestLoss: Double? = nil
    ) {
      self.rank = rank
      self.layerRanks = layerRanks
      self.testAccuracy = testAccuracy
      self.testLoss = testLoss
      self.parameters = parameters
      self.flops = flops
      self.inferenceSeconds = inferenceSeconds
      self.speedup = speedup
      self.fineTunedTestAccuracy = fineTunedTestAccuracy
      self.fineTunedTestLoss = fineTunedTestLoss
    }

    /// The tidy rows (``measurementColumns`` order), one per metric.
    public var rows: [[SweepValue]] {
      let key: SweepValue = rank.map { .integer($0) } ?? "dense"
      var result: [[SweepValue]] = [
        [key, "test_accuracy", .number(testAccuracy)],
        [key, "test_loss", .number(testLoss)],
        [key, "parameters", .integer(parameters)],
        [key, "flops", .integer(flops)],
        [key, "inference_seconds", .number(inferenceSeconds)],
        [key, "speedup", .number(speedup)],
      ]
      if let fineTunedTestAccuracy {
        result.append([key, "fine_tuned_test_accuracy", .number(fineTunedTestAccuracy)])
      }
      if let fineTunedTestLoss {
        result.append([key, "fine_tuned_test_loss", .number(fineTunedTestLoss)])
      }
      return result
    }
  }

  /// Measures the dense network, then the network compressed at each of ``ranks``.
  ///
  /// `Compression.evaluate` (RankCollapseCompression) compresses every layer with
  /// `RankSelection.rank(r)`: W_l becomes balanced factors U_l V_l of its best rank-min(r, d_l,
  /// d_{l−1}) approximation, except that a layer stays dense with its original weight when
  /// factoring would not save, r(d_l + d_{l−1}) ≥ d_l d_{l−1}. It measures the test loss and
  /// accuracy, parameters, FLOPs and the inference time over the test images (the fastest of
  /// ``timingRepetitions`` rounds, interleaved with the dense network's, so the speed-up is a
  /// side-by-side ratio). With ``fineTuningEpochs`` > 0 each compressed network's factors are
  /// then trained for that many epochs on the training images (Adam with the configuration's
  /// learning rate and batch size, no penalty: weight decay on factors acts as a nuclear-norm
  /// penalty on the product, see `CompressedNetwork.fineTune`) and measured again. It runs the
  /// library's one compression pipeline, `CompressionPipeline`, as `rankcollapse compress` does.
  ///
  /// - Parameters:
  ///   - network: The trained network.
  ///   - data: The images (the test images are measured, the training images fine-tune).
  ///   - onMeasurement: Called after each network is measured.
  /// - Returns: The dense measurement first, then one per rank in the order of ``ranks``.
  /// - Throws: ``ClassifierError/measurement(_:cause:)`` when compression, evaluation or fine-tuning
  ///   fails.
  public func measure(
    _ network: Network<Float>, data: Experiments.ClassifierData,
    onMeasurement: ((Measurement) -> Void)? = nil
  ) throws(Experiments.ClassifierError) -> [Measurement] {
    guard data.testImages.rows > 0 else {
      throw .invalidData("the compression experiment needs test images")
    }
    let plans = ranks.map { Array(repeating: RankSelection.rank($0), count: network.depth) }
    let pipeline = CompressionPipeline(
      fineTuning: fineTuningEpochs > 0
        ? FineTuning(
          epochs: fineTuningEpochs, learningRate: configuration.learningRate,
          batchSize: configuration.batchSize, seed: configuration.seed)
        : nil,
      timingRounds: timingRepetitions)
    let run: CompressionPipelineResult<Float>
    do {
      run = try pipeline.run(
        network, plans: plans, loss: .softmaxCrossEntropy,
        evaluation: (data.testImages, .labels(data.testLabels)),
        training: (data.trainImages, .labels(data.trainLabels)))
    } catch {
      throw .measurement(
        "compressing, fine-tuning and evaluating the trained network",
        cause: UnderlyingError(error))
    }
    // The pipeline measures the dense network, then every rank, then every fine-tuned rank.
    var result: [Measurement] = []
    for index in 0...ranks.count {
      let evaluation = run.measurements[index]
      let rank = index == 0 ? nil : ranks[index - 1]
      var measurement = Measurement(
        rank: rank,
        layerRanks: evaluation.report.layers.map {
          $0.isFactored ? $0.rank : Swift.min($0.rows, $0.columns)
        },
        testAccuracy: evaluation.accuracy ?? 0, testLoss: evaluation.loss,
        parameters: evaluation.report.parameters, flops: evaluation.report.flops,
        inferenceSeconds: evaluation.seconds, speedup: evaluation.speedup)
      if rank != nil, !run.fineTuned.isEmpty {
        let tuned = run.measurements[ranks.count + index]
        (measurement.fineTunedTestAccuracy, measurement.fineTunedTestLoss) =
          (tuned.accuracy ?? 0, tuned.loss)
      }
      onMeasurement?(measurement)
      result.append(measurement)
    }
    return result
  }
}
