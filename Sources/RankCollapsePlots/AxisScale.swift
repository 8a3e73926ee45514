#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a numeric axis maps values to positions.
public enum AxisScale: Sendable, Hashable {
  /// Positions proportional to the value.
  case linear
  /// Positions proportional to log₁₀ of the value; ticks at powers of ten. Every value shown on
  /// such an axis must be positive.
  case logarithmic
}

/// A numeric axis' range and ticks, chosen from data.
struct AxisLayout {
  let scale: AxisScale
  /// The range shown, in the value's own units (for a log axis, the powers of ten at both ends).
  let lower: Double
  let upper: Double
  /// Tick positions in value units, with labels.
  let ticks: [(value: Double, label: String)]

  /// Lays out an axis covering `values` (finite, and positive for a log axis).
  ///
  /// A linear axis extends to "nice" tick values: steps of 1, 2 or 5 times a power of ten, about
  /// five ticks. A log axis extends to whole decades, with a tick at every power of ten (every
  /// second or more when there are many decades). An empty set shows 0…1 (1…10 on a log axis);
  /// a single value is padded on both sides.
  init(scale: AxisScale, values: [Double]) {
    self.scale = scale
    switch scale {
    case .linear:
      var low = values.min() ?? 0
      var high = values.max() ?? 1
      if low == high {
        let pad = low == 0 ? 1 : abs(low) / 2
        low -= pad
        high += pad
      }
      // Divided before subtracting so that even ±greatestFiniteMagnitude give a finite step.
      let step = AxisLayout.niceStep(high / 5 - low / 5)
      let first = (low / step).rounded(.down)
      let last = (high / step).rounded(.up)
      // At the edge of the representable range, a rounded-out end may overflow: keep the data's.
      lower = (first * step).isFinite ? first * step : low
      upper = (last * step).isFinite ? last * step : high
      let decimals = max(0, -Int((log10(step)).rounded(.down)))
      // Counted in integers: near 2⁵³ and beyond, `first + 1` may equal `first`.
      let count = min(Int(last - first), 20)
      let ticks = (0...count).map { (first + Double($0)) * step }.filter(\.isFinite).map {
        ($0, SVGText.fixed($0, decimals: decimals))
      }
      self.ticks = ticks
    case .logarithmic:
      var low = values.min().map { Int(log10($0).rounded(.down)) } ?? 0
      var high = values.max().map { Int(log10($0).rounded(.up)) } ?? 1
      if low == high {
        low -= 1
        high += 1
      }
      lower = AxisLayout.power(low)
      upper = AxisLayout.power(high)
      let stride = max(1, (high - low + 7) / 8)
      ticks = Swift.stride(from: low, through: high, by: stride).map {
        (AxisLayout.power($0), SVGText.powerOfTen($0))
      }
    }
  }

  /// The fraction of the axis length at which `value` lies (0 at `lower`, 1 at `upper`).
  func fraction(of value: Double) -> Double {
    switch scale {
    case .linear: (value - lower) / (upper - lower)
    case .logarithmic:
      (log10(value) - log10(lower))
        / (log10(upper) - log10(lower))
    }
  }

  /// 1, 2 or 5 times a power of ten, the smallest such at least `rough`.
  static func niceStep(_ rough: Double) -> Double {
    let exponent = Int(log10(rough).rounded(.down))
    let base = power(exponent)
    for multiple in [1.0, 2, 5, 10] where multiple * base >= rough * (1 - 1e-9) {
      return multiple * base
    }
    return 10 * base
  }

  /// 10 to an integer power, exactly for the powers doubles represent exactly.
  static func power(_ exponent: Int) -> Double {
    var result = 1.0
    if exponent >= 0 {
      for _ in 0..<exponent { result *= 10 }
    } else {
      for _ in 0..<(-exponent) { result *= 10 }
      result = 1 / result
    }
    return result
  }
}
