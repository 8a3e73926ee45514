import RankCollapse
import RankCollapsePlots
import RankCollapseSweep

/// The sizes and grid of one Figure 1 run.
public struct Figure1Scale: Sendable, Hashable {
  /// The experiment at every grid point (λ and σ come from the grid).
  public var experiment: BlobsAutoencoderExperiment
  /// The λ values (x axis of the heatmaps).
  public var lambdas: [Double]
  /// The σ values (y axis).
  public var sigmas: [Double]

  /// A scale.
  ///
  /// - Parameters:
  ///   - experiment: The experiment.
  ///   - lambdas: λ values.
  ///   - sigmas: σ values.
  public init(experiment: BlobsAutoencoderExperiment, lambdas: [Double], sigmas: [Double]) {
    self.experiment = experiment
    self.lambdas = lambdas
    self.sigmas = sigmas
  }

  /// The paper's sizes (784-400-300-400-784, N = 10000) on a 6 × 6 grid.
  ///
  /// The paper does not list its grid values; these span the same transition.
  public static var paper: Figure1Scale {
    Figure1Scale(
      experiment: .paper, lambdas: [1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1],
      sigmas: [0.05, 0.1, 0.2, 0.5, 1, 1.5])
  }

  /// The default scale: 64-48-32-48-64, N = 1000, a 5 × 5 grid, up to 150000 L-BFGS iterations
  /// per point — about 17 CPU minutes, most of them in the small-λ, large-σ corner
  /// (`--max-steps 20000`: about 4 minutes, with 18 instead of 24 points converged).
  public static var small: Figure1Scale {
    Figure1Scale(
      experiment: .small, lambdas: [1e-3, 3e-3, 1e-2, 3e-2, 1e-1],
      sigmas: [0.05, 0.1, 0.2, 0.5, 1])
  }
}

/// Figure 1 of the paper as a sweep over (λ, σ): τ_K of each weight matrix at convergence,
/// as one heatmap per layer.
///
/// ```swift
/// let scale = Figure1Scale.small
/// let figure = Figure1(experiment: scale.experiment, lambdas: scale.lambdas, sigmas: scale.sigmas)
/// let sweep = try figure.openSweep(folder: "figure1-output", threads: 2)
/// try sweep.run { point in try figure.measure(point).rows }
/// if case .complete(let summary) = try figure.finish(sweep) { print(summary) }
/// ```
public struct Figure1: Sendable {
  /// The experiment at every grid point.
  public var experiment: BlobsAutoencoderExperiment
  /// λ values.
  public var lambdas: [Double]
  /// σ values.
  public var sigmas: [Double]

  /// The experiment name in the sidecar.
  public static let experimentName = "figure1-gaussian-blobs-autoencoder"

  /// A figure.
  ///
  /// - Parameters:
  ///   - experiment: The experiment.
  ///   - lambdas: λ values (> 0).
  ///   - sigmas: σ values (≥ 0).
  public init(experiment: BlobsAutoencoderExperiment, lambdas: [Double], sigmas: [Double]) {
    self.experiment = experiment
    self.lambdas = lambdas
    self.sigmas = sigmas
  }

  /// The grid: λ varies slowest, then σ.
  ///
  /// - Throws: `SweepError.invalidGrid(_:)` for an empty or repeated list.
  public func grid() throws(SweepError) -> [GridPoint] {
    try GridPoint.grid([SweepAxis("lambda", numbers: lambdas), SweepAxis("sigma", numbers: sigmas)])
  }

  /// Opens (or resumes) the sweep in `folder`.
  ///
  /// - Parameters:
  ///   - folder: The output folder.
  ///   - threads: The BLAS thread count (recorded in the sidecar's environment).
  /// - Returns: The sweep.
  /// - Throws: `SweepError` (for instance a folder written with other hyperparameters) or
  ///   ``ExperimentError`` for an invalid setting.
  public func openSweep(folder: String, threads: Int) throws -> Sweep {
    try experiment.validate()
    return try Sweep(
      folder: folder, experiment: Self.experimentName, hyperparameters: experiment.hyperparameters,
      environment: ["threads": .integer(threads)], grid: grid(),
      measurementColumns: BlobsAutoencoderResult.measurementColumns)
  }

  /// Trains and measures one grid point.
  ///
  /// - Parameters:
  ///   - point: A point with `lambda` and `sigma` coordinates.
  ///   - progress: Training progress.
  /// - Returns: The result.
  /// - Throws: ``ExperimentError``.
  public func measure(_ point: GridPoint, progress: ProgressStyle = .silent)
    throws(ExperimentError) -> BlobsAutoencoderResult
  {
    guard let lambda = point["lambda"]?.number, let sigma = point["sigma"]?.number else {
      throw .invalidParameter(
        name: "grid point", value: "\(point)", requirement: "λ and σ coordinates")
    }
    return try experiment.run(lambda: lambda, sigma: sigma, progress: progress)
  }

  /// τ_K of every layer from a merged table: `result[l − 1][σ index][λ index]`.
  ///
  /// - Parameter table: The table of a complete sweep.
  /// - Returns: One σ × λ grid per layer (NaN where a value is missing).
  public func tails(from table: TidyTable) -> [[[Double]]] {
    let layers = experiment.widths.count - 1
    return (1...max(layers, 1)).map { layer in
      sigmas.map { sigma in
        lambdas.map { lambda in
          let rows = table.rows(where: [
            "lambda": .number(lambda), "sigma": .number(sigma), "layer": .integer(layer),
            "metric": .text(experiment.tailMetric),
          ])
          guard let valueColumn = table.columns.firstIndex(of: "value"),
            let row = rows.first, let value = Double(row[valueColumn])
          else { return .nan }
          return value
        }
      }
    }
  }

  /// Whether each grid point's run converged (reached its stationarity tolerance):
  /// `result[σ index][λ index]`, `true` where the `converged` row is 1 or absent.
  ///
  /// - Parameter table: The table of a complete sweep.
  /// - Returns: One σ × λ grid.
  public func convergence(from table: TidyTable) -> [[Bool]] {
    sigmas.map { sigma in
      lambdas.map { lambda in
        let rows = table.rows(where: [
          "lambda": .number(lambda), "sigma": .number(sigma), "metric": .text("converged"),
        ])
        guard let valueColumn = table.columns.firstIndex(of: "value"), let row = rows.first
        else { return true }
        return row[valueColumn] != "0"
      }
    }
  }

  /// The figure: one heatmap of τ_K per layer (σ up, λ across), side by side, colours on a
  /// logarithmic scale shared by the panels; cells whose run did not converge are crossed out.
  ///
  /// - Parameters:
  ///   - tails: From ``tails(from:)``.
  ///   - converged: From ``convergence(from:)`` (empty: no cell is marked).
  /// - Returns: The figure.
  public func figure(tails: [[[Double]]], converged: [[Bool]] = []) -> FigureGrid {
    let positive = tails.joined().joined().filter { $0.isFinite && $0 > 0 }
    let lower = max(positive.min() ?? 1e-6, 1e-8)
    let range: ClosedRange<Double> = lower...max(1, lower * 10)
    let k = experiment.clusters
    let panels = tails.enumerated().map { index, values in
      FigureGrid.Panel.heatmap(
        Heatmap(
          title: "W\(subscriptDigits(index + 1))", xLabel: "λ", yLabel: "σ",
          xTicks: Heatmap.labels(for: lambdas), yTicks: Heatmap.labels(for: sigmas),
          values: values, valueRange: range, colorBarLabel: "τ\(subscriptDigits(k))",
          showsValues: lambdas.count <= 8 && sigmas.count <= 8, width: 400, height: 340,
          colorScale: .logarithmic, markedCells: converged.map { $0.map { !$0 } },
          markLegend: "× run did not reach its stationarity tolerance"))
    }
    return FigureGrid(
      title: "τ\(subscriptDigits(k)): relative distance of each weight matrix from the closest "
        + "rank-\(k) matrix at convergence (λ: weight decay, σ: blob spread)",
      columns: panels.count, panels: panels)
  }

  /// Merges the sweep; when complete, writes `figure1.csv` and `figure1.svg` into its folder.
  ///
  /// - Parameter sweep: The sweep from ``openSweep(folder:threads:)``.
  /// - Returns: `.complete` with a printable τ_K table, or `.incomplete` with the missing points.
  /// - Throws: `SweepError` or `PlotError`.
  public func finish(_ sweep: Sweep) throws -> Figure1Outcome {
    switch try sweep.merge(to: sweep.folder + "/figure1.csv") {
    case .incomplete(let missing):
      return .incomplete(missing: missing)
    case .complete(let table):
      let tails = tails(from: table)
      let converged = convergence(from: table)
      try figure(tails: tails, converged: converged).write(to: sweep.folder + "/figure1.svg")
      return .complete(summary: summary(tails: tails, converged: converged))
    }
  }

  /// A text table of τ_K: one block per layer, σ rows, λ columns.
  ///
  /// - Parameters:
  ///   - tails: From ``tails(from:)``.
  ///   - converged: From ``convergence(from:)``; a value whose run did not converge is followed
  ///     by `*` (empty: none is).
  /// - Returns: The table.
  public func summary(tails: [[[Double]]], converged: [[Bool]] = []) -> String {
    func cell(_ text: String) -> String {
      text.count >= 10 ? text : String(repeating: " ", count: 10 - text.count) + text
    }
    var lines: [String] = []
    for (index, values) in tails.enumerated() {
      lines.append("τ_\(experiment.clusters) of W_\(index + 1) (rows σ, columns λ)")
      lines.append(cell("σ \\ λ") + lambdas.map { cell(SweepValue.format($0)) }.joined())
      for (row, sigma) in sigmas.enumerated().reversed() {
        lines.append(
          cell(SweepValue.format(sigma))
            + values[row].enumerated().map { column, value in
              let done =
                row < converged.count && column < converged[row].count
                ? converged[row][column] : true
              return cell(threeDigits(value) + (done ? "" : "*"))
            }.joined())
      }
    }
    if converged.joined().contains(false) {
      lines.append("* the run did not reach its stationarity tolerance (see stop_reason)")
    }
    return lines.joined(separator: "\n")
  }
}

/// What ``Figure1/finish(_:)`` did.
public enum Figure1Outcome: Sendable, Hashable {
  /// The CSV and SVG were written; the τ_K table.
  case complete(summary: String)
  /// Points still missing; nothing written.
  case incomplete(missing: [GridPoint])
}

/// `12` → `₁₂`.
func subscriptDigits(_ number: Int) -> String {
  let digits: [Character] = ["₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉"]
  return String(String(number).map { $0.wholeNumberValue.map { digits[$0] } ?? $0 })
}

/// `|value|` as `mantissa × 10^exponent` with 1 ≤ mantissa < 10.
///
/// - Parameter value: A finite, nonzero value.
/// - Returns: The mantissa and the decimal exponent.
func decimalExponent(_ value: Double) -> (mantissa: Double, exponent: Int) {
  var exponent = 0
  var mantissa = abs(value)
  while mantissa >= 10 {
    mantissa /= 10
    exponent += 1
  }
  while mantissa < 1 {
    mantissa *= 10
    exponent -= 1
  }
  return (mantissa, exponent)
}

/// Three significant digits, scientific below 0.001.
func threeDigits(_ value: Double) -> String {
  guard value.isFinite else { return SweepValue.format(value) }
  if value == 0 { return "0" }
  let (mantissa, exponent) = decimalExponent(value)
  let rounded = (mantissa * 100).rounded() / 100
  let sign = value < 0 ? "-" : ""
  if exponent >= -3 && exponent <= 3 {
    var scale = 1.0
    for _ in 0..<abs(exponent) { scale *= 10 }
    let plain = exponent >= 0 ? rounded * scale : rounded / scale
    let decimals = max(0, 2 - exponent)
    var factor = 1.0
    for _ in 0..<decimals { factor *= 10 }
    let text = SweepValue.format((plain * factor).rounded() / factor)
    return sign + text
  }
  return sign + SweepValue.format(rounded) + "e\(exponent)"
}
