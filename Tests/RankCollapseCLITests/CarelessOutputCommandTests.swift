import Foundation
import RankCollapse
import Testing
import _RankCollapseTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Issue 15 (command-line half): outputs that would destroy something, leftovers of killed
/// runs, checkpoints that must not be compressed, names that would reach the terminal raw.
@Suite("Careless outputs, leftovers, checkpoints and names")
struct CarelessOutputCommandTests {
  /// The process ID of a process that has exited.
  static func deadProcessID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
  }

  /// Creates a file at `path` last modified `age` seconds ago.
  static func touch(_ path: String, age: TimeInterval) throws {
    try Data("partial".utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSinceNow: -age)], ofItemAtPath: path)
  }

  @Test("compress refuses an output that is its input, however spelled, and writes nothing")
  func outputIsInput() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = try CompressCommandTests.checkpoint(in: folder)
    let original = try Data(contentsOf: URL(fileURLWithPath: input))
    let sub = folder.appendingPathComponent("sub")
    try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
    let link = folder.appendingPathComponent("link.safetensors").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: input)
    let name = URL(fileURLWithPath: input).lastPathComponent
    for output in [input, sub.path + "/../" + name, link] {
      let result = try runTool(["compress", input, "--rank", "2", "-o", output])
      #expect(result.status == 64, "\(output): \(result.error)")
      #expect(result.error.contains("--output"), "\(output): \(result.error)")
      #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == original)
    }
    let destination = try FileManager.default.destinationOfSymbolicLink(atPath: link)
    #expect(destination == input, "the link is still a link")
  }

  @Test("compress refuses an output that is a named pipe or a link to another file")
  func outputNotRegular() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = try CompressCommandTests.checkpoint(in: folder)
    let (other, link, pipe) = try linkAndPipe(
      in: folder, target: "other.txt", link: "out.safetensors", pipe: "pipe.safetensors")
    #expect(!pipe.isEmpty, "no named pipe")
    for output in [pipe, link] {
      let result = try runTool(["compress", input, "--rank", "2", "-o", output])
      #expect(result.status == 64, "\(output): \(result.error)")
      #expect(result.error.contains("not a regular file") || result.error.contains("link"))
    }
    #expect(try String(contentsOfFile: other, encoding: .utf8) == "keep")
    #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == other)
  }

  @Test("A killed writer's .NAME.PID-N.tmp is removed by the next write there; nothing else is")
  func leftovers() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = try CompressCommandTests.checkpoint(in: folder)
    let dead = try Self.deadProcessID()
    let live = getpid()
    let path = { (name: String) in folder.appendingPathComponent(name).path }
    let stale = path(".out.safetensors.\(dead)-0.tmp")
    let staleOther = path(".figure1.csv.\(dead)-3.tmp")
    let liveWriter = path(".out.safetensors.\(live)-0.tmp")
    let fresh = path(".report.json.\(dead)-0.tmp")
    let foreign = path(".notes.tmp")
    for file in [stale, staleOther, liveWriter, foreign] { try Self.touch(file, age: 3600) }
    try Self.touch(fresh, age: 0)
    let result = try runTool(["compress", input, "--rank", "2", "-o", path("out.safetensors")])
    #expect(result.status == 0, "\(result.error)")
    let exists = { FileManager.default.fileExists(atPath: $0) }
    #expect(!exists(stale) && !exists(staleOther), "dead writers' files are removed")
    #expect(exists(liveWriter), "a live writer's file stays")
    #expect(exists(fresh), "a recently modified file stays (a writer on another machine)")
    #expect(exists(foreign), "files of other naming stay")
  }

  @Test("A killed SVG writer's temporary file is removed by the next figure written there")
  func figureLeftovers() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let matrix = folder.appendingPathComponent("w.npy").path
    try NumPy.write(NumPyArray(HostileInputCommandTests.matrix(times: 1)), to: matrix)
    let figures = folder.appendingPathComponent("figures")
    try FileManager.default.createDirectory(at: figures, withIntermediateDirectories: true)
    let stale = figures.appendingPathComponent(".spectra.svg.\(try Self.deadProcessID())-0.tmp")
    try Self.touch(stale.path, age: 3600)
    let result = try runTool(["analyze", "--plot", figures.path, matrix])
    #expect(result.status == 0, "\(result.error)")
    #expect(!FileManager.default.fileExists(atPath: stale.path))
  }

  @Test("--plot failures name the errno's text, not its number")
  func plotErrno() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let matrix = folder.appendingPathComponent("w.npy").path
    try NumPy.write(NumPyArray(HostileInputCommandTests.matrix(times: 1)), to: matrix)
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("figures/spectra.svg"), withIntermediateDirectories: true)
    let result = try runTool([
      "analyze", "--plot", folder.appendingPathComponent("figures").path, matrix,
    ])
    #expect(result.status == 1)
    #expect(result.error.contains("Is a directory"), "\(result.error)")
    #expect(!result.error.contains("errno"), "\(result.error)")
  }

  /// A copy of the test checkpoint with one parameter element replaced by `value`.
  static func damaged(
    _ input: String, tensor name: String, value: Float, in folder: URL
  ) throws -> String {
    let copy = try SafeTensors.read(contentsOf: input).changingElements(of: name) {
      $0[0] = value
    }
    let path = folder.appendingPathComponent("damaged-\(UUID().uuidString).safetensors").path
    try SafeTensors.write(copy, to: path)
    return path
  }

  @Test(
    "compress refuses a NaN in a bias or in a layer left dense, and writes nothing",
    arguments: [
      ("network.layers.0.bias", ["--rank", "2"]), ("network.layers.2.weight", ["--rank", "1:2"]),
    ])
  func nonFiniteCheckpoint(tensor: String, criteria: [String]) throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = try CompressCommandTests.checkpoint(in: folder)
    let bad = try Self.damaged(input, tensor: tensor, value: .nan, in: folder)
    let output = folder.appendingPathComponent("out.safetensors").path
    let result = try runTool(["compress", bad, "-o", output] + criteria)
    #expect(result.status == 1, "\(result.error)")
    #expect(result.error.contains("non-finite"), "\(result.error)")
    #expect(!FileManager.default.fileExists(atPath: output))
  }

  @Test("compress refuses a checkpoint with a tensor its metadata does not describe")
  func undescribedTensor() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = try CompressCommandTests.checkpoint(in: folder)
    var file = try SafeTensors.read(contentsOf: input)
    file.append(
      SafeTensor(name: "network.layers.7.weight", matrix: Matrix<Float>.zeros(rows: 2, columns: 2)))
    let extra = folder.appendingPathComponent("extra.safetensors").path
    try SafeTensors.write(file, to: extra)
    let output = folder.appendingPathComponent("out.safetensors").path
    let result = try runTool(["compress", extra, "--rank", "2", "-o", output])
    #expect(result.status == 1, "\(result.error)")
    #expect(result.error.contains("network.layers.7.weight"), "\(result.error)")
    #expect(!FileManager.default.fileExists(atPath: output))
  }

  @Test(
    "compress: rank 0, ε ≥ 1 and a layer's rank above its min(m, n) are usage errors",
    arguments: [
      (["--rank", "0"], "--rank"), (["--rank", "2:0"], "--rank"),
      (["--epsilon", "1"], "--epsilon"),
      (["--tau-k", "3:1.5"], "--tau-k"), (["--rank", "3:6"], "at most 5"),
    ])
  func rankUsageErrors(arguments: [String], message: String) throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = try CompressCommandTests.checkpoint(in: folder)
    let output = folder.appendingPathComponent("out.safetensors").path
    let result = try runTool(["compress", input, "-o", output] + arguments)
    #expect(result.status == 64, "\(arguments): \(result.error)")
    #expect(result.error.contains(message), "\(arguments): \(result.error)")
    #expect(!FileManager.default.fileExists(atPath: output))
  }

  @Test("compress: a global rank above a layer's min(m, n) keeps it dense and says so")
  func globalRankAboveLayer() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = try CompressCommandTests.checkpoint(in: folder)
    let output = folder.appendingPathComponent("out.safetensors").path
    // Layers 30→40, 40→40, 40→5: rank 8 exceeds only the last layer's min(m, n) = 5.
    let result = try runTool(["compress", input, "--rank", "8", "-o", output])
    #expect(result.status == 0, "\(result.error)")
    #expect(result.error.contains("layer 3") && result.error.contains("stays dense"))
    #expect(!result.error.contains("layer 1 ") && !result.error.contains("layer 2 "))
    let network = try CompressedNetwork<Float>.read(from: output)
    #expect(network.isFactored == [true, true, false])
  }

  @Test("Control characters in tensor names are escaped in tables and quoted in CSV")
  func controlCharacters() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let name = "evil\u{1B}]0;owned\u{7}name"
    let path = folder.appendingPathComponent("m.safetensors").path
    try SafeTensors.write(
      SafeTensorsFile(tensors: [
        SafeTensor(name: name, matrix: HostileInputCommandTests.matrix(times: 1)),
        SafeTensor(name: "cr\rname", matrix: HostileInputCommandTests.matrix(times: 2)),
      ]), to: path)
    let table = try runTool(["analyze", path])
    #expect(table.status == 0, "\(table.error)")
    for control in ["\u{1B}", "\u{7}", "\r"] { #expect(!table.output.contains(control)) }
    #expect(table.output.contains("evil\\e]0;owned\\u{7}name"), "\(table.output)")
    let csv = try runTool(["analyze", "--format", "csv", path])
    #expect(csv.status == 0)
    #expect(csv.output.contains("\"\(path):\(name)\","), "\(csv.output)")
  }
}
