import Foundation
import RankCollapse
import Testing

@Suite("rankcollapse compress")
struct CompressCommandTests {
  /// A 30-40-40-5 tanh classifier checkpoint (Float unless `double`), trained for a few steps.
  static func checkpoint(in folder: URL, double: Bool = false) throws -> String {
    let path = folder.appendingPathComponent(double ? "model64.safetensors" : "model.safetensors")
      .path
    var generator = SeededGenerator(seed: 8)
    let configuration = TrainingConfiguration(
      loss: .softmaxCrossEntropy, learningRate: .constant(0.01), maximumSteps: 5)
    let labels = (0..<60).map { $0 % 5 }
    func trainAndSave<Scalar: MatrixScalar>(_: Scalar.Type) throws {
      var network = try Network<Scalar>(
        widths: [30, 40, 40, 5], activation: .tanh, using: &generator)
      let x = Matrix<Scalar>.randomNormal(rows: 60, columns: 30, using: &generator)
      var trainer = Trainer(
        configuration: configuration, optimizer: Adam<Scalar>(), penalty: NoPenalty<Scalar>())
      _ = try trainer.fit(&network, inputs: x, targets: .labels(labels))
      try trainer.saveCheckpoint(of: network, to: path)
    }
    if double { try trainAndSave(Double.self) } else { try trainAndSave(Float.self) }
    return path
  }

  @Test("Compressing writes a checkpoint that loads back with the reported layout and outputs")
  func roundTrip() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = try Self.checkpoint(in: folder)
    let output = folder.appendingPathComponent("small.safetensors").path
    let result = try runTool([
      "compress", input, "--rank", "4", "--tau-k", "3:0", "--output", output, "--threads", "1",
    ])
    #expect(result.status == 0, "\(result.error)")
    #expect(result.output.contains("total"))
    #expect(result.output.contains("rank 4") && result.output.contains("τ_r ≤ 0.0"))
    #expect(result.error.contains("wrote \(output)"))
    let compressed = try CompressedNetwork<Float>.read(from: output)
    // Layers 1 and 2 (40 × 30, 40 × 40) are factored at rank 4; layer 3 (5 × 40) keeps all
    // five values under τ ≤ 0 and stays dense.
    #expect(compressed.isFactored == [true, true, false])
    #expect(compressed.rank(ofLayer: 1) == 4)
    let original = try Checkpoint<Float>.read(from: input).network
    let expected = try Compression.compress(original, selections: [.rank(4), .rank(4), .dense])
    var generator = SeededGenerator(seed: 1)
    let x = Matrix<Float>.randomNormal(rows: 9, columns: 30, using: &generator)
    #expect(compressed(x) == expected.network(x))
    // The compressed file is also a plain checkpoint of the expanded network.
    #expect(try Checkpoint<Float>.read(from: output).network.depth == 5)
    // Compressing it again is refused.
    let again = try runTool([
      "compress", output, "--rank", "2", "--output", folder.appendingPathComponent("x").path,
    ])
    #expect(again.status == 1)
    #expect(again.error.contains("already compressed"))
  }

  @Test("JSON has the documented keys and totals; Double checkpoints work")
  func json() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = try Self.checkpoint(in: folder, double: true)
    let output = folder.appendingPathComponent("out.safetensors").path
    let result = try runTool([
      "compress", input, "--epsilon", "0.5", "--rank", "3:1", "--format", "json", "-o", output,
    ])
    #expect(result.status == 0, "\(result.error)")
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    #expect(
      Set(document.keys) == [
        "input", "output", "layers", "denseParameters", "parameters", "denseFLOPs", "flops",
      ])
    let layers = try #require(document["layers"] as? [[String: Any]])
    #expect(layers.count == 3)
    #expect(
      Set(layers[0].keys) == [
        "layer", "rows", "columns", "selection", "rank", "isFactored", "tailError",
        "relativeTail", "denseParameters", "parameters", "denseFLOPs", "flops",
      ])
    #expect(layers[2]["rank"] as? Int == 1)
    #expect(layers[2]["isFactored"] as? Bool == true)
    // e(r+1) ≤ 0.5 holds for every layer's chosen rank.
    for layer in layers.prefix(2) { #expect((layer["tailError"] as? Double ?? 1) <= 0.5) }
    let parameters = layers.reduce(0) { $0 + ($1["parameters"] as? Int ?? 0) }
    #expect(document["parameters"] as? Int == parameters)
    let restored = try CompressedNetwork<Double>.read(from: output)
    #expect(restored.isFactored[2])
  }

  @Test(
    "Bad arguments are usage errors naming the option; nothing is written",
    arguments: [
      (["--rank", "-3"], "--rank"), (["--rank", "x"], "--rank"),
      (["--epsilon", "nan"], "--epsilon"),
      (["--tau-k", "0:0.1"], "--tau-k"), (["--tau-k", "1:2:3"], "--tau-k"),
      (["--rank", "4", "--epsilon", "0.1"], "--epsilon"),
      (["--rank", "1:4", "--rank", "1:5"], "layer 1"),
      (["--rank", "9:4"], "layer 9"), ([], "--rank"),
      (["--rank", "4", "--threads", "0"], "--threads"),
      (["--rank", "4", "--format", "xml"], "--format"),
    ])
  func usageErrors(arguments: [String], message: String) throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = try Self.checkpoint(in: folder)
    let output = folder.appendingPathComponent("out.safetensors").path
    let result = try runTool(["compress", input, "--output", output] + arguments)
    #expect(result.status == 64, "\(arguments): \(result.error)")
    #expect(result.error.contains(message), "\(arguments): \(result.error)")
    #expect(result.output.isEmpty)
    #expect(!FileManager.default.fileExists(atPath: output))
  }

  @Test("Unreadable or foreign inputs fail with status 1 and write nothing")
  func failures() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let output = folder.appendingPathComponent("out.safetensors").path
    let missing = try runTool([
      "compress", folder.appendingPathComponent("none.safetensors").path, "--rank", "2", "-o",
      output,
    ])
    #expect(missing.status == 1)
    #expect(missing.error.contains("none.safetensors"))
    // A safetensors file that is not a library checkpoint.
    let foreign = folder.appendingPathComponent("foreign.safetensors").path
    try SafeTensors.write(
      SafeTensorsFile(tensors: [SafeTensor(name: "w", matrix: Matrix<Float>.identity(3))]),
      to: foreign)
    let notCheckpoint = try runTool(["compress", foreign, "--rank", "2", "-o", output])
    #expect(notCheckpoint.status == 1)
    #expect(notCheckpoint.error.contains("not a RankCollapse checkpoint"))
    // An output in a missing folder.
    let input = try Self.checkpoint(in: folder)
    let unwritable = folder.appendingPathComponent("no/such/out.safetensors").path
    let write = try runTool(["compress", input, "--rank", "2", "-o", unwritable])
    #expect(write.status == 1)
    #expect(write.output.isEmpty)
    #expect(!FileManager.default.fileExists(atPath: output))
  }

  @Test("--help explains the criteria with examples")
  func help() throws {
    let result = try runTool(["compress", "--help"])
    #expect(result.status == 0)
    for text in [
      "Examples:", "rankcollapse compress ", "--tau-k", "--epsilon", "--threads", "e(r+1)",
    ] {
      #expect(result.output.contains(text), "\(text)")
    }
  }
}
