import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Options that make `rankcollapse demo` take about a second in a debug build.
private let quick = ["--points", "100", "--max-steps", "40", "--threads", "1"]

/// The per-layer table rows of the demo's output (lines of numbers), which depend only on the
/// seed and the thread count.
private func tableRows(_ output: String) -> [Substring] {
  output.split(separator: "\n").filter {
    $0.first == " " && $0.drop { $0 == " " }.first?.isNumber == true
  }
}

@Suite("rankcollapse demo")
struct DemoCommandTests {
  @Test("The demo prints a table per λ and the rank summary, and writes demo.svg and report.json")
  func writesFigureAndReport() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let output = folder.appendingPathComponent("out").path
    let result = try runTool(
      ["demo", "--output", output, "--lambdas", "1e-3,1e-1", "--seed", "4"] + quick)
    #expect(result.status == 0, "\(result.error)")
    #expect(result.output.contains("λ = 0.001: 40 steps"))
    #expect(result.output.contains("λ = 0.1: 40 steps"))
    #expect(result.output.components(separatedBy: "Theorem 3.4 (").count == 3)
    #expect(result.output.contains("rk(0.1) of each weight matrix"))
    #expect(result.output.contains("TCV(Z^{l-1}) interval"))
    // Two tables of four layers, then the summary's two lines.
    #expect(tableRows(result.output).count == 10)
    #expect(result.output.contains("Wrote \(output)/demo.svg and \(output)/report.json."))
    #expect(
      Set(try FileManager.default.contentsOfDirectory(atPath: output)) == [
        "demo.svg", "report.json",
      ])

    let svg = try Data(contentsOf: URL(fileURLWithPath: output + "/demo.svg"))
    let parser = XMLParser(data: svg)
    #expect(parser.parse(), "well-formed: \(String(describing: parser.parserError))")
    #expect(
      String(decoding: svg, as: UTF8.self).components(separatedBy: "class=\"panel\"").count == 9)

    let json = try Data(contentsOf: URL(fileURLWithPath: output + "/report.json"))
    let report = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
    #expect(Set(report.keys) == ["hyperparameters", "runs"])
    let settings = try #require(report["hyperparameters"] as? [String: Any])
    #expect(settings["seed"] as? Int == 4 && settings["points"] as? Int == 100)
    #expect(settings["lambdas"] as? [Double] == [1e-3, 1e-1])
    let runs = try #require(report["runs"] as? [[String: Any]])
    #expect(runs.count == 2)
    for run in runs {
      #expect(
        Set(run.keys) == [
          "lambda", "sigma", "seconds", "training", "layers", "clusterVariation", "theorem34",
        ])
      let layers = try #require(run["layers"] as? [[String: Any]])
      #expect(layers.count == 4)
      #expect((layers.first?["singularValues"] as? [Double])?.count == 48)
      #expect((run["theorem34"] as? [Any])?.count == 4)
    }
  }

  @Test("The same seed and thread count give the same numbers")
  func deterministic() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let arguments = ["demo", "--lambdas", "1e-2", "--no-bounds", "--seed", "9"] + quick
    let first = try runTool(arguments + ["--output", folder.appendingPathComponent("a").path])
    let second = try runTool(arguments + ["--output", folder.appendingPathComponent("b").path])
    #expect(first.status == 0 && second.status == 0)
    #expect(tableRows(first.output) == tableRows(second.output))
    #expect(tableRows(first.output).count == 5)
  }

  @Test("Bad options are usage errors naming the option; nothing is written")
  func badOptions() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let output = folder.appendingPathComponent("never").path
    let cases: [(arguments: [String], option: String)] = [
      (["--lambdas", "1e-3,abc"], "--lambdas"),
      (["--lambdas", "1e-3,0"], "--lambdas"),
      (["--lambdas", "1e-2,1e-3"], "--lambdas"),
      (["--sigma", "-1"], "--sigma"),
      (["--points", "3"], "--points"),
      (["--max-steps", "-5"], "--max-steps"),
      (["--threads", "0"], "--threads"),
    ]
    for (arguments, option) in cases {
      let result = try runTool(["demo", "--output", output] + arguments)
      #expect(result.status == 64, "\(arguments): \(result.error)")
      #expect(result.error.contains(option), "\(arguments): \(result.error)")
      #expect(result.output.isEmpty)
    }
    #expect(!FileManager.default.fileExists(atPath: output))

    // An output folder that cannot be created: the run fails after training, writing nothing.
    let file = folder.appendingPathComponent("file").path
    try Data("x".utf8).write(to: URL(fileURLWithPath: file))
    let notFolder = try runTool(["demo", "--output", file, "--lambdas", "1e-2"] + quick)
    #expect(notFolder.status == 64 && notFolder.error.contains("--output"))
    let blocked = try runTool(
      ["demo", "--output", file + "/sub", "--lambdas", "1e-2", "--no-bounds"] + quick)
    #expect(blocked.status == 1, "\(blocked.error)")
    #expect(blocked.error.contains(file + "/sub"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["file"])
  }
}
