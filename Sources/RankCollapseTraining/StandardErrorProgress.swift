import RankCollapseNetwork

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress lines on standard error: the terminal side of a trainer's `ProgressStyle`
/// (`RankCollapseNetwork` only formats the lines).
///
/// On an interactive terminal a `.automatic(seconds:)` style rewrites one line in place; in a
/// log or a pipe it writes plain lines.
public struct StandardErrorProgress: ProgressOutput {
  /// Whether standard error was an interactive terminal when the value was made.
  public let isTerminal: Bool

  /// Standard error as it is now (a terminal or not).
  public init() {
    isTerminal = isatty(STDERR_FILENO) != 0
  }

  /// `"stderr"`.
  public var destination: String { "stderr" }

  /// Writes `text` to standard error unbuffered (a failed write is ignored: progress is never
  /// worth stopping a run for).
  ///
  /// - Parameter text: The text.
  public func write(_ text: String) {
    writeToStandardError(text)
  }
}

/// Writes `text` to file descriptor 2 with the C library's `write`.
private func writeToStandardError(_ text: String) {
  var text = text
  text.withUTF8 { bytes in
    _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count)
  }
}

extension ProgressStyle {
  /// One line on standard error, updated in place on a terminal at most every `seconds`, plain
  /// lines every `seconds` otherwise (logs, CI), and a final line.
  ///
  /// - Parameter seconds: The least time between lines (0…86400).
  /// - Returns: The style.
  public static func automatic(seconds: Double) -> ProgressStyle {
    ProgressStyle(cadence: .seconds(seconds), output: StandardErrorProgress())
  }

  /// A plain line on standard error every `steps` steps, and a final line.
  ///
  /// - Parameter steps: Steps between lines (≥ 1).
  /// - Returns: The style.
  public static func lines(steps: Int) -> ProgressStyle {
    ProgressStyle(cadence: .steps(steps), output: StandardErrorProgress())
  }
}
