import ArgumentParser
import Foundation

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
