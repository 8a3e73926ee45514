#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Text and number helpers shared by the charts.
enum SVGText {
  /// Escapes `text` for use in SVG character data and in double-quoted attribute values.
  static func escaped(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for character in text.unicodeScalars {
      switch character {
      case "&": result += "&amp;"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "\"": result += "&quot;"
      case "'": result += "&apos;"
      default:
        // XML 1.0 forbids most control characters even when escaped: drop them.
        if character.value < 0x20 && character != "\t" && character != "\n" {
          continue
        }
        result.unicodeScalars.append(character)
      }
    }
    return result
  }

  /// `value` with exactly `decimals` digits after the point (no exponent), for coordinates and
  /// tick labels; magnitudes beyond 1e15 or more than 15 decimals fall back to Swift's shortest representation.
  static func fixed(_ value: Double, decimals: Int) -> String {
    guard value.isFinite, abs(value) < 1e15, decimals <= 15 else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9e18 else { return "\(value)" }
    let negative = value < 0 && scaled != 0
    let whole = Int64(scaled)
    let divisor = Int64(scale)
    var text = negative ? "-" : ""
    text += String(whole / divisor)
    if decimals > 0 {
      let fraction = String(whole % divisor)
      text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
    return text
  }

  /// `value` with two significant digits, in fixed notation from 0.01 to below 10000 (`0.032`,
  /// `4.5`, `120`), else as a mantissa and power of ten (`3.2e-4`); for values spanning decades.
  static func significant(_ value: Double) -> String {
    guard value.isFinite, value != 0 else { return value == 0 ? "0" : "\(value)" }
    var exponent = Int(log10(abs(value)).rounded(.down))
    var mantissa = value / AxisLayout.power(exponent)
    if abs(mantissa) >= 9.95 {
      // Rounding to one decimal carries into the next power of ten.
      exponent += 1
      mantissa /= 10
    }
    if exponent >= -2 && exponent < 4 {
      return fixed(value, decimals: max(0, 1 - exponent))
    }
    return fixed(mantissa, decimals: 1) + "e" + String(exponent)
  }

  /// A coordinate with two decimals.
  static func coordinate(_ value: Double) -> String {
    fixed(value, decimals: 2)
  }

  /// `10` with `exponent` written as Unicode superscripts (`10⁻³`).
  static func powerOfTen(_ exponent: Int) -> String {
    let superscripts: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
    if exponent == 0 { return "1" }
    if exponent == 1 { return "10" }
    var text = "10"
    if exponent < 0 { text.append("⁻") }
    for digit in String(abs(exponent)).utf8 {
      text.append(superscripts[Int(digit - UInt8(ascii: "0"))])
    }
    return text
  }

  /// An SVG `<text>` element.
  static func label(
    _ text: String, x: Double, y: Double, anchor: String = "middle", size: Int = 12,
    rotated: Bool = false, extra: String = ""
  ) -> String {
    var element = "<text x=\"\(coordinate(x))\" y=\"\(coordinate(y))\" text-anchor=\"\(anchor)\""
    element += " font-size=\"\(size)\""
    if rotated {
      element += " transform=\"rotate(-90 \(coordinate(x)) \(coordinate(y)))\""
    }
    element += extra + ">" + escaped(text) + "</text>\n"
    return element
  }

  /// The opening of a standalone SVG document of the given size, with a white background.
  static func header(width: Double, height: Double) -> String {
    let w = coordinate(width)
    let h = coordinate(height)
    return """
      <?xml version="1.0" encoding="UTF-8"?>
      <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" \
      viewBox="0 0 \(w) \(h)" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
      <rect class="background" x="0" y="0" width="\(w)" height="\(h)" fill="#ffffff"/>

      """
  }
}
