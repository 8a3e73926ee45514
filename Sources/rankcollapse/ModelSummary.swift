import Foundation
import RankCollapse

/// The kind of layer a matrix belongs to, from its name (or, failing that, its shape), for
/// `analyze --summary`.
///
/// The rule, applied to the tensor name in lower case, first match wins:
///
/// 1. `convolution`: a kernel cut by `--reshape` (3-D to 5-D), or a name containing `conv`;
/// 2. `embedding`: `embed`, `wte`, `wpe`, `token_type` or `tok_`;
/// 3. `attention`: `attn`, `attention`, `q_proj`, `k_proj`, `v_proj`, `o_proj`, `qkv`,
///    `query`, `key`, `value` or `out_proj`;
/// 4. `mlp`: `mlp`, `ffn`, `feed_forward`, `fc1`, `fc2`, `intermediate`, `gate_proj`,
///    `up_proj`, `down_proj`, `dense_h_to_4h`, `dense_4h_to_h` or `.output.` (BERT's
///    feed-forward output);
/// 5. `head`: `lm_head`, `classifier`, `pooler` or `head`;
/// 6. otherwise `other`.
enum LayerKind: String, CaseIterable, Encodable {
  case all, embedding, attention, mlp, convolution, head, other

  /// The kind of a matrix named `name` (the tensor name, without the file), cut from an array
  /// of `originalRank` dimensions.
  init(name: String, originalRank: Int) {
    let lower = name.lowercased()
    func any(_ words: [String]) -> Bool { words.contains { lower.contains($0) } }
    if originalRank >= 3 || any(["conv"]) {
      self = .convolution
    } else if any(["embed", "wte", "wpe", "token_type", "tok_"]) {
      self = .embedding
    } else if any([
      "attn", "attention", "q_proj", "k_proj", "v_proj", "o_proj", "qkv", "query", "key", "value",
      "out_proj",
    ]) {
      self = .attention
    } else if any([
      "mlp", "ffn", "feed_forward", "fc1", "fc2", "intermediate", "gate_proj", "up_proj",
      "down_proj", "dense_h_to_4h", "dense_4h_to_h", ".output.",
    ]) {
      self = .mlp
    } else if any(["lm_head", "classifier", "pooler", "head"]) {
      self = .head
    } else {
      self = .other
    }
  }
}

/// `analyze --summary`: per model (one input argument) and layer kind, the count and the mean
/// and quantiles of the per-matrix metrics.
struct ModelSummary: Encodable {
  /// The statistics of one metric over a group of matrices.
  struct Statistics: Encodable {
    var mean: Double
    var min: Double
    var q25: Double
    var median: Double
    var q75: Double
    var max: Double

    /// The statistics of `values` (not empty); quantiles interpolate linearly between order
    /// statistics, as NumPy's default `quantile` does.
    init(_ values: [Double]) {
      let sorted = values.sorted()
      func quantile(_ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down))
        let high = Swift.min(low + 1, sorted.count - 1)
        return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
      }
      mean = sorted.reduce(0, +) / Double(sorted.count)
      min = sorted[0]
      q25 = quantile(0.25)
      median = quantile(0.5)
      q75 = quantile(0.75)
      max = sorted[sorted.count - 1]
    }
  }

  /// One line: a model's matrices of one kind.
  struct Group: Encodable {
    var model: String
    var kind: LayerKind
    var count: Int
    /// Metric name → statistics, in ``metrics`` order.
    var metrics: [String: Statistics]
  }

  /// The metrics summarised, by their JSON key, with how to read them off a report.
  static let metrics: [(String, @Sendable (SpectralReport) -> Double)] = [
    ("stableRank", { $0.stableRank }), ("effectiveRank", { $0.effectiveRank }),
    ("relativeTail", { $0.relativeTail }), ("softRank", { Double($0.softRank) }),
    ("softRankFraction", { Double($0.softRank) / Double(max(1, $0.shape.min() ?? 1)) }),
    ("numericalRank", { Double($0.numericalRank) }),
  ]

  var rank: Int
  var epsilon: Double
  var groups: [Group]

  /// Groups `reports` by model and kind.
  ///
  /// - Parameters:
  ///   - reports: The reports with the model (input argument) and the rank of the array each
  ///     came from.
  ///   - rank: `K`.
  ///   - epsilon: `ε`.
  init(
    _ reports: [(model: String, originalRank: Int, report: SpectralReport)], rank: Int,
    epsilon: Double
  ) {
    self.rank = rank
    self.epsilon = epsilon
    var groups: [Group] = []
    var models: [String] = []
    for entry in reports where !models.contains(entry.model) { models.append(entry.model) }
    for model in models {
      let mine = reports.filter { $0.model == model }
      for kind in LayerKind.allCases {
        let members =
          kind == .all
          ? mine
          : mine.filter {
            let tensor = $0.report.name.dropFirst(model.count + 1)
            return LayerKind(name: String(tensor), originalRank: $0.originalRank) == kind
          }
        guard !members.isEmpty else { continue }
        var metrics: [String: Statistics] = [:]
        for (key, value) in Self.metrics {
          metrics[key] = Statistics(members.map { value($0.report) })
        }
        groups.append(Group(model: model, kind: kind, count: members.count, metrics: metrics))
      }
    }
    self.groups = groups
  }

  /// The summary as a table (means and medians), JSON (all statistics) or tidy CSV (one row per
  /// model, kind and metric).
  func render(as format: OutputFormat) throws -> String {
    switch format {
    case .json:
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    case .csv:
      var lines = ["model,kind,count,metric,mean,min,q25,median,q75,max"]
      for group in groups {
        for (key, _) in Self.metrics {
          guard let s = group.metrics[key] else { continue }
          lines.append(
            [csvQuoted(group.model), group.kind.rawValue, "\(group.count)", key]
              .joined(separator: ",") + ","
              + [s.mean, s.min, s.q25, s.median, s.q75, s.max].map { "\($0)" }.joined(
                separator: ","))
        }
      }
      return lines.joined(separator: "\n") + "\n"
    case .table:
      let header = [
        "model", "kind", "n", "stable rk", "eff. rk", "τ_\(rank)", "rk(\(epsilon))",
        "rk/min(m,n)",
      ]
      var rows = [header]
      for group in groups {
        func cell(_ key: String) -> String {
          guard let s = group.metrics[key] else { return "" }
          return "\(formatted(s.mean)) (\(formatted(s.median)))"
        }
        rows.append(
          [
            terminalSafe(group.model), group.kind.rawValue, "\(group.count)", cell("stableRank"),
            cell("effectiveRank"), cell("relativeTail"), cell("softRank"),
            cell("softRankFraction"),
          ])
      }
      let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
      var lines = rows.map { row in
        row.enumerated().map { column, cell in
          let padding = String(repeating: " ", count: widths[column] - cell.count)
          return column < 2 ? cell + padding : padding + cell
        }.joined(separator: "  ")
      }
      lines.insert(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  "), at: 1)
      lines.append("")
      lines.append(
        "cells: mean (median) over the kind's matrices; --format csv or json adds min, "
          + "quartiles and max")
      return lines.joined(separator: "\n") + "\n"
    }
  }

  private func formatted(_ value: Double) -> String {
    if value == 0 { return "0" }
    if !value.isFinite { return "undefined" }
    let magnitude = abs(value)
    if magnitude >= 1e-3 && magnitude < 1e5 { return String(format: "%.4g", value) }
    return String(format: "%.3e", value)
  }
}
