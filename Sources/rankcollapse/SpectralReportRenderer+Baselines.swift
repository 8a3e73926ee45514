import RankCollapse

/// The columns of the noise baselines and of the top-k mode's error bounds.
extension SpectralReportRenderer {
  /// The CSV columns appended after `tailError` (always present; empty when not computed).
  static let baselineCSVHeader =
    ",svd,relativeTailErrorBound,rankDistanceErrorBound,mpNoiseVariance,mpBulkEdge,"
    + "mpEdgeSingularValue,mpSpikes,shuffleSeed,shuffleLargestSingularValue,shuffleSignalCount"

  /// The fields of ``baselineCSVHeader`` for one report.
  func baselineCSVFields(_ r: SpectralReport) -> [String] {
    let mp = r.noiseBaseline?.marchenkoPastur
    let shuffle = r.noiseBaseline?.shuffle
    return [
      r.topK == nil ? "full" : "top-k",
      r.topK.map { csvNumber($0.relativeTailErrorBound) } ?? "0",
      r.topK.map { csvNumber($0.rankDistanceErrorBound) } ?? "0",
      mp.map { csvNumber($0.noiseVariance) } ?? "", mp.map { csvNumber($0.bulkEdge) } ?? "",
      mp.map { csvNumber($0.edgeSingularValue) } ?? "", mp.map { "\($0.spikes)" } ?? "",
      shuffle.map { "\($0.seed)" } ?? "",
      shuffle.map { csvNumber($0.largestShuffledSingularValue) } ?? "",
      shuffle.map { "\($0.signalCount)" } ?? "",
    ]
  }

  /// Extra table columns, only for what some report has: the top-k bound of `τ_K`, the MP
  /// spike count and edge, the shuffle count.
  func baselineTableHeader(_ reports: [SpectralReport]) -> [String] {
    var header: [String] = []
    if reports.contains(where: { $0.topK != nil }) { header.append("±τ_\(rank)") }
    if reports.contains(where: { $0.noiseBaseline?.marchenkoPastur != nil }) {
      header += ["MP edge", "MP spikes"]
    }
    if reports.contains(where: { $0.noiseBaseline?.shuffle != nil }) {
      header += ["shuffled s₁", "> shuffled"]
    }
    return header
  }

  /// The cells of ``baselineTableHeader(_:)`` for one report.
  func baselineTableCells(_ r: SpectralReport, among reports: [SpectralReport]) -> [String] {
    var cells: [String] = []
    if reports.contains(where: { $0.topK != nil }) {
      cells.append(r.topK.map { formatted($0.relativeTailErrorBound) } ?? "0")
    }
    if reports.contains(where: { $0.noiseBaseline?.marchenkoPastur != nil }) {
      let mp = r.noiseBaseline?.marchenkoPastur
      cells += [
        mp.map { formatted($0.edgeSingularValue) } ?? "–", mp.map { "\($0.spikes)" } ?? "–",
      ]
    }
    if reports.contains(where: { $0.noiseBaseline?.shuffle != nil }) {
      let shuffle = r.noiseBaseline?.shuffle
      cells += [
        shuffle.map { formatted($0.largestShuffledSingularValue) } ?? "–",
        shuffle.map { "\($0.signalCount)" } ?? "–",
      ]
    }
    return cells
  }
}
