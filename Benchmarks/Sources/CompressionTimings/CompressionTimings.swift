// Times inference of a dense network against its low-rank compression (factored layers
// W ≈ U V, RankCollapseCompression) in the same process, interleaved, and prints JSON.
//
//   swift run -c release --package-path Benchmarks CompressionTimings --op mlp-forward-f32 \
//     --reps 7 --warmup 2 --threads 1
//
// Operations:
// - mlp-forward-f32: one forward pass over a batch of `--batch` samples (default 10000) of the
//   784-500-500-500-10 tanh classifier (Glorot weights, `--widths` to change), dense, and
//   compressed with every layer at rank r = floor(min(m, n) · `--fraction`) (default 1/4; a layer
//   keeps its dense weight when factoring saves nothing). Each repetition times one dense and one
//   compressed pass (both through `CompressedNetwork.callAsFunction`, the dense one with no
//   layer factored: the row-blocked inference of `Network.callAsFunction`) and one dense pass
//   layer by layer (each `Dense` layer on the whole batch, the engine before row blocking),
//   rotating the order; `ratio` is median dense / median factored, `blocking_gain` is median
//   layer-by-layer / median dense.
// - mlp-forward-f64: the same in Double.
// - evaluate-f32: `Compression.evaluate` on the same network and batch (fastest of `--reps`
//   interleaved rounds, as the library reports it).
//
// `compare_compression_torch.py` runs the same two forwards in PyTorch (CPU) as a sanity ratio.

import ArgumentParser
import RankCollapse
import TimingSupport

enum CompressionOperation: String, CaseIterable, ExpressibleByArgument {
  case forwardF32 = "mlp-forward-f32"
  case forwardF64 = "mlp-forward-f64"
  case evaluateF32 = "evaluate-f32"
}

@main
struct CompressionTimings: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Time dense vs factored inference, interleaved, and print JSON (seconds per pass).")

  @Option(
    help: "The operation: \(CompressionOperation.allCases.map(\.rawValue).joined(separator: ", "))."
  )
  var op: CompressionOperation = .forwardF32

  @Option(help: "Timed repetitions (each one dense and one factored pass).")
  var reps: Int = 7

  @Option(help: "Untimed repetitions first.")
  var warmup: Int = 2

  @OptionGroup var threadOptions: ThreadOptions

  @Option(help: "Samples per forward pass.")
  var batch: Int = 10000

  @Option(help: "Widths d_0,…,d_L.")
  var widths: String = "784,500,500,500,10"

  @Option(help: "Hidden activation: tanh, relu or identity.")
  var activation: String = "tanh"

  @Option(help: "Rank per layer as a fraction of min(m, n).")
  var fraction: Double = 0.25

  func validate() throws {
    guard reps >= 1, warmup >= 0, batch >= 1 else {
      throw ValidationError("--reps and --batch must be ≥ 1, --warmup ≥ 0")
    }
    guard fraction > 0, fraction <= 1 else { throw ValidationError("--fraction must be in (0, 1]") }
  }

  func run() throws {
    threadOptions.apply()
    switch op {
    case .forwardF32: try time(Float.self)
    case .forwardF64: try time(Double.self)
    case .evaluateF32: try evaluate()
    }
  }

  /// The timed network (Glorot weights, seed 11), its rank plan r = ⌊min(m, n)·fraction⌋ per
  /// layer and a standard normal batch, all drawn from one generator.
  func setup<S: MatrixScalar>(
    _ type: S.Type
  ) throws -> (network: Network<S>, plan: [RankSelection], inputs: Matrix<S>) {
    let sizes = widths.split(separator: ",").compactMap { Int($0) }
    var generator = SeededGenerator(seed: 11)
    let network = try Network<S>(
      widths: sizes, activation: Activation(description: activation) ?? .tanh,
      outputActivation: .identity, using: &generator)
    let plan = network.layers.map { layer in
      RankSelection.rank(Int(Double(min(layer.inputSize, layer.outputSize)) * fraction))
    }
    let x = Matrix<S>.randomNormal(rows: batch, columns: sizes[0], using: &generator)
    return (network, plan, x)
  }

  func time<S: MatrixScalar>(_ type: S.Type) throws {
    let (network, selections, x) = try setup(S.self)
    let result = try Compression.compress(network, selections: selections)
    // The dense baseline runs through the same (specialised) forward code, with no layer factored;
    // the layer-by-layer dense pass is timed too, for reference.
    let variants = [try Compression.compress(network, selection: .dense).network, result.network]
    // Variant 0: dense, 1: factored, 2: dense layer by layer; the order rotates every round.
    let (times, checksum) = Timing.interleaved(variants: 3, warmup: warmup, reps: reps) { variant in
      let output =
        variant == 2 ? network.layers.reduce(x) { z, layer in layer(z) } : variants[variant](x)
      return Double(output[0, 0])
    }
    let dense = times[0]
    let factored = times[1]
    let median = Timing.median
    let ranks = result.report.layers.map { $0.isFactored ? "\($0.rank)" : "\"dense\"" }
    print(
      """
      {"op": "\(op.rawValue)", "threads": \(BLAS.threadCount), "batch": \(batch), \
      "widths": [\(widths)], "activation": "\(activation)", "ranks": [\(ranks.joined(separator: ", "))], \
      "flop_ratio": \(Double(result.report.denseFLOPs) / Double(result.report.flops)), \
      "reps": \(reps), "median_dense": \(median(dense)), "median_factored": \(median(factored)), \
      "ratio": \(median(dense) / median(factored)), \
      "median_layer_by_layer": \(median(times[2])), \
      "blocking_gain": \(median(times[2]) / median(dense)), \
      "dense": \(Timing.jsonArray(dense)), "factored": \(Timing.jsonArray(factored)), \
      "checksum": \(checksum)}
      """)
  }
}

extension CompressionTimings {
  /// `Compression.evaluate` on the same network and batch: its own interleaved timing.
  func evaluate() throws {
    let (network, plan, x) = try setup(Float.self)
    let labels = (0..<batch).map { $0 % network.outputSize }
    let measurements = try Compression.evaluate(
      network, plans: [plan], inputs: x, targets: .labels(labels), loss: .softmaxCrossEntropy,
      timingRounds: reps)
    print(
      """
      {"op": "\(op.rawValue)", "threads": \(BLAS.threadCount), "batch": \(batch), \
      "dense": \(measurements[0].seconds), "factored": \(measurements[1].seconds), \
      "speedup": \(measurements[1].speedup)}
      """)
  }
}
