import RankCollapse

extension Experiments.LowRankCompression {
  /// The measurements of one network, dense or truncated at one rank.
  public struct Measurement: Sendable, Hashable {
    /// The rank r every layer was truncated at, or `nil` for the dense network.
    public var rank: Int?
    /// The rank each layer kept, min(r, d_l, d_{l−1}) (the full min(d_l, d_{l−1}) when dense).
    public var layerRanks: [Int]
    /// The fraction of test images classified correctly.
    public var testAccuracy: Double
    /// The mean cross-entropy on the test images.
    public var testLoss: Double
    /// Weights and biases stored.
    public var parameters: Int
    /// Floating-point operations of a forward pass, per image.
    public var flops: Int
    /// The median time of a forward pass over all test images, in seconds.
    public var inferenceSeconds: Double
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
    ///   - inferenceSeconds: Median forward time over the test images.
    ///   - fineTunedTestAccuracy: Accuracy after fine-tuning, or `nil`.
    ///   - fineTunedTestLoss: Loss after fine-tuning, or `nil`.
    public init(
      rank: Int?, layerRanks: [Int], testAccuracy: Double, testLoss: Double, parameters: Int,
      flops: Int, inferenceSeconds: Double, fineTunedTestAccuracy: Double? = nil,
      fineTunedTestLoss: Double? = nil
    ) {
      self.rank = rank
      self.layerRanks = layerRanks
      self.testAccuracy = testAccuracy
      self.testLoss = testLoss
      self.parameters = parameters
      self.flops = flops
      self.inferenceSeconds = inferenceSeconds
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

  /// Measures the dense network, then the network truncated at each of ``ranks``.
  ///
  /// - Parameters:
  ///   - network: The trained network.
  ///   - data: The images (the test images are measured).
  ///   - onMeasurement: Called after each network is measured.
  /// - Returns: The dense measurement first, then one per rank in the order of ``ranks``.
  /// - Throws: ``ClassifierError/measurement(_:)`` when a decomposition or evaluation fails.
  public func measure(
    _ network: Network<Float>, data: Experiments.ClassifierData,
    onMeasurement: ((Measurement) -> Void)? = nil
  ) throws(Experiments.ClassifierError) -> [Measurement] {
    guard data.testImages.rows > 0 else {
      throw .invalidData("the compression experiment needs test images")
    }
    var result: [Measurement] = []
    for rank in [nil] + ranks.map(Optional.some) {
      let measurement = try measure(network, rank: rank, data: data)
      onMeasurement?(measurement)
      result.append(measurement)
    }
    return result
  }

  /// Measures `network` truncated at `rank` (`nil`: dense).
  func measure(
    _ network: Network<Float>, rank: Int?, data: Experiments.ClassifierData
  ) throws(Experiments.ClassifierError) -> Measurement {
    // PROTOTYPE (replaced by RankCollapseCompression once it lands): dense truncation.
    var compressed = network
    var layerRanks: [Int] = []
    var parameters = 0
    var flops = 0
    for (index, layer) in network.layers.enumerated() {
      let m = layer.weight.rows
      let n = layer.weight.columns
      let full = Swift.min(m, n)
      let kept = Swift.min(rank ?? full, full)
      layerRanks.append(kept)
      if kept < full {
        do {
          compressed.layers[index].weight = try layer.weight.bestRankApproximation(kept)
        } catch {
          throw .measurement("truncating W_\(index + 1): \(error)")
        }
      }
      let factored = kept * (m + n) < m * n
      parameters += (factored ? kept * (m + n) : m * n) + layer.bias.count
      flops += 2 * (factored ? kept * (m + n) : m * n) + m
    }
    let targets = Targets<Float>.labels(data.testLabels)
    let accuracy: Double
    let loss: Double
    do {
      accuracy = try compressed.accuracy(inputs: data.testImages, targets: targets)
      loss = try compressed.loss(
        inputs: data.testImages, targets: targets, loss: .softmaxCrossEntropy)
    } catch {
      throw .measurement("evaluating the rank-\(rank.map(String.init) ?? "full") network: \(error)")
    }
    var times: [Double] = []
    for _ in 0..<timingRepetitions {
      let clock = ContinuousClock()
      let start = clock.now
      let output = compressed(data.testImages)
      let elapsed = clock.now - start
      precondition(output.rows == data.testImages.rows)
      times.append(
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    return Measurement(
      rank: rank, layerRanks: layerRanks, testAccuracy: accuracy, testLoss: loss,
      parameters: parameters, flops: flops, inferenceSeconds: times.sorted()[times.count / 2])
  }
}
