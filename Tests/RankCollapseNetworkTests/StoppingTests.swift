import RankCollapseNetwork
import RankCollapseRegularization
import RankCollapseTensor
import Testing

@Suite("Stopping criteria and observers")
struct StoppingTests {
  static func problem() throws -> (Network<Double>, Matrix<Double>, Matrix<Double>) {
    let (network, x, y) = try regressionProblem(widths: [3, 5, 2], rows: 25, seed: 31)
    return (network, x, y)
  }

  static func fit(
    _ configuration: TrainingConfiguration,
    observer: ((TrainingSnapshot<Double>) -> ObserverDecision)? = nil
  ) throws -> (TrainingSummary, Network<Double>) {
    var (network, x, y) = try problem()
    var trainer = Trainer(
      configuration: configuration, optimizer: GradientDescent<Double>(),
      penalty: WeightDecay<Double>(lambda: 1e-2))
    let summary = try trainer.fit(&network, inputs: x, targets: .values(y), observer: observer)
    return (summary, network)
  }

  @Test("The observer sees every n-th step in order and can stop training")
  func observer() throws {
    var seen: [Int] = []
    var norms: [Double] = []
    let configuration = TrainingConfiguration(
      loss: .squaredError, learningRate: .constant(0.05), maximumSteps: 100, observerInterval: 7)
    let (summary, _) = try Self.fit(configuration) { snapshot in
      seen.append(snapshot.step)
      norms.append(snapshot.gradientNorm)
      #expect(abs(snapshot.objective - snapshot.loss - snapshot.penalty) < 1e-15)
      return snapshot.step >= 21 ? .stop : .proceed
    }
    #expect(seen == [0, 7, 14, 21])
    #expect(summary.reason == .observer)
    #expect(summary.steps == 21)
    #expect(norms.allSatisfy { $0 > 0 && $0.isFinite })
  }

  @Test("Each criterion stops training and is reported as the reason")
  func criteria() throws {
    let base = TrainingConfiguration(
      loss: .squaredError, learningRate: .constant(0.05), maximumSteps: 50_000)

    var budget = base
    budget.maximumSteps = 12
    let (steps, _) = try Self.fit(budget)
    #expect(steps.reason == .maximumSteps && steps.steps == 12)

    var epochs = base
    epochs.maximumEpochs = 3
    epochs.batchSize = 10
    let (epochSummary, _) = try Self.fit(epochs)
    // 25 samples in batches of 10: three updates per epoch.
    #expect(epochSummary.reason == .maximumEpochs && epochSummary.epochs == 3)
    #expect(epochSummary.steps == 9)

    var gradient = base
    gradient.gradientTolerance = 1e-3
    let (gradientSummary, _) = try Self.fit(gradient)
    #expect(gradientSummary.reason == .gradientTolerance)
    #expect(gradientSummary.gradientNorm <= 1e-3)
    #expect(gradientSummary.steps > 10)

    var relative = base
    relative.relativeChangeTolerance = 1e-6
    let (relativeSummary, _) = try Self.fit(relative)
    #expect(relativeSummary.reason == .relativeChangeTolerance)
    #expect(relativeSummary.steps < 50_000)
  }

  @Test("The reported gradient norm is ‖∇L_λ‖ at the returned parameters")
  func reportedNorm() throws {
    var configuration = TrainingConfiguration(
      loss: .squaredError, learningRate: .constant(0.05), maximumSteps: 30)
    configuration.progress = .silent
    let (summary, network) = try Self.fit(configuration)
    let (_, x, y) = try Self.problem()
    var (loss, gradients) = try network.gradients(
      inputs: x, targets: .values(y), loss: .squaredError)
    let penalty = WeightDecay<Double>(lambda: 1e-2)
    let value = penalty.valueAddingGradient(of: network, to: &gradients)
    #expect(abs(summary.loss - loss) < 1e-12)
    #expect(abs(summary.penalty - value) < 1e-12)
    #expect(abs(summary.gradientNorm - gradients.squaredNorm().squareRoot()) < 1e-12)
    loss = 0
  }
}
