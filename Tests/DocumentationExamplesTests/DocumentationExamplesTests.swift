import Foundation
import Testing

/// The README's and the DocC catalogs' Swift examples compile: `DocumentationExamples.swift`
/// (written by `Scripts/extract-doc-examples.py`) holds each of them as a function body, so the
/// test target's build type-checks them; this suite checks that those copies are the documents'
/// blocks, verbatim, so an example cannot drift from the API without failing here.
@Suite("Documentation examples")
struct DocumentationExamplesTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The ```swift blocks of a Markdown document, in order.
  static func blocks(in text: String) -> [String] {
    var result: [String] = []
    var current: [String] = []
    var inside = false
    for line in text.components(separatedBy: "\n") {
      if !inside, line == "```swift" {
        inside = true
        current = []
      } else if inside, line == "```" {
        result.append(current.joined(separator: "\n"))
        inside = false
      } else if inside {
        current.append(line)
      }
    }
    return result
  }

  /// The documents the script reads: the README, every DocC article, `Docs/*.md`.
  static func documents() throws -> [String] {
    let manager = FileManager.default
    var paths = ["README.md"]
    let sources = root.appendingPathComponent("Sources")
    for module in try manager.contentsOfDirectory(atPath: sources.path).sorted() {
      let folder = sources.appendingPathComponent(module)
      for catalog in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
      where catalog.hasSuffix(".docc") {
        let path = folder.appendingPathComponent(catalog).path
        for file in try manager.contentsOfDirectory(atPath: path) where file.hasSuffix(".md") {
          paths.append("Sources/\(module)/\(catalog)/\(file)")
        }
      }
    }
    let docs = root.appendingPathComponent("Docs")
    for file in try manager.contentsOfDirectory(atPath: docs.path) where file.hasSuffix(".md") {
      paths.append("Docs/\(file)")
    }
    return paths
  }

  /// The copies in the generated file, keyed `"<document> #<index>"`: the block's text, or `nil`
  /// for a block the script skips (with its reason in the file).
  static func copies() throws -> [String: String?] {
    let generated = try String(
      contentsOf: root.appendingPathComponent(
        "Tests/DocumentationExamplesTests/DocumentationExamples.swift"),
      encoding: .utf8)
    var result: [String: String?] = [:]
    var key: String?
    var lines: [String] = []
    for line in generated.components(separatedBy: "\n") {
      if line.hasPrefix("// SKIPPED ") {
        let rest = line.dropFirst("// SKIPPED ".count)
        result[String(rest.prefix { $0 != ":" })] = .some(nil)
      } else if line.hasPrefix("  // BEGIN ") {
        key = String(line.dropFirst("  // BEGIN ".count))
        lines = []
      } else if line == "  // END", let current = key {
        result[current] = lines.joined(separator: "\n")
        key = nil
      } else if key != nil {
        var text = line.hasPrefix("  ") ? String(line.dropFirst(2)) : line
        if text.hasPrefix("// import ") { text = String(text.dropFirst(3)) }
        lines.append(text)
      }
    }
    return result
  }

  @Test("Every Swift block of the README and the DocC catalogs is compiled, verbatim")
  func examplesAreCompiledVerbatim() throws {
    let copies = try Self.copies()
    var seen = Set<String>()
    var count = 0
    for document in try Self.documents() {
      let text = try String(
        contentsOf: Self.root.appendingPathComponent(document), encoding: .utf8)
      for (index, block) in Self.blocks(in: text).enumerated() {
        let key = "\(document) #\(index)"
        seen.insert(key)
        count += 1
        guard let copy = copies[key] else {
          Issue.record("\(key) has no compiled copy: run python3 Scripts/extract-doc-examples.py")
          continue
        }
        guard let copy else { continue }  // skipped on purpose (the reason is in the file)
        let trimmed = block.components(separatedBy: "\n").map {
          $0.trimmingCharacters(in: .whitespaces).isEmpty ? "" : $0
        }
        #expect(
          copy == trimmed.joined(separator: "\n"),
          "\(key) differs from its compiled copy: run python3 Scripts/extract-doc-examples.py")
      }
    }
    #expect(Set(copies.keys) == seen, "compiled copies of blocks that no longer exist")
    #expect(count >= 25, "found only \(count) Swift blocks: the document scan is broken")
  }
}
