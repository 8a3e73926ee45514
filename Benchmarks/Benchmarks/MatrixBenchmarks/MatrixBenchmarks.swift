// Benchmarks of `Matrix` at the sizes of the paper's networks (784-400-300-400-784 on N = 10000
// samples), run from outside the library, so the generic code is specialised exactly as much as a
// consumer's code would be.
//
//   cd Benchmarks && swift package --disable-sandbox benchmark
//
// Every BLAS-bound benchmark exists twice, for 1 and 2 threads (`BLAS.threadCount` is set
// in its setup closure). The element-wise benchmarks count allocations: `map` must allocate its
// result once, `apply` nothing.

import Benchmark
import RankCollapse

/// The paper's autoencoder sizes: N samples of dimension 784, first hidden width 400.
private enum Shape {
  static let samples = 10_000
  static let input = 784
  static let hidden = 400
}

/// Operands of one matrix product, and an output that is reused by the in-place variant.
///
/// A class, so the output's storage stays uniquely referenced across iterations and `gemm` writes
/// into it without copying.
private final class GEMMWorkspace<Scalar: MatrixScalar> {
  let a: Matrix<Scalar>
  let b: Matrix<Scalar>
  var c: Matrix<Scalar>

  init(seed: UInt64) {
    var generator = SeededGenerator(seed: seed)
    a = .randomNormal(rows: Shape.samples, columns: Shape.input, using: &generator)
    b = .randomNormal(rows: Shape.input, columns: Shape.hidden, using: &generator)
    c = .zeros(rows: Shape.samples, columns: Shape.hidden)
  }
}

/// One matrix mutated in place by the `apply` benchmark; a class for the same reason as above.
private final class ElementwiseWorkspace {
  var matrix: Matrix<Float>

  init(seed: UInt64) {
    var generator = SeededGenerator(seed: seed)
    matrix = .randomNormal(rows: Shape.samples, columns: Shape.hidden, using: &generator)
  }
}

/// A training problem for the step benchmarks: the paper's autoencoder 784-400-300-400-784
/// (tanh) on N samples, with every buffer a steady-state step reuses.
private final class TrainingWorkspace {
  var network: Network<Float>
  var spare: Network<Float>
  var workspace: Network<Float>.Workspace
  var gradients: Gradients<Float>
  var optimizer = GradientDescent<Float>()
  let penalty = WeightDecay<Float>(lambda: 1e-3)
  let x: Matrix<Float>
  let steps: Int

  init(samples: Int, steps: Int) {
    var generator = SeededGenerator(seed: 5)
    x = .randomNormal(rows: samples, columns: Shape.input, using: &generator)
    guard
      let network = try? Network<Float>(
        widths: [Shape.input, Shape.hidden, 300, Shape.hidden, Shape.input], activation: .tanh,
        using: &generator)
    else { fatalError("the benchmark's widths are valid") }
    self.network = network
    spare = network
    // Own storage for the spare network's parameters (a copy, not shared with `network`).
    for l in spare.layers.indices {
      try? spare.setWeight(spare.layers[l].weight * 1, layer: l + 1)
      try? spare.setBias(spare.layers[l].bias * 1, layer: l + 1)
    }
    workspace = Network<Float>.Workspace(for: network, batchSize: samples)
    gradients = Gradients(zeroingParametersOf: network)
    self.steps = steps
  }

  /// One step as `Trainer.fit` takes it: loss and gradients, penalty, norm, update, swap.
  func step() throws {
    let loss = try network.gradients(
      inputs: x, targets: .values(x), loss: .squaredError, workspace: &workspace,
      into: &gradients)
    let penaltyValue = penalty.valueAddingGradient(of: network, to: &gradients)
    blackHole(loss + penaltyValue + gradients.squaredNorm())
    optimizer.step(
      from: network, to: &spare, gradients: gradients, learningRate: 1e-3,
      decoupledRates: Array(repeating: (0, 0), count: network.depth))
    swap(&network, &spare)
  }

  /// `Trainer.fit` for `steps` updates, from a fresh trainer.
  func fit() throws {
    var trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(1e-3), maximumSteps: steps),
      optimizer: GradientDescent<Float>(), penalty: penalty)
    blackHole(try trainer.fit(&network, inputs: x, targets: .values(x)))
  }
}

extension TrainingWorkspace {
  /// `steps` L-BFGS iterations with `QuasiNewtonTrainer`, the concrete types spelled out.
  func quasiNewton() throws {
    var trainer = QuasiNewtonTrainer(
      configuration: TrainingConfiguration(loss: .squaredError, maximumSteps: steps),
      method: LBFGS<Float>(historySize: 10), penalty: penalty)
    blackHole(try trainer.fit(&network, inputs: x, targets: .values(x)))
  }

  /// The same iterations through `Network.train(optimizer:)`, the rule chosen at run time.
  ///
  /// The examples and the `rankcollapse` tool train this way. The time must match
  /// ``quasiNewton()``'s: the dispatch is `@inlinable`, so a caller specialises it for its scalar
  /// and penalty (before it was, this path ran generic code, 6–22 times slower).
  func trainByChoice() throws {
    blackHole(
      try network.train(
        inputs: x, targets: .values(x), optimizer: .lbfgs, penalty: penalty,
        configuration: TrainingConfiguration(loss: .squaredError, maximumSteps: steps)))
  }
}

/// A Float64 matrix with standard normal elements.
private func gaussian(rows: Int, columns: Int, seed: UInt64) -> Matrix<Double> {
  var generator = SeededGenerator(seed: seed)
  return .randomNormal(rows: rows, columns: columns, using: &generator)
}

/// Registers a benchmark that runs `body` on `state`, built once in the setup closure, with
/// `threads` BLAS threads (also set there, before the warm-up iterations).
private func blasBenchmark<State>(
  _ title: String, threads: Int, state makeState: @autoclosure @escaping () -> State,
  _ body: @escaping (State) throws -> Void
) {
  Benchmark("\(title) (\(threads) thread\(threads == 1 ? "" : "s"))") {
    (_: Benchmark, state: State) throws in
    try body(state)
  } setup: {
    BLAS.threadCount = threads
    return makeState()
  }
}

let benchmarks: @Sendable () -> Void = {
  // No operating-system metrics (such as `.cpuTotal`): reading them allocates inside the measured
  // window and would add a constant to every malloc count.
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal],
    timeUnits: .milliseconds,
    warmupIterations: 2,
    maxDuration: .seconds(4),
    maxIterations: 40
  )

  for threads in [1, 2] {
    // GEMM 10000×784 · 784×400: the first layer's forward pass over the whole data set.
    blasBenchmark(
      "matmul Float32 10000x784 * 784x400", threads: threads, state: GEMMWorkspace<Float>(seed: 1)
    ) { work in
      blackHole(work.a.matmul(work.b))
    }

    blasBenchmark(
      "gemm in place Float32 10000x784 * 784x400", threads: threads,
      state: GEMMWorkspace<Float>(seed: 1)
    ) { work in
      work.c.gemm(work.a, work.b)
      blackHole(work.c[0, 0])
    }

    blasBenchmark(
      "matmul Float64 10000x784 * 784x400", threads: threads, state: GEMMWorkspace<Double>(seed: 1)
    ) { work in
      blackHole(work.a.matmul(work.b))
    }

    // The Gram matrix XᵀX of a 10000×784 data set: `?syrk` (one triangle, mirrored), and the
    // general product it replaces.
    blasBenchmark(
      "gram Float64 10000x784 (XtX)", threads: threads,
      state: gaussian(rows: Shape.samples, columns: Shape.input, seed: 4)
    ) { x in
      blackHole(x.gram(transposeSelf: true))
    }

    blasBenchmark(
      "matmul Float64 10000x784 XtX", threads: threads,
      state: gaussian(rows: Shape.samples, columns: Shape.input, seed: 4)
    ) { x in
      blackHole(x.matmul(x, transposeSelf: true))
    }

    // Spectra of the paper's weight matrices (W_1 is 400×784) and of a square 784×784 one.
    blasBenchmark(
      "singularValues Float64 400x784", threads: threads,
      state: gaussian(rows: Shape.hidden, columns: Shape.input, seed: 2)
    ) { matrix in
      blackHole(try matrix.singularValues())
    }

    blasBenchmark(
      "singularValues Float64 784x784", threads: threads,
      state: gaussian(rows: Shape.input, columns: Shape.input, seed: 3)
    ) { matrix in
      blackHole(try matrix.singularValues())
    }

    // A steady-state training step reuses every buffer: its malloc count is what the step
    // itself allocates (the `decoupledRates` array, and at 2 threads Dispatch's bookkeeping for
    // the concurrent blocks).
    blasBenchmark(
      "training step autoencoder Float32 N=2000", threads: threads,
      state: TrainingWorkspace(samples: 2000, steps: 0)
    ) { work in
      try work.step()
    }

    // `Trainer.fit` allocates its buffers once per call: the difference between the malloc counts
    // of these two, divided by 10, is what one step of `fit` allocates.
    for steps in [1, 11] {
      blasBenchmark(
        "Trainer.fit \(steps) steps autoencoder Float32 N=2000", threads: threads,
        state: TrainingWorkspace(samples: 2000, steps: steps)
      ) { work in
        try work.fit()
      }
    }

    // The same ten L-BFGS iterations, once with the trainer's concrete types and once through
    // the run-time choice of rule the examples use: equal times mean the choice is specialised.
    blasBenchmark(
      "QuasiNewtonTrainer.fit 10 iterations autoencoder Float32 N=2000", threads: threads,
      state: TrainingWorkspace(samples: 2000, steps: 10)
    ) { work in
      try work.quasiNewton()
    }
    blasBenchmark(
      "Network.train(optimizer: .lbfgs) 10 iterations autoencoder Float32 N=2000",
      threads: threads, state: TrainingWorkspace(samples: 2000, steps: 10)
    ) { work in
      try work.trainByChoice()
    }

    blasBenchmark(
      "thin SVD Float64 400x784", threads: threads,
      state: gaussian(rows: Shape.hidden, columns: Shape.input, seed: 2)
    ) { matrix in
      blackHole(try matrix.singularValueDecomposition())
    }
  }

  // The worker pool (`Parallel.run`) is package-internal now; its cost and allocations show in
  // the optimizer-step and inference benchmarks, which split their work over it.

  // Element-wise tanh over a 10000×400 activation: no BLAS, so one thread count. The malloc
  // counts are the point: 1 per iteration for `map` (its result), 0 for `apply`. Repeated in
  // place, `apply` shrinks the values towards 0 (as `np.tanh(x, out=x)` does in
  // compare_numpy.py), so its time is not comparable with that of `map`.
  Benchmark("tanh map Float32 10000x400") { (_: Benchmark, work: ElementwiseWorkspace) in
    blackHole(work.matrix.map { .tanh($0) })
  } setup: {
    ElementwiseWorkspace(seed: 4)
  }

  Benchmark("tanh apply Float32 10000x400") { (_: Benchmark, work: ElementwiseWorkspace) in
    work.matrix.apply { .tanh($0) }
    blackHole(work.matrix[0, 0])
  } setup: {
    ElementwiseWorkspace(seed: 4)
  }
}
