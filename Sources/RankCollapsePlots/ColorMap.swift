/// A continuous colour map from [0, 1] to colours, by linear interpolation in sRGB between
/// equally spaced anchor colours.
public struct ColorMap: Sendable {
  /// The anchor colours; the first is the colour of 0, the last the colour of 1.
  public let anchors: [RGBColor]

  /// Creates a colour map through equally spaced anchors.
  ///
  /// - Parameter anchors: At least two colours.
  /// - Precondition: `anchors.count >= 2`.
  public init(anchors: [RGBColor]) {
    precondition(anchors.count >= 2, "a colour map needs at least 2 anchors, got \(anchors.count)")
    self.anchors = anchors
  }

  /// Viridis, the perceptually uniform map matplotlib uses by default (dark purple at 0 through
  /// teal to yellow at 1), through nine of its published samples at t = 0, 1/8, …, 1.
  ///
  /// Lightness increases monotonically, so the map reads correctly in grey scale too.
  public static let viridis = ColorMap(anchors: [
    RGBColor(hex: 0x440154), RGBColor(hex: 0x472D7B), RGBColor(hex: 0x3B528B),
    RGBColor(hex: 0x2C728E), RGBColor(hex: 0x21918C), RGBColor(hex: 0x28AE80),
    RGBColor(hex: 0x5EC962), RGBColor(hex: 0xADDC30), RGBColor(hex: 0xFDE725),
  ])

  /// `count` colours equally spaced along a part of the map, in order: for a family of lines
  /// indexed by an ordered quantity (curves coloured by epoch, by λ or by depth).
  ///
  /// ```swift
  /// let colors = ColorMap.viridis.colors(count: epochs.count)
  /// for (epoch, color) in zip(epochs, colors) {
  ///   chart.series.append(.init(name: "epoch \(epoch)", x: r, y: e[epoch], color: color))
  /// }
  /// ```
  ///
  /// - Parameters:
  ///   - count: The number of colours (0 gives none; 1 gives the colour of the range's start).
  ///   - range: The part of the map to use. The default stops at 0.9, short of viridis' light
  ///     yellow end, which is hard to see as a thin line on white.
  /// - Returns: The colours at `range.lowerBound + i · (range.upperBound − range.lowerBound) /
  ///   (count − 1)` for `i = 0 ..< count`.
  public func colors(count: Int, in range: ClosedRange<Double> = 0...0.9) -> [RGBColor] {
    guard count > 1 else { return count == 1 ? [color(at: range.lowerBound)] : [] }
    let step = (range.upperBound - range.lowerBound) / Double(count - 1)
    return (0..<count).map { color(at: range.lowerBound + Double($0) * step) }
  }

  /// The colour of `t`.
  ///
  /// - Parameter t: A position in [0, 1]; values outside are clamped and NaN gives the colour
  ///   of 0.
  /// - Returns: The interpolated colour.
  public func color(at t: Double) -> RGBColor {
    let clamped = t.isNaN ? 0 : min(max(t, 0), 1)
    let position = clamped * Double(anchors.count - 1)
    let index = min(Int(position), anchors.count - 2)
    let fraction = position - Double(index)
    let low = anchors[index]
    let high = anchors[index + 1]
    func mix(_ a: UInt8, _ b: UInt8) -> UInt8 {
      UInt8((Double(a) + (Double(b) - Double(a)) * fraction).rounded())
    }
    return RGBColor(
      red: mix(low.red, high.red), green: mix(low.green, high.green),
      blue: mix(low.blue, high.blue))
  }
}
