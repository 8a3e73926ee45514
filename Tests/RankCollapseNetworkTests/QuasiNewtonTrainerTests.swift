import Foundation
import RankCollapseNetwork
import RankCollapseRegularization
import RankCollapseTensor
import RankCollapseTraining
import Testing
import _RankCollapseTestSupport

@Suite("Quasi-Newton training to stationary points")
struct QuasiNewtonTrainerTests {
  /// A 6-8-4-6 tanh autoencoder on 40 points (clustered), in `Scalar`.
  static func problem<Scalar: MatrixScalar>(_: Scalar.Type, seed: UInt64 = 5) throws
    -> (Network<Scalar>, Matrix<Scalar>)
  {
    var generator = SeededGenerator(seed: seed)
    let network = try Network<Scalar>(
      widths: [6, 8, 4, 6], activation: .tanh, outputActivation: .identity, using: &generator)
    let centres = Matrix<Scalar>.randomNormal(rows: 3, columns: 6, using: &generator)
    var x = Matrix<Scalar>.randomNormal(rows: 40, columns: 6, using: &generator) * Scalar(0.1)
    for i in 0..<40 { for j in 0..<6 { x[i, j] += centres[i % 3, j] } }
    return (network, x)
  }

  static func trainer<Scalar: MatrixScalar>(
    _ configuration: TrainingConfiguration, lambda: Double = 1e-2, history: Int = 8,
    _: Scalar.Type
  ) -> QuasiNewtonTrainer<Scalar, WeightDecay<Scalar>> {
    QuasiNewtonTrainer(
      configuration: configuration, method: LBFGS<Scalar>(historySize: history),
      penalty: WeightDecay<Scalar>(lambda: lambda))
  }

  @Test("Reaches a stationary point: ρ_l ≤ 1e-6 at every layer, in Double, within 2000 iterations")
  func reachesStationarity() throws {
    var (network, x) = try Self.problem(Double.self)
    let start = network
    var trainer = Self.trainer(
      TrainingConfiguration(
        loss: .squaredError, gradientTolerance: 1e-9, stationarityTolerance: 1e-6,
        maximumSteps: 2000),
      Double.self)
    let summary = try trainer.fit(&network, inputs: x, targets: .values(x))
    #expect(summary.reason == .stationarityTolerance)
    #expect(summary.reason.isConverged)
    #expect(summary.gradientNorm <= 1e-9)
    // The summary's ρ agrees with the regularisation module's independent residuals.
    let residuals = try WeightDecay<Double>(lambda: 1e-2).stationarityResiduals(
      of: network, inputs: x, targets: .values(x), loss: .squaredError)
    let independent = residuals.compactMap(\.relative).max() ?? .nan
    #expect(independent <= 1e-6)
    #expect(abs((summary.stationarity ?? .nan) - independent) <= 1e-9)
    // loss and penalty as reported equal the objective recomputed from scratch.
    let (loss, _) = try network.gradients(inputs: x, targets: .values(x), loss: .squaredError)
    let penalty = WeightDecay<Double>(lambda: 1e-2).value(of: network)
    #expect(abs(summary.loss - loss) <= 1e-12 * max(1, loss))
    #expect(abs(summary.penalty - penalty) <= 1e-12 * max(1, penalty))
    #expect(network != start)
    #expect(summary.evaluations >= summary.steps + 1)
  }

  @Test("Same start, same thread count: the same iterates, bit for bit")
  func deterministic() throws {
    func run() throws -> (Network<Float>, TrainingSummary) {
      var (network, x) = try Self.problem(Float.self)
      var trainer = Self.trainer(
        TrainingConfiguration(loss: .squaredError, maximumSteps: 60), Float.self)
      let summary = try trainer.fit(&network, inputs: x, targets: .values(x))
      return (network, summary)
    }
    let (a, first) = try run()
    let (b, second) = try run()
    #expect(a == b)
    #expect(first.evaluations == second.evaluations && first.objective == second.objective)
  }

  @Test("Checkpoint and resume continue exactly the uninterrupted trajectory")
  func exactResume() throws {
    let folder = try temporaryFolder("lbfgs-resume")
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("run.safetensors").path

    var (whole, x) = try Self.problem(Float.self)
    var uninterrupted = Self.trainer(
      TrainingConfiguration(loss: .squaredError, maximumSteps: 50), history: 5, Float.self)
    let full = try uninterrupted.fit(&whole, inputs: x, targets: .values(x))
    #expect(full.steps == 50)

    var (first, _) = try Self.problem(Float.self)
    var halfway = Self.trainer(
      TrainingConfiguration(
        loss: .squaredError, maximumSteps: 20,
        checkpoint: CheckpointPolicy(path: path, everySteps: 7)),
      history: 5, Float.self)
    _ = try halfway.fit(&first, inputs: x, targets: .values(x))
    // A fresh trainer (a new process) resumes from the file.
    var resumed = Self.trainer(
      TrainingConfiguration(loss: .squaredError, maximumSteps: 50), history: 5, Float.self)
    var network = try resumed.resume(fromFile: path)
    #expect(resumed.step == 20 && resumed.method.storedPairs == 5)
    let rest = try resumed.fit(&network, inputs: x, targets: .values(x))
    #expect(network == whole, "the resumed run left the uninterrupted trajectory")
    #expect(rest.evaluations == full.evaluations)
    #expect(rest.objective == full.objective)
  }

  @Test("A checkpoint whose curvature pairs do not fit the network is refused")
  func incompatiblePairs() throws {
    let folder = try temporaryFolder("lbfgs-pairs")
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("run.safetensors").path
    var (network, x) = try Self.problem(Double.self)
    var trainer = Self.trainer(
      TrainingConfiguration(
        loss: .squaredError, maximumSteps: 12,
        checkpoint: CheckpointPolicy(path: path, everySteps: 100)),
      history: 10, Double.self)
    _ = try trainer.fit(&network, inputs: x, targets: .values(x))
    // More pairs than the resuming rule keeps.
    var small = Self.trainer(
      TrainingConfiguration(loss: .squaredError, maximumSteps: 20), history: 3, Double.self)
    #expect(throws: TrainingError.self) { _ = try small.resume(fromFile: path) }
    // A missing pair vector.
    var checkpoint = try Checkpoint<Double>.read(from: path)
    checkpoint.optimizer.tensors["y.0"] = nil
    var other = Self.trainer(
      TrainingConfiguration(loss: .squaredError, maximumSteps: 20), Double.self)
    #expect(throws: TrainingError.self) { _ = try other.resume(from: checkpoint) }
  }

  @Test("Budgets stop the run with their reason; the evaluation budget is never exceeded")
  func budgets() throws {
    for budget in [1, 2, 5, 17, 40] {
      var (network, x) = try Self.problem(Double.self)
      var trainer = Self.trainer(
        TrainingConfiguration(loss: .squaredError, maximumEvaluations: budget), Double.self)
      let summary = try trainer.fit(&network, inputs: x, targets: .values(x))
      #expect(summary.reason == .maximumEvaluations)
      #expect(summary.evaluations <= budget, "\(summary.evaluations) > \(budget)")
    }
    var (network, x) = try Self.problem(Double.self)
    var trainer = Self.trainer(
      TrainingConfiguration(loss: .squaredError, maximumSteps: 9), Double.self)
    let summary = try trainer.fit(&network, inputs: x, targets: .values(x))
    #expect(summary.reason == .maximumSteps && summary.steps == 9)
  }

  @Test("Bad options are typed errors naming the option")
  func badOptions() throws {
    let (network, x) = try Self.problem(Double.self)
    let cases: [(TrainingConfiguration, Int, String)] = [
      (
        TrainingConfiguration(loss: .squaredError, gradientTolerance: .nan, maximumSteps: 5), 4,
        "gradientTolerance"
      ),
      (
        TrainingConfiguration(loss: .squaredError, gradientTolerance: -1, maximumSteps: 5), 4,
        "gradientTolerance"
      ),
      (
        TrainingConfiguration(loss: .squaredError, stationarityTolerance: 0, maximumSteps: 5), 4,
        "stationarityTolerance"
      ),
      (
        TrainingConfiguration(
          loss: .squaredError, stationarityTolerance: .infinity, maximumSteps: 5), 4,
        "stationarityTolerance"
      ),
      (TrainingConfiguration(loss: .squaredError, maximumEvaluations: -1), 4, "maximumEvaluations"),
      (TrainingConfiguration(loss: .squaredError, maximumSteps: -2), 4, "maximumSteps"),
      (TrainingConfiguration(loss: .squaredError, gradientTolerance: 1e-3), 4, "maximumSteps"),
      (TrainingConfiguration(loss: .squaredError, maximumSteps: 5), 0, "historySize"),
      (TrainingConfiguration(loss: .squaredError, batchSize: 10, maximumSteps: 5), 4, "batchSize"),
    ]
    for (configuration, history, name) in cases {
      var copy = network
      var trainer = Self.trainer(configuration, history: history, Double.self)
      do {
        _ = try trainer.fit(&copy, inputs: x, targets: .values(x))
        Issue.record("\(name): no error")
      } catch {
        guard case .invalidConfiguration(let message) = error else {
          Issue.record("\(name): \(error)")
          continue
        }
        #expect(message.contains(name), "\(message) should name \(name)")
      }
      #expect(copy == network, "a refused run must not touch the network")
    }
    // ρ_l is undefined without a penalty: refused rather than never converging.
    var copy = network
    var unpenalised = QuasiNewtonTrainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, stationarityTolerance: 1e-3, maximumSteps: 5),
      method: LBFGS<Double>(), penalty: NoPenalty<Double>())
    #expect(throws: TrainingError.self) {
      _ = try unpenalised.fit(&copy, inputs: x, targets: .values(x))
    }
  }

  @Test("A non-finite starting point is reported as divergence at step 0")
  func nonFiniteStart() throws {
    var (network, x) = try Self.problem(Double.self)
    var weight = network.layers[0].weight
    weight[0, 0] = .nan
    try network.setWeight(weight, layer: 1)
    var trainer = Self.trainer(
      TrainingConfiguration(loss: .squaredError, maximumSteps: 5), Double.self)
    #expect(throws: TrainingError.self) {
      _ = try trainer.fit(&network, inputs: x, targets: .values(x))
    }
  }

  @Test("To the same tolerance L-BFGS needs far fewer evaluations than gradient descent")
  func fasterThanGradientDescent() throws {
    let tolerance = 1e-5
    var (quasiNewton, x) = try Self.problem(Double.self)
    var gd = quasiNewton
    var trainer = Self.trainer(
      TrainingConfiguration(loss: .squaredError, gradientTolerance: tolerance, maximumSteps: 5000),
      Double.self)
    let fast = try trainer.fit(&quasiNewton, inputs: x, targets: .values(x))
    var first = Trainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(0.05), gradientTolerance: tolerance,
        maximumSteps: 20_000),
      optimizer: GradientDescent<Double>(momentum: 0.9), penalty: WeightDecay<Double>(lambda: 1e-2))
    let slow = try first.fit(&gd, inputs: x, targets: .values(x))
    #expect(fast.reason == .gradientTolerance)
    // Gradient descent either needs several times more evaluations or never gets there.
    #expect(!slow.reason.isConverged || slow.evaluations > 3 * fast.evaluations)
    // Ending lower or equal (relative 1e-6) where both converged.
    if slow.reason.isConverged {
      #expect(fast.objective <= slow.objective * (1 + 1e-6))
    }
  }

  @Test("The first-order trainer stops on the stationarity tolerance too")
  func firstOrderStationarity() throws {
    var (network, x) = try Self.problem(Double.self)
    var trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(0.05), stationarityTolerance: 0.05,
        maximumSteps: 50_000),
      optimizer: GradientDescent<Double>(momentum: 0.9), penalty: WeightDecay<Double>(lambda: 1e-2))
    let summary = try trainer.fit(&network, inputs: x, targets: .values(x))
    #expect(summary.reason == .stationarityTolerance)
    let residuals = try WeightDecay<Double>(lambda: 1e-2).stationarityResiduals(
      of: network, inputs: x, targets: .values(x), loss: .squaredError)
    #expect((residuals.compactMap(\.relative).max() ?? .nan) <= 0.05)
    #expect(summary.layerStationarity.count == 3)
  }

  @Test("Network<Double>(Network<Float>) converts every parameter and keeps the architecture")
  func precisionConversion() throws {
    let (network, x) = try Self.problem(Float.self)
    let exact = Network<Double>(network)
    #expect(exact.widths == network.widths)
    for (a, b) in zip(exact.layers, network.layers) {
      #expect(a.activation == b.activation && a.hasBias == b.hasBias)
      #expect(a.weight == Matrix<Double>(b.weight) && a.bias == Matrix<Double>(b.bias))
    }
    // Outputs agree to Float's rounding (1e-5 relative on values of order 1).
    let difference = maxDifference(exact(Matrix<Double>(x)), network(x))
    #expect(difference < 1e-5)
    #expect(Network<Float>(exact) == network)
  }
}
