import Foundation
import RankCollapse
import RankCollapseSweep
import Testing

@Suite("Sweep errors keep their cause")
struct SweepErrorCauseTests {
  /// The error `JSONDecoder` gives for `text` read as a JSON object.
  func decodingError(_ text: String) -> (any Error)? {
    do {
      _ = try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
      return nil
    } catch { return error }
  }

  @Test("A point file that is not JSON: corruptPoint keeps the decoder's DecodingError")
  func corruptPointKeepsDecodingError() throws {
    let folder = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let sweep = try openTestSweep(folder)
    let point = testGrid[0]
    try Data("not json".utf8).write(to: URL(fileURLWithPath: sweep.pointPath(point)))
    var thrown: SweepError?
    do { _ = try sweep.storedRows(for: point) } catch { thrown = error }
    guard case .corruptPoint(_, let reason, let cause?) = thrown else {
      Issue.record("no corrupt point with a cause: \(String(describing: thrown))")
      return
    }
    #expect(cause.error is DecodingError)
    #expect(reason.contains("not valid JSON"))
    let expected = try #require(decodingError("not json"))
    #expect(cause == UnderlyingError(expected), "\(cause) vs \(expected)")
  }

  @Test("A sidecar that is not JSON: unreadableSidecar keeps the decoder's DecodingError")
  func unreadableSidecarKeepsDecodingError() throws {
    let folder = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Data("not json".utf8).write(to: URL(fileURLWithPath: folder + "/hyperparameters.json"))
    var thrown: (any Error)?
    do { _ = try openTestSweep(folder) } catch { thrown = error }
    guard case .unreadableSidecar(_, _, let cause?) = thrown as? SweepError else {
      Issue.record("no unreadable sidecar with a cause: \(String(describing: thrown))")
      return
    }
    let expected = try #require(decodingError("not json"))
    #expect(cause.error is DecodingError)
    #expect(cause == UnderlyingError(expected), "\(cause) vs \(expected)")
  }

  @Test("A folder that cannot be created: the file error keeps the file manager's error")
  func folderCreationKeepsFileManagerError() throws {
    let parent = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: parent) }
    let file = parent + "/plain-file"
    try Data("x".utf8).write(to: URL(fileURLWithPath: file))
    let folder = file + "/sweep"
    // The sweep creates its points folder (and so its own) first.
    let pointsFolder = folder + "/points"
    var expected: (any Error)?
    do {
      try FileManager.default.createDirectory(
        atPath: pointsFolder, withIntermediateDirectories: true)
    } catch { expected = error }
    let original = try #require(expected, "a folder inside a plain file was created") as NSError
    var thrown: (any Error)?
    do { _ = try openTestSweep(folder) } catch { thrown = error }
    guard case .file(.failed(let path, let message, let cause?)) = thrown as? SweepError else {
      Issue.record("no file failure with a cause: \(String(describing: thrown))")
      return
    }
    #expect(path == pointsFolder)
    // The same error the file manager gives (its user info is a dictionary, printed in no fixed
    // order, so the comparison is by domain, code and path).
    let kept = cause.error as NSError
    #expect(kept.domain == original.domain && kept.code == original.code, "\(kept)")
    let keptPath = kept.userInfo[NSFilePathErrorKey] as? String
    #expect(keptPath != nil && keptPath == original.userInfo[NSFilePathErrorKey] as? String)
    #expect(message.hasPrefix("cannot create the folder \(pointsFolder): "))
  }
}
