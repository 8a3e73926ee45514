import Foundation
import RankCollapse

/// The progress line of long singular value computations, on standard error.
///
/// A matrix whose factorisation costs at least ``minimumCost`` (`m·n·min(m, n)`, about a second
/// of work) gets a line naming it with the elapsed seconds: on a terminal the line is rewritten
/// in place every second and replaced by the final time; otherwise one line is written when the
/// computation starts and one when it ends. LAPACK's `?gesdd` reports no progress of its own, so
/// the line shows the elapsed time, not a fraction.
///
/// A file (or checkpoint) whose matrices take longer than ``batchDelay`` seconds in all also
/// gets a count, `file: 12/40 matrices, 7 s`: on a terminal one line rewritten in place as
/// matrices finish, otherwise at most one line per ``batchInterval`` seconds and a last one when
/// the file is done.
final class SVDProgress: @unchecked Sendable {
  /// The smallest `m·n·min(m, n)` that gets a progress line.
  static let minimumCost = 4_000_000_000

  private let lock = NSLock()
  private let isTerminal = isatty(FileHandle.standardError.fileDescriptor) != 0
  private var running: [Int: (label: String, start: DispatchTime)] = [:]
  private var nextIdentifier = 0
  private var timer: (any DispatchSourceTimer)?

  /// Seconds a file runs before its count is shown.
  static let batchDelay: UInt64 = 2
  /// Seconds between two count lines when standard error is not a terminal.
  static let batchInterval: UInt64 = 5
  private var batch: (label: String, total: Int, done: Int, start: DispatchTime)?
  private var lastBatchLine: DispatchTime?

  /// One running computation.
  struct Token {
    let progress: SVDProgress
    let identifier: Int

    /// Ends the computation's line.
    func finish() { progress.finish(identifier) }
  }

  /// Starts counting the matrices of one file.
  ///
  /// - Parameters:
  ///   - inputs: Its matrices.
  ///   - file: The file, for the line.
  func beginBatch(of inputs: [MatrixInput], in file: String) {
    lock.lock()
    defer { lock.unlock() }
    batch = (terminalSafe(file), inputs.count, 0, .now())
    lastBatchLine = nil
  }

  /// Starts the line of `input` if it is large enough.
  ///
  /// - Returns: The token to finish (a small matrix only counts toward its file's count).
  func start(_ input: MatrixInput) -> Token? {
    guard input.cost >= Self.minimumCost else { return Token(progress: self, identifier: -1) }
    let label =
      "singular values of \(terminalSafe(input.name)) (\(input.shape.map(String.init).joined(separator: "×")))"
    lock.lock()
    defer { lock.unlock() }
    let identifier = nextIdentifier
    nextIdentifier += 1
    running[identifier] = (label, .now())
    if isTerminal {
      if timer == nil {
        let source = DispatchSource.makeTimerSource(queue: .global())
        source.schedule(deadline: .now(), repeating: 1)
        source.setEventHandler { [weak self] in self?.redraw() }
        source.resume()
        timer = source
      }
    } else {
      write("\(label): started\n")
    }
    return Token(progress: self, identifier: identifier)
  }

  private func finish(_ identifier: Int) {
    lock.lock()
    defer { lock.unlock() }
    if let (label, start) = running.removeValue(forKey: identifier) {
      let line = "\(label): \(Self.seconds(since: start)) s"
      write(isTerminal ? "\r\u{1B}[K\(line)\n" : "\(line)\n")
      if running.isEmpty {
        timer?.cancel()
        timer = nil
      }
    }
    countFinished()
  }

  /// The count of the current file, once it has run for ``batchDelay`` seconds.
  private func batchPart() -> String? {
    guard let current = batch, Self.seconds(since: current.start) >= Self.batchDelay else {
      return nil
    }
    return "\(current.label): \(current.done)/\(current.total) matrices, "
      + "\(Self.seconds(since: current.start)) s"
  }

  /// The terminal's status line: the count, then the running computations; the caller holds the
  /// lock.
  private func statusLine() -> String {
    let parts = running.keys.sorted().compactMap { running[$0] }.map {
      "\($0.label): \(Self.seconds(since: $0.start)) s"
    }
    return ((batchPart().map { [$0] } ?? []) + parts).joined(separator: "; ")
  }

  /// Counts one finished matrix of the current file and shows the count when the file has run
  /// long enough; the caller holds the lock.
  private func countFinished() {
    guard var current = batch else { return }
    current.done += 1
    batch = current
    guard let line = batchPart() else { return }
    let last = current.done == current.total
    if isTerminal {
      write("\r\u{1B}[K" + (last ? line + "\n" : statusLine()))
      if last { batch = nil }
    } else if last || lastBatchLine.map({ Self.seconds(since: $0) >= Self.batchInterval }) ?? true {
      write(line + "\n")
      lastBatchLine = .now()
    }
  }

  private func redraw() {
    lock.lock()
    defer { lock.unlock() }
    let line = statusLine()
    guard !line.isEmpty else { return }
    write("\r\u{1B}[K" + line)
  }

  private func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }

  private static func seconds(since start: DispatchTime) -> UInt64 {
    (DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000_000
  }
}
