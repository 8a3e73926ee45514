import Foundation
import PropertyBased
import RankCollapseBounds
import RankCollapseClustering
import RankCollapseData
import RankCollapseSpectral
import RankCollapseTensor
import Testing
import _RankCollapseTestSupport

/// A random Gaussian-mixture instance of the deep linear case: inputs from K isotropic blobs,
/// targets `y_i = t_{label} + σ_y·noise` (clustered labels), λ log-uniform.
struct LinearInstance {
  var problem: DeepLinearProblem
  var labels: [Int]
  var classes: Int
  var lambda: Double
  var d: Int
  var c: Int
  var n: Int

  init(seed: UInt64) throws {
    var g = SeededGenerator(seed: seed)
    d = Int.random(in: 1...10, using: &g)
    c = Int.random(in: 1...6, using: &g)
    classes = Int.random(in: 1...5, using: &g)
    n = Int.random(in: (Swift.max(c, d) + classes)...70, using: &g)
    let sigma = pow(10, Double.random(in: -3...0, using: &g))
    let targetSigma = pow(10, Double.random(in: -3...0, using: &g))
    lambda = pow(10, Double.random(in: -3...1, using: &g))
    let mixture = try GaussianMixture<Double>(
      components: classes, dimension: d, standardDeviation: sigma,
      meanScale: Double.random(in: 0.5...4, using: &g), using: &g)
    let sample = mixture.sample(points: n, using: &g)
    labels = sample.labels
    let centres = Matrix<Double>.randomNormal(rows: classes, columns: c, using: &g)
    let noise = Matrix<Double>.randomNormal(
      rows: n, columns: c, standardDeviation: targetSigma, using: &g)
    let targets = centres.rows(at: labels) + noise
    problem = try DeepLinearProblem(inputs: sample.points, targets: targets)
  }
}

/// `‖A‖_F`.
func frobenius(_ a: Matrix<Double>) -> Double { a.frobeniusNorm }

@Suite("Deep linear case (paper section 5)")
struct DeepLinearTests {
  @Test("Theorem 5.3 holds link by link on random Gaussian mixtures (labels and k-means)")
  func theorem53Holds() async throws {
    await propertyCheck(count: 150, input: Gen.uint64()) { seed in
      let instance = try #require(try? LinearInstance(seed: seed))
      let byLabels = try #require(
        try? instance.problem.theorem53(
          lambda: instance.lambda, estimator: .labels(instance.labels)))
      #expect(byLabels.holds, "seed \(seed): \(byLabels)")
      var g = Self.generator(seed)
      // k-means needs K ≤ N (K > N is a typed error, checked elsewhere); N can be as small as 2.
      let clusters = Int.random(in: 1...Swift.min(4, instance.n), using: &g)
      let byKMeans = try #require(
        try? instance.problem.theorem53(
          lambda: instance.lambda, estimator: .kMeans(clusters: clusters, restarts: 2, seed: seed))
      )
      // With K ≥ N clusters the bound is 0 and Θ*,C = Θ* only up to rounding (seen: 3.7e-15 with
      // ‖Θ*‖ = 0.5, N = K = 4, seed 10700418771415899467): the report's absolute tolerance
      // allowance must make that undecided, never a failure.
      #expect(byKMeans.verdict != .fails, "seed \(seed): \(byKMeans)")
      #expect(byKMeans.estimators["TCV_{K,0}"]?.contains("k-means") == true)
      // The TCV estimate is the WCSS recomputed from the centroid matrices.
      let tcv = try #require(byLabels.terms.first { $0.name == "TCV_{K,0}" }?.value)
      let wcss = try #require(byLabels.terms.first { $0.name == "WCSS_0(C)" }?.value)
      #expect(abs(tcv - wcss) <= 1e-10 * Swift.max(1, tcv))
    }
  }

  @Test("Theorem 5.3 with every point its own cluster: zero bound, never fails on rounding")
  func theorem53SingletonPartition() throws {
    // The draw that once failed: N = K = 4, ‖Θ* − Θ*,C‖ = 3.7e-15 above a bound of exactly 0.
    let seed: UInt64 = 10_700_418_771_415_899_467
    let instance = try LinearInstance(seed: seed)
    var g = Self.generator(seed)
    let clusters = Int.random(in: 1...4, using: &g)
    let report = try instance.problem.theorem53(
      lambda: instance.lambda, estimator: .kMeans(clusters: clusters, restarts: 2, seed: seed))
    #expect(report.rightSide == 0)
    #expect(report.verdict != .fails, "\(report)")
    let scale = try #require(report.terms.first { $0.name == "‖Θ*‖_F" }?.value)
    // The allowance covers the rounding of two solves (κ(A) u ‖Θ*‖ with κ(A) ≤ Tr A/(Nλ)) and
    // is far below the size of Θ*.
    #expect(report.largestAllowance > 0 && report.largestAllowance <= 1e-6 * scale)
    // Singletons on any instance: the bound is 0 and the report still holds.
    for other in UInt64(1)...20 {
      let small = try LinearInstance(seed: other)
      let singletons = try small.problem.theorem53(
        lambda: small.lambda, estimator: .labels(Array(0..<small.n)))
      #expect(singletons.rightSide == 0)
      #expect(singletons.verdict != .fails, "seed \(other): \(singletons)")
    }
  }

  @Test("Theorem 5.4 holds link by link on random Gaussian mixtures")
  func theorem54Holds() async throws {
    await propertyCheck(count: 150, input: Gen.uint64()) { seed in
      let instance = try #require(try? LinearInstance(seed: seed))
      var g = Self.generator(seed)
      let rank = Int.random(in: 1...Swift.min(instance.c, instance.d), using: &g)
      let viaKMeans = try #require(
        try? instance.problem.theorem54(
          rank: rank, lambda: instance.lambda,
          estimator: .kMeans(clusters: rank, restarts: 2, seed: seed)))
      #expect(viaKMeans.holds, "seed \(seed): \(viaKMeans)")
      // The stable left side equals the direct difference of the two minimisers.
      let direct = try #require(
        viaKMeans.terms.first { $0.name.hasPrefix("‖Θ* − Θ*,K‖_F² (direct)") })
      let star = try #require(try? instance.problem.minimizer(lambda: instance.lambda))
      #expect(
        abs(direct.value.squareRoot() - viaKMeans.leftSide.squareRoot()) <= 1e-9
          * Swift.max(frobenius(star), 1),
        "seed \(seed)")
      if instance.classes <= rank {
        let viaLabels = try #require(
          try? instance.problem.theorem54(
            rank: rank, lambda: instance.lambda, estimator: .labels(instance.labels)))
        #expect(viaLabels.holds, "seed \(seed): \(viaLabels)")
      }
    }
  }

  @Test("Θ* and Θ*,C of eq. (21) satisfy their stationarity equations to 1e-9")
  func closedFormStationarity() async throws {
    await propertyCheck(count: 100, input: Gen.uint64()) { seed in
      let instance = try #require(try? LinearInstance(seed: seed))
      let (problem, lambda) = (instance.problem, instance.lambda)
      let theta = try #require(try? problem.minimizer(lambda: lambda))
      #expect(relativeGradient(problem, theta, lambda) <= 1e-9, "seed \(seed)")
      let partition = try Partition(labels: instance.labels)
      let centroid = try #require(try? problem.centroidProblem(partition: partition))
      let thetaC = try #require(
        try? problem.centroidMinimizer(partition: partition, lambda: lambda))
      #expect(relativeGradient(centroid, thetaC, lambda) <= 1e-9, "seed \(seed)")
      // Θ*,C has rank ≤ K (its row space lies in the span of the K centroids).
      let values = try thetaC.singularValues()
      let numericalRank = values.filter { $0 > 1e-10 * (values.first ?? 0) }.count
      #expect(numericalRank <= partition.count)
      // The centroid problem's loss is the centroid-based loss: X̄, Ȳ rows are class means.
      let means = classMeansForTest(problem.inputs, instance.labels, partition)
      #expect(maxDifference(centroid.inputs, means) <= 1e-12)
    }
  }

  @Test("Θ*,K has rank ≤ K, is stationary on the rank-K manifold, beats rank-K competitors")
  func rankConstrainedMinimizer() async throws {
    await propertyCheck(count: 100, input: Gen.uint64()) { seed in
      let instance = try #require(try? LinearInstance(seed: seed))
      let (problem, lambda) = (instance.problem, instance.lambda)
      var g = Self.generator(seed)
      let rank = Int.random(in: 1...Swift.min(instance.c, instance.d), using: &g)
      let point = try #require(try? problem.rankConstrainedMinimizer(rank: rank, lambda: lambda))
      let theta = point.parameters
      let values = try theta.singularValues()
      #expect(values.filter { $0 > 1e-10 * (values.first ?? 0) }.count <= rank)
      // Stationarity on M_K: ∇L_λ(Θ) Θᵀ = 0 and Θᵀ ∇L_λ(Θ) = 0 (P_U ∇ = ∇ P_V = 0).
      let grad = problem.gradient(theta, lambda: lambda)
      let scale = gradientScale(problem, theta, lambda) * Swift.max(frobenius(theta), 1e-300)
      #expect(frobenius(grad.matmul(theta, transposeOther: true)) <= 1e-9 * scale, "seed \(seed)")
      #expect(frobenius(theta.matmul(grad, transposeSelf: true)) <= 1e-9 * scale, "seed \(seed)")
      let best = problem.loss(theta, lambda: lambda)
      for trial in 0..<20 {
        let competitor: Matrix<Double>
        if trial < 10 {
          // Random rank-K matrices of a comparable scale.
          let a = Matrix<Double>.randomNormal(rows: instance.c, columns: rank, using: &g)
          let b = Matrix<Double>.randomNormal(rows: rank, columns: instance.d, using: &g)
          competitor = a.matmul(b) * (frobenius(theta) / Swift.max(frobenius(a.matmul(b)), 1e-300))
        } else {
          // Small perturbations that stay on the rank-≤K set: (I + εE) Θ (I + εF).
          let eps = pow(10, Double.random(in: -6 ... -1, using: &g))
          let e =
            Matrix<Double>.identity(instance.c)
            + eps * Matrix<Double>.randomNormal(rows: instance.c, columns: instance.c, using: &g)
          let f =
            Matrix<Double>.identity(instance.d)
            + eps * Matrix<Double>.randomNormal(rows: instance.d, columns: instance.d, using: &g)
          competitor = e.matmul(theta).matmul(f)
        }
        #expect(
          best <= problem.loss(competitor, lambda: lambda) + 1e-12 * abs(best), "seed \(seed)")
      }
    }
  }

  @Test("Theorem 5.1's loss (1/N)(Tr(YYᵀ) − Σσ²) matches direct evaluation at every critical point")
  func theorem51LossFormula() async throws {
    await propertyCheck(count: 100, input: Gen.uint64()) { seed in
      let instance = try #require(try? LinearInstance(seed: seed))
      let problem = instance.problem
      var g = Self.generator(seed)
      let available = Swift.min(instance.c, instance.d)
      let r = Int.random(in: 0...available, using: &g)
      let indices = Array(Array(0..<available).shuffled(using: &g).prefix(r))
      for lambda in [0, instance.lambda] {
        let point = try #require(try? problem.criticalPoint(indices: indices, lambda: lambda))
        let direct = problem.loss(point.parameters, lambda: lambda)
        // The formula subtracts Σσ² from Tr(YYᵀ): its rounding is relative to Tr(YYᵀ)/N.
        let scale = Swift.max(direct, problem.targetEnergy / Double(problem.normalization))
        #expect(abs(point.loss - direct) <= 1e-9 * scale, "seed \(seed)")
        // Critical on M_r: the manifold stationarity conditions hold at every index set.
        let grad = problem.gradient(point.parameters, lambda: lambda)
        let gradScale =
          gradientScale(problem, point.parameters, lambda)
          * Swift.max(frobenius(point.parameters), 1e-300)
        #expect(frobenius(grad.matmul(point.parameters, transposeOther: true)) <= 1e-9 * gradScale)
      }
    }
  }

  @Test("Remark 5.2: the augmented problem's unregularised loss is L_λ, same minimisers")
  func remark52() async throws {
    await propertyCheck(count: 60, input: Gen.uint64()) { seed in
      let instance = try #require(try? LinearInstance(seed: seed))
      let (problem, lambda) = (instance.problem, instance.lambda)
      let augmented = try #require(try? problem.augmented(lambda: lambda))
      #expect(augmented.sampleCount == instance.n + instance.d)
      #expect(augmented.normalization == instance.n)
      var g = Self.generator(seed)
      let theta = Matrix<Double>.randomNormal(rows: instance.c, columns: instance.d, using: &g)
      let regularised = problem.loss(theta, lambda: lambda)
      #expect(abs(augmented.loss(theta) - regularised) <= 1e-12 * regularised)
      let direct = try #require(
        try? DeepLinearProblem(
          inputs: augmented.inputs, targets: augmented.targets))
      // The augmented Gram is X Xᵀ + Nλ I (eq. 28) whichever way it is computed.
      #expect(maxDifference(direct.gram, augmented.gram) <= 1e-10 * frobenius(direct.gram))
      let star = try #require(try? problem.minimizer(lambda: lambda))
      let starAugmented = try #require(try? augmented.minimizer(lambda: 0))
      #expect(maxDifference(star, starAugmented) <= 1e-10 * Swift.max(frobenius(star), 1))
      let k = Swift.min(instance.c, instance.d)
      let viaLambda = try #require(try? problem.rankConstrainedMinimizer(rank: k, lambda: lambda))
      #expect(maxDifference(viaLambda.parameters, star) <= 1e-9 * Swift.max(frobenius(star), 1))
    }
  }

  @Test("An autoencoder (targets = inputs) shares one Gram matrix and the theorems still hold")
  func autoencoder() async throws {
    await propertyCheck(count: 30, input: Gen.uint64()) { seed in
      let instance = try #require(try? LinearInstance(seed: seed))
      let x = instance.problem.inputs
      let problem = try #require(try? DeepLinearProblem(inputs: x, targets: x))
      let reference = naiveProduct(x.transposed(), x)
      #expect(maxDifference(problem.crossProduct, reference) <= 1e-10 * frobenius(reference))
      let report = try #require(
        try? problem.theorem54(
          rank: instance.d, lambda: instance.lambda,
          estimator: .labels(Array(0..<x.rows).map { _ in 0 })))
      #expect(report.holds, "seed \(seed): \(report)")
      let tail = try #require(report.terms.first { $0.name == "Σ_{j>K}σ_j(Y)²" }?.value)
      #expect(tail <= 1e-10 * problem.targetEnergy)
      let k53 = try #require(
        try? problem.theorem53(lambda: instance.lambda, estimator: .labels(instance.labels)))
      #expect(k53.holds, "seed \(seed): \(k53)")
    }
  }

  @Test("Float data are promoted to Double exactly")
  func floatData() throws {
    var g = SeededGenerator(seed: 3)
    let x = Matrix<Float>.randomNormal(rows: 30, columns: 4, using: &g)
    let y = Matrix<Float>.randomNormal(rows: 30, columns: 2, using: &g)
    let fromFloat = try DeepLinearProblem(inputs: x, targets: y)
    let fromDouble = try DeepLinearProblem(inputs: Matrix<Double>(x), targets: Matrix<Double>(y))
    #expect(fromFloat.inputs == fromDouble.inputs)
    #expect(fromFloat.gram == fromDouble.gram)
    #expect(try fromFloat.minimizer(lambda: 0.1) == fromDouble.minimizer(lambda: 0.1))
  }

  @Test("Invalid inputs throw typed errors")
  func invalidInputs() throws {
    let x = Matrix<Double>([[1, 2], [3, 4], [5, 7]])
    let y = Matrix<Double>([[1], [0], [1]])
    #expect(throws: DeepLinearError.sampleCountMismatch(inputs: 3, targets: 2)) {
      try DeepLinearProblem(inputs: x, targets: y.rows(0..<2))
    }
    #expect(throws: DeepLinearError.nonFiniteData) {
      try DeepLinearProblem(inputs: x, targets: Matrix<Double>([[1], [.nan], [1]]))
    }
    let problem = try DeepLinearProblem(inputs: x, targets: y)
    #expect(throws: DeepLinearError.self) { try problem.minimizer(lambda: -1) }
    #expect(throws: DeepLinearError.self) {
      try problem.theorem53(lambda: 0, estimator: .labels([0, 0, 1]))
    }
    #expect(throws: DeepLinearError.invalidIndices([0, 0], available: 1)) {
      try problem.criticalPoint(indices: [0, 0])
    }
    #expect(throws: DeepLinearError.self) {
      try problem.rankConstrainedMinimizer(rank: 2, lambda: 1)
    }
    #expect(throws: DeepLinearError.partitionMismatch(partition: 2, samples: 3)) {
      try problem.centroidProblem(partition: Partition(assignment: [0, 1]))
    }
    let wide = try DeepLinearProblem(inputs: x.rows(0..<1), targets: y.rows(0..<1))
    #expect(throws: DeepLinearError.singularGram) { try wide.minimizer(lambda: 0) }
    #expect(throws: DeepLinearError.singularGram) { try wide.criticalPoint(indices: [0]) }
    let two = try DeepLinearProblem(
      inputs: x, targets: Matrix<Double>([[1, 0], [0, 1], [1, 1]]))
    #expect(throws: DeepLinearError.tooManyClusters(clusters: 3, rank: 1)) {
      try two.theorem54(rank: 1, lambda: 1, estimator: .labels([0, 1, 2]))
    }
  }

  @Test("Reports print as a table and encode as JSON")
  func reportOutput() throws {
    let instance = try LinearInstance(seed: 7)
    let report = try instance.problem.theorem53(
      lambda: instance.lambda, estimator: .labels(instance.labels))
    #expect(report.description.hasPrefix("Theorem 5.3: holds"))
    let data = try JSONEncoder().encode(report)
    let decoded = try JSONDecoder().decode(BoundReport.self, from: data)
    #expect(decoded == report)
  }

  static func generator(_ seed: UInt64) -> SeededGenerator {
    SeededGenerator(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
  }
}

/// ‖∇L_λ(Θ)‖_F relative to the size of its terms, (2/N)(‖Θ XXᵀ‖ + ‖YXᵀ‖) + 2λ‖Θ‖.
func relativeGradient(_ problem: DeepLinearProblem, _ theta: Matrix<Double>, _ lambda: Double)
  -> Double
{
  frobenius(problem.gradient(theta, lambda: lambda)) / gradientScale(problem, theta, lambda)
}

/// (2/N)(‖Θ XXᵀ‖ + ‖YXᵀ‖) + 2λ‖Θ‖, floored away from 0.
func gradientScale(_ problem: DeepLinearProblem, _ theta: Matrix<Double>, _ lambda: Double)
  -> Double
{
  let n = Double(problem.normalization)
  let value =
    2 / n * (frobenius(theta.matmul(problem.gram)) + frobenius(problem.crossProduct))
    + 2 * lambda * frobenius(theta)
  return Swift.max(value, 1e-300)
}

/// Row i = mean of the inputs with sample i's label (a naive reference for equation 20).
func classMeansForTest(_ x: Matrix<Double>, _ labels: [Int], _ partition: Partition)
  -> Matrix<Double>
{
  var result = Matrix<Double>.zeros(rows: x.rows, columns: x.columns)
  for i in 0..<x.rows {
    let members = (0..<x.rows).filter { partition.assignment[$0] == partition.assignment[i] }
    for j in 0..<x.columns {
      result[i, j] = members.reduce(0) { $0 + x[$1, j] } / Double(members.count)
    }
  }
  return result
}
