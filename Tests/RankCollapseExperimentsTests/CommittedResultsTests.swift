import Foundation
import Testing

/// One committed Figure 1 result: τ₁₀ per (λ, σ, layer) and whether each run converged.
struct Figure1Table {
  var tau: [Key: Double] = [:]
  /// ρ_l (`stationarity_relative`) per (cell, layer).
  var residual: [Key: Double] = [:]
  var converged: [Cell: Bool] = [:]
  /// The per-run rows (empty layer) of each cell by metric: `stop_reason`, `steps`, ….
  var run: [Cell: [String: String]] = [:]
  struct Cell: Hashable {
    var lambda: Double
    var sigma: Double
  }
  struct Key: Hashable {
    var cell: Cell
    var layer: Int
  }
  var lambdas: [Double] { Set(converged.keys.map(\.lambda)).sorted() }
  var sigmas: [Double] { Set(converged.keys.map(\.sigma)).sorted() }
  var layers: [Int] { Set(tau.keys.map(\.layer)).sorted() }

  /// Reads a tidy `figure1.csv` (`lambda,sigma,layer,metric,value`; no quoted commas in it).
  init(csv: String) throws {
    let lines = csv.split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false)
    }
    guard let header = lines.first?.map(String.init),
      let l = header.firstIndex(of: "lambda"), let s = header.firstIndex(of: "sigma"),
      let layer = header.firstIndex(of: "layer"), let metric = header.firstIndex(of: "metric"),
      let value = header.firstIndex(of: "value")
    else { throw CocoaError(.fileReadCorruptFile) }
    for fields in lines.dropFirst() where fields.count == header.count {
      guard let lambda = Double(fields[l]), let sigma = Double(fields[s]) else { continue }
      let cell = Cell(lambda: lambda, sigma: sigma)
      switch fields[metric] {
      case "tau_10":
        if let index = Int(fields[layer]), let number = Double(fields[value]) {
          tau[Key(cell: cell, layer: index)] = number
        }
      case "stationarity_relative":
        if let index = Int(fields[layer]), let number = Double(fields[value]) {
          residual[Key(cell: cell, layer: index)] = number
        }
      case "converged": converged[cell] = fields[value] == "1"
      default: break
      }
      if fields[layer].isEmpty {
        run[cell, default: [:]][String(fields[metric])] = String(fields[value])
      }
    }
  }
}

@Suite("The committed paper-figure results show the paper's claims")
struct CommittedResultsTests {
  /// Every committed `Docs/Results/Figure1/*/figure1.csv` (complete runs).
  static func figure1Tables() throws -> [(String, Figure1Table)] {
    let folder = repositoryRoot.appendingPathComponent("Docs/Results/Figure1")
    let runs = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    return try runs.compactMap { run in
      let file = folder.appendingPathComponent(run).appendingPathComponent("figure1.csv")
      guard FileManager.default.fileExists(atPath: file.path) else { return nil }
      return (run, try Figure1Table(csv: String(contentsOf: file, encoding: .utf8)))
    }
  }

  /// Every committed Figure 1 run still in progress (`points/` without `figure1.csv`), read from
  /// its finished points.
  static func partialFigure1Tables() throws -> [(String, Figure1Table)] {
    try CommittedRun.all(figure: "Figure1").filter { !$0.has("figure1.csv") }.map { run in
      // The points' rows are the tidy CSV's rows without the grid coordinates in front.
      var lines = ["lambda,sigma,layer,metric,value"]
      for point in run.points where point.values.count == 2 {
        for row in point.rows where row.count == 3 {
          lines.append((point.values + row).joined(separator: ","))
        }
      }
      return (run.name, try Figure1Table(csv: lines.joined(separator: "\n")))
    }
  }

  /// Runs whose cells stop at a small iteration budget by design, so that most of them are not
  /// stationary: the transition test (a claim about stationary points) leaves them out, and
  /// `CommittedFigure1SliceTests` pins what they measured.
  static let budgetLimitedRuns: Set<String> = ["paper-transition-slice"]

  /// τ₁₀ below this is at the rounding floor of the trained weights' spectra: no trend there.
  static let floor = 1e-4

  /// Above this τ₁₀ a layer has not collapsed (the transition test's "far from rank 10").
  static let plateau = 0.1

  // Between two cells that are both on the uncollapsed plateau τ₁₀ is not ordered: in the
  // default-scale run (every cell but one converged) it ranges over 0.15–0.67 there, e.g. 0.26 at
  // λ = 0.001 and 0.53 at λ = 0.003 for W₂ at σ = 0.5. The monotone claim of section 6.1 is about
  // where collapse sets in, so every pair with at least one cell below the plateau is held to it
  // strictly, and plateau pairs are left out (the transition test checks that they are far from
  // rank 10).

  @Test(
    "Figure 1 (section 6.1): among converged cells, τ₁₀ falls as λ grows at fixed σ and rises with σ at fixed λ, in every layer, wherever a cell is collapsed"
  )
  func figure1Trends() throws {
    let tables = try Self.figure1Tables() + Self.partialFigure1Tables()
    #expect(!tables.isEmpty, "no committed Figure 1 results")
    var compared = 0
    for (run, table) in tables where table.lambdas.count >= 2 && table.sigmas.count >= 2 {
      for layer in table.layers {
        func tau(_ lambda: Double, _ sigma: Double) -> Double? {
          let cell = Figure1Table.Cell(lambda: lambda, sigma: sigma)
          guard table.converged[cell] == true else { return nil }
          return table.tau[Figure1Table.Key(cell: cell, layer: layer)]
        }
        for sigma in table.sigmas {
          for (a, b) in zip(table.lambdas, table.lambdas.dropFirst()) {
            guard let ta = tau(a, sigma), let tb = tau(b, sigma), max(ta, tb) > Self.floor
            else { continue }
            guard min(ta, tb) <= Self.plateau else { continue }
            compared += 1
            #expect(
              tb <= ta,
              "\(run), W_\(layer), σ = \(sigma): τ₁₀ \(ta) at λ = \(a), \(tb) at λ = \(b)")
          }
        }
        for lambda in table.lambdas {
          for (a, b) in zip(table.sigmas, table.sigmas.dropFirst()) {
            guard let ta = tau(lambda, a), let tb = tau(lambda, b), max(ta, tb) > Self.floor
            else { continue }
            guard min(ta, tb) <= Self.plateau else { continue }
            compared += 1
            #expect(
              tb >= ta,
              "\(run), W_\(layer), λ = \(lambda): τ₁₀ \(ta) at σ = \(a), \(tb) at σ = \(b)")
          }
        }
      }
    }
    #expect(compared >= 20, "only \(compared) comparable pairs of converged cells")
  }

  @Test(
    "Figure 1 at the paper's size (runs in progress): every converged cell with λ ≥ 0.01 and σ ≤ 0.2 is effectively rank 10 in every layer (τ₁₀ < 1e-3), and at λ = 0.1 the collapse of W₁ weakens as σ grows past 0.2 (τ₁₀ > 1e-2 at σ = 0.5 and 1)"
  )
  func figure1PaperGridSoFar() throws {
    let tables = try Self.partialFigure1Tables()
    #expect(!tables.isEmpty, "no Figure 1 run in progress is committed")
    for (run, table) in tables {
      func tau(_ lambda: Double, _ sigma: Double, _ layer: Int) -> Double? {
        let cell = Figure1Table.Cell(lambda: lambda, sigma: sigma)
        guard table.converged[cell] == true else { return nil }
        return table.tau[Figure1Table.Key(cell: cell, layer: layer)]
      }
      var collapsed = 0
      for cell in table.converged.keys where cell.lambda >= 0.01 && cell.sigma <= 0.2 {
        for layer in table.layers {
          guard let value = tau(cell.lambda, cell.sigma, layer) else { continue }
          collapsed += 1
          #expect(value < 1e-3, "\(run), W_\(layer), \(cell): τ₁₀ \(value)")
        }
      }
      #expect(collapsed >= 20, "\(run): only \(collapsed) collapsed layers")
      for sigma in [0.5, 1.0] {
        let value = tau(0.1, sigma, 1)
        #expect(value.map { $0 > 1e-2 } == true, "\(run), λ = 0.1, σ = \(sigma): \(value ?? .nan)")
      }
    }
  }

  @Test(
    "Figure 1: every layer shows the transition, effectively rank 10 (τ₁₀ < 1e-3) at large λ and small σ and far from it (τ₁₀ > 0.1) at small λ and large σ"
  )
  func figure1Transition() throws {
    for (run, table) in try Self.figure1Tables()
    where table.lambdas.count >= 2 && !Self.budgetLimitedRuns.contains(run) {
      for layer in table.layers {
        let values = table.tau.filter {
          $0.key.layer == layer && table.converged[$0.key.cell] == true
        }
        let low = values.filter { $0.value < 1e-3 }.map(\.key.cell)
        let high = values.filter { $0.value > 0.1 }.map(\.key.cell)
        #expect(!low.isEmpty && !high.isEmpty, "\(run), W_\(layer): no transition")
        // The low-rank cells lie at larger λ or smaller σ than the high-rank ones.
        for l in low {
          for h in high {
            #expect(
              l.lambda > h.lambda || l.sigma < h.sigma,
              "\(run), W_\(layer): τ₁₀ < 1e-3 at \(l) but > 0.1 at \(h)")
          }
        }
      }
    }
  }
}
