import RankCollapse
import RankCollapseSweep

extension Experiments.WarmupComparison {
  /// Runs every setting: the autoencoder at each σ, then (if enabled) Fashion-MNIST full batch
  /// and with minibatches.
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
    if includesClassifier { settings += try classifier(report: report) }
    return settings
  }

  /// How a run's held-out evaluations are made: every `interval` full-phase steps (and at the
  /// last one), `evaluate` returns the full-data L_λ (or `nil`) and the test accuracy.
  struct Evaluator {
    var interval: Int
    var evaluate: (Network<Float>) -> (objective: Double?, accuracy: Double?)
  }

  /// The autoencoder comparison at one σ.
  func blobs(sigma: Double, report: (String) -> Void) throws(ExperimentError)
    -> Experiments.WarmupSetting
  {
    let sample = try autoencoder.data(sigma: sigma)
    let network = try autoencoder.initialNetwork()
    let configuration = TrainingConfiguration(
      loss: .squaredError, learningRate: autoencoder.schedule,
      maximumSteps: autoencoder.maximumSteps)
    let label = "blobs σ = \(SweepValue.format(sigma))"
    let runs: [Experiments.WarmupRun]
    switch autoencoder.optimizer {
    case .adam:
      runs = try compare(
        label, network, sample.points, .values(sample.points), sample.labels, configuration,
        Adam<Float>(), refreshLayer: autoencoderRefreshLayer, nil, report)
    case .gradientDescent(let momentum):
      runs = try compare(
        label, network, sample.points, .values(sample.points), sample.labels, configuration,
        GradientDescent<Float>(momentum: momentum), refreshLayer: autoencoderRefreshLayer,
        nil, report)
    case .lbfgs:
      throw .invalidParameter(
        name: "optimizer", value: "lbfgs",
        requirement: "gd or adam: the centroid warm-up is compared with first-order rules")
    }
    return setting("blobs", sigma, nil, runs)
  }

  /// The Fashion-MNIST comparisons: full batch, then (if ``minibatchSize`` is set) minibatches.
  func classifier(report: (String) -> Void) throws(ExperimentError)
    -> [Experiments.WarmupSetting]
  {
    let data: Experiments.ClassifierData
    do {
      data = try .mnist(
        folder: dataFolder, trainingSamples: classifierSamples,
        testSamples: classifierTestSamples, pooling: classifierPooling)
    } catch {
      throw .analysis(stage: "loading Fashion-MNIST", cause: UnderlyingError(error))
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
        ParameterError(
          name: "classifier-widths", value: "\(classifierHiddenWidths)", requirement: "\(error)",
          cause: UnderlyingError(error)))
    }
    let penalty = WeightDecay<Float>(lambda: lambda)
    let trainTargets = Targets<Float>.labels(data.trainLabels)
    let testTargets = Targets<Float>.labels(data.testLabels)
    func accuracy(_ trained: Network<Float>) -> Double? {
      try? trained.accuracy(inputs: data.testImages, targets: testTargets)
    }
    var settings: [Experiments.WarmupSetting] = []
    let full = TrainingConfiguration(
      loss: .softmaxCrossEntropy, learningRate: .constant(classifierLearningRate),
      maximumSteps: classifierSteps)
    let fullRuns = try compare(
      "fashion-mnist", network, data.trainImages, trainTargets, data.trainLabels, full,
      Adam<Float>(), refreshLayer: classifierHiddenWidths.count,
      Evaluator(interval: evaluationInterval) { (nil, accuracy($0)) }, report)
    settings.append(setting("fashion-mnist", .nan, nil, fullRuns))
    if let minibatchSize {
      let minibatch = TrainingConfiguration(
        loss: .softmaxCrossEntropy, learningRate: .constant(minibatchLearningRate),
        batchSize: minibatchSize, shuffleSeed: autoencoder.seed, maximumSteps: minibatchSteps)
      let evaluator = Evaluator(interval: minibatchEvaluationInterval) { trained in
        let loss = try? trained.loss(
          inputs: data.trainImages, targets: trainTargets, loss: .softmaxCrossEntropy)
        return (loss.map { $0 + penalty.value(of: trained) }, accuracy(trained))
      }
      let runs = try compare(
        "fashion-mnist batch \(minibatchSize)", network, data.trainImages, trainTargets,
        data.trainLabels, minibatch, Adam<Float>(), refreshLayer: classifierHiddenWidths.count,
        evaluator, report)
      settings.append(setting("fashion-mnist", .nan, minibatchSize, runs))
    }
    return settings
  }

  /// The setting's targets from the first round's plain run.
  func setting(
    _ experiment: String, _ sigma: Double, _ batchSize: Int?, _ runs: [Experiments.WarmupRun]
  ) -> Experiments.WarmupSetting {
    let plain = runs.first { $0.method == .plain }
    let final = batchSize == nil ? plain?.finalObjective : plain?.finalEvaluatedObjective
    let accuracy = plain?.evaluations.last { $0.testAccuracy != nil }?.testAccuracy
    return Experiments.WarmupSetting(
      experiment: experiment, sigma: sigma, batchSize: batchSize, runs: runs,
      target: (final ?? .nan) * (1 + targetSlack),
      accuracyTarget: accuracy.map { $0 - accuracySlack })
  }

  /// ``rounds`` rounds of plain training and every warm-up method at every ρ from `network`;
  /// round 1 runs plain first, round 2 in reverse order, and so on.
  func compare<Rule: Optimizer>(
    _ label: String, _ network: Network<Float>, _ inputs: Matrix<Float>,
    _ targets: Targets<Float>, _ labels: [Int], _ configuration: TrainingConfiguration,
    _ optimizer: Rule, refreshLayer: Int, _ evaluator: Evaluator?, _ report: (String) -> Void
  ) throws(ExperimentError) -> [Experiments.WarmupRun] where Rule.Scalar == Float {
    let penalty = WeightDecay<Float>(lambda: lambda)
    let partition: Partition
    do { partition = try Partition(labels: labels) } catch {
      throw .analysis(stage: "label partition (\(label))", cause: UnderlyingError(error))
    }
    var plan: [(Experiments.WarmupMethod, Double?)] = [(.plain, nil)]
    for rho in residualFractions {
      for method in warmupMethods { plan.append((method, rho)) }
    }
    var runs: [Experiments.WarmupRun] = []
    for round in 1...rounds {
      for (method, rho) in round % 2 == 1 ? plan : plan.reversed() {
        var trained = network
        var evaluations: [Experiments.WarmupEvaluation] = []
        let budget = configuration.maximumSteps ?? 0
        var run: Experiments.WarmupRun
        if let rho {
          var warmup = CentroidWarmupConfiguration(
            partition: .partition(partition), residualFraction: rho,
            checkInterval: checkInterval, sampleSize: sampleSize, maximumSteps: warmupSteps,
            seed: autoencoder.seed)
          if method == .warmupRefresh {
            warmup.refresh = PartitionRefresh(
              layer: refreshLayer, everySteps: refreshEvery, clusters: refreshClusters)
          }
          var trainer = CentroidWarmupTrainer(
            configuration: configuration, warmup: warmup, optimizer: optimizer, penalty: penalty)
          let result: CentroidWarmupResult
          do {
            result = try trainer.fit(&trained, inputs: inputs, targets: targets) { snapshot in
              if let evaluator, snapshot.step % evaluator.interval == 0 || snapshot.step == budget {
                let (objective, accuracy) = evaluator.evaluate(snapshot.network)
                evaluations.append(
                  Experiments.WarmupEvaluation(
                    step: snapshot.step, seconds: .nan, objective: objective,
                    testAccuracy: accuracy))
              }
              return .proceed
            }
          } catch {
            throw .analysis(stage: "centroid warm-up (\(label))", cause: UnderlyingError(error))
          }
          // Each evaluation ran at a full-phase step whose record (written before the observer,
          // observer time excluded) holds its training time; steps then count the warm-up too.
          let times = Dictionary(
            result.full.map { ($0.step, $0.seconds) }, uniquingKeysWith: { a, _ in a })
          evaluations = evaluations.map {
            var e = $0
            e.seconds = times[e.step] ?? .nan
            e.step += result.switchStep
            return e
          }
          run = Experiments.WarmupRun(
            method: method, residualFraction: rho, round: round, warmupSteps: result.switchStep,
            switchReason: result.switchReason, refreshes: result.refreshSteps.count,
            clusters: result.partition.count,
            warmupSeconds: result.warmupSeconds, warmup: result.warmup, full: result.full,
            evaluations: evaluations, testAccuracy: nil)
        } else {
          let clock = ContinuousClock()
          let started = clock.now
          var excluded = 0.0
          var full: [FullRecord] = []
          var trainer = Trainer(
            configuration: configuration, optimizer: optimizer, penalty: penalty)
          do throws(TrainingError) {
            _ = try trainer.fit(&trained, inputs: inputs, targets: targets) { snapshot in
              let now = Self.seconds(clock.now - started) - excluded
              full.append(
                FullRecord(
                  step: snapshot.step, seconds: now, loss: snapshot.loss,
                  penalty: snapshot.penalty, gradientNorm: snapshot.gradientNorm))
              if let evaluator, snapshot.step % evaluator.interval == 0 || snapshot.step == budget {
                let evaluating = clock.now
                let (objective, accuracy) = evaluator.evaluate(snapshot.network)
                evaluations.append(
                  Experiments.WarmupEvaluation(
                    step: snapshot.step, seconds: now, objective: objective,
                    testAccuracy: accuracy))
                excluded += Self.seconds(clock.now - evaluating)
              }
              return .proceed
            }
          } catch { throw .training(error) }
          run = Experiments.WarmupRun(
            method: method, round: round, warmupSteps: 0, switchReason: nil, warmupSeconds: 0,
            warmup: [], full: full, evaluations: evaluations, testAccuracy: nil)
        }
        run.testAccuracy = evaluator.flatMap { $0.evaluate(trained).accuracy }
        runs.append(run)
        report(Self.line(label, run))
      }
    }
    return runs
  }

  /// A progress line for one finished run.
  static func line(_ label: String, _ run: Experiments.WarmupRun) -> String {
    var text = "\(label) round \(run.round) \(run.method.rawValue)"
    if let rho = run.residualFraction { text += " ρ = \(SweepValue.format(rho))" }
    text += ": final L_λ \(SweepValue.format(run.finalEvaluatedObjective ?? run.finalObjective))"
    if let accuracy = run.testAccuracy { text += ", test accuracy \(TextTable.percent(accuracy))" }
    if let reason = run.switchReason {
      text += ", switched after \(run.warmupSteps) steps (\(reason.rawValue))"
      if run.refreshes > 0 { text += ", \(run.refreshes) refreshes" }
    }
    let seconds = run.full.last?.seconds ?? 0
    return text + ", \(TextTable.rounded(seconds)) s"
  }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
  }
}
