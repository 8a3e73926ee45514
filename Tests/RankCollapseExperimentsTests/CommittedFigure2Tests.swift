import Foundation
import Testing

@testable import RankCollapseExperiments

/// One committed Figure 2 run: its folder name, penalty and the values per grid point.
private struct Figure2Run {
  var name: String
  var perLayer: Bool
  /// `[λ, σ] → quantity → value`, from the tidy `figure2.csv` (`lambda,sigma,quantity,value`).
  var values: [[Double]: [String: Double]] = [:]

  var lambdas: [Double] { Set(values.keys.map { $0[0] }).sorted() }
  var sigmas: [Double] { Set(values.keys.map { $0[1] }).sorted() }

  func value(_ quantity: String, _ lambda: Double, _ sigma: Double) -> Double {
    values[[lambda, sigma]]?[quantity] ?? .nan
  }

  /// The records the figure and the summary use.
  var records: [DeepLinearFigure2.Record] {
    values.keys.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }.map { key in
      let (l, s) = (key[0], key[1])
      return DeepLinearFigure2.Record(
        lambda: l, sigma: s, trainedDistance: value("trained_distance", l, s),
        closedFormDistance: value("closed_form_distance", l, s),
        rankConstrainedDistance: value("rank_constrained_distance", l, s),
        bound: value("theorem53_bound", l, s), fullConverged: value("full_converged", l, s) == 1,
        centroidConverged: value("centroid_converged", l, s) == 1)
    }
  }

  /// Whether the folder holds the merged `figure2.csv` (the grid is complete).
  var complete = false

  /// Every `Docs/Results/Figure2/*/`, read from its finished points (`points/*.json`), so a
  /// run still in progress counts with what it has.
  static func committed() throws -> [Figure2Run] {
    try CommittedRun.all(figure: "Figure2").map { run in
      let sidecar = try String(
        contentsOf: run.folder.appendingPathComponent("hyperparameters.json"), encoding: .utf8)
      var result = Figure2Run(name: run.name, perLayer: sidecar.contains("per-layer weight decay"))
      result.complete = run.has("figure2.csv")
      for point in run.points {
        guard point.values.count == 2, let lambda = Double(point.values[0]),
          let sigma = Double(point.values[1])
        else { throw CocoaError(.fileReadCorruptFile) }
        for row in point.rows where row.count == 2 {
          result.values[[lambda, sigma], default: [:]][row[0]] = Double(row[1])
        }
      }
      return result
    }
  }
}

@Suite(
  "The committed Figure 2 runs show the paper's section 6.2 claims, or pin what differs")
struct CommittedFigure2Tests {
  @Test(
    "Both penalties are committed; a run with its merged CSV is the complete 5 × 5 grid, a run in progress has at least a 3 × 3 sub-grid; every point has every quantity"
  )
  func complete() throws {
    let runs = try Figure2Run.committed()
    #expect(runs.contains { $0.perLayer } && runs.contains { !$0.perLayer })
    for run in runs {
      let size = run.complete ? 5 : 3
      #expect(run.lambdas.count >= size && run.sigmas.count >= size, "\(run.name)")
      #expect(!run.complete || run.values.count == 25, "\(run.name)")
      #expect(run.values.values.allSatisfy { $0.count == DeepLinearFigure2.quantities.count })
    }
  }

  @Test(
    "End-to-end penalty (section 5's objective): the trained distance grows about like σ² (every λ's log-log slope in 2 ± 0.4, their mean in 2 ± 0.15), falls with λ at every σ, and stays below Theorem 5.3's bound"
  )
  func endToEndClaims() throws {
    for run in try Figure2Run.committed() where !run.perLayer {
      let summary = DeepLinearFigure2.Summary(run.records)
      #expect(abs(summary.trainedSlope - 2) <= 0.15, "\(run.name): mean \(summary.trainedSlope)")
      for slope in summary.trainedSlopes {
        #expect(abs(slope.slope - 2) <= 0.4, "\(run.name): λ = \(slope.lambda), \(slope.slope)")
      }
      #expect(summary.decreasingInLambda == summary.sigmaCount, "\(run.name)")
      #expect(summary.belowBound == summary.pointCount, "\(run.name)")
    }
  }

  @Test(
    "Per-layer weight decay: every training converges; the distance is quadratic in σ wherever the kept directions do not change (slope 2 ± 0.05 for λ ≤ 0.01), but flat in λ from 10⁻³ to 10⁻² (within a factor 1.3, where the end-to-end penalty falls by a factor ≥ 3), and zero to rounding at λ = 0.1, where the decay removes every direction"
  )
  func perLayerClaims() throws {
    let runs = try Figure2Run.committed()
    for run in runs where run.perLayer {
      let summary = DeepLinearFigure2.Summary(run.records)
      #expect(summary.converged == 2 * summary.pointCount, "\(run.name)")
      for slope in summary.trainedSlopes where slope.lambda <= 0.01 {
        #expect(abs(slope.slope - 2) <= 0.05, "\(run.name): λ = \(slope.lambda), \(slope.slope)")
      }
      let endToEnd = runs.first {
        !$0.perLayer && $0.name.hasPrefix(run.name.components(separatedBy: "-per-layer")[0])
      }
      for sigma in run.sigmas {
        let ratio =
          run.value("trained_distance", 0.001, sigma) / run.value("trained_distance", 0.01, sigma)
        #expect(ratio >= 1 / 1.3 && ratio <= 1.3, "\(run.name): σ = \(sigma), ratio \(ratio)")
        if let endToEnd, endToEnd.values[[0.001, sigma]] != nil,
          endToEnd.values[[0.01, sigma]] != nil
        {
          let fall =
            endToEnd.value("trained_distance", 0.001, sigma)
            / endToEnd.value("trained_distance", 0.01, sigma)
          #expect(fall >= 3, "\(endToEnd.name): σ = \(sigma), ratio \(fall)")
        }
        #expect(run.value("trained_distance", 0.1, sigma) < DeepLinearFigure2.roundingLevel)
      }
      #expect(summary.atRounding == run.sigmas.count, "\(run.name)")
    }
  }
}

@Suite("The figures the DocC articles show are the committed results")
struct EmbeddedFigureTests {
  /// `Resources/figureN-RUN.svg` of the Experiments catalog must be byte-identical to
  /// `Docs/Results/FigureN/RUN/figureN.svg` (or `figureN-partial.svg` of a run in progress;
  /// `Figure4-5` holds Figures 4 and 5), so an article never shows a figure that drifted from the
  /// committed run.
  @Test func embeddedFiguresMatchTheResults() throws {
    let resources = repositoryRoot.appendingPathComponent(
      "Sources/RankCollapseExperiments/RankCollapseExperiments.docc/Resources")
    let names = try FileManager.default.contentsOfDirectory(atPath: resources.path)
      .filter { $0.hasPrefix("figure") && $0.hasSuffix(".svg") }.sorted()
    #expect(names.count >= 3)
    for name in names {
      let stem = String(name.dropLast(".svg".count))
      let figure = String(stem.prefix { $0 != "-" })  // "figure2"
      let run = String(stem.dropFirst(figure.count + 1))
      // Docs/Results/FigureN, or the folder shared with a neighbouring figure (Figure4-5); a run
      // still in progress has its partial figure instead of the merged one.
      let number = String(figure.dropFirst("figure".count))
      let results = repositoryRoot.appendingPathComponent("Docs/Results")
      let figureFolder =
        try FileManager.default.contentsOfDirectory(atPath: results.path).sorted().first {
          $0 == "Figure\(number)" || $0.hasPrefix("Figure\(number)-")
            || ($0.hasPrefix("Figure") && $0.hasSuffix("-\(number)"))
        } ?? "Figure\(number)"
      let folder = results.appendingPathComponent(figureFolder).appendingPathComponent(run)
      let merged = folder.appendingPathComponent("\(figure).svg")
      let original =
        FileManager.default.fileExists(atPath: merged.path)
        ? merged : folder.appendingPathComponent("\(figure)-partial.svg")
      let embedded = try Data(contentsOf: resources.appendingPathComponent(name))
      #expect(
        (try? Data(contentsOf: original)) == embedded, "\(name) differs from \(original.path)")
    }
  }
}
