#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Formats training progress and hands it to the ``ProgressOutput`` of a ``ProgressStyle``
/// (this module does no terminal I/O itself).
@usableFromInline
struct ProgressReporter {
  @usableFromInline let style: ProgressStyle
  @usableFromInline let inPlace: Bool
  @usableFromInline let clock = ContinuousClock()
  @usableFromInline var lastPrint: ContinuousClock.Instant
  @usableFromInline let start: ContinuousClock.Instant
  @usableFromInline var firstStep: Int?
  @usableFromInline var dirty = false

  @usableFromInline
  init(style: ProgressStyle) {
    self.style = style
    if case .seconds = style.cadence, let output = style.output {
      inPlace = output.isTerminal
    } else {
      inPlace = false
    }
    start = clock.now
    lastPrint = start
  }

  @usableFromInline
  mutating func report(
    step: Int, epoch: Int, objective: Double, gradientNorm: Double, learningRate: Double?
  ) {
    if firstStep == nil { firstStep = step }
    guard !style.isSilent else { return }
    switch style.cadence {
    case .never: return
    case .steps(let steps):
      guard step % Swift.max(steps, 1) == 0 else { return }
    case .seconds(let seconds):
      let now = clock.now
      let interval = Swift.min(Swift.max(seconds.isNaN ? 0 : seconds, 0), 86_400)
      guard now - lastPrint >= .milliseconds(Int64(interval * 1000)) else { return }
      lastPrint = now
    }
    let line = describe(
      step: step, epoch: epoch, objective: objective, gradientNorm: gradientNorm,
      learningRate: learningRate)
    if inPlace {
      emit("\r\u{1B}[K" + line)
      dirty = true
    } else {
      emit(line + "\n")
    }
  }

  @usableFromInline
  mutating func finish(
    step: Int, epoch: Int, objective: Double, gradientNorm: Double, reason: StopReason?
  ) {
    if style.isSilent { return }
    let prefix = inPlace && dirty ? "\r\u{1B}[K" : ""
    let outcome = reason.map { "stopped: \($0.rawValue)" } ?? "diverged"
    emit(
      prefix
        + describe(
          step: step, epoch: epoch, objective: objective, gradientNorm: gradientNorm,
          learningRate: nil) + "  " + outcome + "\n")
    dirty = false
  }

  func describe(
    step: Int, epoch: Int, objective: Double, gradientNorm: Double, learningRate: Double?
  ) -> String {
    let elapsed = clock.now - start
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let done = step - (firstStep ?? step)
    let rate = seconds > 0 ? Double(done) / seconds : 0
    var line =
      "step \(step)  epoch \(epoch)  L_λ \(format(objective))  ‖∇L_λ‖ \(format(gradientNorm))"
    if let learningRate { line += "  η \(format(learningRate))" }
    line += "  \(format(rate)) steps/s"
    return line
  }

  func format(_ value: Double) -> String {
    guard value.isFinite else { return "\(value)" }
    var buffer = [CChar](repeating: 0, count: 32)
    _ = withVaList([value]) { vsnprintf(&buffer, 32, "%.4g", $0) }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  func emit(_ text: String) {
    style.output?.write(text)
  }
}
