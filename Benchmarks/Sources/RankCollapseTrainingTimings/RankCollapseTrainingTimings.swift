// Times training steps of RankCollapse networks and prints JSON, for `compare_training.py` to set
// beside NumPy, PyTorch and JAX.
//
//   swift run -c release RankCollapseTrainingTimings --op ae-step-f32 --steps 10
//
// Operations:
// - ae-step-f32 / ae-step-f64: one full-batch gradient-descent step with weight decay of the
//   Figure 1 autoencoder 784-400-300-400-784 (tanh hidden layers, linear output, squared loss),
//   N = 10000, timed through `Trainer.fit` with an observer that stamps every step.
// - ae-gemms-f32 / ae-gemms-f64: only the matrix products such a step performs (4 forward, 4
//   weight gradients, 3 backpropagated gradients), through `Matrix.gemm` into reused buffers: the
//   BLAS limit of the step.
// - mlp-sgd-f32: one minibatch SGD step (batch 128, cross-entropy, integer labels) of the
//   784-500-500-500-10 tanh classifier on N = 10000 samples.

import ArgumentParser
import RankCollapse
import TimingSupport

enum TrainingOperation: String, CaseIterable, ExpressibleByArgument {
  case autoencoderStepF32 = "ae-step-f32"
  case autoencoderStepF64 = "ae-step-f64"
  case autoencoderGEMMsF32 = "ae-gemms-f32"
  case autoencoderGEMMsF64 = "ae-gemms-f64"
  case classifierSGDF32 = "mlp-sgd-f32"
  case autoencoderGEMMShapesF32 = "ae-gemm-shapes-f32"
}

@main
struct RankCollapseTrainingTimings: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Time RankCollapse training steps and print JSON (seconds per step).")

  @Option(
    help: "The operation: \(TrainingOperation.allCases.map(\.rawValue).joined(separator: ", ")).")
  var op: TrainingOperation

  @Option(help: "Timed steps.")
  var steps: Int = 10

  @Option(help: "Untimed steps before the timed ones.")
  var warmup: Int = 2

  @OptionGroup var threadOptions: ThreadOptions

  @Option(help: "BLAS threading: partition (the default) or openblas.")
  var threading: String = "partition"

  func run() throws {
    threadOptions.apply()
    BLAS.threading = threading == "openblas" ? .openBLAS : .partitionOutput
    let times: [Double]
    switch op {
    case .autoencoderStepF32: times = try autoencoderSteps(Float.self)
    case .autoencoderStepF64: times = try autoencoderSteps(Double.self)
    case .autoencoderGEMMsF32: times = autoencoderGEMMs(Float.self)
    case .autoencoderGEMMsF64: times = autoencoderGEMMs(Double.self)
    case .classifierSGDF32: times = try classifierSteps()
    case .autoencoderGEMMShapesF32:
      autoencoderGEMMShapes()
      return
    }
    print(
      """
      {"op": "\(op.rawValue)", "threads": \(BLAS.threadCount), "threading": "\(threading)", \
      "steps": \(times.count), "median": \(Timing.median(times)), \
      "min": \(Timing.minimum(times)), "times": \(Timing.jsonArray(times))}
      """)
  }

  /// Per-step durations of `Trainer.fit`, stamped by its observer.
  func timeSteps<S: MatrixScalar>(
    network: inout Network<S>, inputs: Matrix<S>, targets: Targets<S>, loss: Loss,
    batchSize: Int?, learningRate: Double
  ) throws -> [Double] {
    var trainer = Trainer(
      configuration: TrainingConfiguration(
        loss: loss, learningRate: .constant(learningRate), batchSize: batchSize,
        maximumSteps: warmup + steps),
      optimizer: GradientDescent<S>(), penalty: WeightDecay<S>(lambda: 1e-3))
    var stamps: [Double] = []
    stamps.reserveCapacity(warmup + steps + 1)
    _ = try trainer.fit(&network, inputs: inputs, targets: targets) { _ in
      stamps.append(Timing.monotonicSeconds())
      return .proceed
    }
    // Stamp k is taken before update k; step k's time is stamp k+1 − stamp k.
    return (warmup..<(stamps.count - 1)).map { stamps[$0 + 1] - stamps[$0] }
  }

  func autoencoderSteps<S: MatrixScalar>(_: S.Type) throws -> [Double] {
    var generator = SeededGenerator(seed: 1)
    let x = Matrix<S>.randomNormal(rows: 10_000, columns: 784, using: &generator)
    var network = try Network<S>(
      widths: [784, 400, 300, 400, 784], activation: .tanh, using: &generator)
    return try timeSteps(
      network: &network, inputs: x, targets: .values(x), loss: .squaredError, batchSize: nil,
      learningRate: 1e-3)
  }

  func classifierSteps() throws -> [Double] {
    var generator = SeededGenerator(seed: 1)
    let x = Matrix<Float>.randomNormal(rows: 10_000, columns: 784, using: &generator)
    let labels = (0..<10_000).map { _ in Int.random(in: 0..<10, using: &generator) }
    var network = try Network<Float>(
      widths: [784, 500, 500, 500, 10], activation: .tanh, using: &generator)
    return try timeSteps(
      network: &network, inputs: x, targets: .labels(labels), loss: .softmaxCrossEntropy,
      batchSize: 128, learningRate: 1e-2)
  }

  /// Median time of each product of the autoencoder step, printed as one JSON object.
  func autoencoderGEMMShapes() {
    var (x, weights, outputs, deltas, gradients) = autoencoderProductOperands(Float.self)
    let n = x.rows
    var entries: [String] = []
    func time(_ name: String, _ body: () -> Void) {
      let times = Timing.repeated(warmup: warmup, reps: steps) {
        body()
        return 0
      }.seconds
      // The upper median, as this table has always printed (see `Timing.upperMedian`).
      entries.append("\"\(name)\": \(Timing.upperMedian(times))")
    }
    for l in weights.indices {
      let input = l == 0 ? x : outputs[l - 1]
      time("forward \(l + 1): \(n)x\(input.columns) . (\(weights[l].rows)x\(weights[l].columns))T")
      {
        outputs[l].gemm(input, weights[l], transposeB: true)
      }
    }
    for l in weights.indices.reversed() {
      let input = l == 0 ? x : outputs[l - 1]
      time("weight gradient \(l + 1): (\(n)x\(deltas[l].columns))T . \(n)x\(input.columns)") {
        gradients[l].gemm(deltas[l], input, transposeA: true)
      }
      if l > 0 {
        time(
          "backprop \(l + 1): \(n)x\(deltas[l].columns) . \(weights[l].rows)x\(weights[l].columns)"
        ) {
          deltas[l - 1].gemm(deltas[l], weights[l])
        }
      }
    }
    print(
      "{\"threads\": \(BLAS.threadCount), \"threading\": \"\(threading)\", "
        + entries.joined(separator: ", ") + "}")
  }

  func autoencoderGEMMs<S: MatrixScalar>(_: S.Type) -> [Double] {
    var (x, weights, outputs, deltas, gradients) = autoencoderProductOperands(S.self)
    return Timing.repeated(warmup: warmup, reps: steps) {
      for l in weights.indices {
        outputs[l].gemm(l == 0 ? x : outputs[l - 1], weights[l], transposeB: true)
      }
      for l in weights.indices.reversed() {
        gradients[l].gemm(deltas[l], l == 0 ? x : outputs[l - 1], transposeA: true)
        if l > 0 { deltas[l - 1].gemm(deltas[l], weights[l]) }
      }
      return 0
    }.seconds
  }

  /// The operands of the autoencoder step's products: inputs X (N = 10000 standard normal rows of
  /// 784), weights W_1…W_4 of 784-400-300-400-784, and zeroed buffers for the layer outputs, the
  /// backpropagated gradients (one N × d_l buffer each) and the weight gradients.
  func autoencoderProductOperands<S: MatrixScalar>(_: S.Type) -> (
    x: Matrix<S>, weights: [Matrix<S>], outputs: [Matrix<S>], deltas: [Matrix<S>],
    gradients: [Matrix<S>]
  ) {
    var generator = SeededGenerator(seed: 1)
    let widths = [784, 400, 300, 400, 784]
    let n = 10_000
    let x = Matrix<S>.randomNormal(rows: n, columns: 784, using: &generator)
    let weights = (1..<widths.count).map {
      Matrix<S>.randomNormal(rows: widths[$0], columns: widths[$0 - 1], using: &generator)
    }
    let outputs = widths.dropFirst().map { Matrix<S>.zeros(rows: n, columns: $0) }
    let gradients = weights.map { Matrix<S>.zeros(rows: $0.rows, columns: $0.columns) }
    return (x, weights, outputs, outputs, gradients)
  }
}
