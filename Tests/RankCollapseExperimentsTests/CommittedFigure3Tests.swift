import Foundation
import Testing

/// The per-layer quantities of a committed `figure3.csv` (`lambda,epoch,layer,r,quantity,value`).
private struct Figure3Table {
  /// The values, indexed `[quantity][λ][epoch][layer]`.
  var values: [String: [Double: [Int: [Int: Double]]]] = [:]

  init(csv: String) {
    for line in csv.split(separator: "\n").dropFirst() {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false)
      guard fields.count == 6, fields[3].isEmpty, let lambda = Double(fields[0]),
        let epoch = Int(fields[1]), let layer = Int(fields[2]), let value = Double(fields[5])
      else { continue }
      values[String(fields[4]), default: [:]][lambda, default: [:]][epoch, default: [:]][layer] =
        value
    }
  }

  func lambdas(_ quantity: String) -> [Double] { (values[quantity] ?? [:]).keys.sorted() }
  func epochs(_ quantity: String, _ lambda: Double) -> [Int] {
    (values[quantity]?[lambda] ?? [:]).keys.sorted()
  }
  func value(_ quantity: String, _ lambda: Double, _ epoch: Int, _ layer: Int) -> Double {
    values[quantity]?[lambda]?[epoch]?[layer] ?? .nan
  }
}

@Suite(
  "The committed paper-scale Figure 3 shows the paper's section 6.3 claims, or pins what differs")
struct CommittedFigure3Tests {
  private func table() throws -> Figure3Table {
    let file = repositoryRoot.appendingPathComponent("Docs/Results/Figure3/paper/figure3.csv")
    return Figure3Table(csv: try String(contentsOf: file, encoding: .utf8))
  }

  @Test("The run is complete: three λ, 16 measurements each (epochs 0, 20, …, 300), four layers")
  func complete() throws {
    let table = try table()
    #expect(table.lambdas("soft_rank") == [0.001, 0.003, 0.01])
    for lambda in table.lambdas("soft_rank") {
      #expect(table.epochs("soft_rank", lambda) == Array(stride(from: 0, through: 300, by: 20)))
      #expect((1...4).allSatisfy { !table.value("soft_rank", lambda, 300, $0).isNaN })
    }
  }

  @Test("The tail e(r) lightens during training: rk(0.1) of every layer ends below its start")
  func tailLightens() throws {
    let table = try table()
    for lambda in table.lambdas("soft_rank") {
      for layer in 1...4 {
        let start = table.value("soft_rank", lambda, 0, layer)
        let end = table.value("soft_rank", lambda, 300, layer)
        #expect(end < start, "λ = \(lambda), W_\(layer): rk(0.1) \(start) → \(end)")
      }
    }
  }

  @Test("A larger λ ends at a lower (or equal) rk(0.1) in every layer, strictly lower for W_1")
  func rankFallsWithLambda() throws {
    let table = try table()
    let lambdas = table.lambdas("soft_rank")
    for layer in 1...4 {
      let ranks = lambdas.map { table.value("soft_rank", $0, 300, layer) }
      #expect(zip(ranks, ranks.dropFirst()).allSatisfy { $0 >= $1 }, "W_\(layer): \(ranks)")
    }
    let first = lambdas.map { table.value("soft_rank", $0, 300, 1) }
    #expect(zip(first, first.dropFirst()).allSatisfy { $0 > $1 }, "W_1: \(first)")
  }

  @Test("The TCV of the first hidden layer falls after the initial epochs, to under half its start")
  func tcvFalls() throws {
    let table = try table()
    for lambda in table.lambdas("class_tcv") {
      let start = table.value("class_tcv", lambda, 0, 1)
      let end = table.value("class_tcv", lambda, 300, 1)
      #expect(end < 0.5 * start, "λ = \(lambda): TCV of Z¹ \(start) → \(end)")
    }
  }

  /// The paper reports the final TCV decreasing in λ.
  ///
  /// At the paper's scale here that holds for
  /// the logits Z⁴ only: the TCV of Z² and Z³ grows with λ (Adam with a constant step does not
  /// bring these runs to stationary points: ρ_l = 4–24 at epoch 300, see run.log). Pinned as
  /// measured; the article says so.
  @Test("Final TCV against λ, as measured: falls for the logits, rises for Z² and Z³")
  func finalTCVAgainstLambda() throws {
    let table = try table()
    let lambdas = table.lambdas("class_tcv")
    func final(_ layer: Int) -> [Double] {
      lambdas.map { table.value("class_tcv", $0, 300, layer) }
    }
    let logits = final(4)
    #expect(zip(logits, logits.dropFirst()).allSatisfy { $0 > $1 }, "Z⁴: \(logits)")
    for layer in [2, 3] {
      let tcv = final(layer)
      #expect(zip(tcv, tcv.dropFirst()).allSatisfy { $0 < $1 }, "Z^\(layer): \(tcv)")
    }
  }
}
