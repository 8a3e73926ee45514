import ArgumentParser
import Foundation
import RankCollapse
import RankCollapseExperiments
import RankCollapsePlots

/// `rankcollapse evolution CHECKPOINT…`: the rank-over-training report of a user's own run, the
/// paper's Figure 3 for any model.
struct Evolution: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Track each layer's spectrum over a sequence of checkpoints (the paper's Figure 3).",
    discussion: """
      Give the checkpoints of one training run in order (each a .npy, .npz or .safetensors \
      file, a folder of shards or an index, read as analyze reads them). Matrices are matched \
      by tensor name (a .npy file holds one matrix, matched by position). For every matrix and \
      checkpoint the report records the tail errors e(r) = Σ_{i≥r} s_i / Σ_i s_i of eq. (22) \
      (e(1) = 1: keeping the top r − 1 values leaves e(r)), τ_K, the distance to rank K, rk(ε) \
      (kept values, e(rk + 1) ≤ ε), the stable, effective and numerical ranks.

      --output DIR receives evolution.csv (one row per checkpoint and matrix: \
      checkpoint_index, checkpoint, matrix, rows, columns, K, tau_K, rank_distance, epsilon, \
      soft_rank, stable_rank, effective_rank, numerical_rank), tail_errors.csv (checkpoint_index, \
      checkpoint, matrix, r, e_r) and evolution.svg: τ_K and rk(ε) against the checkpoint index \
      (one line per matrix), then one panel per matrix with its e(r) curves coloured by \
      checkpoint (viridis, first to last). The files are written atomically, only when every \
      checkpoint was read; a matrix missing from a later checkpoint, or with another shape \
      there, is noted and left out of that checkpoint's rows.

      Examples:
        rankcollapse evolution --output evo run/epoch-1.safetensors run/epoch-5.safetensors \\
            run/epoch-10.safetensors
        rankcollapse evolution -o evo --filter 'layers\\.[0-3]\\.' --rank 5 ckpt-*/
      """)

  @Argument(help: "The checkpoints, in training order (at least two).")
  var checkpoints: [String]

  @Option(
    name: [.short, .long],
    help: ArgumentHelp(
      "The folder for evolution.csv, tail_errors.csv and evolution.svg (created if missing).",
      valueName: "dir"))
  var output: String

  @OptionGroup var options: SpectralOptions

  /// The files written into the output folder.
  static let outputNames = ["evolution.csv", "tail_errors.csv", "evolution.svg"]

  func validate() throws {
    guard checkpoints.count >= 2 else {
      throw ValidationError("Give at least two checkpoints, in training order.")
    }
    try validateOutputFolder(output, option: "--output")
    for checkpoint in checkpoints where sameFile(checkpoint, output) {
      throw ValidationError(
        "--output '\(output)' is the checkpoint '\(checkpoint)'; writing there would mix the "
          + "report into the input, so nothing was written.")
    }
    for name in Self.outputNames {
      try validateOutputFile(
        (output.hasSuffix("/") ? output : output + "/") + name, option: "--output",
        inputs: checkpoints)
    }
  }

  /// One matrix of one checkpoint.
  struct Measurement {
    var checkpoint: Int
    var matrix: String
    var report: SpectralReport
  }

  func run() throws {
    let pattern = try options.apply()
    let progress = options.progress()
    var layers: [String] = []
    var shapes: [String: [Int]] = [:]
    var measurements: [Measurement] = []
    var notes: [String] = []
    for (index, checkpoint) in checkpoints.enumerated() {
      let inputs = try MatrixInputs.load(checkpoint, filter: pattern)
      progress?.beginBatch(of: inputs, in: checkpoint)
      let spectra = try Analyze.spectra(of: inputs, progress: progress)
      for (input, spectrum) in zip(inputs, spectra) {
        let key =
          input.name.hasPrefix(checkpoint + ":")
          ? String(input.name.dropFirst(checkpoint.count + 1)) : "matrix"
        if index == 0 {
          layers.append(key)
          shapes[key] = input.shape
        } else if shapes[key] == nil {
          notes.append("\(terminalSafe(key)) appears first in checkpoint \(index); not tracked")
          continue
        } else if shapes[key] != input.shape {
          notes.append(
            "\(terminalSafe(key)) has shape \(input.shape) in checkpoint \(index), "
              + "\(shapes[key] ?? []) before; left out there")
          continue
        }
        measurements.append(
          Measurement(
            checkpoint: index, matrix: key,
            report: options.report(key, spectrum)))
      }
      let seen = Set(measurements.filter { $0.checkpoint == index }.map(\.matrix))
      let missing = layers.filter { !seen.contains($0) }
      if !missing.isEmpty && index > 0 {
        notes.append(
          "checkpoint \(index) (\(checkpoint)) lacks \(missing.count) matrix(es): "
            + missing.prefix(3).map(terminalSafe).joined(separator: ", "))
      }
    }
    guard !layers.isEmpty else {
      throw CommandFailure(
        "\(checkpoints[0]) has no 2-D floating-point matrix"
          + (options.filter.map { " matching --filter '\($0)'" } ?? ""))
    }
    for note in notes { printToStandardError("note: \(note)") }
    let figure = self.figure(layers: layers, measurements: measurements)
    do { _ = try figure.svg() } catch {
      throw CommandFailure("the figure cannot be drawn: \(error)")
    }
    try createFolder(output)
    let folder = output.hasSuffix("/") ? output : output + "/"
    try write(summaryCSV(measurements), to: folder + Self.outputNames[0])
    try write(tailCSV(measurements), to: folder + Self.outputNames[1])
    let svg = folder + Self.outputNames[2]
    do { try figure.write(to: svg) } catch { throw CommandFailure("\(error)") }
    for name in Self.outputNames { printToStandardError("wrote \(folder + name)") }
  }

  private func write(_ text: String, to path: String) throws {
    do { try AtomicFile.write(Array(text.utf8), to: path) } catch {
      throw CommandFailure("\(error)")
    }
  }

  private func summaryCSV(_ measurements: [Measurement]) -> String {
    var lines = [
      "checkpoint_index,checkpoint,matrix,rows,columns,K,tau_K,rank_distance,epsilon,soft_rank,"
        + "stable_rank,effective_rank,numerical_rank"
    ]
    for m in measurements {
      let r = m.report
      lines.append(
        [
          "\(m.checkpoint)", csvQuoted(checkpoints[m.checkpoint]), csvQuoted(m.matrix),
          "\(r.shape[0])", "\(r.shape[1])", "\(options.rank)", "\(r.relativeTail)",
          "\(r.rankDistance)",
          "\(options.epsilon)", "\(r.softRank)", "\(r.stableRank)", "\(r.effectiveRank)",
          "\(r.numericalRank)",
        ].joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  private func tailCSV(_ measurements: [Measurement]) -> String {
    var lines = ["checkpoint_index,checkpoint,matrix,r,e_r"]
    for m in measurements {
      let prefix = "\(m.checkpoint),\(csvQuoted(checkpoints[m.checkpoint])),\(csvQuoted(m.matrix)),"
      for (i, e) in m.report.tailError.enumerated() { lines.append(prefix + "\(i + 1),\(e)") }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// τ_K and rk(ε) against the checkpoint index, then e(r) per matrix coloured by checkpoint.
  private func figure(layers: [String], measurements: [Measurement]) -> FigureGrid {
    let layerColors =
      layers.count > RGBColor.seriesPalette.count
      ? ColorMap.viridis.colors(count: layers.count)
      : Array(RGBColor.seriesPalette.prefix(layers.count))
    let checkpointColors = ColorMap.viridis.colors(count: checkpoints.count)
    var tau = LineChart(
      title: "τ_\(options.rank) (relative spectral tail) by checkpoint", xLabel: "checkpoint",
      yLabel: "τ_\(options.rank)", width: 640, height: 400)
    var soft = LineChart(
      title: "rk(\(options.epsilon)) by checkpoint", xLabel: "checkpoint", yLabel: "rk(ε)",
      width: 640,
      height: 400)
    var panels: [FigureGrid.Panel] = []
    for (index, layer) in layers.enumerated() {
      let mine = measurements.filter { $0.matrix == layer }
      let x = mine.map { Double($0.checkpoint) }
      let inLegend = layers.count <= RGBColor.seriesPalette.count
      tau.series.append(
        LineChart.Series(
          name: layer, x: x, y: mine.map(\.report.relativeTail), color: layerColors[index],
          showsInLegend: inLegend))
      soft.series.append(
        LineChart.Series(
          name: layer, x: x, y: mine.map { Double($0.report.softRank) },
          color: layerColors[index], showsInLegend: inLegend))
      var tails = LineChart(
        title: "e(r) of \(layer)", xLabel: "r", yLabel: "e(r)", yScale: .logarithmic,
        width: 420, height: 320)
      for m in mine {
        let values = m.report.tailError.map { $0 > 0 && $0.isFinite ? $0 : .nan }
        let shown = m.checkpoint == 0 || m.checkpoint == checkpoints.count - 1
        tails.series.append(
          LineChart.Series(
            name: "checkpoint \(m.checkpoint)", x: values.indices.map { Double($0 + 1) },
            y: values, color: checkpointColors[m.checkpoint], showsMarkers: values.count <= 20,
            showsInLegend: shown))
      }
      panels.append(.lineChart(tails))
    }
    return FigureGrid(
      title: "Rank over training: \(checkpoints.count) checkpoints, \(layers.count) matrices",
      columns: 2, panels: [.lineChart(tau), .lineChart(soft)] + panels)
  }
}

/// Whether two paths name the same file or folder (same device and inode).
func sameFile(_ a: String, _ b: String) -> Bool {
  var first = stat()
  var second = stat()
  return stat(a, &first) == 0 && stat(b, &second) == 0 && first.st_dev == second.st_dev
    && first.st_ino == second.st_ino
}
