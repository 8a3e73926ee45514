import RankCollapse
import RankCollapsePlots

extension Experiments.WarmupSetting {
  /// Plain ÷ warm-up steps and seconds to the target, per round (`nil` where the warm-up run
  /// never reached the target; infinite would overstate nothing, so it is left out).
  public var speedups: [(round: Int, steps: Double?, seconds: Double?)] {
    let roundsRun = Set(runs.map(\.round)).sorted()
    return roundsRun.map { round in
      let plain = runs.first { $0.round == round && $0.method == "plain" }?.reaching(target)
      let warm = runs.first { $0.round == round && $0.method == "warmup" }?.reaching(target)
      guard let plain, let warm else { return (round, nil, nil) }
      return (
        round, Double(plain.steps) / Double(Swift.max(warm.steps, 1)),
        plain.seconds / Swift.max(warm.seconds, 1e-9)
      )
    }
  }

  /// `σ = 0.05` or `Fashion-MNIST`.
  public var title: String {
    experiment == "blobs" ? "blobs, σ = \(SweepValue.format(sigma))" : "Fashion-MNIST"
  }
}

extension Experiments.WarmupComparison {
  /// Every recorded step of every run, one row each.
  ///
  /// Columns `experiment, sigma, method, round, phase, step, seconds, objective,
  /// gradient_norm`. `phase` is `warmup` (objective = the centroid L_λ^{0,𝒞} of equation 8,
  /// step = warm-up step) or `full` (objective = L_λ on all data, step = warm-up steps +
  /// full-data steps).
  ///
  /// - Parameter settings: The results of ``run(report:)``.
  /// - Returns: The tidy table.
  public static func trajectories(_ settings: [Experiments.WarmupSetting]) -> TidyTable {
    var table = TidyTable(columns: [
      "experiment", "sigma", "method", "round", "phase", "step", "seconds", "objective",
      "gradient_norm",
    ])
    for setting in settings {
      for run in setting.runs {
        let head: [SweepValue] = [
          .text(setting.experiment), .number(setting.sigma), .text(run.method),
          .integer(run.round),
        ]
        for record in run.warmup {
          table.append(
            head + [
              "warmup", .integer(record.step), .number(record.seconds),
              .number(record.centroidObjective), .number(record.centroidGradientNorm),
            ])
        }
        for record in run.full {
          table.append(
            head + [
              "full", .integer(run.warmupSteps + record.step), .number(record.seconds),
              .number(record.objective), .number(record.gradientNorm),
            ])
        }
      }
    }
    return table
  }

  /// One row per run: the target, steps and seconds to reach it, the switch, the final L_λ and
  /// (classifier) test accuracy; then one `ratio` row per round with the speed-ups
  /// plain ÷ warm-up (in the `steps_to_target` and `seconds_to_target` columns).
  ///
  /// - Parameter settings: The results of ``run(report:)``.
  /// - Returns: The tidy table.
  public static func summary(_ settings: [Experiments.WarmupSetting]) -> TidyTable {
    var table = TidyTable(columns: [
      "experiment", "sigma", "round", "method", "target", "steps_to_target",
      "seconds_to_target", "warmup_steps", "switch_reason", "warmup_seconds", "final_objective",
      "test_accuracy",
    ])
    for setting in settings {
      for run in setting.runs {
        let reached = run.reaching(setting.target)
        table.append([
          .text(setting.experiment), .number(setting.sigma), .integer(run.round),
          .text(run.method), .number(setting.target),
          reached.map { .integer($0.steps) } ?? .text("not reached"),
          reached.map { .number($0.seconds) } ?? .text("not reached"),
          .integer(run.warmupSteps), .text(run.switchReason?.rawValue ?? ""),
          .number(run.warmupSeconds), .number(run.finalObjective),
          run.testAccuracy.map { .number($0) } ?? .text(""),
        ])
      }
      for ratio in setting.speedups {
        table.append([
          .text(setting.experiment), .number(setting.sigma), .integer(ratio.round), "ratio",
          .number(setting.target), .number(ratio.steps ?? .nan), .number(ratio.seconds ?? .nan),
          "", "", "", "", "",
        ])
      }
    }
    return table
  }

  /// A text table of the speed-ups, one line per setting (ratios of each round).
  ///
  /// - Parameter settings: The results of ``run(report:)``.
  /// - Returns: Lines for the terminal.
  public static func summaryText(_ settings: [Experiments.WarmupSetting]) -> String {
    var table = TextTable(widths: [20, 14, 18, 22, 22])
    table.add([
      "setting", "warm-up steps", "switch", "speed-up (steps)", "speed-up (seconds)",
    ])
    for setting in settings {
      let warm = setting.runs.filter { $0.method == "warmup" }
      let ratios = setting.speedups
      func list(_ values: [Double?]) -> String {
        values.map { $0.map { TextTable.rounded($0) + "×" } ?? "not reached" }
          .joined(separator: ", ")
      }
      table.add([
        setting.title, "\(warm.first?.warmupSteps ?? 0)",
        warm.first?.switchReason?.rawValue ?? "", list(ratios.map(\.steps)),
        list(ratios.map(\.seconds)),
      ])
    }
    return table.text
  }

  /// Loss curves of round 1 (at most about 400 points per line): per setting, L_λ vs wall time and vs steps (log y), plain training,
  /// the warm-up's centroid phase (dashed, centroid objective) and its full-data phase, and the
  /// target L*.
  ///
  /// - Parameter settings: The results of ``run(report:)``.
  /// - Returns: A grid with two panels per setting.
  public static func figure(_ settings: [Experiments.WarmupSetting]) -> FigureGrid {
    let plainColor = RGBColor(hex: 0x1F77B4)
    let warmColor = RGBColor(hex: 0xD62728)
    let targetColor = RGBColor(hex: 0x7F7F7F)
    var panels: [FigureGrid.Panel] = []
    for setting in settings {
      let plain = setting.runs.first { $0.method == "plain" && $0.round == 1 }
      let warm = setting.runs.first { $0.method == "warmup" && $0.round == 1 }
      for axis in ["seconds", "steps"] {
        var chart = LineChart(
          title: "\(setting.title): L_λ vs \(axis)",
          xLabel: axis == "seconds" ? "wall time (s)" : "step (warm-up + full)",
          yLabel: "L_λ", yScale: .logarithmic, width: 420, height: 300)
        func x(_ run: Experiments.WarmupRun, _ record: FullRecord) -> Double {
          axis == "seconds" ? record.seconds : Double(run.warmupSteps + record.step)
        }
        func positive(_ v: Double) -> Double { v > 0 ? v : .nan }
        // At most about 400 points per line (every step is in trajectories.csv).
        func thin<T>(_ records: [T]) -> [T] {
          let stride = Swift.max(1, records.count / 400)
          return records.enumerated().filter {
            $0.offset % stride == 0 || $0.offset == records.count - 1
          }.map(\.element)
        }
        if let plain {
          chart.series.append(
            .init(
              name: "plain", x: thin(plain.full).map { x(plain, $0) },
              y: thin(plain.full).map { positive($0.objective) }, color: plainColor,
              showsMarkers: false))
        }
        if let warm {
          if !warm.warmup.isEmpty {
            chart.series.append(
              .init(
                name: "warm-up: centroid L_λ^C",
                x: warm.warmup.map {
                  axis == "seconds" ? $0.seconds : Double($0.step)
                }, y: warm.warmup.map { positive($0.centroidObjective) }, color: warmColor,
                showsMarkers: false, isDashed: true))
          }
          chart.series.append(
            .init(
              name: "warm-up: full L_λ", x: thin(warm.full).map { x(warm, $0) },
              y: thin(warm.full).map { positive($0.objective) }, color: warmColor,
              showsMarkers: false))
        }
        let xs = chart.series.flatMap(\.x).filter(\.isFinite)
        if let low = xs.min(), let high = xs.max(), setting.target > 0 {
          chart.series.append(
            .init(
              name: "target L*", x: [low, high], y: [setting.target, setting.target],
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
  /// Writes `trajectories.csv`, `summary.csv`, `hyperparameters.json` (``hyperparameters`` plus
  /// `environment`) and `warmup.svg` into `folder` (created if needed), each atomically.
  ///
  /// - Parameters:
  ///   - settings: The results of ``run(report:)``.
  ///   - folder: The output folder.
  ///   - environment: Recorded settings that do not change the numbers (threads).
  /// - Returns: The paths written.
  /// - Throws: ``ExperimentError/analysis(stage:message:)`` when a file cannot be written.
  public func write(
    _ settings: [Experiments.WarmupSetting], to folder: String, environment: Hyperparameters = [:]
  ) throws(ExperimentError) -> [String] {
    let paths = ["trajectories.csv", "summary.csv", "hyperparameters.json", "warmup.svg"].map {
      folder + "/" + $0
    }
    do {
      try Sweep.createFolder(folder)
      try Self.trajectories(settings).writeCSV(to: paths[0])
      try Self.summary(settings).writeCSV(to: paths[1])
      var sidecar = hyperparameters.dictionary
      for (key, value) in environment.entries { sidecar["environment.\(key)"] = value }
      try AtomicFile.write(SweepJSON.encode(sidecar), to: paths[2])
    } catch {
      throw .analysis(stage: "writing the output", message: "\(error)")
    }
    do { try Self.figure(settings).write(to: paths[3]) } catch {
      throw .analysis(stage: "writing \(paths[3])", message: "\(error)")
    }
    return paths
  }
}
