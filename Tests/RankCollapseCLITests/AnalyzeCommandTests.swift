import Foundation
import RankCollapse
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("rankcollapse analyze")
struct AnalyzeCommandTests {
  @Test("JSON output has a matrices array whose entries have exactly the documented keys")
  func jsonKeys() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var generator = SeededGenerator(seed: 5)
    let w = Matrix<Float>.randomNormal(rows: 12, columns: 7, using: &generator)
    let path = folder.appendingPathComponent("w.npy").path
    try NumPy.write(NumPyArray(w), to: path)

    let result = try runTool([
      "analyze", "--format", "json", "--rank", "3", "--epsilon", "0.2", path,
    ])
    #expect(result.status == 0)
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    let matrices = try #require(document["matrices"] as? [[String: Any]])
    #expect(matrices.count == 1)
    let entry = try #require(matrices.first)
    let expectedKeys: Set = [
      "name", "shape", "singularValues", "frobeniusNorm", "spectralNorm", "nuclearNorm",
      "stableRank", "effectiveRank", "numericalRank", "relativeTail", "rankDistance", "softRank",
      "tailError",
    ]
    #expect(Set(entry.keys) == expectedKeys)
    #expect(entry["shape"] as? [Int] == [12, 7])

    // The values are the library's, computed in Double from the Float32 data.
    let spectrum = try Matrix<Double>(w).spectrum()
    let values = try #require(entry["singularValues"] as? [Double])
    #expect(values.count == 7)
    for (a, b) in zip(values, spectrum.singularValues) { #expect(abs(a - b) <= 1e-12 * b) }
    #expect(entry["softRank"] as? Int == spectrum.softRank(epsilon: 0.2))
    let tail = try #require(entry["relativeTail"] as? Double)
    #expect(abs(tail - spectrum.relativeTail(afterRank: 3)) < 1e-12)
    #expect((entry["tailError"] as? [Double])?.count == 7)
  }

  @Test("Table and CSV output name every matrix; 1-D arrays are skipped with a note")
  func tableAndCSV() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let a = folder.appendingPathComponent("a.npy").path
    let b = folder.appendingPathComponent("b.npy").path
    let v = folder.appendingPathComponent("v.npy").path
    try NumPy.write(NumPyArray(Matrix<Double>.identity(4)), to: a)
    try NumPy.write(NumPyArray(Matrix<Double>.diagonal([3, 1], rows: 2, columns: 5)), to: b)
    try NumPy.write(NumPyArray(vector: [1.0, 2, 3]), to: v)

    let table = try runTool(["analyze", a, v, b])
    #expect(table.status == 0)
    #expect(table.output.contains(a) && table.output.contains(b))
    #expect(table.output.contains("4×4") && table.output.contains("2×5"))
    #expect(table.error.contains("v.npy") && table.error.contains("1-D"))

    let csv = try runTool(["analyze", "--format", "csv", a, b])
    let lines = csv.output.split(separator: "\n")
    #expect(lines.count == 3)
    #expect(lines.first?.hasPrefix("name,rows,columns,frobeniusNorm") == true)
    #expect(lines[2].hasPrefix("\(b),2,5,"))
  }

  @Test("A missing file, a corrupt file and bad options fail with a message and no output")
  func failures() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let good = folder.appendingPathComponent("good.npy").path
    try NumPy.write(NumPyArray(Matrix<Double>.identity(3)), to: good)
    let corrupt = folder.appendingPathComponent("corrupt.npy").path
    try Data("not numpy at all".utf8).write(to: URL(fileURLWithPath: corrupt))

    let missing = try runTool(["analyze", good, folder.appendingPathComponent("nope.npy").path])
    #expect(missing.status != 0)
    #expect(missing.output.isEmpty)
    #expect(missing.error.contains("nope.npy"))

    let bad = try runTool(["analyze", "--format", "json", good, corrupt])
    #expect(bad.status != 0)
    #expect(bad.output.isEmpty)
    #expect(bad.error.contains("corrupt.npy"))

    let negativeRank = try runTool(["analyze", "--rank", "-2", good])
    #expect(negativeRank.status != 0)
    #expect(negativeRank.error.contains("--rank"))

    let badEpsilon = try runTool(["analyze", "--epsilon=-0.5", good])
    #expect(badEpsilon.status != 0)
    #expect(badEpsilon.error.contains("--epsilon"))

    let badFormat = try runTool(["analyze", "--format", "xml", good])
    #expect(badFormat.status != 0)
  }

  @Test("safetensors and .npz files contribute every 2-D float tensor as file:name, filtered")
  func archives() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var generator = SeededGenerator(seed: 8)
    let w = Matrix<Float>.randomNormal(rows: 6, columns: 4, using: &generator)
    let q = Matrix<Double>.randomNormal(rows: 3, columns: 5, using: &generator)
    let model = folder.appendingPathComponent("model.safetensors").path
    try SafeTensors.write(
      SafeTensorsFile(tensors: [
        SafeTensor(name: "layer.0.attention.weight", matrix: w),
        SafeTensor(name: "layer.0.attention.bias", vector: [Float(1), 2, 3, 4, 5, 6]),
        SafeTensor(name: "layer.0.output.weight", matrix: q),
        SafeTensor(name: "position_ids", integers: [0, 1, 2, 3], shape: [1, 4]),
        SafeTensor(name: "conv", elements: [Float](repeating: 1, count: 8), shape: [2, 2, 2]),
        SafeTensor(name: "half", matrix: Matrix<Float>.identity(3), dataType: .float16),
      ]), to: model)
    let archive = folder.appendingPathComponent("weights.npz").path
    try NumPy.writeArchive(
      NumPyArchive([
        ("w1", NumPyArray(w)), ("b1", NumPyArray(vector: [Float(1), 2])),
        ("labels", NumPyArray(integers: [1, 2], rows: 1, columns: 2)),
      ]), to: archive, compression: .deflated)

    let result = try runTool(["analyze", "--format", "json", model, archive])
    #expect(result.status == 0, "\(result.error)")
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    #expect(Set(document.keys) == ["epsilon", "matrices", "rank"])
    let matrices = try #require(document["matrices"] as? [[String: Any]])
    let names = matrices.compactMap { $0["name"] as? String }
    #expect(
      names == [
        "\(model):layer.0.attention.weight", "\(model):layer.0.output.weight", "\(model):half",
        "\(archive):w1",
      ])
    let values = try #require(matrices[0]["singularValues"] as? [Double])
    let spectrum = try Matrix<Double>(w).spectrum()
    for (a, b) in zip(values, spectrum.singularValues) { #expect(abs(a - b) <= 1e-12 * b) }
    #expect(result.error.contains("skipping 3 array(s)"))
    #expect(result.error.contains("position_ids"))

    let filtered = try runTool([
      "analyze", "--format", "csv", "--filter", "attention.*weight$", model,
    ])
    #expect(filtered.status == 0)
    let lines = filtered.output.split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines[1].hasPrefix("\(model):layer.0.attention.weight,6,4,"))

    let none = try runTool(["analyze", "--filter", "nothing-matches", model])
    #expect(none.status != 0)
    #expect(none.error.contains("--filter"))
    let invalid = try runTool(["analyze", "--filter", "(unclosed", model])
    #expect(invalid.status != 0)
    #expect(invalid.error.contains("regular expression"))

    let broken = folder.appendingPathComponent("broken.safetensors").path
    try Data([200, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8)).write(to: URL(fileURLWithPath: broken))
    let failure = try runTool(["analyze", broken])
    #expect(failure.status != 0)
    #expect(failure.output.isEmpty)
    #expect(failure.error.contains("broken.safetensors") && failure.error.contains("truncated"))
  }

  @Test("Matrices spread over threads give the same report, in file order, as one thread")
  func threadsAgree() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var generator = SeededGenerator(seed: 12)
    // Different sizes, so the largest-first assignment differs from the file order.
    let shapes = [(5, 3), (40, 30), (2, 9), (64, 8), (17, 17)]
    let model = folder.appendingPathComponent("m.safetensors").path
    try SafeTensors.write(
      SafeTensorsFile(
        tensors: shapes.enumerated().map { index, shape in
          SafeTensor(
            name: "w\(index)",
            matrix: Matrix<Float>.randomNormal(
              rows: shape.0, columns: shape.1, using: &generator))
        }), to: model)
    let one = try runTool(["analyze", "--format", "json", "--threads", "1", model])
    let two = try runTool(["analyze", "--format", "json", "--threads", "2", model])
    let three = try runTool(["analyze", "--format", "json", "--threads", "3", model])
    #expect(one.status == 0 && two.status == 0 && three.status == 0, "\(two.error)")
    #expect(one.output == two.output && one.output == three.output)
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(two.output.utf8)) as? [String: Any])
    let names = (document["matrices"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
    #expect(names == (0..<5).map { "\(model):w\($0)" })
  }

  @Test("--plot writes one well-formed SVG with both panels, and nothing on failure")
  func plot() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var generator = SeededGenerator(seed: 11)
    let a = folder.appendingPathComponent("a.npy").path
    let b = folder.appendingPathComponent("b.npy").path
    try NumPy.write(
      NumPyArray(Matrix<Float>.randomNormal(rows: 30, columns: 20, using: &generator)), to: a)
    // Rank 2: zero singular values after the second leave gaps, not an error.
    try NumPy.write(
      NumPyArray(Matrix<Double>.diagonal([5, 1], rows: 6, columns: 6)), to: b)
    let plots = folder.appendingPathComponent("figures/nested").path

    let result = try runTool(["analyze", "--format", "csv", "--plot", plots, a, b])
    #expect(result.status == 0, "\(result.error)")
    #expect(result.output.split(separator: "\n").count == 3)
    let path = plots + "/spectra.svg"
    #expect(result.error.contains(path))
    let svg = try String(contentsOfFile: path, encoding: .utf8)
    let parser = XMLParser(data: Data(svg.utf8))
    let counter = ElementCounter()
    parser.delegate = counter
    #expect(parser.parse(), "well-formed: \(String(describing: parser.parserError))")
    #expect(counter.panels == 2)
    // One line per matrix in each panel; legend names without the shared folder.
    #expect(counter.paths == 4)
    #expect(counter.texts.contains("a.npy") && counter.texts.contains("b.npy"))
    #expect(counter.texts.contains("Spectra of 2 matrices"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: plots) == ["spectra.svg"])

    // A failure anywhere writes no figure and creates no folder.
    let corrupt = folder.appendingPathComponent("corrupt.npy").path
    try Data("not numpy".utf8).write(to: URL(fileURLWithPath: corrupt))
    let other = folder.appendingPathComponent("other").path
    let failed = try runTool(["analyze", "--plot", other, a, corrupt])
    #expect(failed.status != 0)
    #expect(failed.output.isEmpty)
    #expect(!FileManager.default.fileExists(atPath: other))

    // --plot naming a file is rejected before any work, naming the option.
    let notFolder = try runTool(["analyze", "--plot", a, a])
    #expect(notFolder.status != 0)
    #expect(notFolder.error.contains("--plot"))
    #expect(notFolder.output.isEmpty)
  }
}

/// Counts the panels, paths and texts of an SVG.
private final class ElementCounter: NSObject, XMLParserDelegate {
  var panels = 0
  var paths = 0
  var texts: [String] = []
  private var text: String?

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
    qualifiedName: String?, attributes: [String: String] = [:]
  ) {
    if elementName == "svg" && attributes["class"] == "panel" { panels += 1 }
    if elementName == "path" { paths += 1 }
    if elementName == "text" { text = "" }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) { text? += string }

  func parser(
    _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
    qualifiedName: String?
  ) {
    if elementName == "text", let text { texts.append(text) }
    text = nil
  }
}
