#if arch(x86_64) && !os(Windows)
import Foundation
import RankCollapseBounds
import RankCollapseClustering
import RankCollapseNetwork
import RankCollapseTensor
import Testing

/// One adversarial instance of the deep linear case.
struct AdversarialInstance {
  var x: Matrix<Double>
  var y: Matrix<Double>
  var labels: [Int]
  var lambda: Double
  /// The rank K of Theorem 5.4 (at least the number of sets, at most min(c, d)), or nil when
  /// the family has more sets than min(c, d).
  var rank: Int?
}

/// The adversarial families of issue 16, each drawn from a seed.
enum AdversarialFamily: String, CaseIterable, CustomTestStringConvertible {
  case exactDuplicates, kDistinctTargets, shuffledSingletons, nearDuplicates, wideInputs
  case scaledUp, scaledDown

  var testDescription: String { rawValue }

  /// λ log-uniform in [1e-13, 10].
  static func lambda(_ g: inout SeededGenerator) -> Double {
    pow(10, Double.random(in: -13...1, using: &g))
  }

  func instance(seed: UInt64) -> AdversarialInstance {
    var g = SeededGenerator(seed: seed &+ UInt64(rawValue.count) &* 1_000_003)
    let lambda = Self.lambda(&g)
    switch self {
    case .exactDuplicates, .nearDuplicates:
      let k = Int.random(in: 1...4, using: &g)
      let copies = Int.random(in: 2...10, using: &g)
      let d = Int.random(in: k...8, using: &g)
      let c = Int.random(in: k...6, using: &g)
      let (x, y, labels) = Self.duplicates(
        k: k, copies: copies, d: d, c: c, jitter: self == .nearDuplicates ? 1e-9 : 0, using: &g)
      return AdversarialInstance(x: x, y: y, labels: labels, lambda: lambda, rank: k)
    case .kDistinctTargets, .scaledUp, .scaledDown:
      let k = Int.random(in: 1...4, using: &g)
      let d = Int.random(in: (k + 1)...9, using: &g)
      let c = Int.random(in: (k + 1)...7, using: &g)
      let n = Int.random(in: 12...40, using: &g)
      var x = Matrix<Double>.randomNormal(rows: n, columns: d, using: &g)
      let labels = (0..<n).map { _ in Int.random(in: 0..<k, using: &g) }
      let relabelled = Self.compact(labels)
      let centres = Matrix<Double>.randomNormal(rows: k, columns: c, using: &g)
      var y = centres.rows(at: relabelled)
      if self != .kDistinctTargets {
        let scale = self == .scaledUp ? 1e6 : 1e-6
        x *= scale
        if Bool.random(using: &g) { y *= scale }
      }
      return AdversarialInstance(
        x: x, y: y, labels: relabelled, lambda: lambda, rank: Set(relabelled).count)
    case .shuffledSingletons:
      let n = Int.random(in: 2...8, using: &g)
      let d = Int.random(in: n...(n + 4), using: &g)
      let c = Int.random(in: n...(n + 3), using: &g)
      let x = Matrix<Double>.randomNormal(rows: n, columns: d, using: &g)
      let y = Matrix<Double>.randomNormal(rows: n, columns: c, using: &g)
      var labels = Array(0..<n)
      labels.shuffle(using: &g)
      return AdversarialInstance(x: x, y: y, labels: labels, lambda: lambda, rank: n)
    case .wideInputs:
      let n = Int.random(in: 3...7, using: &g)
      let d = Int.random(in: 12...20, using: &g)
      let c = Int.random(in: n...12, using: &g)
      let x = Matrix<Double>.randomNormal(rows: n, columns: d, using: &g)
      let y = Matrix<Double>.randomNormal(rows: n, columns: c, using: &g)
      let k = Int.random(in: 1...n, using: &g)
      let labels = Self.compact((0..<n).map { $0 < k ? $0 : Int.random(in: 0..<k, using: &g) })
      return AdversarialInstance(
        x: x, y: y, labels: labels, lambda: lambda, rank: Set(labels).count)
    }
  }

  /// K distinct points (d columns) and targets (c columns) repeated `copies` times in shuffled
  /// order, plus Gaussian jitter of standard deviation `jitter` when it is not 0.
  ///
  /// The values are decimal-looking, so their plain means round (0.1 repeated 10 times sums to
  /// 0.9999999999999999).
  static func duplicates(
    k: Int, copies: Int, d: Int, c: Int, jitter: Double, using g: inout SeededGenerator
  ) -> (x: Matrix<Double>, y: Matrix<Double>, labels: [Int]) {
    let xs = Matrix<Double>.randomNormal(rows: k, columns: d, using: &g)
      .map { ($0 * 10).rounded() / 10 }
    let ys = Matrix<Double>.randomNormal(rows: k, columns: c, using: &g)
      .map { ($0 * 10).rounded() / 10 }
    var labels = (0..<(k * copies)).map { $0 % k }
    labels.shuffle(using: &g)
    var x = xs.rows(at: labels)
    var y = ys.rows(at: labels)
    if jitter != 0 {
      x += Matrix<Double>.randomNormal(
        rows: x.rows, columns: d, standardDeviation: jitter, using: &g)
      y += Matrix<Double>.randomNormal(
        rows: y.rows, columns: c, standardDeviation: jitter, using: &g)
    }
    return (x, y, labels)
  }

  /// Labels renumbered 0..<K in order of first appearance.
  static func compact(_ labels: [Int]) -> [Int] {
    var map: [Int: Int] = [:]
    return labels.map { label in
      if let known = map[label] { return known }
      map[label] = map.count
      return map.count - 1
    }
  }
}

/// Counts of verdicts against the extended-precision references.
struct VerdictTally: CustomStringConvertible {
  var links = 0
  var holds = 0
  var undecided = 0
  var fails = 0
  /// "fails" where the reference does not show a violation.
  var falseFails: [String] = []
  /// "holds" where the reference shows a violation larger than the allowance.
  var falseHolds: [String] = []
  /// The computed difference of a link further from the reference than its allowance.
  var unsound: [String] = []
  /// A side not within 1e-10 relative of the reference although its link's allowance says it
  /// is resolved to that.
  var inaccurate: [String] = []

  var description: String {
    "\(links) links: \(holds) holds, \(undecided) undecided, \(fails) fails; "
      + "false fails \(falseFails.count), false holds \(falseHolds.count), "
      + "unsound allowances \(unsound.count), inaccurate values \(inaccurate.count)"
  }

  /// Judges every link of `report` against `reference` (the same links in Float80).
  ///
  /// The reference's own rounding is taken as the report's allowance scaled by
  /// 2⁻¹¹ · 4 (the ratio of Float80's unit roundoff to Double's, with a margin).
  mutating func judge(_ report: BoundReport, reference: [Wide], label: String) {
    let links = report.links
    precondition(links.count == reference.count, "\(links.count) links, \(reference.count) ref")
    let verdicts = report.linkVerdicts
    for i in 0..<(links.count - 1) {
      self.links += 1
      let allowance = report.allowance(link: i)
      let exact = reference[i] - reference[i + 1]
      let computed = Wide(links[i]) - Wide(links[i + 1])
      let referenceError = Wide(allowance) * 4 / 2048
      let context =
        "\(label) link \(i): computed \(links[i]) ≤ \(links[i + 1]), "
        + "reference \(reference[i]) ≤ \(reference[i + 1]), allowance \(allowance), "
        + "verdict \(verdicts[i])"
      switch verdicts[i] {
      case .holds: holds += 1
      case .undecided: undecided += 1
      case .fails: fails += 1
      }
      if verdicts[i] == .fails && !(exact > referenceError) { falseFails.append(context) }
      if verdicts[i] == .holds && exact > Wide(allowance) + referenceError {
        falseHolds.append(context)
      }
      guard allowance.isFinite else { continue }
      if abs(computed - exact) > Wide(allowance) + referenceError {
        unsound.append(context)
      }
      for side in [i, i + 1] {
        let value = reference[side]
        if value != 0 && Wide(allowance) <= 1e-11 * abs(value)
          && abs(Wide(links[side]) - value) > 1e-10 * abs(value)
        {
          inaccurate.append(context + " (side \(side))")
        }
      }
    }
  }

  func expectClean(_ family: String) {
    #expect(
      falseFails.isEmpty, "\(family): \(self)\n\(falseFails.prefix(3).joined(separator: "\n"))")
    #expect(
      falseHolds.isEmpty, "\(family): \(self)\n\(falseHolds.prefix(3).joined(separator: "\n"))")
    #expect(unsound.isEmpty, "\(family): \(self)\n\(unsound.prefix(3).joined(separator: "\n"))")
    #expect(
      inaccurate.isEmpty, "\(family): \(self)\n\(inaccurate.prefix(3).joined(separator: "\n"))")
  }
}

@Suite("Verdicts at the edge of floating point (Float80 references)")
struct AdversarialVerdictTests {
  /// Instances per family and theorem.
  static let instances = 200

  @Test(
    "Theorems 5.3 and 5.4: no false FAILS, no false holds, allowances cover the rounding",
    arguments: AdversarialFamily.allCases)
  func family(_ family: AdversarialFamily) throws {
    var tally53 = VerdictTally()
    var tally54 = VerdictTally()
    var refused = 0
    for seed in 0..<UInt64(Self.instances) {
      let instance = family.instance(seed: seed)
      let problem = try DeepLinearProblem(inputs: instance.x, targets: instance.y)
      let label = "\(family.rawValue) seed \(seed) λ \(instance.lambda)"
      let report53: BoundReport
      do {
        report53 = try problem.theorem53(
          lambda: instance.lambda, estimator: .labels(instance.labels))
      } catch DeepLinearError.singularGram {
        // X̄X̄ᵀ + NλI with rank(X̄) = K < d is refused when Nλ is below the rounding of
        // X̄X̄ᵀ: a typed error, not a verdict.
        let scale = instance.x.frobeniusNorm
        #expect(Double(instance.x.rows) * instance.lambda < 1e-10 * scale * scale, "\(label)")
        refused += 1
        continue
      }
      #expect(report53.partition == instance.labels)
      tally53.judge(
        report53,
        reference: WideTheorems.theorem53(
          x: instance.x, y: instance.y, lambda: instance.lambda, partition: instance.labels),
        label: "5.3 " + label)
      guard let rank = instance.rank else { continue }
      let report54 = try problem.theorem54(
        rank: rank, lambda: instance.lambda, estimator: .labels(instance.labels))
      tally54.judge(
        report54,
        reference: WideTheorems.theorem54(
          x: instance.x, y: instance.y, rank: rank, lambda: instance.lambda,
          partition: instance.labels),
        label: "5.4 " + label)
    }
    print(
      "\(family.rawValue): Theorem 5.3 \(tally53); Theorem 5.4 \(tally54); "
        + "\(refused) refused (singularGram)")
    tally53.expectClean("\(family.rawValue), Theorem 5.3")
    tally54.expectClean("\(family.rawValue), Theorem 5.4")
    #expect(refused <= Self.instances / 10, "nearly every instance is evaluated")
    let evaluated = Self.instances - refused
    #expect(tally53.links >= 2 * evaluated && tally54.links >= 4 * evaluated)
  }

  /// Judges a Theorem 5.4 report against its Float80 reference and expects no false verdict.
  static func expectClean54(
    _ report: BoundReport, x: Matrix<Double>, y: Matrix<Double>, rank: Int, lambda: Double,
    labels: [Int]
  ) {
    var tally = VerdictTally()
    let label = "N = \(x.rows), d = \(x.columns), K = \(rank), λ = \(lambda)"
    tally.judge(
      report,
      reference: WideTheorems.theorem54(
        x: x, y: y, rank: rank, lambda: lambda, partition: labels),
      label: label)
    tally.expectClean(label)
  }

  @Test("Issue 16: K distinct targets (N = 60, d = 8, c = 6, K = 3): eq. 42 is rounding-free")
  func kDistinctTargets() throws {
    var g = SeededGenerator(seed: 16)
    let x = Matrix<Double>.randomNormal(rows: 60, columns: 8, using: &g)
    let labels = (0..<60).map { $0 % 3 }
    let y = Matrix<Double>.randomNormal(rows: 3, columns: 6, using: &g).rows(at: labels)
    let problem = try DeepLinearProblem(inputs: x, targets: y)
    for lambda in [1e-4, 1e-3, 1e-2, 0.1] {
      let report = try problem.theorem54(rank: 3, lambda: lambda, estimator: .labels(labels))
      #expect(report.verdict != .fails, "\(report)")
      // Σ_{j>K} σ_j(Y)² from the SVD of Y: rounding of (u‖Y‖)², not the 3.5e-12 of YᵀY's
      // eigenvalues (the report); ‖Y‖² ≈ 360 here.
      let eq42 = report.chain[2].value
      #expect(eq42 <= 1e-20, "\(report)")
      Self.expectClean54(report, x: x, y: y, rank: 3, lambda: lambda, labels: labels)
    }
  }

  @Test("Issue 16: N = 7, d = 32, c = 15, K = N = 7, λ = 1.88e-3: both sides 0, never FAILS")
  func wideSingletons() throws {
    var g = SeededGenerator(seed: 7)
    let x = Matrix<Double>.randomNormal(rows: 7, columns: 32, using: &g)
    let y = Matrix<Double>.randomNormal(rows: 7, columns: 15, using: &g)
    let problem = try DeepLinearProblem(inputs: x, targets: y)
    let labels = Array(0..<7)
    let report = try problem.theorem54(rank: 7, lambda: 1.88e-3, estimator: .labels(labels))
    #expect(report.rightSide == 0)
    #expect(report.chain[2].value == 0, "rank(Y) ≤ 7: the tail of σ(Y) is empty")
    #expect(report.verdict != .fails, "\(report)")
    Self.expectClean54(report, x: x, y: y, rank: 7, lambda: 1.88e-3, labels: labels)
  }

  @Test("Issue 16: shuffled singletons K = N = 10, d = 30, λ = 1e-4 and 1e-6: never FAILS")
  func shuffledSingletons() throws {
    var g = SeededGenerator(seed: 10)
    let x = Matrix<Double>.randomNormal(rows: 10, columns: 30, using: &g)
    let y = Matrix<Double>.randomNormal(rows: 10, columns: 4, using: &g)
    var labels = Array(0..<10)
    labels.shuffle(using: &g)
    let problem = try DeepLinearProblem(inputs: x, targets: y)
    for lambda in [1e-4, 1e-6] {
      let report = try problem.theorem53(lambda: lambda, estimator: .labels(labels))
      #expect(report.rightSide == 0)
      #expect(report.verdict != .fails, "\(report)")
      // The rounding residue of the two solves is within the allowance.
      #expect(report.leftSide <= report.allowance(link: 0), "\(report)")
    }
  }

  @Test("Exact duplicates: the centroids equal the duplicated points bit for bit")
  func duplicateMeansAreExact() throws {
    // Ten copies of 0.1 sum to 0.9999999999999999: a plain sum / N_k is one ulp off.
    let point: [Double] = [0.1, 0.7, -0.3]
    let x = Matrix<Double>(
      rows: 10, columns: 3, elements: Array([[Double]](repeating: point, count: 10).joined()))
    let y = Matrix<Double>(rows: 10, columns: 1, elements: [Double](repeating: 0.1, count: 10))
    let partition = Partition(assignment: [Int](repeating: 0, count: 10))
    let problem = try DeepLinearProblem(inputs: x, targets: y)
    let centroid = try problem.centroidProblem(partition: partition)
    #expect(centroid.inputs == x)
    #expect(centroid.targets == y)
    #expect(partition.means(of: x).means == x.rows(0..<1))
    let float = Matrix<Float>(x)
    #expect(partition.means(of: float).means == float.rows(0..<1))
    for lambda in [1e-4, 1e-6, 1e-9] {
      let report = try problem.theorem53(lambda: lambda, estimator: .labels(partition.assignment))
      // X̄ = X exactly, so Θ*,C = Θ* exactly: 0 ≤ 0 holds (it was FAILS with sum × (1/N_k)).
      #expect(report.leftSide == 0 && report.rightSide == 0, "\(report)")
      #expect(report.verdict == .holds, "\(report)")
    }
  }

  @Test("Issue 16: Lemma 3.3 with 3 distinct points × 20, λ = 0.01: never FAILS; ReLU flagged")
  func degenerateLemma33() throws {
    var g = SeededGenerator(seed: 33)
    let xs = Matrix<Double>.randomNormal(rows: 3, columns: 5, using: &g)
    let ys = Matrix<Double>.randomUniform(rows: 3, columns: 4, in: 0..<1, using: &g)
    let assignment = (0..<60).map { $0 % 3 }
    let partition = Partition(assignment: assignment)
    for activation in [Activation.tanh, .relu, .leakyReLU(slope: 0.1)] {
      var generator = SeededGenerator(seed: 34)
      let network = try Network<Double>(
        widths: [5, 8, 7, 4], activation: activation, using: &generator)
      let evaluation = try NetworkBounds.evaluate(
        network: network, inputs: xs.rows(at: assignment),
        targets: .values(ys.rows(at: assignment)),
        loss: .squaredError, lambda: 0.01, partition: partition)
      #expect(evaluation.lemma33.count == 6)
      for report in evaluation.lemma33 + evaluation.theorem34Pairs {
        #expect(report.verdict != .fails, "\(activation): \(report)")
        #expect(report.sampleIndices == Array(0..<60))
      }
      let smooth = activation == .tanh
      #expect(evaluation.unmetAssumptions?.isEmpty == smooth)
      for report in evaluation.lemma33 {
        #expect(report.unmetAssumptions.isEmpty == smooth)
        #expect(report.shortVerdict.hasSuffix("*") == !smooth)
        #expect(report.description.contains("hypothesis not met") == !smooth)
      }
    }
  }
}
#endif
