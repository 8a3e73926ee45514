import Foundation
import RankCollapse
import Testing
import _RankCollapseTestSupport

/// Issue 18: `analyze --summary` and `rankcollapse diff`.
@Suite("analyze --summary and diff")
struct SummaryAndDiffCommandTests {
  func json(_ output: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
  }

  /// A diagonal `n × n` matrix.
  func diagonal(_ values: [Double]) -> Matrix<Double> {
    .diagonal(values)
  }

  @Test("--summary groups by model and layer kind with exact means and quartiles")
  func summary() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("m.safetensors").path
    // Stable ranks ‖W‖_F²/‖W‖_2²: 3, 1.25, 2 and 1.
    try SafeTensors.write(
      SafeTensorsFile(tensors: [
        SafeTensor(name: "model.embed_tokens.weight", matrix: diagonal([1, 1, 1])),
        SafeTensor(name: "layers.0.self_attn.q_proj.weight", matrix: diagonal([2, 1])),
        SafeTensor(name: "layers.0.self_attn.k_proj.weight", matrix: diagonal([1, 1])),
        SafeTensor(name: "layers.0.mlp.fc1.weight", matrix: diagonal([3, 0, 0])),
      ]), to: path)
    let result = try runTool(["analyze", "--summary", "--format", "json", path])
    #expect(result.status == 0, "\(result.error)")
    let groups = try #require(try json(result.output)["groups"] as? [[String: Any]])
    #expect(
      groups.compactMap { $0["kind"] as? String } == ["all", "embedding", "attention", "mlp"])
    #expect(groups.compactMap { $0["count"] as? Int } == [4, 1, 2, 1])
    #expect(groups.allSatisfy { $0["model"] as? String == path })
    let all = try #require(
      (groups[0]["metrics"] as? [String: Any])?["stableRank"] as? [String: Double])
    let attention = try #require(
      (groups[2]["metrics"] as? [String: Any])?["stableRank"] as? [String: Double])
    // Exact in binary except the stable ranks themselves (a few ulps): 1e-12.
    func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) <= 1e-12 } ?? false }
    #expect(close(all["mean"], 1.8125) && close(all["median"], 1.625))
    #expect(close(all["min"], 1) && close(all["max"], 3))
    // Two values 1.25 and 2: q25 interpolates to 1.4375, as numpy.quantile does.
    #expect(close(attention["q25"], 1.4375) && close(attention["median"], 1.625))

    let table = try runTool(["analyze", "--summary", path])
    #expect(table.status == 0)
    // Header, rule, 4 groups and the note (split drops the blank line).
    #expect(table.output.split(separator: "\n").count == 7)
    let csv = try runTool(["analyze", "--summary", "--format", "csv", path])
    #expect(csv.output.hasPrefix("model,kind,count,metric,mean,min,q25,median,q75,max\n"))
  }

  @Test("diff: W_A − W_B per shared name, shape mismatches noted, LoRA pairs as B·A")
  func diff() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var generator = SeededGenerator(seed: 5)
    let w1 = Matrix<Double>.randomNormal(rows: 6, columns: 3, using: &generator)
    let w3 = Matrix<Double>.randomNormal(rows: 3, columns: 3, using: &generator)
    // W1 − W1' = −u vᵀ: one singular value ‖u‖·‖v‖.
    let u = [1.0, 2, 0, 0, 2, 0]
    let v = [3.0, 0, 4]
    var w1b = w1
    for i in 0..<6 { for j in 0..<3 { w1b[i, j] += u[i] * v[j] } }
    let loraA = Matrix<Double>.randomNormal(rows: 2, columns: 3, using: &generator)
    let loraB = Matrix<Double>.randomNormal(rows: 5, columns: 2, using: &generator)
    let a = folder.appendingPathComponent("a.safetensors").path
    let b = folder.appendingPathComponent("b.safetensors").path
    try SafeTensors.write(
      SafeTensorsFile(tensors: [
        SafeTensor(name: "w1", matrix: w1), SafeTensor(name: "w2", matrix: diagonal([1, 2])),
        SafeTensor(name: "w3", matrix: w3),
      ]), to: a)
    try SafeTensors.write(
      SafeTensorsFile(tensors: [
        SafeTensor(name: "w1", matrix: w1b),
        SafeTensor(name: "w2", matrix: Matrix<Double>(rows: 3, columns: 2, repeating: 1)),
        SafeTensor(name: "w3", matrix: w3),
        SafeTensor(name: "q.lora_A.weight", matrix: loraA),
        SafeTensor(name: "q.lora_B.weight", matrix: loraB),
      ]), to: b)
    let result = try runTool(["diff", "--format", "json", a, b])
    #expect(result.status == 0, "\(result.error)")
    #expect(result.error.contains("w2 (2×2 in A, 3×2 in B)"))
    let matrices = try #require(try json(result.output)["matrices"] as? [[String: Any]])
    #expect(
      matrices.compactMap { $0["name"] as? String } == ["w1", "w3", "\(b):q.lora_B·A.weight"])
    let first = try #require(matrices.first?["singularValues"] as? [Double])
    // ‖u‖ = 3, ‖v‖ = 5; the others vanish up to the rounding of W1 + u vᵀ (1e-13).
    #expect(abs(first[0] - 15) <= 1e-12 && first.dropFirst().allSatisfy { $0 <= 1e-13 })
    #expect((matrices[1]["singularValues"] as? [Double])?.allSatisfy { $0 == 0 } == true)
    let expected = try loraB.matmul(loraA).spectrum().singularValues
    let product = try #require(matrices[2]["singularValues"] as? [Double])
    #expect(matrices[2]["shape"] as? [Int] == [5, 3])
    #expect(zip(product, expected).allSatisfy { abs($0 - $1) <= 1e-13 * max(1, $1) })

    let nothing = try runTool([
      "diff", a, folder.appendingPathComponent("missing.safetensors").path,
    ])
    #expect(nothing.status == 1 && nothing.error.contains("missing.safetensors"))
    let c = folder.appendingPathComponent("c.safetensors").path
    try SafeTensors.write(
      SafeTensorsFile(tensors: [SafeTensor(name: "other", matrix: w3)]), to: c)
    let disjoint = try runTool(["diff", a, c])
    #expect(disjoint.status == 1 && disjoint.error.contains("nothing to compare"))
  }
}
