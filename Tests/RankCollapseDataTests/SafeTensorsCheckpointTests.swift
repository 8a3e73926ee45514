import Foundation
import RankCollapseData
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

/// Issue 18: sharded safetensors checkpoints (a folder, or `model.safetensors.index.json`).
@Suite("SafeTensorsCheckpoint")
struct SafeTensorsCheckpointTests {
  /// A folder with `shards` written as safetensors files and, unless `index` is `nil`, an index
  /// file with that text.
  func folder(
    _ shards: [String: [SafeTensor]], index: String? = nil
  ) throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("rankcollapse-shards-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    for (name, tensors) in shards {
      try SafeTensors.write(
        SafeTensorsFile(tensors: tensors), to: url.appendingPathComponent(name).path)
    }
    if let index {
      try Data(index.utf8).write(
        to: url.appendingPathComponent("model.safetensors.index.json"))
    }
    return url
  }

  /// An index whose weight map is `map`.
  func index(_ map: [(String, String)]) -> String {
    "{\"metadata\": {\"total_size\": 0}, \"weight_map\": {"
      + map.map { "\"\($0.0)\": \"\($0.1)\"" }.joined(separator: ", ") + "}}"
  }

  func tensors(seed: UInt64) -> [SafeTensor] {
    var generator = SeededGenerator(seed: seed)
    return [
      SafeTensor(
        name: "a.weight", matrix: Matrix<Float>.randomNormal(rows: 5, columns: 3, using: &generator)
      ),
      SafeTensor(name: "a.bias", vector: [Float(1), 2, 3, 4, 5]),
      SafeTensor(
        name: "b.weight",
        matrix: Matrix<Float>.randomNormal(rows: 4, columns: 6, using: &generator),
        dataType: .bfloat16),
      SafeTensor(
        name: "c.weight",
        matrix: Matrix<Float>.randomNormal(rows: 7, columns: 2, using: &generator),
        dataType: .float16),
      SafeTensor(
        name: "d.weight",
        matrix: Matrix<Double>.randomNormal(rows: 3, columns: 3, using: &generator)),
      SafeTensor(name: "ids", integers: [1, 2, 3, 4], shape: [2, 2]),
    ]
  }

  @Test(
    "A folder with an index, the index itself and a folder without one list every tensor once, read exactly"
  )
  func opensAndReads() throws {
    let all = tensors(seed: 1)
    let shards = [
      "model-00001-of-00002.safetensors": Array(all[0..<3]),
      "model-00002-of-00002.safetensors": Array(all[3...]),
    ]
    let map = shards.sorted { $0.key < $1.key }.flatMap { shard, tensors in
      tensors.map { ($0.name, shard) }
    }
    let url = try folder(shards, index: index(map))
    defer { try? FileManager.default.removeItem(at: url) }
    let viaFolder = try SafeTensorsCheckpoint(contentsOf: url.path)
    let viaIndex = try SafeTensorsCheckpoint(
      contentsOf: url.appendingPathComponent("model.safetensors.index.json").path)
    #expect(viaFolder.index != nil && viaFolder.shards.count == 2)
    #expect(viaFolder.tensors.map(\.name) == viaIndex.tensors.map(\.name))
    #expect(viaFolder.tensors.map(\.name) == all.map(\.name))
    try FileManager.default.removeItem(
      at: url.appendingPathComponent("model.safetensors.index.json"))
    let withoutIndex = try SafeTensorsCheckpoint(contentsOf: url.path)
    #expect(withoutIndex.index == nil)
    #expect(withoutIndex.tensors.map(\.name) == all.map(\.name))

    // Every float tensor reads as the exact Double conversion of what the file holds.
    for tensor in withoutIndex.tensors where tensor.dataType != .int64 {
      let stored = try #require(
        try SafeTensors.read(contentsOf: tensor.shard) { $0 == tensor.name }.tensors.first)
      let expected = try stored.matrix(as: Double.self)
      #expect(try withoutIndex.readMatrix(tensor) == expected, "\(tensor.name)")
      #expect(
        try withoutIndex.readTransposedMatrix(tensor) == expected.transposed(), "\(tensor.name)")
    }
    let ids = try #require(withoutIndex.tensors.first { $0.name == "ids" })
    #expect(throws: SafeTensorsCheckpointError.notFloatingPoint(tensor: "ids", dataType: .int64)) {
      try withoutIndex.readMatrix(ids)
    }
  }

  @Test("A tensor larger than the memory budget is refused before anything is allocated")
  func memoryBudget() throws {
    let url = try folder(["m.safetensors": tensors(seed: 2)])
    defer { try? FileManager.default.removeItem(at: url) }
    let checkpoint = try SafeTensorsCheckpoint(contentsOf: url.path)
    let tensor = try #require(checkpoint.tensors.first)
    let path = tensor.shard
    #expect(
      throws: SafeTensorsCheckpointError.shard(
        path: path, error: .exceedsMemoryBudget(bytes: 5 * 3 * 8, budget: 100))
    ) {
      try MemoryBudget.withLimit(100) { () throws(SafeTensorsCheckpointError) in
        try checkpoint.readMatrix(tensor)
      }
    }
  }

  @Test("Inconsistent checkpoints are typed errors naming the file and the tensor")
  func inconsistencies() throws {
    let all = tensors(seed: 3)
    let one = ["s1.safetensors": Array(all[0..<2]), "s2.safetensors": Array(all[2..<4])]

    // A shard the index names is missing.
    var url = try folder(
      one, index: index([("a.weight", "s1.safetensors"), ("x", "s3.safetensors")]))
    var indexPath = url.appendingPathComponent("model.safetensors.index.json").path
    #expect(
      throws: SafeTensorsCheckpointError.missingShard(
        index: indexPath, shard: url.path + "/s3.safetensors")
    ) {
      try SafeTensorsCheckpoint(contentsOf: url.path)
    }
    try? FileManager.default.removeItem(at: url)

    // The index places a tensor in a shard that lacks it.
    url = try folder(
      one, index: index([("a.weight", "s1.safetensors"), ("b.weight", "s1.safetensors")]))
    indexPath = url.appendingPathComponent("model.safetensors.index.json").path
    #expect(
      throws: SafeTensorsCheckpointError.tensorNotInShard(
        index: indexPath, tensor: "b.weight", shard: url.path + "/s1.safetensors")
    ) {
      try SafeTensorsCheckpoint(contentsOf: indexPath)
    }
    try? FileManager.default.removeItem(at: url)

    // The same tensor in two shards.
    url = try folder(["s1.safetensors": Array(all[0..<2]), "s2.safetensors": Array(all[1..<3])])
    #expect(
      throws: SafeTensorsCheckpointError.duplicateTensor(
        tensor: "a.bias", shards: [url.path + "/s1.safetensors", url.path + "/s2.safetensors"])
    ) {
      try SafeTensorsCheckpoint(contentsOf: url.path)
    }
    try? FileManager.default.removeItem(at: url)

    // Shard paths that leave the folder, whether or not the file exists.
    for outside in ["../s1.safetensors", "/etc/passwd", "sub/../../s1.safetensors", ""] {
      url = try folder(one, index: index([("a.weight", outside)]))
      indexPath = url.appendingPathComponent("model.safetensors.index.json").path
      #expect(
        throws: SafeTensorsCheckpointError.shardOutsideFolder(
          index: indexPath, tensor: "a.weight", shard: outside)
      ) {
        try SafeTensorsCheckpoint(contentsOf: url.path)
      }
      try? FileManager.default.removeItem(at: url)
    }
  }

  @Test("Malformed indexes, empty and ambiguous folders, missing paths and broken shards")
  func malformed() throws {
    let all = tensors(seed: 4)
    let cases: [(String, String)] = [
      ("[1, 2]", "not a JSON object"), ("{\"metadata\": {}}", "no \"weight_map\""),
      ("{\"weight_map\": [1]}", "not an object"),
      ("{\"weight_map\": {\"a\": 3}}", "not a file name"),
      ("{\"weight_map\": {}}", "names no tensors"), ("{\"weight_map\": {", "not valid JSON"),
      (
        "{\"weight_map\": {\"a\": \"s.safetensors\", \"a\": \"s.safetensors\"}}",
        "duplicate member name"
      ),
    ]
    for (text, reason) in cases {
      let url = try folder(["s.safetensors": all], index: text)
      defer { try? FileManager.default.removeItem(at: url) }
      do {
        _ = try SafeTensorsCheckpoint(contentsOf: url.path)
        Issue.record("\(text) was accepted")
      } catch {
        guard case .invalidIndex = error else {
          Issue.record("\(text): \(error)")
          continue
        }
        #expect(error.description.contains(reason), "\(error)")
      }
    }

    let empty = try folder([:])
    defer { try? FileManager.default.removeItem(at: empty) }
    #expect(throws: SafeTensorsCheckpointError.noSafeTensorsFiles(folder: empty.path)) {
      try SafeTensorsCheckpoint(contentsOf: empty.path)
    }
    let missing = empty.appendingPathComponent("nothing").path
    #expect(throws: SafeTensorsCheckpointError.notFound(path: missing)) {
      try SafeTensorsCheckpoint(contentsOf: missing)
    }
    try Data("{}".utf8).write(to: empty.appendingPathComponent("a.safetensors.index.json"))
    try Data("{}".utf8).write(to: empty.appendingPathComponent("b.safetensors.index.json"))
    #expect(
      throws: SafeTensorsCheckpointError.ambiguousIndex(
        folder: empty.path, candidates: ["a.safetensors.index.json", "b.safetensors.index.json"])
    ) {
      try SafeTensorsCheckpoint(contentsOf: empty.path)
    }

    let broken = try folder(["good.safetensors": all])
    defer { try? FileManager.default.removeItem(at: broken) }
    let bad = broken.appendingPathComponent("z.safetensors")
    try Data([9, 0, 0, 0, 0, 0, 0, 0, 0x7B]).write(to: bad)
    do {
      _ = try SafeTensorsCheckpoint(contentsOf: broken.path)
      Issue.record("a truncated shard was accepted")
    } catch {
      guard case .shard(let path, .truncatedHeader) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(path == bad.path)
      #expect(error.description.hasPrefix(bad.path + ": file is truncated"))
    }
  }
}
