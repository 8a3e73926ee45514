import ArgumentParser
import RankCollapseData
import RankCollapseExperiments
import RankCollapseSweep

/// The options of the programs that train the MNIST-format classifier at several λ
/// (`MNISTRankEvolution`, `WidthDepthSweep`, `LowRankCompression`): `--lambdas`, `--epochs`,
/// `--training-samples` and `--data`.
///
/// Include it with `@OptionGroup var classifier: ClassifierOptions<Experiment>`; ArgumentParser
/// calls ``validate()`` while parsing. The help states the defaults of the experiment's two
/// scales (`Experiment.defaultScale`, and with `--paper` `Experiment.paperScale`), read from
/// them, and ``experiment(paper:seed:)`` applies the options to the chosen scale.
public struct ClassifierOptions<Experiment: ClassifierSweepExperiment>: ParsableArguments {
  /// The λ values as typed, or `nil` for the scale's.
  @Option(
    name: .customLong("lambdas"), parsing: .unconditional,
    help: "Comma-separated λ values, each in 0…1000000 (default \(Self.defaultLambdas)).")
  public var lambdasText: String?

  /// Training epochs, or `nil` for the scale's.
  @Option(
    parsing: .unconditional,
    help:
      "Training epochs, 1…100000 (default \(Self.scaleDefaults { "\($0.configuration.epochs)" })).")
  public var epochs: Int?

  /// Training images (the first ones), or `nil` for the scale's.
  @Option(
    parsing: .unconditional,
    help: "Use the first N training images, 10…2147483647 (default \(Self.defaultSamples)).")
  public var trainingSamples: Int?

  /// The folder of the MNIST-format IDX files.
  @Option(help: "Folder with the MNIST-format IDX files.")
  public var data: String = MNIST.fashionMNISTFolder

  /// Creates the options at their defaults (ArgumentParser fills them from the command line).
  public init() {}

  /// Checks `--epochs`, `--training-samples` and `--lambdas` against their ranges.
  ///
  /// - Throws: `ValidationError` (exit status 64) naming the option.
  public func validate() throws {
    try checkOption(epochs, in: 1...100_000, option: "--epochs", error: ValidationError.init)
    try checkOption(
      trainingSamples, in: 10...OptionRange.countLimit, option: "--training-samples",
      error: ValidationError.init)
    _ = try lambdas()
  }

  /// The λ values of `--lambdas`.
  ///
  /// - Returns: The values, or `nil` when the option was not given.
  /// - Throws: `ValidationError` naming `--lambdas`.
  public func lambdas() throws(ValidationError) -> [Double]? {
    try parseList(lambdasText, option: "--lambdas", in: 0...1e6)
  }

  /// The experiment of the chosen scale with these options applied.
  ///
  /// - Parameters:
  ///   - paper: Whether `--paper` chose `Experiment.paperScale`.
  ///   - seed: The seed of the initial weights and the minibatch order.
  /// - Returns: The scale's experiment with `--lambdas`, `--epochs`, `--training-samples` and
  ///   the seed set.
  /// - Throws: `ValidationError` naming `--lambdas`.
  public func experiment(paper: Bool, seed: UInt64) throws(ValidationError) -> Experiment {
    var experiment = paper ? Experiment.paperScale : Experiment.defaultScale
    if let lambdas = try lambdas() { experiment.lambdas = lambdas }
    if let epochs { experiment.configuration.epochs = epochs }
    if let trainingSamples { experiment.trainingSamples = trainingSamples }
    experiment.configuration.seed = seed
    return experiment
  }

  /// Checks `experiment`, reads its images from `--data` and opens (or resumes) its sweep,
  /// after printing `"<title> (<scale> scale), data from <folder>"`.
  ///
  /// - Parameters:
  ///   - experiment: The experiment from ``experiment(paper:seed:)``, with the program's own
  ///     options applied.
  ///   - title: The run's name, e.g. `Figure 3`.
  ///   - paper: Whether `--paper` was given.
  ///   - folder: The output folder.
  ///   - threads: The BLAS thread count, recorded in the sweep's environment.
  /// - Returns: The images and the sweep.
  /// - Throws: `ClassifierError` (a bad setting, missing or malformed files) or `SweepError`
  ///   (a folder of another run).
  public func openSweep(
    _ experiment: Experiment, title: String, paper: Bool, folder: String, threads: Int
  ) throws -> (data: Experiments.ClassifierData, sweep: Sweep) {
    try experiment.validate()
    print("\(title) (\(paper ? "paper" : "default") scale), data from \(data)")
    let images = try experiment.loadData(folder: data)
    let sweep = try experiment.sweep(
      folder: folder, data: images, environment: ["threads": .integer(threads)])
    return (images, sweep)
  }

  /// The default of `--lambdas` as the help states it, such as `0.001,0.003,0.01`.
  private static var defaultLambdas: String {
    Experiment.defaultScale.lambdas.map { OptionRange.describe($0) }.joined(separator: ",")
  }

  /// The default of `--training-samples` as the help states it, such as `5000; with --paper all`.
  private static var defaultSamples: String {
    scaleDefaults { $0.trainingSamples.map { "\($0)" } ?? "all" }
  }

  /// A default of both scales as the help states it: `<default>; with --paper <paper>`.
  private static func scaleDefaults(_ value: (Experiment) -> String) -> String {
    "\(value(Experiment.defaultScale)); with --paper \(value(Experiment.paperScale))"
  }
}

/// Merges a λ sweep's points into `output/csv`, or says that this shard is done when other
/// shards' λ are still missing; then prints the output folder.
///
/// - Parameters:
///   - sweep: The sweep.
///   - output: The output folder.
///   - csv: The merged table's file name in `output`, e.g. `figure3.csv`.
///   - figure: The figure's file name, written by `complete`, e.g. `figure3.svg`.
///   - complete: Writes the figure and prints the summary from the merged table.
/// - Throws: `SweepError` from the merge, or what `complete` throws.
public func finishLambdaSweep(
  _ sweep: Sweep, output: String, csv: String, figure: String,
  complete: (TidyTable) throws -> Void
) throws {
  switch try sweep.merge(to: output + "/" + csv) {
  case .incomplete(let missing):
    print(
      "\nThis shard is done; \(missing.count) λ still missing "
        + "(\(missing.map(\.description).joined(separator: ", "))): the run that finishes "
        + "last writes \(csv) and \(figure).")
  case .complete(let table):
    try complete(table)
    print(
      "\nWrote \(output)/\(csv), \(output)/\(figure) and \(output)/hyperparameters.json")
  }
  print("Output folder: \(output)")
}

/// Prints that a grid point was finished by an earlier run: the `report` of a sweep run.
///
/// - Parameters:
///   - point: The grid point.
///   - status: Whether it was computed now or skipped.
public func reportSkipped(_ point: GridPoint, _ status: SweepPointStatus) {
  if case .skipped = status { print("\(point): finished earlier, skipped") }
}
