import RankCollapse
import RankCollapseSweep

extension Experiments.WidthDepthSweep: ClassifierSweepExperiment {
  /// The experiment's name in the sweep's files.
  public static let experimentName = "mnist-width-depth"

  /// The columns of a point's rows (after the grid's `lambda`, `width`, `hidden_layers`).
  public static let measurementColumns = ["layer", "quantity", "value"]

  /// Everything the numbers depend on: the shared configuration (without λ and widths, which
  /// are the grid's axes), the figures' fixed depth and width, the data's size, pooling and
  /// fingerprint.
  ///
  /// - Parameter data: The images.
  /// - Returns: The sidecar's hyperparameters.
  public func hyperparameters(data: Experiments.ClassifierData) -> Hyperparameters {
    var result = configuration.hyperparameters
    result["lambda"] = nil
    result["hidden_widths"] = nil
    result["record_every"] = nil
    result["figure4_hidden_layers"] = .integer(fixedHiddenLayers)
    result["figure4_widths"] = .integers(widths)
    result["figure5_width"] = .integer(depthSweepWidth(inputSize: data.trainImages.columns))
    result["figure5_hidden_layers"] = .integers(hiddenLayerCounts)
    return result.merging(data.sweepHyperparameters)
  }

  /// The grid: every point of both figures (``points(inputSize:)``), with coordinates `lambda`,
  /// `width`, `hidden_layers`.
  ///
  /// - Parameter inputSize: d_0.
  /// - Returns: The grid points, numbered in order.
  public func grid(inputSize: Int) -> [GridPoint] {
    points(inputSize: inputSize).enumerated().map { index, point in
      GridPoint(
        index: index, names: ["lambda", "width", "hidden_layers"],
        values: [.number(point.lambda), .integer(point.width), .integer(point.hiddenLayers)])
    }
  }

  /// The sweep's grid, ``grid(inputSize:)`` at the images' input size.
  ///
  /// - Parameter data: The images.
  /// - Returns: The points.
  public func sweepGrid(data: Experiments.ClassifierData) -> [GridPoint] {
    grid(inputSize: data.trainImages.columns)
  }

  /// The grid point's ``Point``.
  ///
  /// - Parameter point: A point of ``grid(inputSize:)``.
  /// - Returns: Its λ, width and depth.
  /// - Throws: ``ClassifierError/invalidData(_:)`` when a coordinate is missing.
  public static func point(_ point: GridPoint) throws(Experiments.ClassifierError) -> Point {
    guard let lambda = point["lambda"]?.number, case .integer(let width) = point["width"],
      case .integer(let depth) = point["hidden_layers"]
    else { throw .invalidData("grid point \(point) lacks lambda, width or hidden_layers") }
    return Point(lambda: lambda, width: width, hiddenLayers: depth)
  }

  /// Trains the points of `shard` that are not finished yet and stores each one's rows.
  ///
  /// - Parameters:
  ///   - sweep: The sweep from ``sweep(folder:data:environment:)``.
  ///   - shard: The part of the grid this process trains.
  ///   - data: The images.
  ///   - progress: The trainer's progress output.
  ///   - report: Called after each point of the shard.
  /// - Returns: How many points were trained and skipped.
  /// - Throws: ``ClassifierError`` or `SweepError`.
  @discardableResult
  public func run(
    _ sweep: Sweep, shard: Shard = .all, data: Experiments.ClassifierData,
    progress: ProgressStyle = .silent, report: ((GridPoint, SweepPointStatus) -> Void)? = nil
  ) throws -> SweepRunSummary {
    try validate()
    return try sweep.run(
      shard: shard,
      compute: { point in
        try run(Self.point(point), on: data, progress: progress).rows
      }, report: report)
  }

  /// The outcomes of a merged table (columns `lambda`, `width`, `hidden_layers`, then
  /// ``measurementColumns``).
  ///
  /// - Parameter table: The table `Sweep.merge(to:)` returned.
  /// - Returns: One outcome per point, in table order.
  /// - Throws: ``ClassifierError/invalidData(_:)`` for rows that do not parse.
  public static func outcomes(
    from table: TidyTable
  ) throws(Experiments.ClassifierError) -> [Outcome] {
    var order: [Point] = []
    var rows: [Point: [[String]]] = [:]
    for row in table.rows {
      guard row.count == 6, let lambda = Double(row[0]), let width = Int(row[1]),
        let depth = Int(row[2])
      else { throw .invalidData("a row of the Figures 4–5 table does not parse: \(row)") }
      let point = Point(lambda: lambda, width: width, hiddenLayers: depth)
      if rows[point] == nil { order.append(point) }
      rows[point, default: []].append(Array(row[3...]))
    }
    var result: [Outcome] = []
    for point in order { result.append(try Outcome(point: point, rows: rows[point] ?? [])) }
    return result
  }
}

extension Experiments.WidthDepthSweep.Outcome {
  /// The tidy rows of the outcome (``Experiments/WidthDepthSweep/measurementColumns`` order):
  /// per layer `soft_rank`, `initial_soft_rank`, `full_rank` and `stationarity_residual` (ρ_l at
  /// the end of training); for the network (empty layer)
  /// `train_accuracy`, `test_accuracy`, `loss`, and the figures' quantities
  /// `intermediate_soft_rank` (Figure 4) and `average_soft_rank` (Figure 5).
  public var rows: [[SweepValue]] {
    var result: [[SweepValue]] = []
    for l in softRanks.indices {
      result.append([.integer(l + 1), "soft_rank", .integer(softRanks[l])])
      result.append([.integer(l + 1), "initial_soft_rank", .integer(initialSoftRanks[l])])
      result.append([.integer(l + 1), "full_rank", .integer(fullRanks[l])])
    }
    for (l, rho) in stationarity.enumerated() {
      result.append([.integer(l + 1), "stationarity_residual", .number(rho)])
    }
    result.append(["", "train_accuracy", .number(trainAccuracy)])
    if let testAccuracy { result.append(["", "test_accuracy", .number(testAccuracy)]) }
    result.append(["", "loss", .number(loss)])
    result.append(["", "intermediate_soft_rank", .number(intermediateSoftRank)])
    result.append(["", "average_soft_rank", .number(averageSoftRank)])
    return result
  }

  /// Rebuilds an outcome from its rows (cells as text, as `Sweep` stores them).
  ///
  /// - Parameters:
  ///   - point: The point.
  ///   - rows: The rows ``rows`` made.
  /// - Throws: ``Experiments/ClassifierError/invalidData(_:)`` for rows that do not parse or
  ///   layers that are missing.
  public init(
    point: Experiments.WidthDepthSweep.Point, rows: [[String]]
  ) throws(Experiments.ClassifierError) {
    var ranks: [String: [Int: Int]] = [:]
    var values: [String: Double] = [:]
    var residuals: [Int: Double] = [:]
    for row in rows {
      guard row.count == 3 else { throw .invalidData("a row of \(point) does not parse: \(row)") }
      if let layer = Int(row[0]), row[1] == "stationarity_residual" {
        guard let value = Double(row[2]) else {
          throw .invalidData("a residual of \(point) does not parse: \(row)")
        }
        residuals[layer] = value
      } else if let layer = Int(row[0]) {
        guard let rank = Int(row[2]), rank >= 0 else {
          throw .invalidData("a rank of \(point) does not parse: \(row)")
        }
        ranks[row[1], default: [:]][layer] = rank
      } else {
        guard let value = Double(row[2]) else {
          throw .invalidData("a value of \(point) does not parse: \(row)")
        }
        values[row[1]] = value
      }
    }
    let layers = point.hiddenLayers + 1
    func list(_ name: String) throws(Experiments.ClassifierError) -> [Int] {
      guard let byLayer = ranks[name], byLayer.keys.sorted() == Array(1...layers) else {
        throw .invalidData("\(point) lacks '\(name)' for some of its \(layers) layers")
      }
      return (1...layers).map { byLayer[$0] ?? 0 }
    }
    guard let trainAccuracy = values["train_accuracy"], let loss = values["loss"] else {
      throw .invalidData("\(point) lacks its accuracy or loss")
    }
    self.init(
      point: point, softRanks: try list("soft_rank"), fullRanks: try list("full_rank"),
      initialSoftRanks: try list("initial_soft_rank"), trainAccuracy: trainAccuracy,
      testAccuracy: values["test_accuracy"], loss: loss,
      stationarity: residuals.keys.sorted() == Array(1...layers)
        ? (1...layers).map { residuals[$0] ?? .nan } : [])
  }
}
