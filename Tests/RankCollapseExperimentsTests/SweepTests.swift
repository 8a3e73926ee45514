import Foundation
import PropertyBased
import RankCollapse
import RankCollapseExperiments
import RankCollapseSweep
import Testing

/// A fresh, empty folder under the system's temporary folder.
func makeTemporaryFolder(_ name: String = #function) -> String {
  let cleaned = name.filter { $0.isLetter || $0.isNumber }
  let path = FileManager.default.temporaryDirectory.appendingPathComponent(
    "rankcollapse-experiments-\(cleaned)-\(UUID().uuidString)"
  ).path
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// A deterministic stand-in for an experiment: two measurement rows per point.
func fakeMeasurements(_ point: GridPoint) -> [[SweepValue]] {
  let lambda = point["lambda"]?.number ?? .nan
  let sigma = point["sigma"]?.number ?? .nan
  return [
    [1, "tau", .number(lambda * 10 + sigma)],
    [2, "tau", .number(1 / (lambda + sigma + 0.3))],
  ]
}

let testGrid =
  (try? GridPoint.grid([
    SweepAxis("lambda", numbers: [1e-4, 1e-3, 0.01]), SweepAxis("sigma", numbers: [0.1, 0.5]),
  ])) ?? []
let testHyperparameters: Hyperparameters = ["seed": 7, "learning_rate": 0.001, "label": "a,b"]

func openTestSweep(_ folder: String, hyperparameters: Hyperparameters = testHyperparameters)
  throws -> Sweep
{
  try Sweep(
    folder: folder, experiment: "test", hyperparameters: hyperparameters,
    environment: ["threads": 1], grid: testGrid, measurementColumns: ["layer", "metric", "value"])
}

struct SimulatedKill: Error {}

@Suite struct SweepPersistenceTests {
  @Test func gridIsTheCartesianProductFirstAxisSlowest() throws {
    #expect(testGrid.count == 6)
    #expect(testGrid.map(\.index) == Array(0..<6))
    #expect(testGrid[1].values == [.number(1e-4), .number(0.5)])
    #expect(testGrid[2].values == [.number(1e-3), .number(0.1)])
    #expect(throws: SweepError.self) { try GridPoint.grid([SweepAxis("a", numbers: [1, 1])]) }
    #expect(throws: SweepError.self) { try GridPoint.grid([SweepAxis("a", numbers: [])]) }
    #expect(throws: SweepError.self) {
      try GridPoint.grid([SweepAxis("a", numbers: [1]), SweepAxis("a", numbers: [2])])
    }
  }

  @Test func resumeAfterInterruptionWritesTheSameCSVAndSkipsFinishedPoints() throws {
    // Reference: one uninterrupted run.
    let reference = makeTemporaryFolder()
    let full = try openTestSweep(reference)
    let fullSummary = try full.run(compute: fakeMeasurements)
    #expect(fullSummary == SweepRunSummary(computed: 6, skipped: 0))
    guard case .complete = try full.merge(to: reference + "/out.csv") else {
      Issue.record("the uninterrupted sweep is incomplete")
      return
    }

    // Interrupted after two points, with a half-written temporary file left behind as a kill
    // during a write would leave it.
    let folder = makeTemporaryFolder()
    let first = try openTestSweep(folder)
    var calls = 0
    #expect(throws: SimulatedKill.self) {
      try first.run { point in
        calls += 1
        if calls == 3 { throw SimulatedKill() }
        return fakeMeasurements(point)
      }
    }
    try Data("{\"format\": \"rankcollapse-sweep-po".utf8).write(
      to: URL(fileURLWithPath: folder + "/points/.point-00002.json.999-0.tmp"))
    guard case .incomplete(let missing) = try first.merge(to: folder + "/out.csv") else {
      Issue.record("an interrupted sweep reported complete")
      return
    }
    #expect(missing.map(\.index) == [2, 3, 4, 5])
    #expect(!FileManager.default.fileExists(atPath: folder + "/out.csv"))

    // Resume: only the four missing points are computed.
    let resumed = try openTestSweep(folder)
    var computed: [Int] = []
    let summary = try resumed.run { point in
      computed.append(point.index)
      return fakeMeasurements(point)
    }
    #expect(computed == [2, 3, 4, 5])
    #expect(summary == SweepRunSummary(computed: 4, skipped: 2))
    guard case .complete(let table) = try resumed.merge(to: folder + "/out.csv") else {
      Issue.record("the resumed sweep is incomplete")
      return
    }
    #expect(table.rows.count == 12)
    let resumedCSV = try String(contentsOfFile: folder + "/out.csv", encoding: .utf8)
    let referenceCSV = try String(contentsOfFile: reference + "/out.csv", encoding: .utf8)
    #expect(resumedCSV == referenceCSV)
    #expect(resumedCSV.hasPrefix("lambda,sigma,layer,metric,value\n0.0001,0.1,1,tau,0.101\n"))

    // A third run computes nothing.
    let again = try openTestSweep(folder).run { _ in
      Issue.record("a finished point was recomputed")
      return []
    }
    #expect(again == SweepRunSummary(computed: 0, skipped: 6))
  }

  /// While points are missing, `finishedTable` holds exactly the finished points' rows in grid
  /// order (what the complete merge will hold for them), writes nothing, and equals the merged
  /// table once the grid is complete.
  @Test func finishedTableHoldsTheFinishedPointsSoFar() throws {
    let folder = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let sweep = try openTestSweep(folder)
    #expect(try sweep.finishedTable().rows.isEmpty)
    try sweep.run(shard: try Shard(parsing: "2/3"), compute: fakeMeasurements)
    let partial = try sweep.finishedTable()
    #expect(!FileManager.default.fileExists(atPath: folder + "/out.csv"))
    let finished = testGrid.filter { $0.index % 3 == 1 }
    #expect(partial.rows.count == 2 * finished.count)
    let expected = finished.flatMap { point in
      fakeMeasurements(point).map { row in
        point.values.map(\.description) + row.map(\.description)
      }
    }
    #expect(partial.rows == expected)
    try sweep.run(compute: fakeMeasurements)
    guard case .complete(let merged) = try sweep.merge(to: nil) else {
      Issue.record("the complete grid did not merge")
      return
    }
    #expect(try sweep.finishedTable() == merged)
  }

  @Test func differentHyperparametersAreRefusedNamingTheKey() throws {
    let folder = makeTemporaryFolder()
    try openTestSweep(folder).run(compute: fakeMeasurements)
    var changed = testHyperparameters
    changed["learning_rate"] = 0.002
    do {
      _ = try openTestSweep(folder, hyperparameters: changed)
      Issue.record("a changed learning rate was accepted")
    } catch let error as SweepError {
      guard case .hyperparameterMismatch(let key, let stored, let requested, _) = error else {
        Issue.record("wrong error \(error)")
        return
      }
      #expect(key == "learning_rate")
      #expect(stored == "0.001")
      #expect(requested == "0.002")
      #expect(error.description.contains("learning_rate"))
    }
    // A new key, and a different grid, are refused too.
    var added = testHyperparameters
    added["epochs"] = 3
    #expect(throws: SweepError.self) { try openTestSweep(folder, hyperparameters: added) }
    #expect {
      try Sweep(
        folder: folder, experiment: "test", hyperparameters: testHyperparameters,
        grid: GridPoint.grid([
          SweepAxis("lambda", numbers: [1e-4]), SweepAxis("sigma", numbers: [0.1]),
        ]),
        measurementColumns: ["layer", "metric", "value"])
    } throws: { error in
      guard case .hyperparameterMismatch(let key, _, _, _) = error as? SweepError else {
        return false
      }
      return key == "grid.lambda"
    }
    // Another experiment in the same folder.
    #expect {
      try Sweep(
        folder: folder, experiment: "other", hyperparameters: testHyperparameters, grid: testGrid,
        measurementColumns: ["layer", "metric", "value"])
    } throws: { error in
      if case .experimentMismatch = error as? SweepError { true } else { false }
    }
    // The environment (thread count) is not compared.
    _ = try Sweep(
      folder: folder, experiment: "test", hyperparameters: testHyperparameters,
      environment: ["threads": 8], grid: testGrid,
      measurementColumns: ["layer", "metric", "value"])
  }

  @Test func sidecarRecordsEveryHyperparameter() throws {
    let folder = makeTemporaryFolder()
    _ = try openTestSweep(folder)
    let text = try String(contentsOfFile: folder + "/hyperparameters.json", encoding: .utf8)
    let json = try #require(
      JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    let hyperparameters = try #require(json["hyperparameters"] as? [String: Any])
    #expect(hyperparameters["learning_rate"] as? Double == 0.001)
    #expect(hyperparameters["seed"] as? Int == 7)
    #expect(hyperparameters["label"] as? String == "a,b")
    #expect((hyperparameters["grid.lambda"] as? [Double]) == [1e-4, 1e-3, 0.01])
    let environment = try #require(json["environment"] as? [String: Any])
    #expect(environment["threads"] as? Int == 1)
    #expect(json["experiment"] as? String == "test")
  }

  /// Damaged or foreign point files are typed errors, never merged and never overwritten.
  @Test(arguments: ["truncated", "garbage", "other point", "other sweep", "bad row", "empty"])
  func damagedPointFilesAreTypedErrors(_ damage: String) throws {
    let folder = makeTemporaryFolder()
    let sweep = try openTestSweep(folder)
    try sweep.run(compute: fakeMeasurements)
    let path = sweep.pointPath(testGrid[3])
    let original = try Data(contentsOf: URL(fileURLWithPath: path))
    var text = String(decoding: original, as: UTF8.self)
    switch damage {
    case "truncated": text = String(text.prefix(text.count / 2))
    case "garbage": text = "lambda,sigma\n1,2\n"
    case "other point":
      text = String(
        decoding: try Data(contentsOf: URL(fileURLWithPath: sweep.pointPath(testGrid[4]))),
        as: UTF8.self)
    case "other sweep":
      let otherFolder = makeTemporaryFolder()
      var other = testHyperparameters
      other["seed"] = 8
      let foreign = try openTestSweep(otherFolder, hyperparameters: other)
      try foreign.store(fakeMeasurements(testGrid[3]), for: testGrid[3])
      text = String(
        decoding: try Data(contentsOf: URL(fileURLWithPath: foreign.pointPath(testGrid[3]))),
        as: UTF8.self)
    case "bad row": text = text.replacingOccurrences(of: "\"tau\",", with: "")
    default: text = ""
    }
    #expect(text.utf8.count != original.count || damage == "other point")
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    #expect {
      try sweep.merge(to: folder + "/out.csv")
    } throws: { error in
      guard case .corruptPoint(let failing, _, _) = error as? SweepError else { return false }
      return failing == path
    }
    #expect {
      try sweep.run { _ in
        Issue.record("a damaged point was silently recomputed")
        return []
      }
    } throws: { error in
      if case .corruptPoint = error as? SweepError { true } else { false }
    }
    #expect(!FileManager.default.fileExists(atPath: folder + "/out.csv"))
    // Deleting the file has the point recomputed.
    try FileManager.default.removeItem(atPath: path)
    let summary = try sweep.run(compute: fakeMeasurements)
    #expect(summary == SweepRunSummary(computed: 1, skipped: 5))
  }

  @Test func unreadableSidecarIsATypedError() throws {
    let folder = makeTemporaryFolder()
    try Data("not json".utf8).write(to: URL(fileURLWithPath: folder + "/hyperparameters.json"))
    #expect {
      try openTestSweep(folder)
    } throws: { error in
      if case .unreadableSidecar = error as? SweepError { true } else { false }
    }
  }

  @Test func outputFolderIsCreatedWithParentsAndAFileInTheWayIsAnError() throws {
    let folder = makeTemporaryFolder() + "/a/b"
    _ = try openTestSweep(folder)
    #expect(FileManager.default.fileExists(atPath: folder + "/points"))
    let file = makeTemporaryFolder() + "/file"
    try Data("x".utf8).write(to: URL(fileURLWithPath: file))
    #expect(throws: SweepError.self) { try openTestSweep(file) }
  }
}

@Suite struct ShardTests {
  @Test func parsesAndValidatesNamingTheArgument() throws {
    let shard = try Shard(parsing: "2/4")
    #expect(shard.index == 2 && shard.count == 4)
    #expect(shard.description == "2/4")
    #expect(try Shard(parsing: "1/1") == .all)
    for bad in ["0/4", "5/4", "1/0", "-1/3", "2", "a/b", "1/2/3", "", "/", "2/-4"] {
      #expect {
        try Shard(parsing: bad)
      } throws: { error in
        guard case .invalidShard(let text, _) = error as? SweepError else { return false }
        return text == bad && (error as! SweepError).description.contains("--shard")
      }
    }
  }

  @Test func shardsPartitionTheGridExactly() async {
    await propertyCheck(count: 300, input: Gen.int(in: 1...40), Gen.int(in: 1...25)) { points, n in
      let grid = (0..<points).map { GridPoint(index: $0, names: ["p"], values: [.integer($0)]) }
      var seen = [Int](repeating: 0, count: points)
      for i in 1...n {
        guard let shard = try? Shard(index: i, of: n) else {
          Issue.record("shard \(i)/\(n) rejected")
          return
        }
        let selected = shard.select(grid)
        #expect(selected.map(\.index) == selected.map(\.index).sorted())
        // Balanced: sizes differ by at most one.
        #expect(abs(selected.count - points / n) <= 1)
        for point in selected { seen[point.index] += 1 }
      }
      #expect(seen.allSatisfy { $0 == 1 }, "every point in exactly one of \(n) shards")
    }
  }

  @Test func shardedRunsTogetherCompleteTheGrid() throws {
    let folder = makeTemporaryFolder()
    for i in 1...4 {
      let sweep = try openTestSweep(folder)
      let summary = try sweep.run(shard: Shard(index: i, of: 4), compute: fakeMeasurements)
      #expect(summary.computed == (i <= 2 ? 2 : 1))
      let outcome = try sweep.merge(to: folder + "/out.csv")
      if i < 4 {
        guard case .incomplete(let missing) = outcome else {
          Issue.record("complete after \(i) of 4 shards")
          return
        }
        #expect(missing.count == 6 - (0..<i).map { $0 < 2 ? 2 : 1 }.reduce(0, +))
      } else {
        guard case .complete(let table) = outcome else {
          Issue.record("incomplete after every shard")
          return
        }
        #expect(table.rows.count == 12)
      }
    }
  }
}

@Suite struct TidyTableTests {
  @Test func csvEscapesQuotesCommasLineBreaksAndEdgeSpaces() {
    var table = TidyTable(columns: ["name", "value"])
    table.append(["plain", 1.5])
    table.append(["a,b", .number(.nan)])
    table.append(["say \"hi\"", .number(-.infinity)])
    table.append(["two\nlines", 1e-5])
    table.append(["cr\r\nlf", 100000.0])
    table.append([" padded", .integer(-3)])
    table.append(["λ σ τ_10", .boolean(true)])
    let expected =
      "name,value\n" + "plain,1.5\n" + "\"a,b\",nan\n" + "\"say \"\"hi\"\"\",-inf\n"
      + "\"two\nlines\",1e-05\n" + "\"cr\r\nlf\",100000.0\n" + "\" padded\",-3\n"
      + "λ σ τ_10,true\n"
    #expect(table.csv == expected)
  }

  @Test func numbersUseTheShortestRoundTripForm() async {
    await propertyCheck(count: 500, input: Gen.uint64()) { bits in
      let value = Double(bitPattern: bits)
      let text = SweepValue.number(value).description
      if value.isNaN {
        #expect(text == "nan")
      } else {
        #expect(Double(text) == value, "\(text) reads back to \(value)")
        // No shorter decimal (fewer significant digits) reads back to the value.
        let mantissa = text.split(separator: "e")[0].filter(\.isNumber).drop { $0 == "0" }
        let digits = mantissa.reversed().drop { $0 == "0" }.count
        if digits > 1 && value.isFinite && value != 0 {
          let shorter = String(format: "%.\(digits - 2)e", value)
          #expect(Double(shorter) != value, "\(shorter) also reads back to \(value)")
        }
      }
    }
  }

  @Test func writeIsAtomicAndReplaces() throws {
    let folder = makeTemporaryFolder()
    var table = TidyTable(columns: ["x"])
    table.append([1])
    try table.writeCSV(to: folder + "/t.csv")
    table.append([2])
    try table.writeCSV(to: folder + "/t.csv")
    #expect(try String(contentsOfFile: folder + "/t.csv", encoding: .utf8) == "x\n1\n2\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["t.csv"])
    #expect(throws: SweepError.self) { try table.writeCSV(to: folder + "/missing/t.csv") }
  }
}
