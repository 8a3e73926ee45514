import ArgumentParser
import Foundation
import RankCollapsePlots

/// The output formats of the reports.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table
  case json
  case csv
}

/// A failure to report on standard error with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
  var description: String

  init(_ description: String) { self.description = description }
}

/// Writes one line to standard error.
func printToStandardError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Rejects an output folder argument that exists but is not a folder (a missing folder is
/// created when the output is written).
///
/// - Parameters:
///   - path: The folder.
///   - option: The option's spelling, for the message (e.g. `--plot`).
/// - Throws: `ValidationError` naming the option.
func validateOutputFolder(_ path: String, option: String) throws {
  guard !path.isEmpty else { throw ValidationError("\(option) needs a folder, got an empty path.") }
  var isFolder: ObjCBool = false
  if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
    throw ValidationError("\(option) '\(path)' exists and is not a folder.")
  }
}

/// Creates `folder` (and missing parents) unless it exists.
///
/// - Throws: ``CommandFailure`` naming the folder.
func createFolder(_ folder: String) throws {
  do {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  } catch {
    throw CommandFailure("could not create the folder \(folder): \(error.localizedDescription)")
  }
}

/// Renders `figure` first, then creates `folder` if needed and writes the SVG atomically, so a
/// figure that cannot be drawn leaves nothing behind.
///
/// - Returns: The path written.
/// - Throws: ``CommandFailure`` naming the file.
@discardableResult
func writeFigure(_ figure: FigureGrid, named name: String, in folder: String) throws -> String {
  let path = (folder.hasSuffix("/") ? folder : folder + "/") + name
  do {
    _ = try figure.svg()
  } catch {
    throw CommandFailure("\(path): the figure cannot be drawn: \(error)")
  }
  try createFolder(folder)
  do {
    try figure.write(to: path)
  } catch {
    throw CommandFailure("\(error)")
  }
  return path
}
