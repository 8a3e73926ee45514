import Foundation
import RankCollapse
import RankCollapseExperiments
import Testing

/// The committed Figure 1 transition slice, `Docs/Results/Figure1/paper-transition-slice/`.
///
/// Figure 1 at the paper's sizes on a 3 × 3 slice λ ∈ {10⁻⁴, 10⁻³, 10⁻²} × σ ∈ {0.1, 0.5, 1.5}
/// with a budget of 1500 L-BFGS iterations per cell. Most cells stop at that budget far from a
/// stationary point; the tests pin what was measured, with each cell's convergence as recorded,
/// and the article says the same.
@Suite("The committed Figure 1 transition slice at the paper's sizes")
struct CommittedFigure1SliceTests {
  static let name = "paper-transition-slice"
  static let lambdas = [1e-4, 1e-3, 1e-2]
  static let sigmas = [0.1, 0.5, 1.5]

  /// τ₁₀ of W₁ … W₄ of the initial network the slice's cells start from (the paper-scale
  /// experiment's, seed 1), computed here.
  static func initialTail() throws -> [Double] {
    let experiment = BlobsAutoencoderExperiment.paper
    #expect(experiment.seed == 1)
    return try experiment.initialNetwork().weights.map {
      try Matrix<Double>($0).spectrum().relativeTail(afterRank: experiment.clusters)
    }
  }

  @Test(
    "The initial τ₁₀ the article and run log quote (0.93168, 0.89607, 0.89506, 0.93185, from --max-steps 0) is the paper-scale initial network's"
  )
  func initialTailIsTheQuotedOne() throws {
    let quoted = [0.93168, 0.89607, 0.89506, 0.93185]
    let computed = try Self.initialTail()
    #expect(computed.count == 4)
    for (a, b) in zip(computed, quoted) {
      #expect(abs(a - b) <= 5e-6, "computed \(computed), quoted \(quoted)")
    }
  }

  static func table() throws -> Figure1Table {
    let file = repositoryRoot.appendingPathComponent(
      "Docs/Results/Figure1/\(name)/figure1.csv")
    return try Figure1Table(csv: String(contentsOf: file, encoding: .utf8))
  }

  static func cell(_ lambda: Double, _ sigma: Double) -> Figure1Table.Cell {
    Figure1Table.Cell(lambda: lambda, sigma: sigma)
  }

  static func tau(_ table: Figure1Table, _ lambda: Double, _ sigma: Double, _ layer: Int)
    throws -> Double
  {
    try #require(table.tau[Figure1Table.Key(cell: cell(lambda, sigma), layer: layer)])
  }

  @Test(
    "The slice is complete, and every cell records its stop: converged exactly when max ρ_l ≤ 0.01, otherwise stopped at the 1500-iteration budget, with ρ_l of every layer"
  )
  func everyCellSaysHowItStopped() throws {
    let table = try Self.table()
    #expect(table.lambdas == Self.lambdas)
    #expect(table.sigmas == Self.sigmas)
    #expect(table.layers == [1, 2, 3, 4])
    for lambda in Self.lambdas {
      for sigma in Self.sigmas {
        let cell = Self.cell(lambda, sigma)
        let run = try #require(table.run[cell], "\(cell)")
        let steps = try #require(run["steps"].flatMap(Int.init), "\(cell)")
        let worst = try #require(run["stationarity_max"].flatMap(Double.init), "\(cell)")
        let residuals = table.layers.compactMap {
          table.residual[Figure1Table.Key(cell: cell, layer: $0)]
        }
        #expect(residuals.count == 4, "\(cell)")
        #expect(residuals.max() == worst, "\(cell): max ρ_l \(residuals) against \(worst)")
        if table.converged[cell] == true {
          #expect(worst <= 0.01, "\(cell)")
          #expect(run["stop_reason"] == "stationarityTolerance", "\(cell)")
          #expect(steps <= 1500, "\(cell)")
        } else {
          #expect(worst > 0.01, "\(cell)")
          #expect(run["stop_reason"] == "maximumSteps", "\(cell)")
          #expect(steps == 1500, "\(cell)")
        }
      }
    }
  }

  @Test(
    "Along λ at σ = 0.1 the slice crosses the transition in every layer: τ₁₀ falls from λ = 10⁻⁴ to 10⁻³ to 10⁻², where the run converged to effective rank 10 (τ₁₀ < 10⁻³)"
  )
  func transitionAlongLambda() throws {
    let table = try Self.table()
    #expect(table.converged[Self.cell(1e-2, 0.1)] == true)
    for layer in 1...4 {
      let values = try Self.lambdas.map { try Self.tau(table, $0, 0.1, layer) }
      #expect(values[0] > values[1] && values[1] > values[2], "W_\(layer): \(values)")
      #expect(values[2] < 1e-3, "W_\(layer): \(values)")
    }
  }

  @Test(
    "Along σ at λ = 10⁻³ and 10⁻² τ₁₀ rises in every layer from σ = 0.1 to 0.5 and is far from rank 10 (> 0.5) at σ ≥ 0.5, where no run reached stationarity within the budget"
  )
  func transitionAlongSigma() throws {
    let table = try Self.table()
    for lambda in [1e-3, 1e-2] {
      for layer in 1...4 {
        let values = try Self.sigmas.map { try Self.tau(table, lambda, $0, layer) }
        #expect(values[1] > values[0], "λ = \(lambda), W_\(layer): \(values)")
        #expect(values[1] > 0.5 && values[2] > 0.5, "λ = \(lambda), W_\(layer): \(values)")
      }
      for sigma in [0.5, 1.5] {
        #expect(table.converged[Self.cell(lambda, sigma)] == false, "λ = \(lambda), σ = \(sigma)")
      }
    }
    #expect(table.converged[Self.cell(1e-3, 0.1)] == false)
  }

  @Test(
    "At λ = 10⁻⁴ 1500 iterations leave every layer near its initial τ₁₀ (within 0.3) and far from stationary (max ρ_l ≥ 10): these cells measure what is left of the initialisation"
  )
  func smallestLambdaIsNearTheInitialisation() throws {
    let table = try Self.table()
    let initial = try Self.initialTail()
    for sigma in Self.sigmas {
      let cell = Self.cell(1e-4, sigma)
      let worst = try #require(table.run[cell]?["stationarity_max"].flatMap(Double.init))
      #expect(worst >= 10, "σ = \(sigma): max ρ_l \(worst)")
      for layer in 1...4 {
        let value = try Self.tau(table, 1e-4, sigma, layer)
        #expect(
          abs(value - initial[layer - 1]) <= 0.3,
          "σ = \(sigma), W_\(layer): τ₁₀ \(value), initially \(initial[layer - 1])")
      }
    }
  }
}
