import Foundation
import RankCollapse
import RankCollapseExperiments
import RankCollapseSweep

/// What `rankcollapse compress` reports: the per-layer compression report and, with `--data`,
/// the evaluation of the dense, compressed and fine-tuned networks.
struct CompressionOutcome {
  /// One network's measurements on the evaluation data.
  struct NetworkEvaluation: Encodable {
    /// `dense`, `compressed` or `fine-tuned`.
    var network: String
    var parameters: Int
    var flops: Int
    /// The mean loss L_0 on the evaluation data.
    var loss: Double
    /// The fraction classified correctly, `nil` unless the task is a classification
    /// (`Compression.isClassification`).
    var accuracy: Double?
    /// The fastest forward pass over the evaluation data.
    var seconds: Double
    /// The dense network's fastest pass over this one's, timed in the same rounds.
    var speedup: Double
    /// L_0 on the fine-tuning data, when fine-tuning ran.
    var trainingLoss: Double?

    enum CodingKeys: String, CodingKey {
      case network, parameters, flops, loss, accuracy, seconds, speedup, trainingLoss
    }

    /// Encodes absent values as `null` (not as missing keys).
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(network, forKey: .network)
      try container.encode(parameters, forKey: .parameters)
      try container.encode(flops, forKey: .flops)
      try container.encode(loss, forKey: .loss)
      try container.encode(accuracy, forKey: .accuracy)
      try container.encode(seconds, forKey: .seconds)
      try container.encode(speedup, forKey: .speedup)
      try container.encode(trainingLoss, forKey: .trainingLoss)
    }
  }

  /// The evaluation of every network on one data set.
  struct Evaluation: Encodable {
    /// The path (and for a folder the split).
    var data: String
    var samples: Int
    /// Whether the evaluation data is the fine-tuning data (an `.npz` `--data` without
    /// `--test-data`).
    var isFineTuningData: Bool
    /// The loss's name (`Loss.rawValue`).
    var loss: String
    var timingRounds: Int
    var networks: [NetworkEvaluation]
  }

  /// The fine-tuning settings and effort.
  struct FineTuning: Encodable {
    var data: String
    var samples: Int
    var epochs: Int
    var steps: Int
    var optimizer: String
    var learningRate: Double
    var batchSize: Int
    var seed: UInt64
    var weightDecay: Double
    var seconds: Double
  }

  var input: String
  var output: String
  var report: CompressionReport
  var evaluation: Evaluation?
  var fineTuning: FineTuning?

  // MARK: - Table

  /// The per-layer table, then the settings of fine-tuning and the evaluation table.
  func table() -> String {
    var rows: [[String]] = [
      [
        "layer", "shape", "criterion", "rank", "stored", "e(r+1)", "τ_r", "parameters",
        "FLOPs/sample",
      ]
    ]
    func fixed(_ x: Double) -> String { String(format: "%.4f", x) }
    for layer in report.layers {
      rows.append([
        "\(layer.layer)", "\(layer.rows)×\(layer.columns)", layer.selection, "\(layer.rank)",
        layer.isFactored ? "U·V" : "dense", fixed(layer.tailError), fixed(layer.relativeTail),
        "\(layer.denseParameters) → \(layer.parameters)", "\(layer.denseFLOPs) → \(layer.flops)",
      ])
    }
    rows.append([
      "total", "", "", "", "", "", "",
      "\(report.denseParameters) → \(report.parameters) (\(String(format: "%.3f", report.parameterRatio))×)",
      "\(report.denseFLOPs) → \(report.flops) (\(String(format: "%.3f", report.flopRatio))×)",
    ])
    var text = "\(input) → \(output)\n" + Self.align(rows)
    if let fineTuning {
      text +=
        "\nfine-tuned for \(fineTuning.epochs) epoch\(fineTuning.epochs == 1 ? "" : "s") "
        + "(\(fineTuning.steps) steps, \(String(format: "%.3g", fineTuning.seconds)) s): Adam, "
        + "learning rate \(fineTuning.learningRate), batches of \(fineTuning.batchSize), seed "
        + "\(fineTuning.seed), weight decay \(fineTuning.weightDecay)\n"
        + "  on \(fineTuning.data), \(fineTuning.samples) samples\n"
    }
    if let evaluation {
      text += "\nevaluated on \(evaluation.data), \(evaluation.samples) samples\n"
      if evaluation.isFineTuningData {
        text += "  (the fine-tuning data: give --test-data for held-out numbers)\n"
      }
      text +=
        "  loss \(evaluation.loss); time: the fastest of \(evaluation.timingRounds) interleaved "
        + "forward passes over all samples\n"
      let hasAccuracy = evaluation.networks.contains { $0.accuracy != nil }
      let hasTraining = evaluation.networks.contains { $0.trainingLoss != nil }
      var header = ["network", "parameters", "FLOPs/sample", "loss"]
      if hasAccuracy { header.append("accuracy") }
      header += ["time (ms)", "speed-up"]
      if hasTraining { header.append("training loss") }
      var table = [header]
      for network in evaluation.networks {
        var row = [
          network.network, "\(network.parameters)", "\(network.flops)",
          String(format: "%.4g", network.loss),
        ]
        if hasAccuracy {
          row.append(network.accuracy.map { String(format: "%.2f %%", 100 * $0) } ?? "-")
        }
        row += [
          String(format: "%.3g", network.seconds * 1000), String(format: "%.2f×", network.speedup),
        ]
        if hasTraining {
          row.append(network.trainingLoss.map { String(format: "%.4g", $0) } ?? "-")
        }
        table.append(row)
      }
      text += Self.align(table)
    }
    return text
  }

  /// Rows as left-aligned columns separated by two spaces.
  static func align(_ rows: [[String]]) -> String {
    let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
    var text = ""
    for row in rows {
      var line = zip(row, widths).map { cell, width in
        cell + String(repeating: " ", count: width - cell.count)
      }.joined(separator: "  ")
      while line.last == " " { line.removeLast() }
      text += line + "\n"
    }
    return text
  }

  // MARK: - JSON

  /// The JSON document.
  ///
  /// Keys: `input`, `output`, `layers`, the totals, and with data `evaluation` (and
  /// `fineTuning` when it ran). Non-finite numbers are the strings `nan`, `inf`, `-inf`.
  func json() throws -> String {
    struct Document: Encodable {
      var input: String
      var output: String
      var layers: [LayerCompression]
      var denseParameters: Int
      var parameters: Int
      var denseFLOPs: Int
      var flops: Int
      var evaluation: Evaluation?
      var fineTuning: FineTuning?
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let data = try encoder.encode(
      Document(
        input: input, output: output, layers: report.layers,
        denseParameters: report.denseParameters, parameters: report.parameters,
        denseFLOPs: report.denseFLOPs, flops: report.flops, evaluation: evaluation,
        fineTuning: fineTuning))
    return String(decoding: data, as: UTF8.self) + "\n"
  }

  // MARK: - CSV

  /// A tidy table, one measurement per row: `network,layer,metric,value`.
  ///
  /// Per-layer rows (network `compressed`): `rows`, `columns`, `rank`, `factored`,
  /// `tail_error`, `relative_tail`, `dense_parameters`, `parameters`, `dense_flops`, `flops`.
  /// Per-network rows (empty layer; networks `dense`, `compressed`, with fine-tuning
  /// `fine-tuned`): `parameters`, `flops`, and with data `loss`, `accuracy` (label targets),
  /// `inference_seconds`, `speedup`, `training_loss` (fine-tuning).
  func csv() -> String {
    var table = TidyTable(columns: ["network", "layer", "metric", "value"])
    for layer in report.layers {
      let l = SweepValue.integer(layer.layer)
      let values: [(String, SweepValue)] = [
        ("rows", .integer(layer.rows)), ("columns", .integer(layer.columns)),
        ("rank", .integer(layer.rank)), ("factored", .boolean(layer.isFactored)),
        ("tail_error", .number(layer.tailError)), ("relative_tail", .number(layer.relativeTail)),
        ("dense_parameters", .integer(layer.denseParameters)),
        ("parameters", .integer(layer.parameters)),
        ("dense_flops", .integer(layer.denseFLOPs)), ("flops", .integer(layer.flops)),
      ]
      for (metric, value) in values { table.append(["compressed", l, .text(metric), value]) }
    }
    if let evaluation {
      for network in evaluation.networks {
        var values: [(String, SweepValue)] = [
          ("parameters", .integer(network.parameters)), ("flops", .integer(network.flops)),
          ("loss", .number(network.loss)),
        ]
        if let accuracy = network.accuracy { values.append(("accuracy", .number(accuracy))) }
        values += [
          ("inference_seconds", .number(network.seconds)), ("speedup", .number(network.speedup)),
        ]
        if let loss = network.trainingLoss { values.append(("training_loss", .number(loss))) }
        for (metric, value) in values {
          table.append([.text(network.network), .text(""), .text(metric), value])
        }
      }
    } else {
      for (name, parameters, flops) in [
        ("dense", report.denseParameters, report.denseFLOPs),
        ("compressed", report.parameters, report.flops),
      ] {
        table.append([.text(name), .text(""), "parameters", .integer(parameters)])
        table.append([.text(name), .text(""), "flops", .integer(flops)])
      }
    }
    return table.csv
  }
}
