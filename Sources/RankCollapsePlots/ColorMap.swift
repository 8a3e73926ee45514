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
