import RankCollapse
import RankCollapseSweep

extension Experiments {
  /// The MNIST-format classifier experiment shared by Figures 3, 4 and 5 (paper section 6.3–6.4).
  ///
  /// A fully connected tanh network is trained on softmax cross-entropy + λ‖Θ‖² with the
  /// library's `Trainer` and `WeightDecay`. At epoch 0, every
  /// ``ClassifierConfiguration/recordEvery`` epochs and at the end it records a
  /// ``ClassifierSnapshot``: per layer l the singular values of W_l (hence the tail curve e(r)
  /// of eq. 22 and rk(ε)) and `WCSS_l` of the embeddings Z^l partitioned by class label (eq. 6,
  /// the TCV estimate of Figure 3), plus train and test accuracy.
  ///
  /// ```swift
  /// let data = try Experiments.ClassifierData.mnist(trainingSamples: 5000, testSamples: 1000)
  /// let experiment = Experiments.ClassifierExperiment(
  ///   configuration: .init(hiddenWidths: [128, 64], lambda: 1e-3, epochs: 10))
  /// let run = try experiment.run(on: data, statePath: "out/state/lambda-0.001.safetensors")
  /// print(run.final.layers.map { $0.softRank(epsilon: 0.1) })
  /// ```
  ///
  /// With a `statePath` the run is resumable: after every measurement the trainer's checkpoint
  /// (network, optimizer, counters) and the snapshots so far are written together, atomically,
  /// to one safetensors file. Running again with the same state file continues where the last
  /// run stopped (on exactly the same trajectory, same seed and thread count) or, if it had
  /// finished, returns its result at once. A state file from a different configuration or data
  /// set is refused.
  public struct ClassifierExperiment: Sendable {
    /// The hyperparameters.
    public var configuration: ClassifierConfiguration

    /// An experiment.
    ///
    /// - Parameter configuration: The hyperparameters.
    public init(configuration: ClassifierConfiguration) {
      self.configuration = configuration
    }

    /// Trains and measures, resuming from `statePath` when it holds an unfinished run.
    ///
    /// - Parameters:
    ///   - data: The images.
    ///   - statePath: The state file (created or replaced atomically), or `nil` for none.
    ///   - progress: The trainer's progress output on standard error.
    ///   - onSnapshot: Called with each new snapshot after it has been saved (not with those read
    ///     from the state file).
    /// - Returns: The run with all its snapshots.
    /// - Throws: ``ClassifierError`` for a bad configuration, divergence, a state file that
    ///   cannot be used, or a failed measurement.
    public func run(
      on data: ClassifierData, statePath: String? = nil, progress: ProgressStyle = .silent,
      onSnapshot: ((ClassifierSnapshot) -> Void)? = nil
    ) throws(ClassifierError) -> ClassifierRun {
      try configuration.validate()
      switch configuration.optimizer {
      case .adam:
        return try train(
          data: data, optimizer: Adam<Float>(), statePath: statePath, progress: progress,
          onSnapshot: onSnapshot)
      case .sgd:
        return try train(
          data: data, optimizer: GradientDescent<Float>(momentum: configuration.momentum),
          statePath: statePath, progress: progress, onSnapshot: onSnapshot)
      }
    }

    func train<Rule: Optimizer<Float>>(
      data: ClassifierData, optimizer: Rule, statePath: String?, progress: ProgressStyle,
      onSnapshot: ((ClassifierSnapshot) -> Void)?
    ) throws(ClassifierError) -> ClassifierRun {
      let widths = configuration.widths(
        inputSize: data.trainImages.columns, classCount: data.classCount)
      let measured = Swift.min(
        configuration.measurementSamples ?? data.trainImages.rows, data.trainImages.rows)
      let measurementImages =
        measured == data.trainImages.rows
        ? data.trainImages : data.trainImages.rows(0..<measured)
      let measurementLabels = Array(data.trainLabels[0..<measured])
      var generator = SeededGenerator(seed: configuration.seed)
      var network: Network<Float>
      do {
        network = try Network<Float>(
          widths: widths, activation: .tanh, outputActivation: .identity,
          initializer: configuration.initializer, biases: true, using: &generator)
      } catch {
        throw .invalidConfiguration("\(error)")
      }
      var trainer = Trainer(
        configuration: TrainingConfiguration(
          loss: .softmaxCrossEntropy, learningRate: .constant(configuration.learningRate),
          batchSize: configuration.batchSize, shuffleSeed: configuration.seed,
          maximumEpochs: 0, progress: progress),
        optimizer: optimizer,
        penalty: WeightDecay<Float>(
          lambda: configuration.lambda, includesBiases: configuration.decaysBiases))
      var run = ClassifierRun(
        configuration: configuration, widths: widths, trainingSamples: data.trainImages.rows,
        testSamples: data.testImages.rows, measurementSamples: measured, snapshots: [])
      let store = statePath.map {
        ClassifierState(path: $0, configuration: configuration, fingerprint: data.fingerprint)
      }
      if let store, let saved = try store.load() {
        do {
          network = try trainer.resume(from: saved.checkpoint)
        } catch {
          throw .incompatibleState(
            path: store.path, reason: error.description, cause: UnderlyingError(error))
        }
        guard network.widths == widths, saved.snapshots.last?.epoch == trainer.epoch else {
          throw .incompatibleState(
            path: store.path, reason: "its network or snapshots do not match the configuration")
        }
        run.snapshots = saved.snapshots
      }

      func measure() throws(ClassifierError) {
        let snapshot = try Experiments.ClassifierExperiment.snapshot(
          of: network, epoch: trainer.epoch, step: trainer.step,
          penalty: trainer.penalty, data: data,
          measurementImages: measurementImages, measurementLabels: measurementLabels)
        run.snapshots.append(snapshot)
        if let store {
          try store.save(trainer.checkpoint(of: network), snapshots: run.snapshots)
        }
        onSnapshot?(snapshot)
      }

      if run.snapshots.isEmpty { try measure() }
      while trainer.epoch < configuration.epochs {
        let next = Swift.min(
          (trainer.epoch / configuration.recordEvery + 1) * configuration.recordEvery,
          configuration.epochs)
        trainer.configuration.maximumEpochs = next
        do {
          _ = try trainer.fit(
            &network, inputs: data.trainImages, targets: .labels(data.trainLabels))
        } catch {
          throw .training(error)
        }
        try measure()
      }
      return run
    }

    /// Measures a network: loss and accuracies on the data, and per layer the singular values of
    /// W_l, the class-label and total variation of Z^l on the measurement images, and the
    /// stationarity residual ρ_l on the whole training set.
    static func snapshot(
      of network: Network<Float>, epoch: Int, step: Int, penalty decay: WeightDecay<Float>,
      data: ClassifierData, measurementImages: Matrix<Float>, measurementLabels: [Int]
    ) throws(ClassifierError) -> ClassifierSnapshot {
      let penalty = decay.value(of: network)
      do {
        let residuals = try stationarityResiduals(of: network, decay: decay, data: data)
        let trainTargets = Targets<Float>.labels(data.trainLabels)
        let loss = try network.loss(
          inputs: data.trainImages, targets: trainTargets, loss: .softmaxCrossEntropy)
        let trainAccuracy = try network.accuracy(inputs: data.trainImages, targets: trainTargets)
        let testAccuracy =
          data.testImages.rows == 0
          ? nil
          : try network.accuracy(inputs: data.testImages, targets: .labels(data.testLabels))
        let embeddings = try network.embeddings(of: measurementImages)
        let single = Array(repeating: 0, count: measurementLabels.count)
        func variation(_ z: Matrix<Float>, _ labels: [Int]) throws(ClassifierError) -> Double {
          do {
            return try TotalClusterVariation.byLabels(points: z, labels: labels).value
          } catch {
            throw .measurement("WCSS of the embeddings", cause: UnderlyingError(error))
          }
        }
        var layers: [ClassifierLayerSnapshot] = []
        for (index, layer) in network.layers.enumerated() {
          let values: [Float]
          do {
            values = try layer.weight.singularValues()
          } catch {
            throw ClassifierError.measurement(
              "singular values of W_\(index + 1)", cause: UnderlyingError(error))
          }
          layers.append(
            ClassifierLayerSnapshot(
              layer: index + 1, rows: layer.weight.rows, columns: layer.weight.columns,
              singularValues: values.map(Double.init),
              classTCV: try variation(embeddings[index + 1], measurementLabels),
              totalVariation: try variation(embeddings[index + 1], single),
              stationarity: residuals[index].relative))
        }
        return ClassifierSnapshot(
          epoch: epoch, step: step, loss: loss, penalty: penalty, trainAccuracy: trainAccuracy,
          testAccuracy: testAccuracy,
          inputTCV: try variation(embeddings[0], measurementLabels), layers: layers)
      } catch let error as ClassifierError {
        throw error
      } catch {
        throw .measurement("measuring the network", cause: UnderlyingError(error))
      }
    }
  }
}

extension Experiments.ClassifierData {
  /// What identifies the data in a sweep's sidecar: `training_samples`, `test_samples`,
  /// `pooling`, `input_size` and `data` (the ``fingerprint``), in that order.
  public var sweepHyperparameters: Hyperparameters {
    [
      "training_samples": .integer(trainImages.rows), "test_samples": .integer(testImages.rows),
      "pooling": .integer(pooling), "input_size": .integer(trainImages.columns),
      "data": .text(fingerprint),
    ]
  }

  /// Identifies the data: sizes, pooling and an FNV-1a hash of every pixel and label (hashed in
  /// blocks of 2¹⁸ values, then the block hashes), so that a run is never resumed on other images.
  public var fingerprint: String {
    var blocks: [String] = []
    for matrix in [trainImages, testImages] {
      matrix.withUnsafeBufferPointer { pixels in
        var start = 0
        while start < pixels.count {
          let end = Swift.min(start + 1 << 18, pixels.count)
          let bytes = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: pixels[start..<end]))
          blocks.append(SweepJSON.fingerprint(Array(bytes)))
          start = end
        }
      }
    }
    blocks.append(
      SweepJSON.fingerprint(
        Array((trainLabels + testLabels).map(String.init).joined(separator: ",").utf8)))
    let hash = SweepJSON.fingerprint(Array(blocks.joined().utf8))
    return
      "train \(trainImages.rows)×\(trainImages.columns), test \(testImages.rows), "
      + "pooling \(pooling), FNV-1a \(hash)"
  }
}

extension Experiments.ClassifierExperiment {
  /// ρ_l of every layer with ∇L_0 over the whole training set, accumulated over row blocks of at
  /// most 8192 images so that the memory stays that of a minibatch pass.
  static func stationarityResiduals(
    of network: Network<Float>, decay: WeightDecay<Float>, data: Experiments.ClassifierData
  ) throws(NetworkError) -> [StationarityResidual] {
    let count = data.trainImages.rows
    var total = Gradients(zeroingParametersOf: network)
    var start = 0
    while start < count {
      let end = Swift.min(start + 8192, count)
      let (_, part) = try network.gradients(
        inputs: data.trainImages.rows(start..<end),
        targets: .labels(Array(data.trainLabels[start..<end])), loss: .softmaxCrossEntropy)
      let weight = Float(Double(end - start) / Double(count))
      // ρ_l is about the weights only: the biases' gradients are not summed.
      for l in total.weights.indices {
        total.weights[l] = total.weights[l] + weight * part.weights[l]
      }
      start = end
    }
    return decay.stationarityResiduals(of: network, dataGradients: total)
  }
}
