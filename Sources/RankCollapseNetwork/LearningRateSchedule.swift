import RealModule

/// The learning rate η_t as a function of the step t (counting from 0).
public enum LearningRateSchedule: Sendable, Hashable, Codable, CustomStringConvertible {
  /// η_t = η.
  case constant(Double)
  /// η_t = η_0 · γ^⌊t / n⌋: multiplied by `factor` every `every` steps.
  case step(initial: Double, factor: Double, every: Int)
  /// η_t = η_min + (η_0 − η_min)(1 + cos(π·min(t, T)/T))/2 (Loshchilov & Hutter 2017, without
  /// restarts): from `initial` down to `minimum` over `steps` = T steps, then constant.
  case cosine(initial: Double, minimum: Double, steps: Int)

  /// η_t.
  ///
  /// - Parameter step: t ≥ 0.
  /// - Returns: The learning rate for that step.
  public func rate(atStep step: Int) -> Double {
    switch self {
    case .constant(let rate):
      return rate
    case .step(let initial, let factor, let every):
      return initial * Double.pow(factor, Double(step / Swift.max(every, 1)))
    case .cosine(let initial, let minimum, let steps):
      let progress = Double(Swift.min(step, steps)) / Double(Swift.max(steps, 1))
      return minimum + (initial - minimum) * (1 + Double.cos(Double.pi * progress)) / 2
    }
  }

  /// A description such as `"cosine 0.1→0.001 over 1000 steps"`.
  public var description: String {
    switch self {
    case .constant(let rate): "constant \(rate)"
    case .step(let initial, let factor, let every): "step \(initial)×\(factor) every \(every)"
    case .cosine(let initial, let minimum, let steps): "cosine \(initial)→\(minimum) over \(steps)"
    }
  }

  /// Checks that every rate is positive and finite and the periods are at least 1.
  @usableFromInline
  func validate() throws(TrainingError) {
    let valid: Bool
    switch self {
    case .constant(let rate): valid = rate > 0 && rate.isFinite
    case .step(let initial, let factor, let every):
      valid = initial > 0 && initial.isFinite && factor > 0 && factor.isFinite && every >= 1
    case .cosine(let initial, let minimum, let steps):
      valid = initial > 0 && initial.isFinite && minimum >= 0 && minimum <= initial && steps >= 1
    }
    if !valid { throw .invalidConfiguration("learning-rate schedule \(self) is not valid") }
  }
}
