/// An opaque sRGB colour with 8-bit channels.
public struct RGBColor: Hashable, Sendable {
  /// The red channel, 0…255.
  public var red: UInt8
  /// The green channel, 0…255.
  public var green: UInt8
  /// The blue channel, 0…255.
  public var blue: UInt8

  /// Creates a colour from its three channels.
  ///
  /// - Parameters:
  ///   - red: The red channel.
  ///   - green: The green channel.
  ///   - blue: The blue channel.
  public init(red: UInt8, green: UInt8, blue: UInt8) {
    self.red = red
    self.green = green
    self.blue = blue
  }

  /// Creates a colour from a 24-bit value written `0xRRGGBB`.
  ///
  /// - Parameter hex: The colour; bits above the lowest 24 are ignored.
  public init(hex: UInt32) {
    self.init(
      red: UInt8(truncatingIfNeeded: hex >> 16), green: UInt8(truncatingIfNeeded: hex >> 8),
      blue: UInt8(truncatingIfNeeded: hex))
  }

  /// The colour as SVG writes it: `#rrggbb` in lower-case hexadecimal.
  public var hexString: String {
    let digits = Array("0123456789abcdef")
    var text = "#"
    for channel in [red, green, blue] {
      text.append(digits[Int(channel >> 4)])
      text.append(digits[Int(channel & 0xF)])
    }
    return text
  }

  /// Eight colours for line series, distinguishable with the common colour-vision deficiencies
  /// (the Okabe–Ito palette, with black last and its yellow dropped for contrast on white).
  public static let seriesPalette: [RGBColor] = [
    RGBColor(hex: 0x0072B2), RGBColor(hex: 0xD55E00), RGBColor(hex: 0x009E73),
    RGBColor(hex: 0xCC79A7), RGBColor(hex: 0xE69F00), RGBColor(hex: 0x56B4E9),
    RGBColor(hex: 0x7F7F7F), RGBColor(hex: 0x000000),
  ]
}
