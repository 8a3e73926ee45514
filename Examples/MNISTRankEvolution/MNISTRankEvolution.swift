import ArgumentParser
import ExampleSupport
import Foundation
import RankCollapse
import RankCollapseExperiments

/// Reproduces the paper's Figure 3: e(r) of every layer during training and the class-label TCV
/// of every layer, for several λ.
@main
struct MNISTRankEvolution: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "MNISTRankEvolution",
    abstract: "Figure 3: how each layer's singular values and TCV evolve during training.",
    discussion: """
      Trains a fully connected tanh classifier (softmax cross-entropy + λ‖Θ‖²) on MNIST-format \
      data at several λ. Every few epochs it records each layer's singular values (the tail \
      e(r) of equation 22) and the within-class sum of squares of each layer's embeddings by \
      class label (the TCV estimate of Figure 3), and the train/test accuracy.

      Output (in --output): figure3.csv (tidy: lambda, epoch, layer, r, quantity, value), \
      figure3.svg (a row of e(r) panels per λ, curves light → dark blue by epoch, and a row \
      of TCV per layer), hyperparameters.json, points/ (one file per finished λ) and state/ \
      (a checkpoint per λ, so an interrupted run resumes at its last measurement: run the \
      same command again).

      Data: Fashion-MNIST from Debian's dataset-fashion-mnist package by default \
      (sudo apt-get install dataset-fashion-mnist), or --data DIR with the four IDX files of \
      MNIST (train-images-idx3-ubyte[.gz] …).

      Shared options: --seed seeds the initial weights and the minibatch order (default 1); \
      --threads defaults to 2; --output defaults to mnist-rank-evolution-output; --shard i/n \
      trains only the i-th of n parts of the λ values.

      Examples:
        MNISTRankEvolution                       # default scale, minutes on 2 cores
        MNISTRankEvolution --data ~/mnist --output mnist-fig3
        MNISTRankEvolution --paper --threads 8   # 60 000 images, 300 epochs
        MNISTRankEvolution --shard 2/3           # the 2nd of 3 λ (a SLURM task)
      """)

  @Flag(help: "Use the paper's sizes (all images, a 784-512-256-128-10 network, 300 epochs).")
  var paper = false

  @Option(
    name: .customLong("lambdas"),
    parsing: .unconditional,
    help: "Comma-separated λ values, each in 0…1000000 (default 0.001,0.003,0.01).")
  var lambdasText: String?

  @Option(
    parsing: .unconditional, help: "Training epochs, 1…100000 (default 40; with --paper 300).")
  var epochs: Int?

  @Option(
    parsing: .unconditional,
    help: "Epochs between measurements, 1…100000 (default 4; with --paper 20).")
  var recordEvery: Int?

  @Option(
    parsing: .unconditional,
    help: "Use the first N training images, 10…2147483647 (default 10000; with --paper all).")
  var trainingSamples: Int?

  @Option(help: "Folder with the MNIST-format IDX files.")
  var data: String = MNIST.fashionMNISTFolder

  @OptionGroup var common: CommonOptions

  @OptionGroup var sharding: ShardOption

  @Flag(help: "Do not print the trainer's progress lines.")
  var quiet = false

  func validate() throws {
    try checkOption(epochs, in: 1...100_000, option: "--epochs", error: ValidationError.init)
    try checkOption(
      recordEvery, in: 1...100_000, option: "--record-every", error: ValidationError.init)
    try checkOption(
      trainingSamples, in: 10...OptionRange.countLimit, option: "--training-samples",
      error: ValidationError.init)
    if let epochs, epochs < 1 {
      throw ValidationError("--epochs must be at least 1, got \(epochs)")
    }
    if let recordEvery, recordEvery < 1 {
      throw ValidationError("--record-every must be at least 1, got \(recordEvery)")
    }
    if let trainingSamples, trainingSamples < 10 {
      throw ValidationError("--training-samples must be at least 10, got \(trainingSamples)")
    }
    _ = try parsedLambdas()
  }

  func parsedLambdas() throws -> [Double]? {
    try parseList(lambdasText, option: "--lambdas", in: 0...1e6)
  }

  func run() throws {
    let threads = common.threadCount(default: 2)
    let output = common.outputFolder(default: "mnist-rank-evolution-output")
    BLAS.threadCount = threads
    var experiment: Experiments.RankEvolution = paper ? .paperScale : .defaultScale
    if let lambdas = try parsedLambdas() { experiment.lambdas = lambdas }
    if let epochs { experiment.configuration.epochs = epochs }
    if let recordEvery { experiment.configuration.recordEvery = recordEvery }
    if let trainingSamples { experiment.trainingSamples = trainingSamples }
    experiment.configuration.seed = common.seed
    try experiment.validate()
    let shard = try sharding.parsed()

    print("Figure 3 (\(paper ? "paper" : "default") scale), data from \(data)")
    let data = try Experiments.ClassifierData.mnist(
      folder: data, trainingSamples: experiment.trainingSamples,
      testSamples: experiment.testSamples, pooling: experiment.pooling)
    let sweep = try experiment.sweep(
      folder: output, data: data, environment: ["threads": .integer(threads)])
    print("λ: \(experiment.lambdas.map { "\($0)" }.joined(separator: ", "))")
    print(sweep.hyperparameters)
    print("")

    try experiment.run(
      sweep, shard: shard, data: data,
      progress: quiet ? .silent : .automatic(seconds: 10),
      onSnapshot: { lambda, snapshot in
        let ranks = snapshot.layers.map { "\($0.softRank(epsilon: 0.1))" }.joined(separator: " ")
        let tcv = snapshot.layers.map { "\(($0.classTCV * 100).rounded() / 100)" }
          .joined(separator: " ")
        print(
          "λ = \(lambda) epoch \(snapshot.epoch): train accuracy \(snapshot.trainAccuracy), "
            + "test \(snapshot.testAccuracy.map { "\($0)" } ?? "–"), rk(0.1) [\(ranks)], "
            + "TCV [\(tcv)]")
      },
      report: { point, status in
        if case .skipped = status { print("\(point): finished earlier, skipped") }
      })

    switch try sweep.merge(to: output + "/figure3.csv") {
    case .incomplete(let missing):
      print(
        "\nThis shard is done; \(missing.count) λ still missing "
          + "(\(missing.map(\.description).joined(separator: ", "))): the run that finishes "
          + "last writes figure3.csv and figure3.svg.")
    case .complete(let table):
      let trajectories = try experiment.trajectories(from: table)
      try Experiments.RankEvolution.figure(trajectories).write(to: output + "/figure3.svg")
      print("\n" + Experiments.RankEvolution.summary(trajectories))
      print(
        "\nWrote \(output)/figure3.csv, \(output)/figure3.svg and \(output)/hyperparameters.json")
    }
    print("Output folder: \(output)")
  }
}
