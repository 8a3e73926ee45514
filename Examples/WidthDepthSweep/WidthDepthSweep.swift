import ArgumentParser
import ExampleSupport
import Foundation
import RankCollapse
import RankCollapseExperiments

/// Reproduces the paper's Figures 4 and 5: rk(0.1) of trained layers against the width and
/// against the depth of the classifier, one line per λ.
@main
struct WidthDepthSweep: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "WidthDepthSweep",
    abstract: "Figures 4–5: soft rank rk(0.1) of trained layers against width and depth.",
    discussion: """
      Trains fully connected tanh classifiers (softmax cross-entropy + λ‖Θ‖²) on MNIST-format \
      data over a grid of (λ, width, number of hidden layers) and measures rk(0.1), the number \
      of singular values needed to approximate a weight matrix up to 10% (relative error in \
      the nuclear norm, equation 22).

      Figure 4: four hidden layers of width n; mean rk(0.1) of the n × n hidden matrices \
      against n. Figure 5: hidden width 2 × input; mean rk(0.1) of all layers against the \
      number of hidden layers. One line per λ.

      Output (in --output): figures4-5.csv (tidy: lambda, width, hidden_layers, layer, \
      quantity, value), figure4.svg, figure5.svg, hyperparameters.json and points/ (one file \
      per finished network: an interrupted sweep resumes where it stopped when run again \
      with the same arguments). While networks are missing, figure4-partial.svg and \
      figure5-partial.svg show the finished ones.

      The default scale pools the images to 14 × 14 (196 inputs, so Figure 5's width is 392) \
      and trains on 5 000 images for 30 epochs; --paper uses 28 × 28 images (width 1568), \
      all 60 000 images and 100 epochs.

      Data: Fashion-MNIST from Debian's dataset-fashion-mnist package by default \
      (sudo apt-get install dataset-fashion-mnist), or --data DIR with MNIST's IDX files.

      Shared options: --seed seeds the initial weights and the minibatch order (default 1); \
      --threads defaults to 2; --output defaults to width-depth-sweep-output; --shard i/n \
      trains only the i-th of n parts of the grid.

      Examples:
        WidthDepthSweep                          # default scale, minutes on 2 cores
        WidthDepthSweep --data ~/mnist --output mnist-fig45
        WidthDepthSweep --paper --shard 3/16     # task 3 of a 16-task SLURM array
        WidthDepthSweep --widths 32,64 --depths 1,2 --lambdas 0.01
      """)

  @Flag(help: "Use the paper's sizes (28 × 28 inputs, all images, 100 epochs, wider grid).")
  var paper = false

  @OptionGroup var classifier: ClassifierOptions<Experiments.WidthDepthSweep>

  @Option(
    name: .customLong("widths"), parsing: .unconditional,
    help: "Comma-separated widths of Figure 4, each in 1…10000.")
  var widthsText: String?

  @Option(
    name: .customLong("depths"), parsing: .unconditional,
    help: "Comma-separated hidden layer counts of Figure 5, each in 1…1000.")
  var depthsText: String?

  @OptionGroup var common: CommonOptions

  @OptionGroup var sharding: ShardOption

  func validate() throws {
    _ = try parsedWidths()
    _ = try parsedDepths()
  }

  func parsedWidths() throws -> [Int]? {
    try parseList(widthsText, option: "--widths", in: 1...10_000)
  }
  func parsedDepths() throws -> [Int]? {
    try parseList(depthsText, option: "--depths", in: 1...1000)
  }

  func run() throws {
    let threads = common.applyThreads(default: 2)
    let output = common.outputFolder(default: "width-depth-sweep-output")
    var experiment = try classifier.experiment(paper: paper, seed: common.seed)
    if let widths = try parsedWidths() { experiment.widths = widths }
    if let depths = try parsedDepths() { experiment.hiddenLayerCounts = depths }
    let shard = try sharding.parsed()
    let (data, sweep) = try classifier.openSweep(
      experiment, title: "Figures 4–5", paper: paper, folder: output, threads: threads)
    let inputSize = data.trainImages.columns
    print(sweep.hyperparameters)
    let points = shard.select(sweep.grid)
    print("\n\(sweep.grid.count) networks in the grid, \(points.count) in shard \(shard)")

    try experiment.run(
      sweep, shard: shard, data: data,
      report: { point, status in
        switch status {
        case .skipped: print("\(point): finished earlier, skipped")
        case .computed(let seconds):
          let ranks = (try? sweep.storedRows(for: point))??.filter { $0[1] == "soft_rank" }.map {
            $0[2]
          }
          print(
            "\(point): rk(0.1) per layer [\((ranks ?? []).joined(separator: " "))] "
              + "in \((seconds * 10).rounded() / 10) s")
        }
      })

    switch try sweep.merge(to: output + "/figures4-5.csv") {
    case .incomplete(let missing):
      print(
        "\nThis shard is done; \(missing.count) networks still missing: the run that finishes "
          + "last writes figures4-5.csv, figure4.svg and figure5.svg.")
      let finished = try Experiments.WidthDepthSweep.outcomes(from: try sweep.finishedTable())
      if !finished.isEmpty {
        try experiment.widthChart(finished).write(to: output + "/figure4-partial.svg")
        try experiment.depthChart(finished, inputSize: inputSize).write(
          to: output + "/figure5-partial.svg")
        print(
          "Wrote \(output)/figure4-partial.svg and figure5-partial.svg from the "
            + "\(finished.count) networks finished so far.")
      }
    case .complete(let table):
      let outcomes = try Experiments.WidthDepthSweep.outcomes(from: table)
      try experiment.widthChart(outcomes).write(to: output + "/figure4.svg")
      try experiment.depthChart(outcomes, inputSize: inputSize).write(to: output + "/figure5.svg")
      print("\n" + experiment.summary(outcomes, inputSize: inputSize))
      print(
        "\nWrote \(output)/figures4-5.csv, \(output)/figure4.svg, \(output)/figure5.svg and "
          + "\(output)/hyperparameters.json")
    }
    print("Output folder: \(output)")
  }
}
