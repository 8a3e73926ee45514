import Foundation
import RankCollapseNetwork
import RankCollapseRegularization
import RankCollapseTensor
import Testing

@Suite("Progress on standard error")
struct ProgressTests {
  @Test("Plain lines every n steps and a final line naming the reason; silent prints nothing")
  func progressLines() async throws {
    let result = try await #require(
      await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
        var generator = SeededGenerator(seed: 1)
        var network = try Network<Float>(widths: [3, 4, 2], activation: .tanh, using: &generator)
        let x = Matrix<Float>.randomNormal(rows: 10, columns: 3, using: &generator)
        let y = Matrix<Float>.randomNormal(rows: 10, columns: 2, using: &generator)
        for progress in [ProgressStyle.lines(steps: 5), .silent] {
          var trainer = Trainer(
            configuration: TrainingConfiguration(
              loss: .squaredError, learningRate: .constant(0.01), maximumSteps: 12,
              progress: progress),
            optimizer: GradientDescent<Float>(), penalty: WeightDecay<Float>(lambda: 1e-3))
          _ = try trainer.fit(&network, inputs: x, targets: .values(y))
        }
      })
    let text = String(decoding: result.standardErrorContent, as: UTF8.self)
    let lines = text.split(separator: "\n")
    #expect(lines.count == 4, "got: \(text)")
    #expect(lines.first?.hasPrefix("step 0  epoch 0  L_λ ") == true)
    #expect(lines.dropFirst().first?.hasPrefix("step 5 ") == true)
    #expect(lines.last?.contains("stopped: maximumSteps") == true)
    #expect(!text.contains("\u{1B}["), "no terminal escapes when standard error is not a terminal")
  }
}
