import ArgumentParser
import ExampleSupport
import Foundation
import RankCollapse
import RankCollapseExperiments

/// Trains the Fashion-MNIST classifier at several λ and truncates every trained network at a
/// list of ranks: larger λ allows smaller ranks at equal accuracy.
@main
struct LowRankCompression: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "LowRankCompression",
    abstract:
      "Larger λ allows smaller ranks: low-rank truncation of classifiers trained at several λ.",
    discussion: """
      Trains a fully connected tanh classifier (softmax cross-entropy + λ‖Θ‖²) on MNIST-format \
      data at several λ, then truncates every weight matrix of each trained network to rank r \
      for each r of --ranks and measures test accuracy, test loss, parameters, FLOPs per image \
      and inference time (with the speed-up over the dense network, timed side by side), and \
      the accuracy after fine-tuning the factors for --fine-tune-epochs. For each λ it reports the \
      smallest rank within --accuracy-drop of the λ's dense accuracy and the smallest rank \
      reaching the absolute --target-accuracy.

      Output (in --output): compression.csv (tidy: lambda, rank, metric, value; rank 'dense' \
      is the uncompressed network), compression.svg (accuracy vs rank, one line per λ, dense \
      accuracy dashed; parameters/FLOPs and inference time vs rank), hyperparameters.json, \
      points/ (one file per finished λ) and state/ (a checkpoint per λ, so an interrupted run \
      resumes: run the same command again).

      Data: Fashion-MNIST from Debian's dataset-fashion-mnist package by default \
      (sudo apt-get install dataset-fashion-mnist), or --data DIR with the four IDX files of \
      MNIST (train-images-idx3-ubyte[.gz] …).

      Shared options: --seed seeds the initial weights and the minibatch order (default 1); \
      --threads defaults to 2; --output defaults to low-rank-compression-output; --shard i/n \
      handles only the i-th of n parts of the λ values.

      Examples:
        LowRankCompression                  # default scale, a minute or two
        LowRankCompression --ranks 2,4,8,16 --output quick
        LowRankCompression --fine-tune-epochs 0   # truncation only
        LowRankCompression --paper --threads 8    # 60 000 images
        LowRankCompression --shard 2/4            # λ #2 of 4 (SLURM)
      """)

  @Flag(help: "Use the larger scale (all images, a 784-512-256-128-10 network, 100 epochs).")
  var paper = false

  @OptionGroup var classifier: ClassifierOptions<Experiments.LowRankCompression>

  @Option(
    name: .customLong("ranks"),
    parsing: .unconditional,
    help:
      "Comma-separated ranks r to truncate every layer at, each in 1…2147483647 (default 1,2,3,4,6,…,96,128)."
  )
  var ranksText: String?

  @Option(
    parsing: .unconditional,
    help:
      "Epochs of fine-tuning of the factors after truncation, 0 for none, 0…100000 (default 1; with --paper 2)."
  )
  var fineTuneEpochs: Int?

  @Option(
    parsing: .unconditional,
    help: "First target: at most this drop from each λ's dense test accuracy, 0…1.")
  var accuracyDrop: Double = 0.01

  @Option(
    parsing: .unconditional,
    help: "Second target: this absolute test accuracy, the same for every λ, 0…1.")
  var targetAccuracy: Double = 0.8

  @OptionGroup var common: CommonOptions

  @OptionGroup var sharding: ShardOption

  @Flag(help: "Do not print the trainer's progress lines.")
  var quiet = false

  func validate() throws {
    try checkOption(
      fineTuneEpochs, in: 0...100_000, option: "--fine-tune-epochs", error: ValidationError.init)
    try checkOption(accuracyDrop, in: 0...1, option: "--accuracy-drop", error: ValidationError.init)
    try checkOption(
      targetAccuracy, in: 0...1, option: "--target-accuracy", error: ValidationError.init)
    _ = try parsedRanks()
  }

  func parsedRanks() throws -> [Int]? {
    try parseList(ranksText, option: "--ranks", in: 1...OptionRange.countLimit)
  }

  func run() throws {
    let threads = common.applyThreads(default: 2)
    let output = common.outputFolder(default: "low-rank-compression-output")
    var experiment = try classifier.experiment(paper: paper, seed: common.seed)
    if let ranks = try parsedRanks() { experiment.ranks = ranks }
    if let fineTuneEpochs { experiment.fineTuningEpochs = fineTuneEpochs }
    experiment.accuracyDrop = accuracyDrop
    experiment.targetAccuracy = targetAccuracy
    let shard = try sharding.parsed()
    let (data, sweep) = try classifier.openSweep(
      experiment, title: "Low-rank compression", paper: paper, folder: output, threads: threads)
    print("λ: \(experiment.lambdas.map { "\($0)" }.joined(separator: ", "))")
    print(sweep.hyperparameters)
    print("accuracy_drop: \(accuracyDrop)\ntarget_accuracy: \(targetAccuracy)")
    print("")

    try experiment.run(
      sweep, shard: shard, data: data,
      progress: quiet ? .silent : .automatic(seconds: 10),
      onMeasurement: { lambda, m in
        let rank = m.rank.map { "rank \($0)" } ?? "dense"
        let tuned = m.fineTunedTestAccuracy.map { ", fine-tuned \($0)" } ?? ""
        print(
          "λ = \(lambda) \(rank): test accuracy \(m.testAccuracy)\(tuned), "
            + "\(m.parameters) parameters, \(m.flops) FLOPs/image, "
            + "\((m.inferenceSeconds * 1e5).rounded() / 100) ms "
            + "(\((m.speedup * 100).rounded() / 100)× dense)")
      },
      report: reportSkipped)

    try finishLambdaSweep(
      sweep, output: output, csv: "compression.csv", figure: "compression.svg"
    ) { table in
      let curves = try experiment.curves(from: table)
      try experiment.figure(curves).write(to: output + "/compression.svg")
      print("\n" + experiment.summary(curves))
    }
  }
}
