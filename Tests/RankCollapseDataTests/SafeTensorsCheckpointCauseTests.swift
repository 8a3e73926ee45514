import Foundation
import RankCollapseData
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

@Suite("SafeTensorsCheckpoint errors keep their cause")
struct SafeTensorsCheckpointCauseTests {
  /// A folder holding one shard and `model.safetensors.index.json` written by `makeIndex`.
  func folder(makeIndex: (URL) throws -> Void) throws -> URL {
    let folder = try temporaryFolder("rankcollapse-index-cause")
    try SafeTensors.write(
      SafeTensorsFile(tensors: [
        SafeTensor(name: "a", matrix: Matrix<Float>.zeros(rows: 2, columns: 2))
      ]),
      to: folder.appendingPathComponent("s.safetensors").path)
    try makeIndex(folder.appendingPathComponent("model.safetensors.index.json"))
    return folder
  }

  @Test("An index that is not JSON: invalidIndex keeps the JSON parser's error as its cause")
  func invalidIndexKeepsParserError() throws {
    let url = try folder { try Data("{\"weight_map\": {".utf8).write(to: $0) }
    defer { try? FileManager.default.removeItem(at: url) }
    var thrown: SafeTensorsCheckpointError?
    do { _ = try SafeTensorsCheckpoint(contentsOf: url.path) } catch { thrown = error }
    guard case .invalidIndex(_, let reason, let cause?) = thrown else {
      Issue.record("no invalid index with a cause: \(String(describing: thrown))")
      return
    }
    // The parser's error type is internal to RankCollapseData: its type name and its values,
    // which the reason quotes, identify it.
    #expect(String(describing: type(of: cause.error)) == "JSONSyntaxError")
    #expect(reason.hasPrefix("it is not valid JSON"))
    let parserReason = reason.dropFirst("it is not valid JSON: ".count)
      .components(separatedBy: " at byte ")[0]
    #expect(!parserReason.isEmpty && cause.description.contains(parserReason), "\(cause)")
  }

  @Test("An index path that is a folder: index keeps the file error (FileAccessError) as its cause")
  func indexKeepsFileError() throws {
    let url = try folder {
      try FileManager.default.createDirectory(at: $0, withIntermediateDirectories: true)
    }
    defer { try? FileManager.default.removeItem(at: url) }
    let indexPath = url.appendingPathComponent("model.safetensors.index.json").path
    var thrown: SafeTensorsCheckpointError?
    do { _ = try SafeTensorsCheckpoint(contentsOf: url.path) } catch { thrown = error }
    guard case .index(let path, let message, let cause?) = thrown else {
      Issue.record("no index error with a cause: \(String(describing: thrown))")
      return
    }
    #expect(path == indexPath)
    guard case .failed(let failedPath, _, _)? = cause.error as? FileAccessError else {
      Issue.record("the cause is not a file access failure: \(cause)")
      return
    }
    #expect(failedPath == indexPath)
    #expect(message.contains("folder") || message.contains("director"), "\(message)")
  }
}
