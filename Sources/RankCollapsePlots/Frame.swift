/// Axes, ticks, grid lines and axis labels around a plot area.
enum Frame {
  /// The frame of a plot area whose top-left corner is (`left`, `top`).
  static func axes(
    x: AxisLayout, y: AxisLayout, left: Double, top: Double, width: Double, height: Double,
    xLabel: String, yLabel: String
  ) -> String {
    let c = SVGText.coordinate
    var svg = "<g class=\"axes\" stroke=\"#000000\" stroke-width=\"1\">\n"
    var labels = ""
    for tick in x.ticks {
      let position = left + x.fraction(of: tick.value) * width
      svg += "<line x1=\"\(c(position))\" y1=\"\(c(top))\" x2=\"\(c(position))\" "
      svg += "y2=\"\(c(top + height))\" stroke=\"#e0e0e0\"/>\n"
      svg += "<line x1=\"\(c(position))\" y1=\"\(c(top + height))\" x2=\"\(c(position))\" "
      svg += "y2=\"\(c(top + height + 5))\"/>\n"
      labels += SVGText.label(
        tick.label, x: position, y: top + height + 18, extra: " class=\"x-tick\"")
    }
    for tick in y.ticks {
      let position = top + (1 - y.fraction(of: tick.value)) * height
      svg += "<line x1=\"\(c(left))\" y1=\"\(c(position))\" x2=\"\(c(left + width))\" "
      svg += "y2=\"\(c(position))\" stroke=\"#e0e0e0\"/>\n"
      svg += "<line x1=\"\(c(left - 5))\" y1=\"\(c(position))\" x2=\"\(c(left))\" "
      svg += "y2=\"\(c(position))\"/>\n"
      labels += SVGText.label(
        tick.label, x: left - 8, y: position + 4, anchor: "end", extra: " class=\"y-tick\"")
    }
    // The frame last, over the grid lines' ends.
    svg += "<rect x=\"\(c(left))\" y=\"\(c(top))\" width=\"\(c(width))\" height=\"\(c(height))\""
    svg += " fill=\"none\"/>\n"
    svg += "</g>\n" + labels
    svg += SVGText.label(xLabel, x: left + width / 2, y: top + height + 42, size: 13)
    svg += SVGText.label(yLabel, x: 20, y: top + height / 2, size: 13, rotated: true)
    return svg
  }
}
