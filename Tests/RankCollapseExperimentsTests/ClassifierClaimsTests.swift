import RankCollapse
import RankCollapseExperiments
import Testing

/// Tiny-scale versions of the paper's qualitative claims of Figures 3–5.
///
/// The data is a Gaussian mixture (4 classes in 16 dimensions, 400 training points). Each compares a trained quantity with the
/// same quantity at another λ, another epoch or at initialisation, so each can fail.
@Suite struct ClassifierClaimsTests {
  static func configuration(
    lambda: Double, hidden: [Int] = [32, 32], epochs: Int = 30
  ) -> Experiments.ClassifierConfiguration {
    Experiments.ClassifierConfiguration(
      hiddenWidths: hidden, lambda: lambda, epochs: epochs, recordEvery: 5, batchSize: 16,
      learningRate: 3e-3, optimizer: .adam, seed: 3)
  }

  static func run(
    _ configuration: Experiments.ClassifierConfiguration
  ) throws -> Experiments.ClassifierRun {
    try Experiments.ClassifierExperiment(configuration: configuration).run(
      on: ClassifierFixture.mixture())
  }

  /// Figure 3: a larger λ gives a lower numerical rank of every hidden matrix, at the same
  /// accuracy. (Measured: rk(0.1) of W_2 is 22 at λ = 10⁻⁴ and 2 at λ = 3·10⁻².)
  @Test func rankFallsWithLambda() throws {
    let weak = try Self.run(Self.configuration(lambda: 1e-4))
    let strong = try Self.run(Self.configuration(lambda: 3e-2))
    // Both classify the (well separated) training set, so the rank difference is not bought
    // with a failed fit.
    #expect(weak.final.trainAccuracy > 0.95)
    #expect(strong.final.trainAccuracy > 0.95)
    for l in 0..<2 {
      let weakRank = weak.final.layers[l].softRank(epsilon: 0.1)
      let strongRank = strong.final.layers[l].softRank(epsilon: 0.1)
      // A margin of 5 (out of 16 and 32): the difference is the effect, not noise.
      #expect(strongRank + 5 <= weakRank, "W_\(l + 1): rk \(strongRank) vs \(weakRank)")
    }
    // The tail e(r) lightens during training with weight decay: e(5) of W_2 falls.
    let initialTail = strong.snapshots[0].layers[1].tailErrors[4]
    let finalTail = strong.final.layers[1].tailErrors[4]
    #expect(finalTail < 0.5 * initialTail, "e(5): \(initialTail) → \(finalTail)")
  }

  /// Figure 3, bottom row: the class-label TCV of every hidden layer falls during training
  /// (to well under half its value at initialisation; measured ≈ 1/6 and 1/4).
  @Test func hiddenTCVFallsDuringTraining() throws {
    let run = try Self.run(Self.configuration(lambda: 1e-2))
    for l in 0..<2 {
      let initial = run.snapshots[0].layers[l].classTCV
      let final = run.final.layers[l].classTCV
      #expect(final < 0.5 * initial, "TCV of Z^\(l + 1): \(initial) → \(final)")
      // And the fraction of the variance left within classes falls too.
      let initialFraction = initial / run.snapshots[0].layers[l].totalVariation
      let finalFraction = final / run.final.layers[l].totalVariation
      #expect(finalFraction < initialFraction)
    }
  }

  /// Figure 4: at a large λ the trained rank of the hidden matrices hardly depends on the
  /// width, although at initialisation it grows in proportion to it.
  @Test func rankDependsMildlyOnWidth() throws {
    var initial: [Double] = []
    var trained: [Double] = []
    for width in [16, 64] {
      let run = try Self.run(
        Self.configuration(lambda: 3e-2, hidden: [width, width, width], epochs: 25))
      let epsilon = 0.1
      initial.append(
        Double(run.snapshots[0].layers[1...2].map { $0.softRank(epsilon: epsilon) }.reduce(0, +))
          / 2)
      trained.append(
        Double(run.final.layers[1...2].map { $0.softRank(epsilon: epsilon) }.reduce(0, +)) / 2)
    }
    // At initialisation the 64-wide matrices need about 4× as many values as the 16-wide ones.
    #expect(initial[1] - initial[0] >= 20, "initial \(initial)")
    // Trained, the widths give nearly the same rank.
    #expect(abs(trained[1] - trained[0]) <= 2, "trained \(trained)")
  }

  /// Figure 5: at a large λ the average trained rank hardly depends on the depth, although at
  /// initialisation deeper networks (with their wide square layers) have a larger average.
  @Test func rankDependsMildlyOnDepth() throws {
    var initial: [Double] = []
    var trained: [Double] = []
    for depth in [1, 3] {
      let run = try Self.run(
        Self.configuration(lambda: 3e-2, hidden: Array(repeating: 32, count: depth), epochs: 25))
      func mean(_ snapshot: Experiments.ClassifierSnapshot) -> Double {
        Double(snapshot.layers.map { $0.softRank(epsilon: 0.1) }.reduce(0, +))
          / Double(snapshot.layers.count)
      }
      initial.append(mean(run.snapshots[0]))
      trained.append(mean(run.final))
    }
    #expect(initial[1] - initial[0] >= 5, "initial \(initial)")
    #expect(abs(trained[1] - trained[0]) <= 1.5, "trained \(trained)")
  }
}
