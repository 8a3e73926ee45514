// Time to a stationary point: wall time and objective evaluations until ‖∇L_λ‖ ≤ tol for the
// Gaussian-blob autoencoder of Figure 1 (`BlobsAutoencoderExperiment`), from the experiment's own
// data and initial parameters, with gradient descent (momentum 0.9, cosine-decaying η, the
// paper's method and the former default), Adam and L-BFGS (history 10, strong Wolfe, a `Double`
// polish phase when `Float` cannot resolve the tolerance, as `OptimizerChoice.lbfgs` does), the
// latter optionally after a warm start of `--warmup-steps` Adam steps (issue 13's hybrid schedule).
// `compare_convergence.py` runs it beside PyTorch's and JAX's L-BFGS.
//
//   swift run -c release ConvergenceTimings --scale small --lambda 1e-2 --method lbfgs
//   swift run -c release ConvergenceTimings --scale small --lambda 1e-2 --export start.npz
//   swift run -c release ConvergenceTimings --scale small --lambda 1e-2 --mallocs
//   swift run -c release ConvergenceTimings --scale paper --floor
//
// One run prints one line of JSON: why it stopped, whether it reached the tolerance, the seconds
// and evaluations it took, the final L_λ and ‖∇L_λ‖, and a trace of (seconds, L_λ) for
// equal-time comparisons. `--mallocs` instead counts the allocations of steady-state iterations
// (through the malloc interposer linked into this executable), and `--floor` times one objective
// evaluation against its matrix products alone.

import ArgumentParser
import MallocInterposerSwift
import RankCollapse
import RankCollapseExperiments
import TimingSupport

enum ConvergenceMethod: String, CaseIterable, ExpressibleByArgument {
  case lbfgs
  case gd
  case adam
}

enum ExperimentScale: String, CaseIterable, ExpressibleByArgument {
  /// 64-48-32-48-64, N = 1000 (the demo's and `BlobsAutoencoderExperiment.small`'s setting).
  case small
  /// 784-400-300-400-784, N = 10000 (Figure 1 at the paper's size).
  case paper

  var experiment: BlobsAutoencoderExperiment {
    self == .small ? .small : .paper
  }
}

/// Samples of (seconds, L_λ, ‖∇L_λ‖) taken by a training observer, and the wall-time cap.
final class Trace {
  let start = Timing.monotonicSeconds()
  let limit: Double
  var seconds: [Double] = []
  var objectives: [Double] = []
  var gradientNorms: [Double] = []
  /// Time already spent in an earlier phase (the `Float` phase before a `Double` polish).
  var offset = 0.0

  init(limit: Double) {
    self.limit = limit
    seconds.reserveCapacity(4096)
    objectives.reserveCapacity(4096)
    gradientNorms.reserveCapacity(4096)
  }

  var elapsed: Double { Timing.monotonicSeconds() - start }

  func observe<S: MatrixScalar>(_ snapshot: TrainingSnapshot<S>) -> ObserverDecision {
    let now = elapsed
    seconds.append(now)
    objectives.append(snapshot.objective)
    gradientNorms.append(snapshot.gradientNorm)
    return now >= limit ? .stop : .proceed
  }
}

@main
struct ConvergenceTimings: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Time training to ‖∇L_λ‖ ≤ tol and print JSON.")

  @Option(help: "small (64-48-32-48-64, N = 1000) or paper (784-400-300-400-784, N = 10000).")
  var scale: ExperimentScale = .small

  @Option(help: "σ of the blobs.")
  var sigma: Double = 0.1

  @Option(help: "λ of the penalty λ‖Θ‖² (weights and biases).")
  var lambda: Double = 1e-2

  @Option(help: "Converged when ‖∇L_λ‖ ≤ this.")
  var tolerance: Double = 1e-3

  @Option(help: "lbfgs, gd (momentum 0.9, cosine η) or adam.")
  var method: ConvergenceMethod = .lbfgs

  @Option(help: "η_0 of gd and adam (default: the experiment's, 0.05 small, 0.004 paper).")
  var learningRate: Double?

  @Option(help: "Iteration budget, and the length of the cosine schedule (default: 20000).")
  var maxSteps: Int?

  @Option(help: "Stop after this many seconds of training (checked by the observer).")
  var maxSeconds: Double = 600

  @Option(help: "Observer (trace and time cap) every this many iterations.")
  var observerInterval: Int = 10

  @Option(help: "L-BFGS history m.")
  var history: Int = 10

  @Option(help: "L-BFGS initial scaling: scalar or blockwise (one scale per layer).")
  var scaling: String = "scalar"

  var lbfgsScaling: LBFGS<Float>.Scaling { LBFGS<Float>.Scaling(rawValue: scaling) ?? .scalar }

  var doubleScaling: LBFGS<Double>.Scaling { LBFGS<Double>.Scaling(rawValue: scaling) ?? .scalar }

  func validate() throws {
    guard LBFGS<Float>.Scaling(rawValue: scaling) != nil else {
      throw ValidationError("--scaling must be scalar or blockwise, got '\(scaling)'")
    }
    guard warmupSteps >= 0 else {
      throw ValidationError("--warmup-steps must be 0 or more, got \(warmupSteps)")
    }
    guard warmupRate.isFinite && warmupRate > 0 else {
      throw ValidationError("--warmup-rate must be a finite number above 0, got \(warmupRate)")
    }
    guard !(floor && mallocs) else {
      throw ValidationError("--floor and --mallocs are two different measurements: pick one")
    }
    guard warmupSteps == 0 || method == .lbfgs else {
      throw ValidationError("--warmup-steps is a warm start for --method lbfgs")
    }
  }

  @Option(help: "L-BFGS: first this many Adam steps (a warm start); --max-steps counts both.")
  var warmupSteps: Int = 0

  @Option(help: "η of the Adam warm start (constant).")
  var warmupRate: Double = 1e-3

  @Flag(help: "L-BFGS: no Double polish phase after a Float precision limit.")
  var noPolish = false

  @Option(help: "Write the data (x) and initial parameters (w1, b1, …) to this .npz and exit.")
  var export: String?

  @Option(help: "Write the final parameters (w1, b1, …) to this .npz.")
  var saveFinal: String?

  @Flag(help: "Count allocations per steady-state iteration instead of timing.")
  var mallocs = false

  @Flag(
    help: """
      Time one evaluation of L_λ and its gradient against its matrix products alone, in \
      interleaved rounds, instead of training.
      """)
  var floor = false

  @OptionGroup var threadOptions: ThreadOptions

  func run() throws {
    threadOptions.apply()
    let experiment = scale.experiment
    let x = try experiment.data(sigma: sigma).points
    let network = try experiment.initialNetwork()
    if let export {
      try write(network, data: x, to: export)
      return
    }
    if mallocs {
      try countAllocations(network: network, x: x)
      return
    }
    if floor {
      try timeFloor(network: network, x: x)
      return
    }
    try train(network, x: x, experiment: experiment)
  }

  /// Writes `x` (when given) and the parameters `w1, b1, …, wL, bL` (W_l as d_l × d_{l−1}, b_l as
  /// a vector) to a `.npz`.
  func write(_ network: Network<Float>, data x: Matrix<Float>?, to path: String) throws {
    var arrays: [(name: String, array: NumPyArray)] = []
    if let x { arrays.append(("x", NumPyArray(x))) }
    for (l, layer) in network.layers.enumerated() {
      arrays.append(("w\(l + 1)", NumPyArray(layer.weight)))
      arrays.append(("b\(l + 1)", NumPyArray(vector: layer.bias.elements)))
    }
    try NumPy.writeArchive(NumPyArchive(arrays), to: path)
  }

  func configuration(_ experiment: BlobsAutoencoderExperiment) -> TrainingConfiguration {
    let steps = maxSteps ?? experiment.maximumSteps
    let rate = learningRate ?? experiment.learningRate
    return TrainingConfiguration(
      loss: .squaredError,
      learningRate: .cosine(initial: rate, minimum: rate / 100, steps: steps),
      gradientTolerance: tolerance, maximumSteps: steps, observerInterval: observerInterval)
  }

  func train(
    _ start: Network<Float>, x: Matrix<Float>, experiment: BlobsAutoencoderExperiment
  ) throws {
    let configuration = configuration(experiment)
    let penalty = WeightDecay<Float>(lambda: lambda)
    var network = start
    let trace = Trace(limit: maxSeconds)
    var summary: TrainingSummary
    var polishIterations = 0
    switch method {
    case .gd:
      var trainer = Trainer(
        configuration: configuration, optimizer: GradientDescent<Float>(momentum: 0.9),
        penalty: penalty)
      summary = try trainer.fit(
        &network, inputs: x, targets: .values(x), observer: { trace.observe($0) })
    case .adam:
      var trainer = Trainer(
        configuration: configuration, optimizer: Adam<Float>(), penalty: penalty)
      summary = try trainer.fit(
        &network, inputs: x, targets: .values(x), observer: { trace.observe($0) })
    case .lbfgs:
      let warmup = try warmStart(&network, x: x, configuration: configuration, trace: trace)
      if let warmup, warmup.reason != .maximumSteps {
        summary = warmup  // converged or out of time during the warm start
        break
      }
      // `--max-steps` bounds both phases together.
      var configuration = configuration
      if let warmup {
        configuration.maximumSteps = configuration.maximumSteps.map { max($0 - warmup.steps, 0) }
      }
      var trainer = QuasiNewtonTrainer(
        configuration: configuration,
        method: LBFGS<Float>(historySize: history, scaling: lbfgsScaling),
        penalty: penalty)
      summary = try trainer.fit(
        &network, inputs: x, targets: .values(x), observer: { trace.observe($0) })
      let stalled = summary.reason == .precisionLimit || summary.reason == .lineSearchFailed
      if stalled && !noPolish && trace.elapsed < maxSeconds {
        // The polish phase of `OptimizerChoice.lbfgs`: continue in Double from the Float point.
        var polish = configuration
        polish.maximumSteps = configuration.maximumSteps.map { max($0 - summary.steps, 0) }
        var exact = Network<Double>(network)
        let exactX = Matrix<Double>(x)
        var doubleTrainer = QuasiNewtonTrainer(
          configuration: polish,
          method: LBFGS<Double>(historySize: history, scaling: doubleScaling),
          penalty: WeightDecay<Double>(lambda: lambda))
        let second = try doubleTrainer.fit(
          &exact, inputs: exactX, targets: .values(exactX), observer: { trace.observe($0) })
        network = Network<Float>(exact)
        polishIterations = second.steps
        summary = TrainingSummary(
          reason: second.reason, steps: summary.steps + second.steps,
          epochs: summary.epochs + second.epochs, loss: second.loss, penalty: second.penalty,
          gradientNorm: second.gradientNorm, seconds: summary.seconds + second.seconds,
          evaluations: summary.evaluations + second.evaluations,
          stationarity: second.stationarity, layerStationarity: second.layerStationarity)
      }
      if let warmup {
        summary.steps += warmup.steps
        summary.evaluations += warmup.evaluations
      }
    }
    let seconds = trace.elapsed
    if let saveFinal { try write(network, data: nil, to: saveFinal) }
    let reached = summary.reason == .gradientTolerance
    print(
      """
      {"impl": "rankcollapse-\(method.rawValue)", "threads": \(BLAS.threadCount), \
      "reached": \(reached), "reason": "\(summary.reason)", "seconds": \(seconds), \
      "evaluations": \(summary.evaluations), "iterations": \(summary.steps), \
      "polish_iterations": \(polishIterations), "warmup_steps": \(warmupSteps), "objective": \(summary.objective), \
      "gradient_norm": \(summary.gradientNorm), \
      "trace_seconds": \(Timing.jsonArray(trace.seconds)), \
      "trace_objective": \(Timing.jsonArray(trace.objectives))}
      """)
  }

  /// The optional first phase of `--method lbfgs`: `--warmup-steps` Adam steps at the constant
  /// η `--warmup-rate`, counted in the same trace; `nil` without a warm start.
  func warmStart(
    _ network: inout Network<Float>, x: Matrix<Float>, configuration: TrainingConfiguration,
    trace: Trace
  ) throws -> TrainingSummary? {
    guard warmupSteps > 0 else { return nil }
    var first = configuration
    first.learningRate = .constant(warmupRate)
    first.maximumSteps = warmupSteps
    var adam = Trainer(
      configuration: first, optimizer: Adam<Float>(), penalty: WeightDecay<Float>(lambda: lambda))
    return try adam.fit(&network, inputs: x, targets: .values(x), observer: { trace.observe($0) })
  }

  /// Times one objective evaluation against its matrix products alone.
  ///
  /// The evaluation is a forward pass, the loss, a backward pass and the penalty: what every
  /// L-BFGS trial point costs. Its products are L forward products Z^l = Z^{l−1} W_lᵀ, L weight
  /// gradients D^lᵀ Z^{l−1} and L − 1 products D^l W_l, timed on buffers of the same shapes in
  /// interleaved rounds. An evaluation that runs these products through this BLAS cannot take
  /// less than the second time, so the ratio bounds what any rewrite of the rest of an evaluation
  /// (activations, loss, penalty, bookkeeping) could still gain.
  func timeFloor(network: Network<Float>, x: Matrix<Float>) throws {
    var objective = try NetworkObjective(
      network: network, inputs: x, targets: .values(x), loss: .squaredError,
      penalty: WeightDecay<Float>(lambda: lambda))
    var point = [Float](repeating: 0, count: objective.dimension)
    var gradient = point
    point.withUnsafeMutableBufferPointer {
      NetworkObjective<Float, WeightDecay<Float>>.pack(network, into: $0)
    }
    let weights = network.layers.map(\.weight)
    var outputs = network.layers.map { Matrix<Float>.zeros(rows: x.rows, columns: $0.outputSize) }
    var deltas = network.layers.map { Matrix<Float>.zeros(rows: x.rows, columns: $0.outputSize) }
    var weightGradients = weights.map { Matrix<Float>.zeros(rows: $0.rows, columns: $0.columns) }
    // Fewer rounds at the paper's size, where one evaluation takes about half a second.
    let reps = scale == .small ? 300 : 7
    let run = Timing.interleaved(variants: 2, warmup: 2, reps: reps) { variant in
      if variant == 0 {
        return point.withUnsafeBufferPointer { p in
          gradient.withUnsafeMutableBufferPointer {
            objective.valueAndGradient(at: p, gradient: $0)
          }
        }
      }
      for l in weights.indices {
        outputs[l].gemm(l == 0 ? x : outputs[l - 1], weights[l], transposeB: true)
      }
      for l in weights.indices.reversed() {
        weightGradients[l].gemm(deltas[l], l == 0 ? x : outputs[l - 1], transposeA: true)
        if l > 0 { deltas[l - 1].gemm(deltas[l], weights[l]) }
      }
      return Double(outputs[weights.count - 1][0, 0] + weightGradients[0][0, 0])
    }
    let evaluation = Timing.median(run.seconds[0])
    let products = Timing.median(run.seconds[1])
    print(
      """
      {"scale": "\(scale.rawValue)", "threads": \(BLAS.threadCount), "rounds": \(reps), \
      "evaluation_seconds": \(evaluation), "products_seconds": \(products), \
      "evaluation_over_products": \(evaluation / products), "checksum": \(run.checksum)}
      """)
  }

  /// Allocations per steady-state iteration: of `LBFGS.iterate` on a `NetworkObjective`, and of
  /// each trainer's `fit` (the difference between a long and a short run from the same start,
  /// divided by the extra iterations, so that the buffers `fit` allocates once cancel out).
  func countAllocations(network start: Network<Float>, x: Matrix<Float>) throws {
    MallocInterposerSwift.initialize()
    func count(_ body: () throws -> Void) rethrows -> Int {
      MallocInterposerSwift.reset()
      MallocInterposerSwift.hook()
      try body()
      MallocInterposerSwift.unhook()
      return MallocInterposerSwift.getStatistics().mallocCount
    }
    let penalty = WeightDecay<Float>(lambda: lambda)
    // Fewer at the paper's size, where one evaluation takes seconds.
    let (short, long) = scale == .small ? (5, 25) : (2, 6)

    // LBFGS.iterate alone, after `short` warm-up iterations.
    var objective = try NetworkObjective(
      network: start, inputs: x, targets: .values(x), loss: .squaredError, penalty: penalty)
    var method = LBFGS<Float>(historySize: history, scaling: lbfgsScaling)
    var point = [Float](repeating: 0, count: objective.dimension)
    var gradient = point
    point.withUnsafeMutableBufferPointer {
      NetworkObjective<Float, WeightDecay<Float>>.pack(start, into: $0)
    }
    var value = point.withUnsafeBufferPointer { p in
      gradient.withUnsafeMutableBufferPointer { objective.valueAndGradient(at: p, gradient: $0) }
    }
    for _ in 0..<short {
      _ = method.iterate(&objective, point: &point, value: &value, gradient: &gradient)
    }
    var evaluations = 0
    let iterateCount = count {
      for _ in short..<long {
        evaluations +=
          method.iterate(&objective, point: &point, value: &value, gradient: &gradient)
          .evaluations
      }
    }
    let evaluationCount = count {
      for _ in short..<long {
        _ = point.withUnsafeBufferPointer { p in
          gradient.withUnsafeMutableBufferPointer {
            objective.valueAndGradient(at: p, gradient: $0)
          }
        }
      }
    }

    func perIteration(_ fit: (Int) throws -> Void) throws -> Double {
      try fit(1)  // first-call work (lazy initialisation) outside the counts
      let few = try count { try fit(short) }
      let many = try count { try fit(long) }
      return Double(many - few) / Double(long - short)
    }
    func configuration(_ steps: Int) -> TrainingConfiguration {
      TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(1e-3), maximumSteps: steps)
    }
    let lbfgsFit = try perIteration { steps in
      var network = start
      var trainer = QuasiNewtonTrainer(
        configuration: configuration(steps),
        method: LBFGS<Float>(historySize: history, scaling: lbfgsScaling),
        penalty: penalty)
      _ = try trainer.fit(&network, inputs: x, targets: .values(x))
    }
    let gdFit = try perIteration { steps in
      var network = start
      var trainer = Trainer(
        configuration: configuration(steps), optimizer: GradientDescent<Float>(momentum: 0.9),
        penalty: penalty)
      _ = try trainer.fit(&network, inputs: x, targets: .values(x))
    }
    let adamFit = try perIteration { steps in
      var network = start
      var trainer = Trainer(
        configuration: configuration(steps), optimizer: Adam<Float>(), penalty: penalty)
      _ = try trainer.fit(&network, inputs: x, targets: .values(x))
    }
    let iterations = Double(long - short)
    print(
      """
      {"threads": \(BLAS.threadCount), "iterations": \(long - short), \
      "lbfgs_iterate_mallocs_per_iteration": \(Double(iterateCount) / iterations), \
      "lbfgs_iterate_evaluations_per_iteration": \(Double(evaluations) / iterations), \
      "objective_evaluation_mallocs": \(Double(evaluationCount) / iterations), \
      "lbfgs_fit_mallocs_per_iteration": \(lbfgsFit), \
      "gd_fit_mallocs_per_step": \(gdFit), "adam_fit_mallocs_per_step": \(adamFit)}
      """)
  }
}
