import Foundation
import RankCollapse
import RankCollapseExperiments
import RankCollapsePlots
import RankCollapseSweep
import Testing

@Suite struct RankEvolutionTests {
  static let experiment = Experiments.RankEvolution(
    configuration: Experiments.ClassifierConfiguration(
      hiddenWidths: [6, 5], epochs: 4, recordEvery: 2, batchSize: 32, seed: 2),
    lambdas: [1e-3, 1e-2], trainingSamples: nil, testSamples: nil)

  static func data() throws -> Experiments.ClassifierData {
    try ClassifierFixture.mixture(trainPoints: 80, testPoints: 0)
  }

  /// The tidy rows hold one measurement each: per snapshot loss, penalty, train accuracy (no
  /// test images here), the inputs' TCV, and per layer 2 rows per singular value plus rk, TCV,
  /// total variation and the stationarity residual ρ_l.
  @Test func theTidyRowsHaveOneMeasurementEach() throws {
    let runs = try Self.experiment.run(on: Self.data())
    let rows = Experiments.RankEvolution.rows(of: runs[1])
    // Layers: W_1 6×16 (6 values), W_2 5×6 (5), W_3 4×5 (4); snapshots at epochs 0, 2, 4.
    let perSnapshot = 4 + (2 * 6 + 4) + (2 * 5 + 4) + (2 * 4 + 4)
    #expect(rows.count == 3 * perSnapshot)
    // ρ_l is finite and positive (λ > 0, a few epochs of Adam: far from stationary).
    let residuals = rows.filter { $0[3] == "stationarity_residual" }
    #expect(residuals.count == 3 * 3)
    #expect(residuals.allSatisfy { ($0[4].number ?? .nan) > 0 && ($0[4].number ?? .nan) < 1e6 })
    #expect(rows.allSatisfy { $0.count == Experiments.RankEvolution.measurementColumns.count })
    let firstTail = rows.filter { $0[3] == "tail_error" && $0[2] == 1 }
    #expect(firstTail.count == 3 * 3)
    #expect(firstTail.allSatisfy { $0[4] == 1.0 })
    #expect(!rows.contains { $0[3] == "test_accuracy" })
  }

  /// Through the sweep (points stored as text, merged into a table) the trajectories come back
  /// exactly as the runs had them; a second run trains nothing; two shards complete the grid.
  @Test func theSweepStoresEachLambdaAndTheFigureReadsItBack() throws {
    let folder = try ClassifierFixture.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let data = try Self.data()
    let sweep = try Self.experiment.sweep(folder: folder, data: data)
    let first = try Self.experiment.run(sweep, shard: Shard(parsing: "1/2"), data: data)
    #expect(first == SweepRunSummary(computed: 1, skipped: 0))
    guard case .incomplete(let missing) = try sweep.merge(to: folder + "/figure3.csv") else {
      Issue.record("one shard of two cannot complete the grid")
      return
    }
    #expect(missing.map { $0["lambda"] } == [.number(1e-2)])
    #expect(!FileManager.default.fileExists(atPath: folder + "/figure3.csv"))
    let second = try Self.experiment.run(sweep, shard: Shard(parsing: "2/2"), data: data)
    #expect(second == SweepRunSummary(computed: 1, skipped: 0))
    let again = try Self.experiment.run(sweep, data: data)
    #expect(again == SweepRunSummary(computed: 0, skipped: 2))
    guard case .complete(let table) = try sweep.merge(to: folder + "/figure3.csv") else {
      Issue.record("the grid should be complete")
      return
    }
    let trajectories = try Self.experiment.trajectories(from: table)
    let direct = try Self.experiment.run(on: data).map(Experiments.RankEvolution.Trajectory.init)
    #expect(trajectories == direct)

    // Another λ grid in the same folder is refused, naming the key.
    var other = Self.experiment
    other.lambdas = [1e-3]
    #expect(throws: SweepError.self) { try other.sweep(folder: folder, data: data) }
  }

  /// A minimal valid set of rows parses; each damaged variant is a data error.
  @Test func damagedRowsAreDataErrors() throws {
    let valid: [[String]] = [
      ["0", "", "", "train_accuracy", "0.5"], ["0", "1", "1", "singular_value", "2"],
      ["0", "1", "2", "singular_value", "1"], ["0", "1", "", "class_tcv", "1.5"],
      ["0", "1", "", "soft_rank", "1"],
    ]
    let trajectory = try Experiments.RankEvolution.Trajectory(lambda: 1, rows: valid)
    #expect(trajectory.epochs == [0])
    #expect(trajectory.tails == [[[1, 1.0 / 3]]])
    #expect(trajectory.classTCV == [[1.5]])
    #expect(trajectory.softRanks == [[1]])
    #expect(trajectory.testAccuracy == [nil])
    var damaged: [[[String]]] = [
      Array(valid.dropFirst()),  // no training accuracy
      valid.filter { $0[3] != "class_tcv" },  // no TCV for the layer
      valid.filter { $0[3] != "soft_rank" },  // no soft rank
      valid.filter { $0[2] != "1" },  // r = 1 missing
    ]
    for (row, column, text) in [(1, 4, "nan"), (1, 4, "-1"), (1, 0, "zero"), (1, 1, "")] {
      var rows = valid
      rows[row][column] = text
      damaged.append(rows)
    }
    for rows in damaged {
      #expect(throws: Experiments.ClassifierError.self, "\(rows)") {
        try Experiments.RankEvolution.Trajectory(lambda: 1, rows: rows)
      }
    }
  }

  @Test func theSummaryListsTheFirstAndLastEpochOfEachLambda() throws {
    let runs = try Self.experiment.run(on: Self.data())
    let summary = Experiments.RankEvolution.summary(
      runs.map(Experiments.RankEvolution.Trajectory.init))
    let lines = summary.split(separator: "\n")
    #expect(lines.count == 1 + 2 * 2)
    #expect(lines[0].hasPrefix("λ"))
    #expect(lines[4].hasPrefix("0.01     4      "))
    let ranks = runs[1].final.layers.map { String($0.softRank(epsilon: 0.1)) }
    #expect(lines[4].contains(ranks.joined(separator: " ")))
  }

  @Test func panelsHaveOneCurvePerEpochFromLightToDarkBlue() throws {
    let runs = try Self.experiment.run(on: Self.data())
    let trajectories = runs.map(Experiments.RankEvolution.Trajectory.init)
    let panel = Experiments.RankEvolution.tailPanel(of: trajectories[1], layer: 2)
    #expect(panel.series.map(\.name) == ["epoch 0", "epoch 2", "epoch 4"])
    #expect(panel.series.allSatisfy { $0.x.count == 5 })
    #expect(panel.series.map(\.showsInLegend) == [true, false, true])
    func lightness(_ color: RGBColor?) -> Int {
      guard let color else { return -1 }
      return Int(color.red) + Int(color.green) + Int(color.blue)
    }
    let shades = panel.series.map { lightness($0.color) }
    #expect(shades == shades.sorted(by: >), "\(shades)")
    #expect(shades[0] > shades[2])
    // Blue: the blue channel dominates every curve's colour.
    #expect(panel.series.allSatisfy { ($0.color?.blue ?? 0) > ($0.color?.red ?? 255) })

    let tcv = Experiments.RankEvolution.tcvPanel(of: trajectories, layer: 1)
    #expect(tcv.series.map(\.name) == ["λ = 0.001", "λ = 0.01"])
    #expect(tcv.series[0].x == [0, 2, 4])
    #expect(tcv.series[1].y == runs[1].snapshots.map { $0.layers[0].classTCV })

    // The figure: a row of 3 layer panels per λ and a row of 3 TCV panels.
    let figure = Experiments.RankEvolution.figure(trajectories)
    #expect(figure.columns == 3)
    #expect(figure.panels.count == 9)
    let svg = try figure.svg()
    #expect(svg.contains("TCV of Z¹ by class"))
    #expect(svg.contains("W₃, λ = 0.01"))
  }
}

@Suite struct WidthDepthSweepTests {
  static let sweep = Experiments.WidthDepthSweep(
    configuration: Experiments.ClassifierConfiguration(
      hiddenWidths: [1], epochs: 3, batchSize: 32, seed: 4),
    lambdas: [1e-3, 1e-2], widths: [8, 32], fixedHiddenLayers: 2, hiddenLayerCounts: [1, 2],
    fixedWidth: nil, trainingSamples: nil, testSamples: nil, pooling: 1)

  /// With 16 inputs, Figure 5's width is 32, so (λ, 32, 2 hidden layers) belongs to both
  /// figures and is trained once.
  @Test func theGridSharesThePointWhereTheFiguresMeet() throws {
    #expect(Self.sweep.widthPoints.count == 4)
    #expect(Self.sweep.depthPoints(inputSize: 16).count == 4)
    let points = Self.sweep.points(inputSize: 16)
    #expect(points.count == 6)
    #expect(points == points.sorted())
    #expect(points.filter { $0.width == 32 && $0.hiddenLayers == 2 }.count == 2)
    let grid = Self.sweep.grid(inputSize: 16)
    #expect(grid.map(\.index) == Array(0..<6))
    #expect(try grid.map(Experiments.WidthDepthSweep.point) == points)
  }

  @Test func figureQuantitiesAverageTheRightLayers() throws {
    let point = Experiments.WidthDepthSweep.Point(lambda: 1, width: 8, hiddenLayers: 3)
    let outcome = Experiments.WidthDepthSweep.Outcome(
      point: point, softRanks: [7, 2, 4, 3], fullRanks: [8, 8, 8, 4],
      initialSoftRanks: [8, 8, 8, 4], trainAccuracy: 1, testAccuracy: nil, loss: 0)
    #expect(outcome.intermediateSoftRank == 3)  // W_2, W_3
    #expect(outcome.averageSoftRank == 4)  // all four
    var single = outcome
    single.softRanks = [5, 2]
    #expect(single.intermediateSoftRank == 5)  // one hidden layer: W_1
    // The rows, stored as text, give the outcome back.
    let text = outcome.rows.map { $0.map(\.description) }
    #expect(try Experiments.WidthDepthSweep.Outcome(point: point, rows: text) == outcome)
    // With the final ρ_l per layer too; outcomes stored before ρ_l was recorded read with none.
    var withResiduals = outcome
    withResiduals.stationarity = [0.5, 0.25, 1.5, 3]
    let residualText = withResiduals.rows.map { $0.map(\.description) }
    #expect(residualText.count == text.count + 4)
    #expect(
      try Experiments.WidthDepthSweep.Outcome(point: point, rows: residualText) == withResiduals)
    #expect(try Experiments.WidthDepthSweep.Outcome(point: point, rows: text).stationarity.isEmpty)
    // A missing layer is an error.
    #expect(throws: Experiments.ClassifierError.self) {
      try Experiments.WidthDepthSweep.Outcome(point: point, rows: Array(text.dropFirst()))
    }
  }

  @Test func theSweepTrainsEachPointOnceAndTheChartsCollectTheLines() throws {
    let folder = try ClassifierFixture.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let data = try ClassifierFixture.mixture(trainPoints: 80, testPoints: 20)
    let sweep = try Self.sweep.sweep(folder: folder, data: data)
    #expect(try Self.sweep.run(sweep, data: data) == SweepRunSummary(computed: 6, skipped: 0))
    #expect(try Self.sweep.run(sweep, data: data) == SweepRunSummary(computed: 0, skipped: 6))
    guard case .complete(let table) = try sweep.merge(to: folder + "/figures4-5.csv") else {
      Issue.record("the grid should be complete")
      return
    }
    let outcomes = try Experiments.WidthDepthSweep.outcomes(from: table)
    #expect(outcomes.count == 6)
    for outcome in outcomes {
      #expect(outcome.softRanks.count == outcome.point.hiddenLayers + 1)
      #expect(outcome.fullRanks[0] == min(16, outcome.point.width))
      #expect(zip(outcome.softRanks, outcome.fullRanks).allSatisfy { $0 <= $1 })
      #expect(outcome.testAccuracy != nil)
    }
    // A point trained directly gives the stored outcome (same seed, same data).
    let shared = Experiments.WidthDepthSweep.Point(lambda: 1e-2, width: 32, hiddenLayers: 2)
    let direct = try Self.sweep.run(shared, on: data)
    #expect(outcomes.first { $0.point == shared } == direct)

    let width = Self.sweep.widthChart(outcomes)
    #expect(width.series.map(\.name) == ["λ = 0.001", "λ = 0.01", "at initialisation"])
    #expect(width.series.allSatisfy { $0.x == [8, 32] })
    #expect(width.series[1].y[1] == direct.intermediateSoftRank)
    #expect(width.series[2].isDashed)
    let depth = Self.sweep.depthChart(outcomes, inputSize: 16)
    #expect(depth.series.allSatisfy { $0.x == [1, 2] })
    #expect(depth.series[1].y[1] == direct.averageSoftRank)
    _ = try width.svg()
    _ = try depth.svg()

    let summary = Self.sweep.summary(outcomes, inputSize: 16)
    #expect(summary.contains("Figure 4"))
    #expect(summary.contains("Figure 5"))
    let rank = "\((direct.intermediateSoftRank * 10).rounded() / 10)"
    #expect(summary.split(separator: "\n").contains { $0.hasPrefix("32 ") && $0.contains(rank) })
  }
}

@Suite struct ClassifierDataSidecarTests {
  /// Every classifier sweep records the data's sizes, pooling and fingerprint, so a folder is
  /// never resumed on other images.
  @Test func sweepsRecordWhatIdentifiesTheData() throws {
    let data = try ClassifierFixture.mixture(trainPoints: 60, testPoints: 20)
    let other = try ClassifierFixture.mixture(trainPoints: 60, testPoints: 20, seed: 8)
    let entries = data.sweepHyperparameters
    #expect(entries.keys == ["training_samples", "test_samples", "pooling", "input_size", "data"])
    #expect(entries["training_samples"] == .integer(60))
    #expect(entries["test_samples"] == .integer(20))
    #expect(entries["pooling"] == .integer(1))
    #expect(entries["input_size"] == .integer(16))
    #expect(entries["data"] == .text(data.fingerprint))
    #expect(other.sweepHyperparameters["data"] != entries["data"])
    let sidecar = RankEvolutionTests.experiment.hyperparameters(data: data)
    for (key, value) in entries.entries { #expect(sidecar[key] == value, "\(key)") }
  }
}
