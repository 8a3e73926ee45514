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

  @OptionGroup var classifier: ClassifierOptions<Experiments.RankEvolution>

  @Option(
    parsing: .unconditional,
    help: "Epochs between measurements, 1…100000 (default 4; with --paper 20).")
  var recordEvery: Int?

  @OptionGroup var common: CommonOptions

  @OptionGroup var sharding: ShardOption

  @Flag(help: "Do not print the trainer's progress lines.")
  var quiet = false

  func validate() throws {
    try checkOption(
      recordEvery, in: 1...100_000, option: "--record-every", error: ValidationError.init)
  }

  func run() throws {
    let threads = common.applyThreads(default: 2)
    let output = common.outputFolder(default: "mnist-rank-evolution-output")
    var experiment = try classifier.experiment(paper: paper, seed: common.seed)
    if let recordEvery { experiment.configuration.recordEvery = recordEvery }
    let shard = try sharding.parsed()
    let (data, sweep) = try classifier.openSweep(
      experiment, title: "Figure 3", paper: paper, folder: output, threads: threads)
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
      report: reportSkipped)

    try finishLambdaSweep(sweep, output: output, csv: "figure3.csv", figure: "figure3.svg") {
      table in
      let trajectories = try experiment.trajectories(from: table)
      try Experiments.RankEvolution.figure(trajectories).write(to: output + "/figure3.svg")
      print("\n" + Experiments.RankEvolution.summary(trajectories))
    }
  }
}
