import ArgumentParser
import RankCollapseExperiments

/// What a program states in the help of its ``OptimizerOptions``.
public protocol OptimizerOptionDefaults {
  /// The help of `--history`, e.g. "Curvature pairs kept by --optimizer lbfgs (1…1000).".
  static var historyHelp: String { get }
  /// The help of `--learning-rate`, with its range and default.
  static var learningRateHelp: String { get }
  /// The help of `--gradient-tolerance`, with its range and default.
  static var gradientToleranceHelp: String { get }
}

/// The update-rule options of the full-batch programs (`GaussianBlobsAutoencoder`,
/// `DeepLinearCentroids`): `--history`, `--learning-rate` and `--gradient-tolerance`, checked
/// against the same ranges in both.
///
/// Include it with `@OptionGroup var optimization: OptimizerOptions<Defaults>`; ArgumentParser
/// calls ``validate()`` while parsing. The options left unset keep the experiment's values.
public struct OptimizerOptions<Defaults: OptimizerOptionDefaults>: ParsableArguments {
  /// The L-BFGS history m (curvature pairs kept).
  @Option(parsing: .unconditional, help: ArgumentHelp(Defaults.historyHelp))
  public var history: Int = 10

  /// The (initial) learning rate η, or `nil` for the experiment's.
  @Option(parsing: .unconditional, help: ArgumentHelp(Defaults.learningRateHelp))
  public var learningRate: Double?

  /// The gradient-norm tolerance, or `nil` for the experiment's.
  @Option(parsing: .unconditional, help: ArgumentHelp(Defaults.gradientToleranceHelp))
  public var gradientTolerance: Double?

  /// Creates the options at their defaults (ArgumentParser fills them from the command line).
  public init() {}

  /// Checks the three options against their ranges: history 1…1000, η in (0, 10⁶], the
  /// tolerance in 0…10⁶.
  ///
  /// - Throws: `ValidationError` (exit status 64) naming the option.
  public func validate() throws {
    try checkOption(history, in: 1...1000, option: "--history", error: ValidationError.init)
    try checkOption(
      learningRate, in: OptionRange.positive, option: "--learning-rate", error: ValidationError.init
    )
    try checkOption(
      gradientTolerance, in: 0...1e6, option: "--gradient-tolerance", error: ValidationError.init)
  }
}
