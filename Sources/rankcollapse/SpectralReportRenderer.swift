import Foundation
import RankCollapse

/// Formats spectral reports as a table, JSON or CSV.
struct SpectralReportRenderer {
  /// `K` of the reports.
  var rank: Int
  /// `ε` of the reports.
  var epsilon: Double

  /// The JSON document: `{"epsilon": ε, "matrices": [...], "rank": K}`.
  struct Document: Encodable {
    var rank: Int
    var epsilon: Double
    var matrices: [SpectralReport]
  }

  func render(_ reports: [SpectralReport], as format: OutputFormat) throws -> String {
    switch format {
    case .json:
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      let data = try encoder.encode(Document(rank: rank, epsilon: epsilon, matrices: reports))
      return String(decoding: data, as: UTF8.self) + "\n"
    case .csv:
      return csv(reports)
    case .table:
      return table(reports)
    }
  }

  private func csv(_ reports: [SpectralReport]) -> String {
    var lines = [
      "name,rows,columns,frobeniusNorm,spectralNorm,nuclearNorm,stableRank,effectiveRank,"
        + "numericalRank,rank,relativeTail,rankDistance,epsilon,softRank,singularValues,tailError"
        + Self.baselineCSVHeader
    ]
    for r in reports {
      let fields: [String] =
        [
          csvQuoted(r.name), "\(r.shape[0])", "\(r.shape[1])", csvNumber(r.frobeniusNorm),
          csvNumber(r.spectralNorm), csvNumber(r.nuclearNorm), csvNumber(r.stableRank),
          csvNumber(r.effectiveRank), r.topK == nil ? "\(r.numericalRank)" : "undefined", "\(rank)",
          csvNumber(r.relativeTail), csvNumber(r.rankDistance), "\(epsilon)",
          r.topK == nil ? "\(r.softRank)" : "undefined",
          r.singularValues.map(csvNumber).joined(separator: " "),
          r.tailError.map(csvNumber).joined(separator: " "),
        ] + baselineCSVFields(r)
      lines.append(fields.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// A number as CSV: `undefined` when it is not finite (see ``SpectralReport/notes``).
  func csvNumber(_ value: Double) -> String { value.isFinite ? "\(value)" : "undefined" }

  private func table(_ reports: [SpectralReport]) -> String {
    let header =
      [
        "matrix", "shape", "‖W‖_F", "‖W‖_2", "‖W‖_*", "stable rk", "eff. rk", "num. rk",
        "τ_\(rank)", "dist_\(rank)", "rk(\(formatted(epsilon)))",
      ] + baselineTableHeader(reports)
    var rows = [header]
    for r in reports {
      rows.append(
        [
          terminalSafe(r.name), "\(r.shape[0])×\(r.shape[1])", formatted(r.frobeniusNorm),
          formatted(r.spectralNorm), formatted(r.nuclearNorm), formatted(r.stableRank),
          formatted(r.effectiveRank), r.topK == nil ? "\(r.numericalRank)" : "–",
          formatted(r.relativeTail), formatted(r.rankDistance),
          r.topK == nil ? "\(r.softRank)" : "–",
        ] + baselineTableCells(r, among: reports))
    }
    let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    var lines = rows.map { row in
      row.enumerated().map { column, cell in
        let padding = String(repeating: " ", count: widths[column] - cell.count)
        return column == 0 ? cell + padding : padding + cell
      }.joined(separator: "  ")
    }
    lines.insert(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  "), at: 1)
    for r in reports {
      let top =
        r.singularValues.isEmpty
        ? "(none)" : r.singularValues.prefix(8).map(formatted).joined(separator: ", ")
      let more = r.singularValues.count > 8 ? ", …" : ""
      lines.append("")
      lines.append("\(terminalSafe(r.name)): singular values \(top)\(more)")
      for note in r.notes { lines.append("note: \(note)") }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  func formatted(_ value: Double) -> String {
    if value.isNaN { return "–" }
    if value == 0 { return "0" }
    if !value.isFinite { return "undefined" }
    let magnitude = abs(value)
    if magnitude >= 1e-3 && magnitude < 1e5 { return String(format: "%.4g", value) }
    return String(format: "%.3e", value)
  }
}
