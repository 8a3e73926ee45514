import Foundation
import Testing

/// Runs the built `rankcollapse` executable, which sits beside the test bundle.
func runTool(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
  try runProgram("rankcollapse", arguments)
}

/// Runs a built executable of the package (`rankcollapse` or an example program such as
/// `WidthDepthSweep`), which sits beside the test bundle.
func runProgram(
  _ name: String, _ arguments: [String]
) throws -> (status: Int32, output: String, error: String) {
  let process = Process()
  process.executableURL = try builtExecutable(name)
  process.arguments = arguments
  let output = Pipe()
  let error = Pipe()
  process.standardOutput = output
  process.standardError = error
  try process.run()
  let outputData = output.fileHandleForReading.readDataToEndOfFile()
  let errorData = error.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (
    process.terminationStatus, String(decoding: outputData, as: UTF8.self),
    String(decoding: errorData, as: UTF8.self)
  )
}

/// The built executable `name` of the package, beside the test bundle.
func builtExecutable(_ name: String) throws -> URL {
  let bundleFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  let candidates = [
    bundleFolder.appendingPathComponent(name),
    bundleFolder.deletingLastPathComponent().appendingPathComponent(name),
  ]
  return try #require(
    candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
    "the \(name) executable is built next to the tests")
}

/// A fresh folder for one test's files.
func temporaryFolder() throws -> URL {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("rankcollapse-cli-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}
