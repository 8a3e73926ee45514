import RankCollapse

extension Experiments.WarmupComparison {
  /// Runs every setting: the autoencoder at each σ, then (if enabled) Fashion-MNIST.
  ///
  /// - Parameter report: Called with a line after each run (for progress output).
  /// - Returns: One ``Experiments/WarmupSetting`` per σ, then the classifier's.
  /// - Throws: ``ExperimentError`` for a bad setting, missing data or a diverged run.
  public func run(report: (String) -> Void = { _ in }) throws(ExperimentError)
    -> [Experiments.WarmupSetting]
  {
    try validate()
    var settings: [Experiments.WarmupSetting] = []
    for sigma in sigmas {
      settings.append(try blobs(sigma: sigma, report: report))
    }
    if includesClassifier { settings.append(try classifier(report: report)) }
    return settings
  }

  /// The warm-up settings shared by both experiments (partition by labels).
  var warmupConfiguration: CentroidWarmupConfiguration {
    CentroidWarmupConfiguration(
      partition: .labels, residualFraction: residualFraction, checkInterval: checkInterval,
      sampleSize: sampleSize, maximumSteps: warmupSteps, seed: autoencoder.seed)
  }

  /// The autoencoder comparison at one σ.
  func blobs(sigma: Double, report: (String) -> Void) throws(ExperimentError)
    -> Experiments.WarmupSetting
  {
    let sample = try autoencoder.data(sigma: sigma)
    var generator = SeededGenerator(seed: autoencoder.seed &+ 2)
    let network: Network<Float>
    do {
      network = try Network<Float>(
        widths: autoencoder.widths, activation: .tanh, outputActivation: .identity,
        initializer: autoencoder.initializer, using: &generator)
    } catch {
      throw .invalidParameter(
        name: "widths", value: "\(autoencoder.widths)", requirement: "\(error)")
    }
    let configuration = TrainingConfiguration(
      loss: .squaredError, learningRate: autoencoder.schedule,
      maximumSteps: autoencoder.maximumSteps)
    let label = "blobs σ = \(SweepValue.format(sigma))"
    let runs: [Experiments.WarmupRun]
    switch autoencoder.optimizer {
    case .adam:
      runs = try pairs(
        label, network, sample.points, .values(sample.points), sample.labels, configuration,
        Adam<Float>(), nil, report)
    case .gradientDescent(let momentum):
      runs = try pairs(
        label, network, sample.points, .values(sample.points), sample.labels, configuration,
        GradientDescent<Float>(momentum: Float(momentum)), nil, report)
    }
    return setting("blobs", sigma, runs)
  }

  /// The Fashion-MNIST comparison.
  func classifier(report: (String) -> Void) throws(ExperimentError) -> Experiments.WarmupSetting {
    let data: Experiments.ClassifierData
    do {
      data = try .mnist(
        folder: dataFolder, trainingSamples: classifierSamples,
        testSamples: classifierTestSamples, pooling: classifierPooling)
    } catch {
      throw .analysis(stage: "loading Fashion-MNIST", message: "\(error)")
    }
    var generator = SeededGenerator(seed: autoencoder.seed &+ 3)
    let widths = [data.trainImages.columns] + classifierHiddenWidths + [data.classCount]
    let network: Network<Float>
    do {
      network = try Network<Float>(
        widths: widths, activation: .tanh, outputActivation: .identity,
        initializer: .glorotUniform, using: &generator)
    } catch {
      throw .invalidParameter(
        name: "classifier-widths", value: "\(classifierHiddenWidths)", requirement: "\(error)")
    }
    let configuration = TrainingConfiguration(
      loss: .softmaxCrossEntropy, learningRate: .constant(classifierLearningRate),
      maximumSteps: classifierSteps)
    let test = { (trained: Network<Float>) -> Double? in
      try? trained.accuracy(inputs: data.testImages, targets: .labels(data.testLabels))
    }
    let runs = try pairs(
      "fashion-mnist", network, data.trainImages, .labels(data.trainLabels), data.trainLabels,
      configuration, Adam<Float>(), test, report)
    return setting("fashion-mnist", .nan, runs)
  }

  func setting(_ experiment: String, _ sigma: Double, _ runs: [Experiments.WarmupRun])
    -> Experiments.WarmupSetting
  {
    let plain = runs.first { $0.method == "plain" }
    let target = (plain?.finalObjective ?? .nan) * (1 + targetSlack)
    return Experiments.WarmupSetting(
      experiment: experiment, sigma: sigma, runs: runs, target: target)
  }

  /// ``rounds`` pairs of (plain, warm-up) runs from `network`, the order alternating.
  func pairs<Rule: Optimizer>(
    _ label: String, _ network: Network<Float>, _ inputs: Matrix<Float>,
    _ targets: Targets<Float>, _ labels: [Int], _ configuration: TrainingConfiguration,
    _ optimizer: Rule, _ test: ((Network<Float>) -> Double?)?, _ report: (String) -> Void
  ) throws(ExperimentError) -> [Experiments.WarmupRun] where Rule.Scalar == Float {
    let penalty = WeightDecay<Float>(lambda: lambda)
    var warmup = warmupConfiguration
    warmup.partition = .partition(
      (try? Partition(labels: labels)) ?? Partition(assignment: [Int](repeating: 0, count: 1)))
    var runs: [Experiments.WarmupRun] = []
    for round in 1...rounds {
      let order = round % 2 == 1 ? ["plain", "warmup"] : ["warmup", "plain"]
      for method in order {
        var trained = network
        var run: Experiments.WarmupRun
        if method == "plain" {
          let clock = ContinuousClock()
          let started = clock.now
          var full: [FullRecord] = []
          var trainer = Trainer(
            configuration: configuration, optimizer: optimizer, penalty: penalty)
          do throws(TrainingError) {
            _ = try trainer.fit(&trained, inputs: inputs, targets: targets) { snapshot in
              full.append(
                FullRecord(
                  step: snapshot.step, seconds: Self.seconds(clock.now - started),
                  loss: snapshot.loss, penalty: snapshot.penalty,
                  gradientNorm: snapshot.gradientNorm))
              return .proceed
            }
          } catch { throw .training(error) }
          run = Experiments.WarmupRun(
            method: method, round: round, warmupSteps: 0, switchReason: nil, warmupSeconds: 0,
            warmup: [], full: full, testAccuracy: nil)
        } else {
          var trainer = CentroidWarmupTrainer(
            configuration: configuration, warmup: warmup, optimizer: optimizer, penalty: penalty)
          let result: CentroidWarmupResult
          do { result = try trainer.fit(&trained, inputs: inputs, targets: targets) } catch {
            throw .analysis(stage: "centroid warm-up (\(label))", message: "\(error)")
          }
          run = Experiments.WarmupRun(
            method: method, round: round, warmupSteps: result.switchStep,
            switchReason: result.switchReason, warmupSeconds: result.warmupSeconds,
            warmup: result.warmup, full: result.full, testAccuracy: nil)
        }
        run.testAccuracy = test?(trained)
        runs.append(run)
        let switchText =
          run.switchReason.map { ", switched after \(run.warmupSteps) steps (\($0.rawValue))" }
          ?? ""
        report(
          "\(label) round \(round) \(method): final L_λ \(SweepValue.format(run.finalObjective))"
            + "\(switchText), \(SweepValue.format(((run.full.last?.seconds ?? 0) * 100).rounded() / 100)) s"
        )
      }
    }
    return runs
  }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
  }
}
