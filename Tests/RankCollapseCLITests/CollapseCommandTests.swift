import Foundation
import RankCollapse
import Testing

/// Runs `rankcollapse collapse` with `arguments`.
private func runCollapse(_ arguments: [String]) throws -> (
  status: Int32, output: String, error: String
) {
  try runTool(["collapse"] + arguments)
}

/// The exact JSON keys `collapse` promises (issue 4).
private let collapseKeys: Set<String> = [
  "points", "dimension", "clusters", "wcssByLabels", "tcvLowerBound", "tcvUpperBound",
  "kmeansIterations", "nc1", "cdnv", "nc2Equinorm", "nc2Equiangularity", "nccAccuracy",
]

/// A folder with `e.npy` (120×5 Float blobs), `l.npy` (int64 labels 0–3), `t.npy` (one-hot
/// targets), `lf.npy` (the labels as float64) and `a.npz` (features and labels).
private struct CollapseFixture {
  let folder: URL
  let points: Matrix<Float>
  let labels: [Int]
  let targets: Matrix<Float>

  init() throws {
    folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("rankcollapse-collapse-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var generator = SeededGenerator(seed: 17)
    var points = Matrix<Float>.randomNormal(
      rows: 120, columns: 5, standardDeviation: 0.4, using: &generator)
    labels = (0..<120).map { $0 % 4 }
    var targets = Matrix<Float>.zeros(rows: 120, columns: 4)
    for i in 0..<120 {
      points[i, labels[i]] += 6
      targets[i, labels[i]] = 1
    }
    self.points = points
    self.targets = targets
    try NumPy.write(NumPyArray(points), to: path("e.npy"))
    try NumPy.write(NumPyArray(integers: labels.map { Int64($0) }), to: path("l.npy"))
    try NumPy.write(NumPyArray(targets), to: path("t.npy"))
    try NumPy.write(NumPyArray(vector: labels.map { Double($0) }), to: path("lf.npy"))
    try NumPy.writeArchive(
      NumPyArchive([
        ("features", NumPyArray(points)),
        ("labels", NumPyArray(integers: labels.map { Int32($0) })),
      ]), to: path("a.npz"))
    try NumPy.writeArchive(NumPyArchive([("only", NumPyArray(points))]), to: path("one.npz"))
  }

  func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// Parses the JSON object printed by `collapse`.
private func document(_ text: String) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite("rankcollapse collapse")
struct CollapseCommandTests {
  @Test("JSON has exactly the documented keys; values match the library")
  func jsonKeysAndValues() throws {
    let fixture = try CollapseFixture()
    defer { fixture.remove() }
    let result = try runCollapse([
      fixture.path("e.npy"), "--labels", fixture.path("l.npy"), "--format", "json",
    ])
    #expect(result.status == 0, "\(result.error)")
    let json = try document(result.output)
    #expect(Set(json.keys) == collapseKeys)
    #expect(json["points"] as? Int == 120)
    #expect(json["dimension"] as? Int == 5)
    #expect(json["clusters"] as? Int == 4)
    let byLabels = try TotalClusterVariation.byLabels(
      points: fixture.points, labels: fixture.labels)
    let wcss = try #require(json["wcssByLabels"] as? Double)
    // The same Double computation on the same Float data: equal up to the printed digits.
    #expect(abs(wcss - byLabels.value) <= 1e-12 * byLabels.value)
    let lower = try #require(json["tcvLowerBound"] as? Double)
    let upper = try #require(json["tcvUpperBound"] as? Double)
    #expect(lower <= upper)
    // Blobs 6 apart with σ = 0.4: k-means finds the classes, so the upper bound is their WCSS.
    #expect(abs(upper - wcss) <= 1e-6 * wcss)
    let metrics = try NeuralCollapseMetrics(features: fixture.points, labels: fixture.labels)
    #expect(abs(try #require(json["nc1"] as? Double) - metrics.nc1) <= 1e-12 * metrics.nc1)
    #expect(json["nccAccuracy"] as? Double == 1)
    for key in ["cdnv", "nc2Equinorm", "nc2Equiangularity"] { #expect(json[key] is Double) }
    #expect((json["kmeansIterations"] as? Int ?? 0) >= 1)
  }

  @Test("Without labels the label-based keys are null and K comes from --clusters")
  func withoutLabels() throws {
    let fixture = try CollapseFixture()
    defer { fixture.remove() }
    let result = try runCollapse([fixture.path("e.npy"), "-k", "3", "--format", "json"])
    #expect(result.status == 0, "\(result.error)")
    let json = try document(result.output)
    #expect(Set(json.keys) == collapseKeys)
    #expect(json["clusters"] as? Int == 3)
    for key in ["wcssByLabels", "nc1", "cdnv", "nc2Equinorm", "nc2Equiangularity", "nccAccuracy"] {
      #expect(json[key] is NSNull, "\(key) is null without labels")
    }
  }

  @Test("Targets join the points (eq. 6): dimension d + c and WCSS of the joined points")
  func targetsJoinPoints() throws {
    let fixture = try CollapseFixture()
    defer { fixture.remove() }
    let result = try runCollapse([
      fixture.path("e.npy"), "--labels", fixture.path("l.npy"), "--targets", fixture.path("t.npy"),
      "--format", "json",
    ])
    #expect(result.status == 0, "\(result.error)")
    let json = try document(result.output)
    #expect(json["dimension"] as? Int == 9)
    let expected = try TotalClusterVariation.byLabels(
      points: fixture.points, targets: fixture.targets, labels: fixture.labels)
    #expect(abs(try #require(json["wcssByLabels"] as? Double) - expected.value) <= 1e-12)
    let lower = try TotalClusterVariation.spectralLowerBound(
      points: fixture.points, targets: fixture.targets, clusters: 4)
    #expect(abs(try #require(json["tcvLowerBound"] as? Double) - lower.value) <= 1e-12)
  }

  @Test(".npz inputs: ARCHIVE.npz:NAME and a one-array archive; same numbers as .npy")
  func npzInputs() throws {
    let fixture = try CollapseFixture()
    defer { fixture.remove() }
    let fromNpy = try runCollapse([
      fixture.path("e.npy"), "--labels", fixture.path("l.npy"), "--format", "json",
    ])
    let fromNpz = try runCollapse([
      fixture.path("a.npz") + ":features", "--labels", fixture.path("a.npz") + ":labels",
      "--format", "json",
    ])
    #expect(fromNpz.status == 0, "\(fromNpz.error)")
    #expect(fromNpz.output == fromNpy.output)
    let single = try runCollapse([fixture.path("one.npz"), "-k", "4", "--format", "json"])
    #expect(single.status == 0, "\(single.error)")
    #expect(try document(single.output)["points"] as? Int == 120)
  }

  @Test("Table and CSV list the same keys")
  func otherFormats() throws {
    let fixture = try CollapseFixture()
    defer { fixture.remove() }
    let csv = try runCollapse([
      fixture.path("e.npy"), "--labels", fixture.path("l.npy"), "--format", "csv",
    ])
    #expect(csv.status == 0)
    let lines = csv.output.split(separator: "\n")
    #expect(lines.count == 2)
    #expect(Set(lines[0].split(separator: ",").map(String.init)) == collapseKeys)
    #expect(lines[1].split(separator: ",", omittingEmptySubsequences: false).count == 12)
    let table = try runCollapse([fixture.path("e.npy"), "--labels", fixture.path("l.npy")])
    #expect(table.status == 0)
    let keys = table.output.split(separator: "\n").compactMap { $0.split(separator: " ").first }
    #expect(Set(keys.map(String.init)) == collapseKeys)
  }

  @Test(
    "Bad input exits with status 1 and a message naming the problem",
    arguments: [
      (["lf.npy"], "not integers"),
      (["short.npy"], "labels for"),
      (["a.npz"], "name the embeddings"),
      (["missing.npy"], "missing.npy"),
      (["a.npz:nope"], "no array named 'nope'"),
      (["vector.npy"], "2-D"),
      (["nan.npy"], "non-finite"),
      (["k300"], "K = 300"),
    ])
  func badInput(arguments: [String], message: String) throws {
    let fixture = try CollapseFixture()
    defer { fixture.remove() }
    try NumPy.write(
      NumPyArray(integers: [Int64](repeating: 0, count: 7)), to: fixture.path("short.npy"))
    try NumPy.write(
      NumPyArray(vector: [Float](repeating: 1, count: 7)), to: fixture.path("vector.npy"))
    var bad = fixture.points
    bad[3, 2] = .nan
    try NumPy.write(NumPyArray(bad), to: fixture.path("nan.npy"))
    let e = fixture.path("e.npy")
    let l = fixture.path("l.npy")
    let command: [String]
    switch arguments[0] {
    case "lf.npy", "short.npy": command = [e, "--labels", fixture.path(arguments[0])]
    case "a.npz", "missing.npy", "vector.npy", "nan.npy", "a.npz:nope":
      command = [fixture.path(arguments[0]), "--labels", l]
    default: command = [e, "-k", "300"]
    }
    let result = try runCollapse(command)
    #expect(result.status == 1)
    #expect(result.error.contains(message), "\(result.error)")
    #expect(result.output.isEmpty)
  }

  @Test("Missing K and labels, K < 1 or restarts < 1 are usage errors (status 64)")
  func usageErrors() throws {
    let fixture = try CollapseFixture()
    defer { fixture.remove() }
    for arguments in [
      [fixture.path("e.npy")], [fixture.path("e.npy"), "-k", "0"],
      [fixture.path("e.npy"), "-k", "2", "--restarts", "0"],
    ] {
      let result = try runCollapse(arguments)
      #expect(result.status == 64, "\(arguments)")
    }
  }
}
