import Foundation
import Testing

/// The package's root, found from this file's path (`Tests/PackageStructureTests/…`).
private let root = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private func read(_ path: String) throws -> String {
  try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
}

/// One dependency edge, `from` → `to`.
private struct Edge: Hashable, Comparable, CustomStringConvertible {
  let from: String
  let to: String
  static func < (a: Edge, b: Edge) -> Bool { (a.from, a.to) < (b.from, b.to) }
  var description: String { "\(from) --> \(to)" }
}

/// Edges between the package's own non-test targets (and the products they use), from
/// `Package.swift`: each `.target`/`.executableTarget`'s `dependencies` list, by name.
private func declaredEdges() throws -> (edges: Set<Edge>, targets: [String: String]) {
  let manifest = try read("Package.swift")
  var edges = Set<Edge>()
  var paths: [String: String] = [:]
  // Split at each target declaration; test targets and the test-support target are left out.
  let pieces =
    manifest.components(separatedBy: ".target(").dropFirst()
    + manifest.components(separatedBy: ".executableTarget(").dropFirst()
  for piece in pieces {
    let body = piece.components(separatedBy: "\n    .").first ?? piece
    guard let name = body.firstMatch(of: /name: "([^"]+)"/)?.1 else { continue }
    let target = String(name)
    guard !target.hasPrefix("_RankCollapseTest") else { continue }
    let path = body.firstMatch(of: /path: "([^"]+)"/).map { String($0.1) } ?? "Sources/\(target)"
    paths[target] = path
    guard let start = body.range(of: "dependencies: [") else { continue }
    // The list runs to its matching bracket.
    var depth = 1
    var end = start.upperBound
    while end < body.endIndex && depth > 0 {
      if body[end] == "[" { depth += 1 }
      if body[end] == "]" { depth -= 1 }
      end = body.index(after: end)
    }
    let list = body[start.upperBound..<end]
    for match in list.matches(of: /"([A-Za-z_]+)"|\.product\(name: "([A-Za-z_]+)"/) {
      if let plain = match.1 { edges.insert(Edge(from: target, to: String(plain))) }
      if let product = match.2 { edges.insert(Edge(from: target, to: String(product))) }
    }
  }
  // `package:` arguments of `.product` are package names, not dependencies.
  edges = edges.filter { !$0.to.hasPrefix("swift-") }
  return (edges, paths)
}

/// Edges from the `import` lines of each target's Swift sources, restricted to modules that are
/// targets or products of this package's manifest (system modules such as Foundation are left out).
private func importedEdges(paths: [String: String], known: Set<String>) throws -> Set<Edge> {
  var edges = Set<Edge>()
  let files = FileManager.default
  for (target, path) in paths {
    let folder = root.appendingPathComponent(path)
    guard let walker = files.enumerator(at: folder, includingPropertiesForKeys: nil) else {
      continue
    }
    for case let file as URL in walker where file.pathExtension == "swift" {
      let text = try String(contentsOf: file, encoding: .utf8)
      for line in text.split(separator: "\n") {
        guard
          let match = line.firstMatch(
            of:
              /^\s*(?:@_exported\s+|@preconcurrency\s+)?(?:public\s+|package\s+)?import\s+([A-Za-z_]+)/
          )
        else { continue }
        let module = String(match.1)
        if known.contains(module) && module != target {
          edges.insert(Edge(from: target, to: module))
        }
      }
    }
  }
  return edges
}

/// The edges of the `mermaid` graph in `Docs/Architecture.md`.
private func documentedEdges() throws -> Set<Edge> {
  let page = try read("Docs/Architecture.md")
  guard let block = page.firstMatch(of: /```mermaid\n([\s\S]*?)```/) else { return [] }
  var edges = Set<Edge>()
  for line in block.1.split(separator: "\n") {
    if let match = line.firstMatch(of: /^\s*([A-Za-z_]+)\s*-->\s*([A-Za-z_]+)\s*$/) {
      edges.insert(Edge(from: String(match.1), to: String(match.2)))
    }
  }
  return edges
}

@Suite("Package structure")
struct ArchitectureTests {
  @Test("Every dependency Package.swift declares is imported, and every import is declared")
  func declaredEqualsImported() throws {
    let (declared, paths) = try declaredEdges()
    #expect(declared.count > 40, "the manifest parser found only \(declared.count) edges")
    let known = Set(paths.keys).union(declared.map(\.to))
    let imported = try importedEdges(paths: paths, known: known)
    let unused = declared.subtracting(imported).sorted()
    let undeclared = imported.subtracting(declared).sorted()
    // System library targets (COpenBLAS, …) and the C kernels are imported by name too.
    #expect(unused.isEmpty, "declared but never imported: \(unused)")
    #expect(undeclared.isEmpty, "imported but not declared: \(undeclared)")
  }

  @Test("Docs/Architecture.md draws exactly the declared graph")
  func documentedEqualsDeclared() throws {
    let (declared, _) = try declaredEdges()
    let documented = try documentedEdges()
    #expect(
      documented.subtracting(declared).isEmpty,
      "drawn but not declared: \(documented.subtracting(declared).sorted())")
    #expect(
      declared.subtracting(documented).isEmpty,
      "declared but not drawn: \(declared.subtracting(documented).sorted())")
  }

  @Test(
    "The numerical modules below the I/O layer do no file or terminal I/O",
    arguments: ["RankCollapseTensor", "RankCollapseSpectral", "RankCollapseNetwork"])
  func noInputOutput(module: String) throws {
    let folder = root.appendingPathComponent("Sources/\(module)")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
      .filter { $0.hasSuffix(".swift") }
    #expect(!files.isEmpty, "no sources found in \(folder.path)")
    // Calls that reach a file or a terminal: the C library's and Foundation's.
    let forbidden = [
      "STDERR_FILENO", "STDOUT_FILENO", "isatty(", "fopen(", "open(", "write(", "fwrite(",
      "FileHandle", "FileManager", "print(", "import Foundation", "import RankCollapseData",
    ]
    for file in files.sorted() {
      let text = try read("Sources/\(module)/\(file)")
      let code = text.split(separator: "\n").filter {
        !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//")
      }
      for token in forbidden {
        // A method call on a value (`.write(`) or a declaration (`func write(`) is not I/O.
        let hits = code.filter {
          $0.contains(token) && !$0.contains(".\(token)") && !$0.contains("func \(token)")
        }
        #expect(hits.isEmpty, "\(module)/\(file) uses \(token): \(hits.first ?? "")")
      }
    }
  }
}
