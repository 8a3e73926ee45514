import RankCollapse
import RankCollapseCompression
import Testing

@Suite("The compression pipeline: compress, fine-tune, evaluate")
struct CompressionPipelineTests {
  @Test(
    "Dense, each plan and each fine-tuned plan are measured, in that order, and fine-tuning helps")
  func orderAndEffect() throws {
    let setup = try FineTuningAndCheckpointTests.trained()
    let targets = Targets<Float>.labels(setup.labels)
    let pipeline = CompressionPipeline(
      fineTuning: FineTuning(epochs: 8, learningRate: 0.01, batchSize: 50), timingRounds: 1)
    let plans: [[RankSelection]] = [[.rank(2), .rank(2), .dense], [.rank(8), .rank(8), .dense]]
    let run = try pipeline.run(
      setup.network, plans: plans, loss: .softmaxCrossEntropy,
      evaluation: (setup.x, targets), training: (setup.x, targets))
    #expect(
      run.measurements.map(\.selection) == [
        "dense", "rank 2; rank 2; dense", "rank 8; rank 8; dense",
        "rank 2; rank 2; dense fine-tuned", "rank 8; rank 8; dense fine-tuned",
      ])
    #expect(run.compressed.count == 2 && run.fineTuned.count == 2)
    #expect(run.fineTuningSummaries.allSatisfy { $0.epochs == 8 })
    let losses = try #require(run.trainingLosses)
    #expect(losses.count == 5)
    // Fine-tuning lowers the training loss of the rank-2 truncation.
    #expect(losses[3] < losses[1])
    // The same pipeline without fine-tuning measures only dense and the plans.
    let plain = try CompressionPipeline(timingRounds: 0).run(
      setup.network, plans: plans, loss: .softmaxCrossEntropy, evaluation: (setup.x, targets))
    #expect(plain.measurements.count == 3 && plain.trainingLosses == nil)
    #expect(plain.measurements[1].loss == run.measurements[1].loss)
  }

  @Test("Bad settings are typed errors naming the setting")
  func invalidSettings() throws {
    let setup = try FineTuningAndCheckpointTests.trained()
    let targets = Targets<Float>.labels(setup.labels)
    for tuning in [
      FineTuning(epochs: 0), FineTuning(epochs: 1, learningRate: .nan),
      FineTuning(epochs: 1, batchSize: 0), FineTuning(epochs: 1, weightDecay: -1),
    ] {
      #expect(throws: ParameterError.self) { try tuning.validate() }
      #expect(throws: CompressionError.self) {
        try CompressionPipeline(fineTuning: tuning, timingRounds: 0).run(
          setup.network, plans: [[.rank(2), .rank(2), .dense]], loss: .softmaxCrossEntropy,
          evaluation: (setup.x, targets), training: (setup.x, targets))
      }
    }
    #expect(throws: CompressionError.self) {
      try CompressionPipeline(timingRounds: -1).run(
        setup.network, plans: [], loss: .softmaxCrossEntropy, evaluation: (setup.x, targets))
    }
  }
}
