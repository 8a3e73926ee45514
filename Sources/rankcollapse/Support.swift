import ArgumentParser
import Foundation
import RankCollapse
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

/// `text` with every control character (C0, DEL and C1: ESC, BEL, CR, …) written as a visible
/// escape (`\e`, `\r`, `\t`, `\n`, `\u{7}`), so a name read from a file cannot move the cursor,
/// ring the bell or rewrite the terminal when a table is printed.
func terminalSafe(_ text: String) -> String {
  guard text.unicodeScalars.contains(where: isControl) else { return text }
  var result = ""
  for scalar in text.unicodeScalars {
    guard isControl(scalar) else {
      result.unicodeScalars.append(scalar)
      continue
    }
    switch scalar {
    case "\n": result += "\\n"
    case "\r": result += "\\r"
    case "\t": result += "\\t"
    case "\u{1B}": result += "\\e"
    default: result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
    }
  }
  return result
}

/// Whether `scalar` is a C0 or C1 control character or DEL.
private func isControl(_ scalar: Unicode.Scalar) -> Bool {
  scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
}

/// One CSV field per RFC 4180: enclosed in double quotes, with inner quotes doubled, when it
/// holds a comma, a quote or any control character (CR, LF, ESC, BEL, …); otherwise as is.
func csvQuoted(_ field: String) -> String {
  guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || isControl($0) })
  else { return field }
  return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// Rejects an output file argument that would destroy something: a path that exists and is not
/// a regular file (a folder, a symbolic link, a device node, a pipe), or that is one of the
/// inputs, however spelled (`./sub/../model.safetensors`, a symbolic link to it, a hard link:
/// the same device and inode).
///
/// - Parameters:
///   - path: The output file.
///   - option: The option's spelling, for the message (e.g. `--output`).
///   - inputs: The input files of the command.
/// - Throws: `ValidationError` naming the option and the path; nothing has been written.
func validateOutputFile(_ path: String, option: String, inputs: [String]) throws {
  guard !path.isEmpty else { throw ValidationError("\(option) needs a file path.") }
  var status = stat()
  guard lstat(path, &status) == 0 else { return }  // a new file
  switch status.st_mode & S_IFMT {
  case S_IFREG: break
  case S_IFDIR: throw ValidationError("\(option) '\(path)' is a folder, not a file.")
  case S_IFLNK:
    throw ValidationError(
      "\(option) '\(path)' is a symbolic link; give the path of a regular file (nothing was "
        + "written).")
  default:
    throw ValidationError(
      "\(option) '\(path)' exists and is not a regular file (a device node or a pipe); "
        + "nothing was written.")
  }
  for input in inputs {
    var inputStatus = stat()
    if stat(input, &inputStatus) == 0, inputStatus.st_dev == status.st_dev,
      inputStatus.st_ino == status.st_ino
    {
      throw ValidationError(
        "\(option) '\(path)' is the input '\(input)' (the same file); writing it would destroy "
          + "the input, so nothing was written.")
    }
  }
}

/// `--memory-budget`: the most memory a file may decode to (the library's `MemoryBudget`).
struct MemoryBudgetOption: ParsableArguments {
  @Option(
    name: .customLong("memory-budget"),
    help: ArgumentHelp(
      "The most memory one input may decode to, e.g. 512M, 8GiB or 1000000 (bytes; default: the smallest of physical memory, the cgroup limit and ulimit -v).",
      valueName: "size"))
  var memoryBudget: String?

  func validate() throws {
    if let memoryBudget, MemoryBudget.byteCount(parsing: memoryBudget) == nil {
      throw ValidationError(
        "--memory-budget must be a positive size such as 512M, 8GiB or 1000000, got '\(memoryBudget)'."
      )
    }
  }

  /// Sets the process's budget when the option was given.
  func apply() {
    if let memoryBudget, let bytes = MemoryBudget.byteCount(parsing: memoryBudget) {
      MemoryBudget.limit = bytes
    }
  }
}
