import Foundation
import Testing

/// The repository's root folder (three levels above this file).
private func repositoryRoot() -> URL {
  URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
}

/// The contents of the first fenced code block after `heading` in the README.
private func codeBlock(after heading: String, in readme: String) throws -> [String] {
  let lines = readme.components(separatedBy: "\n")
  let start = try #require(lines.firstIndex { $0.hasPrefix(heading) }, "README has \(heading)")
  let open = try #require(lines[start...].firstIndex { $0.hasPrefix("```") })
  let close = try #require(lines[(open + 1)...].firstIndex { $0.hasPrefix("```") })
  return Array(lines[(open + 1)..<close])
}

@Suite("README quick start")
struct ReadmeQuickStartTests {
  @Test("The quick start is two commands: install and run the demo, and the tests as CI runs them")
  func quickStart() throws {
    let root = repositoryRoot()
    let readme = try String(
      contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    let commands = try codeBlock(after: "## Quick start", in: readme).filter {
      !$0.isEmpty && !$0.hasPrefix("#")
    }
    #expect(
      commands == [
        "Scripts/install-dependencies.sh && swift run -c release rankcollapse demo",
        "OPENBLAS_NUM_THREADS=1 swift test",
      ])
    // CI runs exactly the README's test command, and the install script is executable.
    let ci = try String(contentsOf: root.appendingPathComponent(".ci/run"), encoding: .utf8)
    #expect(ci.components(separatedBy: "\n").contains { $0.hasPrefix(commands.last ?? "-") })
    #expect(
      FileManager.default.isExecutableFile(
        atPath: root.appendingPathComponent("Scripts/install-dependencies.sh").path))
  }

  @Test("The README's demo output has the demo's current format, and its figure exists")
  func demoOutput() throws {
    let root = repositoryRoot()
    let readme = try String(
      contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    let shown = try codeBlock(after: "<!-- demo-output-begin -->", in: readme)
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = try runTool([
      "demo", "--points", "100", "--max-steps", "20", "--no-bounds", "--threads", "1",
      "--lambdas", "1e-4,1e-3,3e-3,1e-2,3e-2", "--output", folder.path,
    ])
    #expect(run.status == 0, "\(run.error)")
    let produced = run.output.components(separatedBy: "\n")
    // Every line without measured numbers (headers, the summary's title) appears verbatim.
    for header in ["layer     tau_10", "rk(0.1) of each weight matrix", "       λ    W1 (48×64)"] {
      let inReadme = try #require(shown.first { $0.hasPrefix(header) }, "README shows \(header)")
      let inOutput = try #require(produced.first { $0.hasPrefix(header) })
      if header.hasPrefix("layer") {
        // The README's run evaluated Theorem 3.4 (two more columns); this one did not.
        #expect(inReadme.hasPrefix(inOutput))
      } else {
        #expect(inReadme == inOutput)
      }
    }
    #expect(shown.filter { $0.hasPrefix("λ = ") }.count == 5)
    #expect(readme.contains("](Docs/demo.svg)"))
    #expect(
      FileManager.default.fileExists(atPath: root.appendingPathComponent("Docs/demo.svg").path))
  }
}
