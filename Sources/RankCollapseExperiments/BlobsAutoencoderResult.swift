import RankCollapse
import RankCollapseSweep

/// What ``BlobsAutoencoderExperiment`` measured on one weight matrix W_l.
public struct BlobsLayerMeasurement: Sendable, Hashable {
  /// l ∈ 1…L.
  public var layer: Int
  /// τ_K = Σ_{j>K} s_j² / Σ_j s_j², the relative distance to the closest rank-K matrix
  /// (Figure 1).
  public var tail: Double
  /// rk(ε), the number of singular values kept for tail error ≤ ε (Figures 4–5).
  public var softRank: Int
  /// ‖W_l‖_F² / ‖W_l‖_2².
  public var stableRank: Double
  /// ‖W_l‖_F.
  public var frobeniusNorm: Double
  /// ‖∇_{W_l}L_0 + 2λW_l‖_F and its parts (equation 4, 2λ convention).
  public var stationarity: StationarityResidual
  /// s_1 ≥ s_2 ≥ … of W_l.
  public var singularValues: [Double]
}

/// The total cluster variation interval of one embedding Z^j, targets joined (equation 6).
public struct BlobsClusterVariation: Sendable, Hashable {
  /// j ∈ 0…L (0: the inputs).
  public var embedding: Int
  /// WCSS_j of the partition by blob labels (an upper bound on TCV_{K,j}).
  public var labels: Double
  /// WCSS_j of the best k-means partition found (an upper bound on TCV_{K,j}).
  public var kMeansUpper: Double
  /// The spectral lower bound on TCV_{K,j} (Ding & He 2004).
  public var spectralLower: Double
}

/// The result of ``BlobsAutoencoderExperiment/run(lambda:sigma:progress:)``.
public struct BlobsAutoencoderResult: Sendable {
  /// λ.
  public var lambda: Double
  /// σ.
  public var sigma: Double
  /// K.
  public var clusters: Int
  /// ε of rk(ε).
  public var softRankEpsilon: Double
  /// Why and where training stopped.
  public var training: TrainingSummary
  /// Iterations run in `Double` after `Float` could not resolve further progress (L-BFGS's
  /// polish phase; 0 without one).
  public var polishIterations: Int = 0
  /// One entry per weight matrix, l = 1…L.
  public var layers: [BlobsLayerMeasurement]
  /// One entry per embedding j = 0…L (empty when not measured).
  public var clusterVariation: [BlobsClusterVariation]
  /// Theorem 3.4 per layer l = 1…L (empty when not evaluated).
  public var theorem34: [BoundReport]
  /// The trained network.
  public var network: Network<Float>

  /// The columns of ``rows``.
  public static let measurementColumns = ["layer", "metric", "value"]

  /// The tidy rows (`layer`, `metric`, `value`), one per measurement.
  ///
  /// Metrics, with `layer` = l for weight matrices, j for embeddings (`tcv_*`, 0 = inputs) and
  /// empty for the whole run:
  /// `tau_K` (e.g. `tau_10`), `rk_ε` (e.g. `rk_0.1`), `stable_rank`, `frobenius_norm`,
  /// `stationarity_residual` (‖∇_{W_l}L_0 + 2λW_l‖_F), `stationarity_relative` (divided by
  /// ‖2λW_l‖_F), `tcv_labels`, `tcv_kmeans_upper`, `tcv_spectral_lower`, `thm34_left`
  /// (dist(W_l, rank ≤ K)), `thm34_right` (the bound), `thm34_holds` (1 when the verdict is
  /// "holds", else 0), `thm34_verdict` (1 holds, 0 undecided at this precision, −1 fails),
  /// `thm34_allowance` (the largest rounding allowance of its links); and for the run
  /// `steps`, `evaluations` (of L_λ and ∇L_λ), `loss` (L_0), `penalty` (λ‖Θ‖²), `gradient_norm`,
  /// `stationarity_max` (max_l ρ_l), `polish_iterations` (L-BFGS iterations in `Double`),
  /// `converged` (1 if the run reached its convergence
  /// tolerances, `StopReason/isConverged`) and `stop_reason` (the
  /// `StopReason` raw value: a cell that did not converge says why). Wall time is not a row (same seed, same rows); a sweep's point file
  /// records it.
  public var rows: [[SweepValue]] {
    var rows: [[SweepValue]] = []
    func add(_ layer: Int?, _ metric: String, _ value: SweepValue) {
      rows.append([layer.map { .integer($0) } ?? .text(""), .text(metric), value])
    }
    let rankName = "rk_\(SweepValue.format(softRankEpsilon))"
    for layer in layers {
      add(layer.layer, "tau_\(clusters)", .number(layer.tail))
      add(layer.layer, rankName, .integer(layer.softRank))
      add(layer.layer, "stable_rank", .number(layer.stableRank))
      add(layer.layer, "frobenius_norm", .number(layer.frobeniusNorm))
      add(layer.layer, "stationarity_residual", .number(layer.stationarity.residualNorm))
      add(layer.layer, "stationarity_relative", .number(layer.stationarity.relative ?? .nan))
    }
    for variation in clusterVariation {
      add(variation.embedding, "tcv_labels", .number(variation.labels))
      add(variation.embedding, "tcv_kmeans_upper", .number(variation.kMeansUpper))
      add(variation.embedding, "tcv_spectral_lower", .number(variation.spectralLower))
    }
    for (index, report) in theorem34.enumerated() {
      add(index + 1, "thm34_left", .number(report.leftSide))
      add(index + 1, "thm34_right", .number(report.rightSide))
      add(index + 1, "thm34_holds", .integer(report.holds ? 1 : 0))
      let code = report.verdict == .holds ? 1 : report.verdict == .fails ? -1 : 0
      add(index + 1, "thm34_verdict", .integer(code))
      add(index + 1, "thm34_allowance", .number(report.largestAllowance))
    }
    add(nil, "steps", .integer(training.steps))
    add(nil, "evaluations", .integer(training.evaluations))
    add(nil, "loss", .number(training.loss))
    add(nil, "penalty", .number(training.penalty))
    add(nil, "gradient_norm", .number(training.gradientNorm))
    let ratios = layers.compactMap(\.stationarity.relative)
    add(nil, "stationarity_max", .number(ratios.max() ?? .nan))
    add(nil, "polish_iterations", .integer(polishIterations))
    add(nil, "converged", .integer(training.reason.isConverged ? 1 : 0))
    add(nil, "stop_reason", .text(training.reason.rawValue))
    return rows
  }

  /// A fixed-width table, one line per layer: τ_K, rk(ε), the relative stationarity residual
  /// ρ_l = ‖∇_{W_l}L_0 + 2λW_l‖_F / ‖2λW_l‖_F (equation 4), the TCV
  /// interval of the layer's input embedding Z^{l−1} and Theorem 3.4's two sides, its verdict
  /// (holds, undecided, FAILS; `*` when a hypothesis is not met) and its largest rounding
  /// allowance.
  public var table: String {
    func cell(_ text: String, _ width: Int) -> String {
      text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
    func number(_ value: Double) -> String {
      guard value.isFinite else { return SweepValue.format(value) }
      let magnitude = abs(value)
      if magnitude != 0 && (magnitude < 1e-3 || magnitude >= 1e5) {
        return scientific(value)
      }
      return fixed(value)
    }
    var header = [
      cell("layer", 5), cell("tau_\(clusters)", 10),
      cell("rk(\(SweepValue.format(softRankEpsilon)))", 8), cell("rho_l", 10),
    ]
    if !clusterVariation.isEmpty { header.append(cell("TCV(Z^{l-1}) interval", 24)) }
    if !theorem34.isEmpty {
      header += [
        cell("dist(W,rk<=K)", 14), cell("Thm 3.4 bound", 14), cell("verdict", 10),
        cell("allowance", 10),
      ]
    }
    var lines = [header.joined(separator: " ")]
    for layer in layers {
      var line = [
        cell("\(layer.layer)", 5), cell(number(layer.tail), 10), cell("\(layer.softRank)", 8),
        cell(layer.stationarity.relative.map(number) ?? "undefined", 10),
      ]
      if let variation = clusterVariation.first(where: { $0.embedding == layer.layer - 1 }) {
        line.append(
          cell("[\(number(variation.spectralLower)), \(number(variation.kMeansUpper))]", 24))
      }
      if layer.layer - 1 < theorem34.count {
        let report = theorem34[layer.layer - 1]
        line += [
          cell(number(report.leftSide), 14), cell(number(report.rightSide), 14),
          cell(report.shortVerdict, 10), cell(scientific(report.largestAllowance), 10),
        ]
      }
      lines.append(line.joined(separator: " "))
    }
    return lines.joined(separator: "\n")
  }
}

/// `value` with four significant digits in fixed notation.
private func fixed(_ value: Double) -> String {
  let magnitude = abs(value)
  let decimals = magnitude >= 100 ? 1 : magnitude >= 10 ? 2 : magnitude >= 1 ? 3 : 4
  var scale = 1.0
  for _ in 0..<decimals { scale *= 10 }
  let rounded = (value * scale).rounded() / scale
  var text = "\(rounded)"
  if let dot = text.firstIndex(of: ".") {
    let have = text.distance(from: dot, to: text.endIndex) - 1
    if have < decimals { text += String(repeating: "0", count: decimals - have) }
  }
  return text
}

/// `value` as `m.mmme±x`.
private func scientific(_ value: Double) -> String {
  let (mantissa, shift) = decimalExponent(value)
  var exponent = shift
  var digits = (mantissa * 100).rounded() / 100
  if digits >= 10 {
    digits /= 10
    exponent += 1
  }
  return (value < 0 ? "-" : "") + fixed(digits).prefix(4) + "e\(exponent)"
}
