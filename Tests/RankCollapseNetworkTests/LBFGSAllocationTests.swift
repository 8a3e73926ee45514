import RankCollapseRegularization
import RankCollapseTensor
import Testing

@testable import RankCollapseNetwork

/// Regressions for allocations inside L-BFGS iterations that `ConvergenceTimings --mallocs` (in
/// Benchmarks/) found; the counts themselves are measured there, these tests pin the causes.
@Suite("L-BFGS reuses its buffers")
struct LBFGSAllocationTests {
  @Test("The five scratch vectors are separate arrays, so the line search's swaps never copy")
  func scratchVectorsDoNotShareStorage() {
    var method = LBFGS<Float>(historySize: 3)
    method.prepare(dimension: 7)
    let buffers = [
      method.direction, method.trialPoint, method.trialGradient, method.bestPoint,
      method.bestGradient,
    ]
    let addresses = buffers.map { $0.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }
    // Copies of one array share its storage (one address) until each is first written; then
    // a swap in the line search hands a shared buffer to the next write, which allocates.
    #expect(Set(addresses).count == 5, "\(addresses)")
    #expect(buffers.allSatisfy { $0.count == 7 })
  }

  @Test("NetworkObjective counts the parameters as Network.parameterCount does")
  func parameterCount() throws {
    var generator = SeededGenerator(seed: 4)
    for widths in [[3, 2], [5, 4, 3, 4, 5], [2, 7, 1]] {
      for biases in [true, false] {
        let network = try Network<Float>(
          widths: widths, activation: .tanh, biases: biases, using: &generator)
        #expect(
          NetworkObjective<Float, WeightDecay<Float>>.parameterCount(of: network)
            == network.parameterCount, "widths \(widths), biases \(biases)")
      }
    }
  }
}
