import RankCollapse
import RankCollapsePlots
import RankCollapseSweep

extension Experiments.WarmupSetting {
  /// Plain ÷ warm-up steps and seconds to each target, for every warm-up run against the plain
  /// run of its round (`nil` where either never reached the target).
  public var speedups: [Experiments.WarmupSpeedup] {
    var result: [Experiments.WarmupSpeedup] = []
    for run in runs where run.method != .plain {
      let plain = runs.first { $0.round == run.round && $0.method == .plain }
      for kind in targetKinds {
        let a = plain.flatMap { reaching($0, kind) }
        let b = reaching(run, kind)
        var speedup = Experiments.WarmupSpeedup(
          method: run.method, residualFraction: run.residualFraction, round: run.round,
          kind: kind, steps: nil, seconds: nil)
        if let a, let b {
          speedup.steps = Double(a.steps) / Double(Swift.max(b.steps, 1))
          speedup.seconds = a.seconds / Swift.max(b.seconds, 1e-9)
        }
        result.append(speedup)
      }
    }
    return result
  }

  /// `blobs, σ = 0.05`, `Fashion-MNIST` or `Fashion-MNIST, batch 256`.
  public var title: String {
    if experiment == "blobs" { return "blobs, σ = \(SweepValue.format(sigma))" }
    return batchSize.map { "Fashion-MNIST, batch \($0)" } ?? "Fashion-MNIST"
  }
}

extension Experiments.WarmupComparison {
  /// The columns that identify a run in every table.
  static func head(_ setting: Experiments.WarmupSetting, _ run: Experiments.WarmupRun)
    -> [SweepValue]
  {
    [
      .text(setting.experiment), .number(setting.sigma),
      setting.batchSize.map { .integer($0) } ?? "full", .text(run.method.rawValue),
      run.residualFraction.map { .number($0) } ?? "", .integer(run.round),
    ]
  }

  static let headColumns = ["experiment", "sigma", "batch_size", "method", "rho", "round"]

  /// Every recorded step and evaluation of every run, one row each.
  ///
  /// Columns `experiment, sigma, batch_size, method, rho, round, phase, step, seconds,
  /// objective, gradient_norm, test_accuracy`. `phase` is `warmup` (objective = the centroid
  /// L_λ^{0,𝒞} of equation 8, step = warm-up step), `full` (objective = L_λ on all data, or on
  /// the minibatch when `batch_size` is a number; step = warm-up steps + full-data steps) or
  /// `evaluation` (held-out test accuracy and, with minibatches, L_λ on all training data;
  /// seconds = training time before it). Empty cells: not measured.
  ///
  /// - Parameter settings: The results of ``run(report:)``.
  /// - Returns: The tidy table.
  public static func trajectories(_ settings: [Experiments.WarmupSetting]) -> TidyTable {
    var table = TidyTable(
      columns: headColumns + [
        "phase", "step", "seconds", "objective", "gradient_norm", "test_accuracy",
      ])
    for setting in settings {
      for run in setting.runs {
        let head = Self.head(setting, run)
        for record in run.warmup {
          table.append(
            head + [
              "warmup", .integer(record.step), .number(record.seconds),
              .number(record.centroidObjective), .number(record.centroidGradientNorm), "",
            ])
        }
        for record in run.full {
          table.append(
            head + [
              "full", .integer(run.warmupSteps + record.step), .number(record.seconds),
              .number(record.objective), .number(record.gradientNorm), "",
            ])
        }
        for e in run.evaluations {
          table.append(
            head + [
              "evaluation", .integer(e.step), .number(e.seconds),
              e.objective.map { .number($0) } ?? "", "",
              e.testAccuracy.map { .number($0) } ?? "",
            ])
        }
      }
    }
    return table
  }

  /// One row per run and target: the target, steps and seconds to reach it, the switch, the
  /// refreshes, the final L_λ and (classifier) test accuracy.
  ///
  /// Columns `experiment, sigma, batch_size, method, rho, round, target_kind, target,
  /// steps_to_target, seconds_to_target, warmup_steps, switch_reason, refreshes, clusters,
  /// warmup_seconds, final_objective, test_accuracy` (`clusters`: K when the warm-up ended, 0
  /// for plain); `target_kind` is `objective` (L*) or
  /// `accuracy` (A*); `final_objective` is L_λ on all training data (with minibatches, its last
  /// evaluation).
  ///
  /// - Parameter settings: The results of ``run(report:)``.
  /// - Returns: The tidy table.
  public static func summary(_ settings: [Experiments.WarmupSetting]) -> TidyTable {
    var table = TidyTable(
      columns: headColumns + [
        "target_kind", "target", "steps_to_target", "seconds_to_target", "warmup_steps",
        "switch_reason", "refreshes", "clusters", "warmup_seconds", "final_objective",
        "test_accuracy",
      ])
    for setting in settings {
      for run in setting.runs {
        for kind in setting.targetKinds {
          let reached = setting.reaching(run, kind)
          let final =
            setting.batchSize == nil ? run.finalObjective : run.finalEvaluatedObjective ?? .nan
          table.append(
            Self.head(setting, run) + [
              .text(kind.rawValue), .number(setting.targetValue(kind)),
              reached.map { .integer($0.steps) } ?? "not reached",
              reached.map { .number($0.seconds) } ?? "not reached",
              .integer(run.warmupSteps), .text(run.switchReason?.rawValue ?? ""),
              .integer(run.refreshes), .integer(run.clusters), .number(run.warmupSeconds),
              .number(final),
              run.testAccuracy.map { .number($0) } ?? "",
            ])
        }
      }
    }
    return table
  }

  /// One row per warm-up run and target: the speed-ups plain ÷ warm-up in steps and seconds
  /// against the plain run of the same round.
  ///
  /// Columns `experiment, sigma, batch_size, method, rho, round, target_kind, speedup_steps,
  /// speedup_seconds` (`not reached` when either run missed the target).
  ///
  /// - Parameter settings: The results of ``run(report:)``.
  /// - Returns: The tidy table.
  public static func speedupTable(_ settings: [Experiments.WarmupSetting]) -> TidyTable {
    var table = TidyTable(
      columns: headColumns + ["target_kind", "speedup_steps", "speedup_seconds"])
    for setting in settings {
      for speedup in setting.speedups {
        guard
          let run = setting.runs.first(where: {
            $0.round == speedup.round && $0.method == speedup.method
              && $0.residualFraction == speedup.residualFraction
          })
        else { continue }
        table.append(
          Self.head(setting, run) + [
            .text(speedup.kind.rawValue), speedup.steps.map { .number($0) } ?? "not reached",
            speedup.seconds.map { .number($0) } ?? "not reached",
          ])
      }
    }
    return table
  }

  /// A text table, one line per setting, warm-up method, ρ and target: warm-up steps, steps
  /// to the target (round 1, plain / method) and the speed-ups of each round.
  ///
  /// - Parameter settings: The results of ``run(report:)``.
  /// - Returns: Lines for the terminal.
  public static func summaryText(_ settings: [Experiments.WarmupSetting]) -> String {
    var table = TextTable(widths: [24, 9, 20, 14, 16, 20, 20])
    table.add([
      "setting", "target", "method", "warm-up steps", "steps plain/warm", "speed-up (steps)",
      "speed-up (seconds)",
    ])
    for setting in settings {
      let plain = setting.runs.first { $0.method == .plain && $0.round == 1 }
      let keys = setting.runs.filter { $0.method != .plain && $0.round == 1 }
      for run in keys {
        for kind in setting.targetKinds {
          let ratios = setting.speedups.filter {
            $0.method == run.method && $0.residualFraction == run.residualFraction
              && $0.kind == kind
          }
          func list(_ values: [Double?]) -> String {
            values.map { $0.map { TextTable.rounded($0) + "×" } ?? "not reached" }
              .joined(separator: ", ")
          }
          func steps(_ run: Experiments.WarmupRun?) -> String {
            run.flatMap { setting.reaching($0, kind) }.map { "\($0.steps)" } ?? "—"
          }
          let target =
            kind == .objective
            ? "L_λ" : "acc \(TextTable.percent(setting.accuracyTarget ?? .nan))"
          table.add([
            setting.title, target,
            "\(run.method.rawValue) ρ=\(SweepValue.format(run.residualFraction ?? .nan))",
            "\(run.warmupSteps) (\(run.switchReason?.rawValue ?? ""))",
            "\(steps(plain))/\(steps(run))", list(ratios.map(\.steps)),
            list(ratios.map(\.seconds)),
          ])
        }
      }
    }
    return table.text
  }

  /// Curves of round 1 at the first ρ (at most about 400 points per line): per setting, L_λ
  /// vs wall time and vs steps (log y) for the autoencoder, L_λ vs wall time and test
  /// accuracy vs wall time for the classifier; plain training, the warm-up (its centroid phase
  /// dashed), the refreshed warm-up, and the targets.
  ///
  /// - Parameter settings: The results of ``run(report:)``.
  /// - Returns: A grid with two panels per setting.
  public static func figure(_ settings: [Experiments.WarmupSetting]) -> FigureGrid {
    let colors: [Experiments.WarmupMethod: RGBColor] = [
      .plain: RGBColor(hex: 0x1F77B4), .warmup: RGBColor(hex: 0xD62728),
      .warmupRefresh: RGBColor(hex: 0x2CA02C),
    ]
    let targetColor = RGBColor(hex: 0x7F7F7F)
    var panels: [FigureGrid.Panel] = []
    // At most about 400 points per line (every step is in trajectories.csv).
    func thin<T>(_ records: [T]) -> [T] {
      let stride = Swift.max(1, records.count / 400)
      return records.enumerated().filter {
        $0.offset % stride == 0 || $0.offset == records.count - 1
      }.map(\.element)
    }
    func positive(_ v: Double) -> Double { v > 0 ? v : .nan }
    for setting in settings {
      let firstRho = setting.runs.first { $0.residualFraction != nil }?.residualFraction
      let shown = setting.runs.filter {
        $0.round == 1 && ($0.method == .plain || $0.residualFraction == firstRho)
      }
      let classifier = setting.experiment != "blobs"
      // Short enough for a 420-pixel panel.
      let shortTitle = setting.batchSize.map { "F-MNIST batch \($0)" } ?? "Fashion-MNIST"
      let minibatch = setting.batchSize != nil
      let panelKinds =
        classifier ? ["objective-seconds", "accuracy"] : ["objective-seconds", "objective-steps"]
      for panel in panelKinds {
        let accuracy = panel == "accuracy"
        let steps = panel == "objective-steps"
        let yLabel = accuracy ? "test accuracy" : minibatch ? "L_λ (all training data)" : "L_λ"
        var chart = LineChart(
          title: classifier
            ? "\(shortTitle): \(accuracy ? "test accuracy" : "L_λ")"
            : "\(setting.title): L_λ vs \(steps ? "steps" : "seconds")",
          xLabel: steps ? "step (warm-up + full)" : "training time (s)", yLabel: yLabel,
          yScale: accuracy ? .linear : .logarithmic, width: 420, height: 300)
        for run in shown {
          let name =
            run.method == .plain
            ? "plain"
            : "\(run.method.rawValue) ρ=\(SweepValue.format(run.residualFraction ?? .nan))"
          let color = colors[run.method] ?? targetColor
          if !accuracy, run.method == .warmup, !run.warmup.isEmpty {
            chart.series.append(
              .init(
                name: "warm-up: centroid L_λ^C",
                x: run.warmup.map { steps ? Double($0.step) : $0.seconds },
                y: run.warmup.map { positive($0.centroidObjective) }, color: color,
                showsMarkers: false, isDashed: true))
          }
          if accuracy || minibatch {
            let points = thin(
              run.evaluations.filter { (accuracy ? $0.testAccuracy : $0.objective) != nil })
            chart.series.append(
              .init(
                name: name, x: points.map { steps ? Double($0.step) : $0.seconds },
                y: points.map { (accuracy ? $0.testAccuracy : $0.objective.map(positive)) ?? .nan },
                color: color, showsMarkers: false))
          } else {
            let points = thin(run.full)
            chart.series.append(
              .init(
                name: name,
                x: points.map { steps ? Double(run.warmupSteps + $0.step) : $0.seconds },
                y: points.map { positive($0.objective) }, color: color, showsMarkers: false))
          }
        }
        let target = accuracy ? setting.accuracyTarget ?? .nan : setting.target
        let xs = chart.series.flatMap(\.x).filter(\.isFinite)
        if let low = xs.min(), let high = xs.max(), target.isFinite, accuracy || target > 0 {
          chart.series.append(
            .init(
              name: accuracy ? "target A*" : "target L*", x: [low, high], y: [target, target],
              color: targetColor, showsMarkers: false, isDashed: true))
        }
        panels.append(.lineChart(chart))
      }
    }
    return FigureGrid(
      title: "Centroid warm-up vs plain training (same initialisation)", columns: 2,
      panels: panels)
  }
}

extension Experiments.WarmupComparison {
  /// Writes `trajectories.csv`, `summary.csv`, `speedups.csv`, `hyperparameters.json`
  /// (``hyperparameters`` plus `environment`) and `warmup.svg` into `folder` (created if
  /// needed), each atomically.
  ///
  /// - Parameters:
  ///   - settings: The results of ``run(report:)``.
  ///   - folder: The output folder.
  ///   - environment: Recorded settings that do not change the numbers (threads).
  /// - Returns: The paths written.
  /// - Throws: ``ExperimentError/analysis(stage:cause:)`` when a file cannot be written.
  public func write(
    _ settings: [Experiments.WarmupSetting], to folder: String, environment: Hyperparameters = [:]
  ) throws(ExperimentError) -> [String] {
    let paths = [
      "trajectories.csv", "summary.csv", "speedups.csv", "hyperparameters.json", "warmup.svg",
    ].map { folder + "/" + $0 }
    do {
      try Sweep.createFolder(folder)
      try Self.trajectories(settings).writeCSV(to: paths[0])
      try Self.summary(settings).writeCSV(to: paths[1])
      try Self.speedupTable(settings).writeCSV(to: paths[2])
      var sidecar = hyperparameters.dictionary
      for (key, value) in environment.entries { sidecar["environment.\(key)"] = value }
      try AtomicFile.write(SweepJSON.encode(sidecar), to: paths[3])
    } catch {
      throw .analysis(stage: "writing the output", cause: UnderlyingError(error))
    }
    do { try Self.figure(settings).write(to: paths[4]) } catch {
      throw .analysis(stage: "writing \(paths[4])", cause: UnderlyingError(error))
    }
    return paths
  }
}
