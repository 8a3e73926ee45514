import Foundation
import RankCollapse

/// The progress line of long singular value computations, on standard error.
///
/// A matrix whose factorisation costs at least ``minimumCost`` (`m·n·min(m, n)`, about a second
/// of work) gets a line naming it with the elapsed seconds: on a terminal the line is rewritten
/// in place every second and replaced by the final time; otherwise one line is written when the
/// computation starts and one when it ends. LAPACK's `?gesdd` reports no progress of its own, so
/// the line shows the elapsed time, not a fraction.
final class SVDProgress: @unchecked Sendable {
  /// The smallest `m·n·min(m, n)` that gets a progress line.
  static let minimumCost = 4_000_000_000

  private let lock = NSLock()
  private let isTerminal = isatty(FileHandle.standardError.fileDescriptor) != 0
  private var running: [Int: (label: String, start: DispatchTime)] = [:]
  private var nextIdentifier = 0
  private var timer: (any DispatchSourceTimer)?

  /// One running computation.
  struct Token {
    let progress: SVDProgress
    let identifier: Int

    /// Ends the computation's line.
    func finish() { progress.finish(identifier) }
  }

  /// Starts the line of `input` if it is large enough.
  ///
  /// - Returns: The token to finish, or `nil` for a small matrix.
  func start(_ input: MatrixInput) -> Token? {
    guard input.cost >= Self.minimumCost else { return nil }
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
    guard let (label, start) = running.removeValue(forKey: identifier) else { return }
    let line = "\(label): \(Self.seconds(since: start)) s"
    write(isTerminal ? "\r\u{1B}[K\(line)\n" : "\(line)\n")
    if running.isEmpty {
      timer?.cancel()
      timer = nil
    }
  }

  private func redraw() {
    lock.lock()
    defer { lock.unlock() }
    let parts = running.keys.sorted().compactMap { running[$0] }.map {
      "\($0.label): \(Self.seconds(since: $0.start)) s"
    }
    guard !parts.isEmpty else { return }
    write("\r\u{1B}[K" + parts.joined(separator: "; "))
  }

  private func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }

  private static func seconds(since start: DispatchTime) -> Int {
    Int((DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000_000)
  }
}
