import RankCollapse

extension Experiments.DeepLinearCentroids {
  /// The parameters of the Figure 2 experiment: data, architecture, grid and training.
  ///
  /// The paper gives the data and the architecture (section 6.2: `K = 10` isotropic Gaussians,
  /// the autoencoder 784-400-300-400-784 of section 6.1 without nonlinearities, `N = 10000`),
  /// not the grid, the learning rate, the initialisation or the number of steps; those are chosen
  /// here, printed by the example and written into its sidecar JSON.
  public struct Configuration: Sendable, Hashable, Codable {
    /// The weight decay the layers are trained with.
    ///
    /// Section 5 studies the deep linear network through the penalty on its product,
    /// `λ‖W_L ⋯ W_1‖²` (eq. 19): its minimisers are the closed forms of eq. 21, which
    /// Theorem 5.3 compares. A network is trained in practice with the per-layer weight decay of
    /// eq. 3, `λ Σ_l ‖W_l‖²`, which penalises a Schatten quasi-norm of the product
    /// (`L Σ_i s_i(Θ)^{2/L}` at a balanced factorisation) and so has other minimisers.
    public enum PenaltyForm: String, Sendable, Hashable, Codable, CaseIterable {
      /// `λ‖W_L ⋯ W_1‖_F²` on the end-to-end product (eq. 19; `EndToEndWeightDecay`).
      case endToEnd = "end-to-end"
      /// `λ Σ_l ‖W_l‖_F²`, the weight decay of eq. 3 (`WeightDecay`).
      case perLayer = "per-layer"
    }

    /// `d = d_0 = d_L`, the dimension of the data (the autoencoder's input and output width).
    public var dimension: Int
    /// `d_1, …, d_{L−1}`, the hidden widths.
    public var hiddenWidths: [Int]
    /// `K`, the number of mixture components (and of centroids).
    public var components: Int
    /// `N`, the number of samples.
    public var samples: Int
    /// `s` with `E‖μ_k‖² = s²` (every coordinate of `μ_k` is `N(0, s²/d)`).
    public var meanScale: Double
    /// The weight-decay strengths λ of the grid.
    public var lambdas: [Double]
    /// The noise levels σ of the grid.
    public var sigmas: [Double]
    /// η, the constant learning rate of gradient descent.
    public var learningRate: Double
    /// μ, the heavy-ball momentum of gradient descent (0 for plain gradient descent).
    public var momentum: Double
    /// The gradient-norm tolerance: training stops when `‖∇L_λ‖` (over all weights) is at most this.
    public var gradientTolerance: Double
    /// The step budget: training stops after this many steps (L-BFGS: iterations) at the latest.
    public var maximumSteps: Int
    /// `m` for full-batch L-BFGS with `m` curvature pairs (`QuasiNewtonTrainer`),
    /// or `nil` for gradient descent with ``learningRate`` and ``momentum`` (the paper's method).
    public var quasiNewtonHistory: Int?
    /// How `W_2, …, W_L` are drawn (`W_1` starts at zero, see ``Experiments/DeepLinearCentroids``).
    public var initializer: Initializer
    /// Seeds the means, the noise and the initial network.
    public var seed: UInt64
    /// Which weight decay trains the layers.
    ///
    /// The default is ``PenaltyForm/endToEnd``, the objective of section 5 (eq. 19).
    public var penalty: PenaltyForm = .endToEnd

    /// The widths `d, d_1, …, d_{L−1}, d`.
    public var widths: [Int] { [dimension] + hiddenWidths + [dimension] }

    /// A configuration.
    ///
    /// - Parameters:
    ///   - dimension: `d`.
    ///   - hiddenWidths: `d_1, …, d_{L−1}`.
    ///   - components: `K`.
    ///   - samples: `N`.
    ///   - meanScale: `s`, `E‖μ_k‖² = s²`.
    ///   - lambdas: The λ values.
    ///   - sigmas: The σ values.
    ///   - learningRate: η.
    ///   - momentum: μ.
    ///   - gradientTolerance: The gradient-norm tolerance.
    ///   - maximumSteps: The step budget.
    ///   - quasiNewtonHistory: `m` for L-BFGS, `nil` for gradient descent.
    ///   - initializer: The initialiser of `W_2, …, W_L`.
    ///   - seed: The seed.
    public init(
      dimension: Int, hiddenWidths: [Int], components: Int, samples: Int, meanScale: Double,
      lambdas: [Double], sigmas: [Double], learningRate: Double, momentum: Double,
      gradientTolerance: Double, maximumSteps: Int, quasiNewtonHistory: Int? = nil,
      initializer: Initializer, seed: UInt64
    ) {
      self.quasiNewtonHistory = quasiNewtonHistory
      self.dimension = dimension
      self.hiddenWidths = hiddenWidths
      self.components = components
      self.samples = samples
      self.meanScale = meanScale
      self.lambdas = lambdas
      self.sigmas = sigmas
      self.learningRate = learningRate
      self.momentum = momentum
      self.gradientTolerance = gradientTolerance
      self.maximumSteps = maximumSteps
      self.initializer = initializer
      self.seed = seed
    }

    /// The default scale: `d = 96`, widths 96-48-36-48-96 (the paper's proportions),
    /// `K = 10`, `N = 3000`, a 5 × 5 grid λ ∈ 10^{−3…−1} (half decades), σ ∈ 0.0025…0.04
    /// (doubling); L-BFGS with 10 pairs to a gradient norm of 1e-6, at most 20000 iterations
    /// (gradient descent: learning rate 0.3, momentum 0.9).
    ///
    /// - Parameter seed: The seed.
    /// - Returns: The configuration.
    public static func standard(seed: UInt64 = 1) -> Configuration {
      Configuration(
        dimension: 96, hiddenWidths: [48, 36, 48], components: 10, samples: 3000, meanScale: 1,
        lambdas: [1e-3, 3.162e-3, 1e-2, 3.162e-2, 1e-1],
        sigmas: [0.0025, 0.005, 0.01, 0.02, 0.04], learningRate: 0.3, momentum: 0.9,
        gradientTolerance: 1e-6, maximumSteps: 20_000, quasiNewtonHistory: 10,
        initializer: .orthogonal(gain: 1), seed: seed)
    }

    /// The paper's sizes: `d = 784`, widths 784-400-300-400-784, `K = 10`, `N = 10000`, the
    /// same grid as ``standard(seed:)`` and a larger step budget.
    ///
    /// - Parameter seed: The seed.
    /// - Returns: The configuration.
    public static func paper(seed: UInt64 = 1) -> Configuration {
      var configuration = standard(seed: seed)
      configuration.dimension = 784
      configuration.hiddenWidths = [400, 300, 400]
      configuration.samples = 10_000
      configuration.maximumSteps = 50_000
      return configuration
    }

    /// The grid points in row-major order (λ outer, σ inner).
    public var gridPoints: [(lambda: Double, sigma: Double)] {
      lambdas.flatMap { lambda in sigmas.map { (lambda: lambda, sigma: $0) } }
    }

    /// Checks every parameter; the error names the bad one.
    ///
    /// - Throws: ``DeepLinearCentroidsError/invalidParameter(name:value:requirement:)``.
    public func validate() throws(DeepLinearCentroidsError) {
      func fail(_ name: String, _ value: Any, _ requirement: String) -> DeepLinearCentroidsError {
        .invalidParameter(name: name, value: "\(value)", requirement: requirement)
      }
      guard dimension >= 1 else { throw fail("dimension", dimension, "at least 1") }
      guard !hiddenWidths.isEmpty, hiddenWidths.allSatisfy({ $0 >= 1 }) else {
        throw fail("hiddenWidths", hiddenWidths, "at least one width, all ≥ 1")
      }
      guard components >= 1 else { throw fail("components", components, "at least 1") }
      guard samples >= Swift.max(dimension, components) else {
        throw fail("samples", samples, "at least max(d, K) = \(Swift.max(dimension, components))")
      }
      guard meanScale.isFinite, meanScale > 0 else {
        throw fail("meanScale", meanScale, "finite and > 0")
      }
      guard !lambdas.isEmpty, lambdas.allSatisfy({ $0.isFinite && $0 > 0 }) else {
        throw fail("lambdas", lambdas, "at least one value, all finite and > 0")
      }
      guard !sigmas.isEmpty, sigmas.allSatisfy({ $0.isFinite && $0 > 0 }) else {
        throw fail("sigmas", sigmas, "at least one value, all finite and > 0")
      }
      guard learningRate.isFinite, learningRate > 0 else {
        throw fail("learningRate", learningRate, "finite and > 0")
      }
      guard momentum >= 0, momentum < 1 else { throw fail("momentum", momentum, "in [0, 1)") }
      guard gradientTolerance.isFinite, gradientTolerance >= 0 else {
        throw fail("gradientTolerance", gradientTolerance, "finite and ≥ 0")
      }
      guard maximumSteps >= 1 else { throw fail("maximumSteps", maximumSteps, "at least 1") }
      if let history = quasiNewtonHistory, !(1...1000).contains(history) {
        throw fail("quasiNewtonHistory", history, "in 1…1000")
      }
    }
  }

  /// The result of one grid point `(λ, σ)`.
  public struct Measurement: Sendable, Hashable, Codable {
    /// λ.
    public var lambda: Double
    /// σ.
    public var sigma: Double
    /// `‖Θ_C − Θ‖_F` of the trained end-to-end products (Figure 2's quantity).
    public var trainedDistance: Double
    /// `‖Θ*,C − Θ*‖_F` of the closed forms of equation 21: Theorem 5.3's left side.
    public var closedFormDistance: Double
    /// `‖Θ*,C − Θ*_r‖_F` with `Θ*_r` the minimiser of `L_λ` on the rank-`r` matrices (`r` the
    /// narrowest width): what a network with that bottleneck can reach.
    public var rankConstrainedDistance: Double
    /// Theorem 5.3's right side `TCV_{K,0}/λ · (d/(Nλ) ‖Ȳ‖‖X̄‖ + √d)` (TCV from the true
    /// components).
    public var bound: Double
    /// `TCV_{K,0}` estimated by the true components' `WCSS_0` (equation 6, inputs and targets).
    public var totalClusterVariation: Double
    /// The training on the full loss.
    public var full: TrainingOutcome
    /// The training on the centroid-based loss.
    public var centroid: TrainingOutcome
    /// The Theorem 5.3 report (closed forms).
    public var report: BoundReport
    /// Wall-clock seconds for this point.
    public var seconds: Double

    /// Whether both the trained and the closed-form distances are at most the bound.
    public var belowBound: Bool { trainedDistance <= bound && closedFormDistance <= bound }

    /// A measurement.
    ///
    /// - Parameters:
    ///   - lambda: λ.
    ///   - sigma: σ.
    ///   - trainedDistance: The trained distance.
    ///   - closedFormDistance: The closed-form distance.
    ///   - rankConstrainedDistance: The rank-constrained closed-form distance.
    ///   - bound: Theorem 5.3's bound.
    ///   - totalClusterVariation: The TCV estimate.
    ///   - full: The full-loss training.
    ///   - centroid: The centroid-loss training.
    ///   - report: The Theorem 5.3 report.
    ///   - seconds: Wall-clock seconds.
    public init(
      lambda: Double, sigma: Double, trainedDistance: Double, closedFormDistance: Double,
      rankConstrainedDistance: Double, bound: Double, totalClusterVariation: Double,
      full: TrainingOutcome, centroid: TrainingOutcome, report: BoundReport, seconds: Double
    ) {
      self.lambda = lambda
      self.sigma = sigma
      self.trainedDistance = trainedDistance
      self.closedFormDistance = closedFormDistance
      self.rankConstrainedDistance = rankConstrainedDistance
      self.bound = bound
      self.totalClusterVariation = totalClusterVariation
      self.full = full
      self.centroid = centroid
      self.report = report
      self.seconds = seconds
    }
  }

  /// How one training run ended and how close it came to its closed form.
  public struct TrainingOutcome: Sendable, Hashable, Codable {
    /// Gradient steps taken.
    public var steps: Int
    /// Why training stopped (`gradientTolerance` means converged).
    public var stopReason: StopReason
    /// The final `‖∇L_λ‖` over all weights.
    public var gradientNorm: Double
    /// `L_λ` of the trained product.
    public var objective: Double
    /// `L_λ` of the closed form the network can reach (rank-constrained for the full loss).
    public var closedFormObjective: Double
    /// `‖Θ − Θ*‖_F` to the unconstrained minimiser of equation 21.
    public var distanceToMinimizer: Double
    /// `‖Θ − Θ*_r‖_F` to the rank-`r` minimiser (for the centroid loss, rank `≤ K ≤ r`, the
    /// same as ``distanceToMinimizer``).
    public var distanceToClosedForm: Double

    /// An outcome.
    ///
    /// - Parameters:
    ///   - steps: Steps taken.
    ///   - stopReason: Why training stopped.
    ///   - gradientNorm: The final gradient norm.
    ///   - objective: `L_λ` of the trained product.
    ///   - closedFormObjective: `L_λ` of the reachable closed form.
    ///   - distanceToMinimizer: Distance to equation 21's minimiser.
    ///   - distanceToClosedForm: Distance to the reachable closed form.
    public init(
      steps: Int, stopReason: StopReason, gradientNorm: Double, objective: Double,
      closedFormObjective: Double, distanceToMinimizer: Double, distanceToClosedForm: Double
    ) {
      self.steps = steps
      self.stopReason = stopReason
      self.gradientNorm = gradientNorm
      self.objective = objective
      self.closedFormObjective = closedFormObjective
      self.distanceToMinimizer = distanceToMinimizer
      self.distanceToClosedForm = distanceToClosedForm
    }

    init(
      summary: TrainingSummary, objective: Double, closedFormObjective: Double,
      distanceToMinimizer: Double, distanceToClosedForm: Double
    ) {
      self.init(
        steps: summary.steps, stopReason: summary.reason, gradientNorm: summary.gradientNorm,
        objective: objective, closedFormObjective: closedFormObjective,
        distanceToMinimizer: distanceToMinimizer, distanceToClosedForm: distanceToClosedForm)
    }

    /// Whether training met the gradient-norm tolerance.
    public var converged: Bool { stopReason.isConverged }

    /// `(L_λ(Θ) − L_λ(Θ*))/L_λ(Θ*)`: how much worse the trained product is than the closed form.
    public var relativeObjectiveGap: Double {
      (objective - closedFormObjective) / closedFormObjective
    }
  }
}

/// Why the Figure 2 experiment could not run.
public enum DeepLinearCentroidsError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A parameter outside its range (the name says which).
  case invalidParameter(ParameterError)

  /// A parameter outside its range: the ``invalidParameter(_:)`` case with a `ParameterError`
  /// of these fields.
  ///
  /// - Parameters:
  ///   - name: The parameter's name.
  ///   - value: The value given, as text.
  ///   - requirement: What the value must be.
  /// - Returns: The error.
  public static func invalidParameter(name: String, value: String, requirement: String)
    -> DeepLinearCentroidsError
  {
    .invalidParameter(ParameterError(name: name, value: value, requirement: requirement))
  }
  /// A closed form (Theorem 5.1, equation 21, Theorem 5.3) could not be evaluated.
  case closedForm(DeepLinearError)
  /// Training on the named loss failed (for instance diverged: lower the learning rate).
  case training(loss: String, lambda: Double, TrainingError)

  /// A one-line explanation.
  public var description: String {
    switch self {
    case .invalidParameter(let parameter):
      "\(parameter.name) = \(parameter.value): must be \(parameter.requirement)"
    case .closedForm(let error): "closed form: \(error)"
    case .training(let loss, let lambda, let error):
      "training on the \(loss) loss at λ = \(lambda) failed: \(error)"
    }
  }
}
