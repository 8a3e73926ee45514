import Foundation

/// The repository's root, from this file's path (`Tests/RankCollapseExperimentsTests/…`).
let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// One committed sweep run, `Docs/Results/<figure>/<name>/`, with its finished points
/// (`points/point-*.json`), so that a run still in progress is checked with what it has.
struct CommittedRun {
  /// One finished grid point: its coordinates (in the order of the grid's names) and its rows.
  struct Point {
    var values: [String]
    var rows: [[String]]
  }

  var name: String
  var folder: URL
  var points: [Point]

  /// Whether the run's folder holds `file` (a merged CSV, a sidecar).
  func has(_ file: String) -> Bool {
    FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path)
  }

  /// Every run of `Docs/Results/<figure>/` that has a `points/` folder, in name order.
  ///
  /// - Throws: `CocoaError(.fileReadCorruptFile)` for a point file that is not a sweep point
  ///   with `values` and `rows`.
  static func all(figure: String) throws -> [CommittedRun] {
    let results = repositoryRoot.appendingPathComponent("Docs/Results")
      .appendingPathComponent(figure)
    var runs: [CommittedRun] = []
    for name in try FileManager.default.contentsOfDirectory(atPath: results.path).sorted() {
      let folder = results.appendingPathComponent(name)
      let pointsFolder = folder.appendingPathComponent("points")
      guard let files = try? FileManager.default.contentsOfDirectory(atPath: pointsFolder.path)
      else { continue }
      var points: [Point] = []
      for file in files.sorted() where file.hasSuffix(".json") {
        let data = try Data(contentsOf: pointsFolder.appendingPathComponent(file))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
          let values = object["values"] as? [String], let rows = object["rows"] as? [[String]]
        else { throw CocoaError(.fileReadCorruptFile) }
        points.append(Point(values: values, rows: rows))
      }
      runs.append(CommittedRun(name: name, folder: folder, points: points))
    }
    return runs
  }
}
