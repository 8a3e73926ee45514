import Foundation
import RankCollapse
import Testing
import _RankCollapseTestSupport

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Issue 18: `rankcollapse evolution`, the paper's Figure 3 for a user's checkpoints.
@Suite("evolution")
struct EvolutionCommandTests {
  func diagonal(_ values: [Double]) -> Matrix<Double> {
    .diagonal(values)
  }

  @Test("τ_K, rk(ε) and e(r) per checkpoint match hand-computed values; a missing layer is noted")
  func evolution() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let diagonals: [[Double]] = [[1, 1, 1, 1], [2, 1, 1, 0], [4, 0, 0, 0]]
    var paths: [String] = []
    for (index, values) in diagonals.enumerated() {
      let path = folder.appendingPathComponent("epoch-\(index).safetensors").path
      var tensors = [SafeTensor(name: "w", matrix: diagonal(values))]
      if index != 1 { tensors.append(SafeTensor(name: "v", matrix: diagonal([1, 2]))) }
      try SafeTensors.write(SafeTensorsFile(tensors: tensors), to: path)
      paths.append(path)
    }
    let output = folder.appendingPathComponent("report").path
    let result = try runTool(
      ["evolution", "--quiet", "--rank", "1", "--epsilon", "0.3", "-o", output] + paths)
    #expect(result.status == 0, "\(result.error)")
    #expect(result.error.contains("checkpoint 1") && result.error.contains("lacks 1 matrix"))

    let rows = try String(contentsOfFile: output + "/evolution.csv", encoding: .utf8)
      .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    #expect(rows.first?.count == 13)
    let w = rows.dropFirst().filter { $0[2] == "w" }
    #expect(w.map { String($0[0]) } == ["0", "1", "2"])
    // τ_1 = Σ_{j>1} s_j² / Σ s_j²: 3/4, 2/6, 0; rk(0.3) = min{k : e(k+1) ≤ 0.3}: 3, 2, 1.
    let tau = w.compactMap { Double($0[6]) }
    #expect(tau.count == 3 && abs(tau[0] - 0.75) <= 1e-15 && abs(tau[1] - 1.0 / 3) <= 1e-15)
    #expect(tau.last == 0)
    #expect(w.map { String($0[9]) } == ["3", "2", "1"])
    #expect(rows.dropFirst().filter { $0[2] == "v" }.map { String($0[0]) } == ["0", "2"])

    // e(r) of eq. (22), starting at e(1) = 1: checkpoint 1 has s = (2, 1, 1, 0), Σ = 4.
    let tails = try String(contentsOfFile: output + "/tail_errors.csv", encoding: .utf8)
      .split(separator: "\n")
    #expect(tails.first == "checkpoint_index,checkpoint,matrix,r,e_r")
    let second = tails.filter { $0.hasPrefix("1,") && $0.contains(",w,") }
      .compactMap { $0.split(separator: ",").last.flatMap { Double($0) } }
    #expect(second == [1, 0.5, 0.25, 0])

    let svg = try Data(contentsOf: URL(fileURLWithPath: output + "/evolution.svg"))
    #expect(XMLParser(data: svg).parse())
    #expect(String(decoding: svg, as: UTF8.self).contains("e(r) of w"))
  }

  @Test("Bad arguments are usage errors, and an output that is an input writes nothing")
  func refusals() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let shards = folder.appendingPathComponent("shards")
    try FileManager.default.createDirectory(at: shards, withIntermediateDirectories: true)
    try SafeTensors.write(
      SafeTensorsFile(tensors: [SafeTensor(name: "w", matrix: diagonal([1, 2]))]),
      to: shards.appendingPathComponent("a.safetensors").path)
    let file = shards.appendingPathComponent("a.safetensors").path
    for arguments in [
      ["evolution", "-o", folder.path, file],  // one checkpoint
      ["evolution", "-o", shards.path, shards.path, file],  // output is an input folder
      ["evolution", "-o", file, file, file],  // output is a file
      ["evolution", "--rank", "-2", "-o", folder.path, file, file],
      ["evolution", "--epsilon", "inf", "-o", folder.path, file, file],
    ] {
      let result = try runTool(arguments)
      #expect(result.status == 64, "\(arguments): \(result.error)")
    }
    let contents = try FileManager.default.contentsOfDirectory(atPath: shards.path)
    #expect(contents == ["a.safetensors"])
    let missing = try runTool([
      "evolution", "-o", folder.appendingPathComponent("out").path, file,
      folder.appendingPathComponent("nope.safetensors").path,
    ])
    #expect(missing.status == 1 && missing.error.contains("nope.safetensors"))
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
  }
}
