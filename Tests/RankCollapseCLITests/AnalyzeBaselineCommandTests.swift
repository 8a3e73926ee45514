import Foundation
import RankCollapse
import Testing
import _RankCollapseTestSupport

/// `analyze --svd`, `--top-k`, `--top-k-accuracy`, `--noise-baseline` and `--seed` (issue 18).
@Suite("rankcollapse analyze: top-k mode and noise baselines")
struct AnalyzeBaselineCommandTests {
  /// A 2000 × 500 float64 matrix: five spikes of singular value 3 × the noise edge over unit
  /// Gaussian noise.
  func spikedMatrix(in folder: URL) throws -> (path: String, matrix: Matrix<Double>) {
    var generator = SeededGenerator(seed: 21)
    let (matrix, _) = try spikedNoise(
      rows: 2000, columns: 500, spikes: 5, factor: 3, using: &generator)
    let path = folder.appendingPathComponent("spiked.npy").path
    try NumPy.write(NumPyArray(matrix), to: path)
    return (path, matrix)
  }

  @Test("--noise-baseline both: JSON, CSV and table carry the MP fit and the shuffle count")
  func baselineInEveryFormat() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (path, matrix) = try spikedMatrix(in: folder)
    let json = try runTool(["analyze", "--format", "json", "--noise-baseline", "both", path])
    #expect(json.status == 0, "\(json.error)")
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
    let entry = try #require((document["matrices"] as? [[String: Any]])?.first)
    let baseline = try #require(entry["noiseBaseline"] as? [String: Any])
    let mp = try #require(baseline["marchenkoPastur"] as? [String: Any])
    let shuffle = try #require(baseline["shuffle"] as? [String: Any])
    #expect(mp["spikes"] as? Int == 5)
    #expect(shuffle["signalCount"] as? Int == 5)
    #expect(shuffle["seed"] as? Int == 0)
    // The library's fit of the same matrix.
    let fit = try matrix.spectrum().marchenkoPasturFit()
    let edge = try #require(mp["edgeSingularValue"] as? Double)
    #expect(abs(edge - fit.edgeSingularValue) <= 1e-12 * edge)

    let csv = try runTool(["analyze", "--format", "csv", "--noise-baseline", "mp", path])
    #expect(csv.status == 0)
    let lines = csv.output.split(separator: "\n").map(String.init)
    let header = lines[0].split(separator: ",").map(String.init)
    let fields = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    #expect(header.count == fields.count)
    let spikesColumn = try #require(header.firstIndex(of: "mpSpikes"))
    #expect(fields[spikesColumn] == "5")
    let shuffleColumn = try #require(header.firstIndex(of: "shuffleSignalCount"))
    #expect(fields[shuffleColumn] == "")

    let table = try runTool(["analyze", "--noise-baseline", "shuffle", "--seed", "3", path])
    #expect(table.status == 0)
    #expect(table.output.contains("> shuffled"))
    #expect(!table.output.contains("MP spikes"))
  }

  @Test("--svd top-k: τ_K within the reported bound of the full SVD's, null for what it lacks")
  func topKMode() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (path, matrix) = try spikedMatrix(in: folder)
    let result = try runTool([
      "analyze", "--format", "json", "--svd", "top-k", "--rank", "5", "--top-k", "7", path,
    ])
    #expect(result.status == 0, "\(result.error)")
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    let entry = try #require((document["matrices"] as? [[String: Any]])?.first)
    let topK = try #require(entry["topK"] as? [String: Any])
    #expect(entry["shape"] as? [Int] == [2000, 500])
    #expect((entry["singularValues"] as? [Double])?.count == 7)
    #expect(entry["softRank"] is NSNull && entry["nuclearNorm"] is NSNull)
    #expect((entry["tailError"] as? [Double])?.isEmpty == true)
    let tau = try #require(entry["relativeTail"] as? Double)
    let bound = try #require(topK["relativeTailErrorBound"] as? Double)
    let exact = try matrix.spectrum().relativeTail(afterRank: 5)
    #expect(abs(tau - exact) <= bound + 1e-13)
    #expect(topK["meetsAccuracy"] as? Bool == true)
    #expect(abs(tau - exact) <= 1e-6 * exact)

    let csv = try runTool(["analyze", "--format", "csv", "--svd", "top-k", path])
    #expect(csv.status == 0)
    #expect(csv.output.contains(",top-k,"))
    let table = try runTool(["analyze", "--svd", "top-k", path])
    #expect(table.output.contains("±τ_10"))
  }

  @Test(
    "Bad values of the new options are usage errors (exit 64)",
    arguments: [
      ["--svd", "fast"], ["--top-k", "0"], ["--top-k", "-3"], ["--top-k-accuracy", "0"],
      ["--top-k-accuracy", "1"], ["--top-k-accuracy", "nan"], ["--noise-baseline", "gauss"],
      ["--seed", "-1"], ["--seed", "x"], ["--svd", "top-k", "--noise-baseline", "mp"],
    ])
  func badValues(arguments: [String]) throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (path, _) = try spikedMatrix(in: folder)
    let result = try runTool(["analyze"] + arguments + [path])
    #expect(result.status == 64, "\(arguments): \(result.error)")
    #expect(result.output.isEmpty)
  }

  @Test("--plot with --noise-baseline mp draws the bulk edge as a dashed line")
  func plotEdge() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (path, _) = try spikedMatrix(in: folder)
    let plots = folder.appendingPathComponent("figures").path
    let with = try runTool(["analyze", "--noise-baseline", "mp", "--plot", plots, path])
    #expect(with.status == 0)
    let svg = try String(contentsOfFile: plots + "/spectra.svg", encoding: .utf8)
    let without = try runTool(["analyze", "--plot", plots, path])
    #expect(without.status == 0)
    let plain = try String(contentsOfFile: plots + "/spectra.svg", encoding: .utf8)
    #expect(
      svg.components(separatedBy: "stroke-dasharray").count
        == plain.components(separatedBy: "stroke-dasharray").count + 1)
  }
}
