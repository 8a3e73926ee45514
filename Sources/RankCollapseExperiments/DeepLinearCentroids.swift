import RankCollapse

extension Experiments {
  /// Figure 2 of the paper: a deep linear autoencoder trained on the full loss and on the
  /// centroid-based loss, and the distance `‖Θ*,C − Θ*‖_F` between the end-to-end products.
  ///
  /// The data are a mixture of `K` isotropic Gaussians `N(μ_k, σ² I)` in dimension `d`
  /// (paper section 6.2; the means from `GaussianMixture.randomMeans`, `E‖μ_k‖² = s²` with the
  /// configuration's ``Configuration/meanScale`` `s`). For each `(λ, σ)` of the grid the network
  /// `f(x) = W_L ⋯ W_1 x` (no biases, no nonlinearities) is trained by full-batch gradient descent
  /// on
  /// - the full loss `L_λ(Θ) = (1/N) ‖X − Θ X‖_F² + λ ‖Θ‖_F²` (equation 19, autoencoder `Y = X`), and
  /// - the centroid-based loss (equation 8 at layer 0): every sample replaced by the mean `x̄_k` of its
  ///   true component, `L_λ^{0,C}(Θ) = Σ_k (N_k/N) ‖x̄_k − Θ x̄_k‖² + λ ‖Θ‖_F²` (equation 20),
  ///
  /// with the penalty on the product `Θ = W_L ⋯ W_1` (`EndToEndWeightDecay`), the objective of
  /// section 5 whose minimisers are the closed forms `Θ*`, `Θ*,C` of equation 21. Both runs start
  /// from the same initial network. With ``Configuration/penalty`` set to
  /// ``Configuration/PenaltyForm/perLayer`` the layers are trained with the per-layer weight
  /// decay of eq. 3 instead, how networks are trained in practice; the closed forms are then
  /// that objective's minimisers (balanced factors, one scalar problem per eigen-direction),
  /// while the bound stays Theorem 5.3's for the minimisers of eq. 21. It reports the trained
  /// distance, the closed-form distance (for the end-to-end penalty the left side of
  /// Theorem 5.3), the distance of the rank-`r` closed form (`r` the narrowest width: the best a
  /// bottleneck of width `r` can do, Theorem 5.1 with Remark 5.2), Theorem 5.3's
  /// bound, and how far each trained product is from its closed form.
  ///
  /// ## Training on sufficient statistics
  ///
  /// For a linear model with squared loss, the loss and its gradients depend on the data only
  /// through `X Xᵀ`: `(1/N) ‖X − X Θᵀ‖² = Tr((I − Θ) (XᵀX/N) (I − Θ)ᵀ)` with samples as rows. The
  /// full loss is therefore evaluated on `d` rows `R` with `RᵀR/d = XᵀX/N` (from the eigen-
  /// decomposition of `XᵀX`), and the centroid loss on the `K` rows `√(K N_k/N) x̄_k`. Both give the
  /// same objective and the same gradients as the `N` samples (to rounding), so gradient descent
  /// follows the same trajectory at a cost independent of `N`.
  ///
  /// ## Initialisation
  ///
  /// `W_1 = 0` and `W_2, …, W_L` drawn by ``Configuration/initializer``. With `W_1 = 0`, the product
  /// never acquires a component along directions the training data do not span (the gradient
  /// with respect to `W_1` lies in the data's span), exactly as the minimiser `Θ*,C`, which is zero
  /// outside the `K`-dimensional span of the centroids. A random `W_1` would leave such components
  /// to be removed by the penalty alone, whose gradient vanishes like `s^{2−2/L}` for a small
  /// singular value `s` of a depth-`L` product: training would not reach `Θ*,C` in practice. The
  /// gradient with respect to `W_1` is `−2 A_1ᵀ XᵀX/N ≠ 0` at the start, so training leaves the
  /// saddle at once.
  public struct DeepLinearCentroids: Sendable {
    /// The experiment's parameters.
    public let configuration: Configuration
    /// The mixture means `μ_k`, `K × d`.
    public let means: Matrix<Double>
    /// The initial network, shared by every run (`W_1 = 0`).
    public let initialNetwork: Network<Double>

    /// Draws the means and the initial network from the configuration's seed.
    ///
    /// - Parameter configuration: The parameters (validated).
    /// - Throws: ``DeepLinearCentroidsError/invalidParameter(name:value:requirement:)``.
    public init(configuration: Configuration) throws(DeepLinearCentroidsError) {
      try configuration.validate()
      self.configuration = configuration
      var generator = SeededGenerator(seed: configuration.seed)
      means = GaussianMixture<Double>.randomMeans(
        components: configuration.components, dimension: configuration.dimension,
        scale: configuration.meanScale, using: &generator)
      var networkGenerator = SeededGenerator(seed: configuration.seed &+ 2)
      var network: Network<Double>
      do {
        network = try Network<Double>(
          widths: configuration.widths, activation: .identity, outputActivation: .identity,
          initializer: configuration.initializer, biases: false, using: &networkGenerator)
        // W_1 = 0, as documented above.
        try network.setWeight(
          .zeros(rows: network.layers[0].weight.rows, columns: network.layers[0].weight.columns),
          layer: 1)
      } catch {
        throw .invalidParameter(
          ParameterError(
            name: "widths", value: "\(configuration.widths)", requirement: "\(error)",
            cause: UnderlyingError(error)))
      }
      initialNetwork = network
    }

    /// The data set at noise level `σ`: `N_k` points `μ_k + σ z_i` per component.
    ///
    /// Every `σ` uses the same standard normal draws `z_i` (common random numbers), so the data
    /// change smoothly with `σ` and curves over `σ` are not jagged by resampling.
    ///
    /// - Parameter sigma: σ ≥ 0.
    /// - Returns: The points (`N × d`, grouped by component) and their component labels.
    /// - Throws: ``DeepLinearCentroidsError/invalidParameter(name:value:requirement:)`` for a
    ///   negative or non-finite σ.
    public func data(sigma: Double) throws(DeepLinearCentroidsError) -> GaussianMixtureSample<
      Double
    > {
      let mixture: GaussianMixture<Double>
      do {
        mixture = try GaussianMixture(
          means: means, covariances: [.isotropic(standardDeviation: sigma)])
      } catch {
        throw .invalidParameter(name: "σ", value: "\(sigma)", requirement: "finite and ≥ 0")
      }
      var generator = SeededGenerator(seed: configuration.seed &+ 1)
      return mixture.sample(points: configuration.samples, using: &generator)
    }

    /// Trains on both losses at one grid point and compares with the closed forms.
    ///
    /// - Parameters:
    ///   - lambda: λ > 0.
    ///   - sigma: σ > 0.
    ///   - progress: Called after each of the two trainings with a one-line summary.
    /// - Returns: The measurement.
    /// - Throws: ``DeepLinearCentroidsError`` for invalid λ or σ, divergence, or a failed
    ///   factorisation.
    /// - Complexity: Per gradient step O(d · Σ_l d_l d_{l−1}) for the full loss and
    ///   O(K · Σ_l d_l d_{l−1}) for the centroid loss, plus the penalty's O(L · d · Σ_l d_l d_{l−1});
    ///   O(N d²) once for `XᵀX`, O(d³) for the closed forms.
    public func run(
      lambda: Double, sigma: Double, progress: ((String) -> Void)? = nil
    ) throws(DeepLinearCentroidsError) -> Measurement {
      guard lambda.isFinite, lambda > 0 else {
        throw .invalidParameter(name: "λ", value: "\(lambda)", requirement: "finite and > 0")
      }
      guard sigma.isFinite, sigma > 0 else {
        throw .invalidParameter(name: "σ", value: "\(sigma)", requirement: "finite and > 0")
      }
      let clock = ContinuousClock()
      let started = clock.now
      let sample = try data(sigma: sigma)
      let partition: Partition
      let problem: DeepLinearProblem
      do {
        partition = try Partition(labels: sample.labels)
        problem = try DeepLinearProblem(inputs: sample.points, targets: sample.points)
      } catch let error as DeepLinearError {
        throw .closedForm(error)
      } catch {
        throw .invalidParameter(name: "data", value: "\(error)", requirement: "a valid sample")
      }
      let centroid: DeepLinearProblem
      let report: BoundReport
      let closedFull: Matrix<Double>
      let closedCentroid: Matrix<Double>
      let closedRankConstrained: Matrix<Double>
      let rank = configuration.widths.min() ?? configuration.dimension
      let depth = configuration.widths.count - 1
      // λ Σ_l ‖W_l‖² of the balanced factors of the rank-r full-loss and the centroid-loss
      // closed forms (per-layer decay; the end-to-end penalty is a function of Θ alone).
      var closedPenalties = (full: 0.0, centroid: 0.0)
      do {
        centroid = try problem.centroidProblem(partition: partition)
        report = try problem.theorem53(lambda: lambda, estimator: .labels(sample.labels))
        switch configuration.penalty {
        case .endToEnd:
          closedFull = try problem.minimizer(lambda: lambda)
          closedCentroid = try centroid.minimizer(lambda: lambda)
          closedRankConstrained =
            rank >= configuration.dimension
            ? closedFull
            : try problem.rankConstrainedMinimizer(rank: rank, lambda: lambda).parameters
        case .perLayer:
          let dimension = configuration.dimension
          let full = try Self.perLayerMinimizer(
            problem, lambda: lambda, depth: depth, rank: dimension)
          let reduced = try Self.perLayerMinimizer(
            centroid, lambda: lambda, depth: depth, rank: dimension)
          let constrained = try Self.perLayerMinimizer(
            problem, lambda: lambda, depth: depth, rank: rank)
          (closedFull, closedCentroid) = (full.product, reduced.product)
          closedRankConstrained = constrained.product
          closedPenalties = (lambda * constrained.penalty, lambda * reduced.penalty)
        }
      } catch {
        throw .closedForm(error)
      }
      // The objective the layers were trained on, of a trained network or of a closed form
      // (for per-layer decay at its balanced factorisation, `λ L Σ_i t_i^{2/L}`).
      func objective(_ problem: DeepLinearProblem, _ network: Network<Double>) -> Double {
        let theta = EndToEndWeightDecay.product(of: network)
        switch configuration.penalty {
        case .endToEnd: return problem.loss(theta, lambda: lambda)
        case .perLayer:
          let weights = network.layers.map { $0.weight.frobeniusNorm * $0.weight.frobeniusNorm }
          return problem.loss(theta) + lambda * weights.reduce(0, +)
        }
      }
      func objective(
        _ problem: DeepLinearProblem, closedForm theta: Matrix<Double>, penalty: Double
      ) -> Double {
        switch configuration.penalty {
        case .endToEnd: problem.loss(theta, lambda: lambda)
        case .perLayer: problem.loss(theta) + penalty
        }
      }

      let fullRows = try Self.sufficientRows(gram: problem.gram, samples: configuration.samples)
      let centroidRows = Self.centroidRows(
        means: sample.classMeans(), counts: sample.counts, samples: configuration.samples)
      let full = try train(rows: fullRows, lambda: lambda, loss: "full")
      progress?(
        "λ = \(lambda), σ = \(sigma): full loss \(full.summary.steps) steps "
          + "(\(full.summary.reason.rawValue), ‖∇‖ = \(full.summary.gradientNorm))")
      let reduced = try train(rows: centroidRows, lambda: lambda, loss: "centroid")
      progress?(
        "λ = \(lambda), σ = \(sigma): centroid loss \(reduced.summary.steps) steps "
          + "(\(reduced.summary.reason.rawValue), ‖∇‖ = \(reduced.summary.gradientNorm))")

      let thetaFull = EndToEndWeightDecay.product(of: full.network)
      let thetaCentroid = EndToEndWeightDecay.product(of: reduced.network)
      let elapsed = clock.now - started
      let closedFormDistance =
        switch configuration.penalty {
        case .endToEnd: report.leftSide
        case .perLayer: frobeniusDistance(closedCentroid, closedFull)
        }
      return Measurement(
        lambda: lambda, sigma: sigma,
        trainedDistance: frobeniusDistance(thetaCentroid, thetaFull),
        closedFormDistance: closedFormDistance,
        rankConstrainedDistance: frobeniusDistance(closedCentroid, closedRankConstrained),
        bound: report.rightSide,
        totalClusterVariation: report.terms.first { $0.name == "TCV_{K,0}" }?.value ?? .nan,
        full: TrainingOutcome(
          summary: full.summary, objective: objective(problem, full.network),
          closedFormObjective: objective(
            problem, closedForm: closedRankConstrained, penalty: closedPenalties.full),
          distanceToMinimizer: frobeniusDistance(thetaFull, closedFull),
          distanceToClosedForm: frobeniusDistance(thetaFull, closedRankConstrained)),
        centroid: TrainingOutcome(
          summary: reduced.summary, objective: objective(centroid, reduced.network),
          closedFormObjective: objective(
            centroid, closedForm: closedCentroid, penalty: closedPenalties.centroid),
          distanceToMinimizer: frobeniusDistance(thetaCentroid, closedCentroid),
          distanceToClosedForm: frobeniusDistance(thetaCentroid, closedCentroid)),
        report: report,
        seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds)
          * 1e-18)
    }

    /// Trains a copy of ``initialNetwork`` on `rows` (inputs = targets).
    func train(rows: Matrix<Double>, lambda: Double, loss name: String)
      throws(DeepLinearCentroidsError) -> (network: Network<Double>, summary: TrainingSummary)
    {
      var network = initialNetwork
      let options = TrainingConfiguration(
        loss: .squaredError, learningRate: .constant(configuration.learningRate),
        gradientTolerance: configuration.gradientTolerance,
        maximumSteps: configuration.maximumSteps)
      let history = configuration.quasiNewtonHistory
      let momentum = configuration.momentum
      func fit(_ penalty: some Penalty<Double>) throws(TrainingError) -> TrainingSummary {
        if let history {
          var trainer = QuasiNewtonTrainer(
            configuration: options, method: LBFGS<Double>(historySize: history), penalty: penalty)
          return try trainer.fit(&network, inputs: rows, targets: .values(rows))
        }
        var trainer = Trainer(
          configuration: options, optimizer: GradientDescent<Double>(momentum: momentum),
          penalty: penalty)
        return try trainer.fit(&network, inputs: rows, targets: .values(rows))
      }
      do {
        let summary =
          switch configuration.penalty {
          case .endToEnd: try fit(EndToEndWeightDecay<Double>(lambda: lambda))
          case .perLayer: try fit(WeightDecay<Double>(lambda: lambda))
          }
        return (network, summary)
      } catch {
        throw .training(loss: name, lambda: lambda, error)
      }
    }

    /// The minimiser of the per-layer objective of a linear autoencoder, as an end-to-end product.
    ///
    /// For `L` layers, `min Σ_l ‖W_l‖_F²` over the factorisations of a product `Θ` is
    /// `L Σ_i s_i(Θ)^{2/L}`, reached when the factors are balanced. The objective
    /// `(1/N)‖X − ΘX‖² + λ Σ_l ‖W_l‖²` (eq. 3 with `Y = X`) is then minimised by
    /// `Θ = Σ_i t_i u_i u_iᵀ` over the eigenvectors `u_i` of `C = XᵀX/N` (eigenvalues `c_i`), each
    /// `t_i ∈ [0, 1]` the global minimiser of the scalar problem
    /// `h(t) = c (1 − t)² + λ L t^{2/L}`, whose non-zero stationary points solve
    /// `c (1 − t) = λ t^{(2−L)/L}`. For `L ≥ 3`, `h` is infinitely steep at 0, so `t = 0` is
    /// always a local minimiser and a direction is kept only when its non-zero minimum is lower
    /// than `h(0) = c`: a threshold of order λ on the eigenvalue. At most `rank` directions are
    /// kept (a bottleneck of that width), those that lower `h` the most.
    ///
    /// - Parameters:
    ///   - problem: An autoencoder problem (targets = inputs).
    ///   - lambda: λ > 0.
    ///   - depth: `L ≥ 1`.
    ///   - rank: The most directions kept, ≥ 1.
    /// - Returns: `Θ` (`d × d`) and `min Σ_l ‖W_l‖² = L Σ_i t_i^{2/L}` of its balanced
    ///   factorisation (from the `t_i`: re-factorising `Θ` would add the rounding-level
    ///   eigenvalues' `(10⁻¹⁷)^{2/L}`).
    /// - Throws: `DeepLinearError.linearAlgebra` if the eigendecomposition fails.
    /// - Complexity: O(d³).
    static func perLayerMinimizer(
      _ problem: DeepLinearProblem, lambda: Double, depth: Int, rank: Int
    ) throws(DeepLinearError) -> (product: Matrix<Double>, penalty: Double) {
      let covariance = (1 / Double(problem.normalization)) * problem.gram
      let values: [Double]
      let vectors: Matrix<Double>
      do {
        (values, vectors) = try covariance.symmetricEigendecomposition()
      } catch {
        throw .linearAlgebra(error)
      }
      let d = values.count
      let kept = values.map {
        perLayerScalarMinimizer(c: Swift.max($0, 0), lambda: lambda, depth: depth)
      }
      let gains = zip(values, kept).map { c, t in
        Swift.max(c, 0)
          - perLayerScalarObjective(t, c: Swift.max(c, 0), lambda: lambda, depth: depth)
      }
      let order = (0..<d).filter { kept[$0] > 0 }.sorted { gains[$0] > gains[$1] }.prefix(rank)
      var theta = Matrix<Double>.zeros(rows: d, columns: d)
      var penalty = 0.0
      for index in order {
        let u = vectors.columns(index..<(index + 1))
        theta += kept[index] * u.matmul(u, transposeOther: true)
        penalty += Double(depth) * Double.pow(kept[index], 2 / Double(depth))
      }
      return (theta, penalty)
    }

    /// `h(t) = c (1 − t)² + λ L t^{2/L}`, the per-direction objective of
    /// ``perLayerMinimizer(_:lambda:depth:rank:)``.
    static func perLayerScalarObjective(_ t: Double, c: Double, lambda: Double, depth: Int)
      -> Double
    {
      let l = Double(depth)
      return c * (1 - t) * (1 - t) + lambda * l * Double.pow(t, 2 / l)
    }

    /// The global minimiser of ``perLayerScalarObjective(_:c:lambda:depth:)`` over `t ∈ [0, 1]`.
    ///
    /// `h′(t)/2 = −φ(t)` with `φ(t) = c (1 − t) − λ t^{(2−L)/L}`, concave on `(0, 1]`, and
    /// `φ(1) = −λ < 0`: the largest root of `φ` (the non-zero local minimiser) lies between the
    /// maximiser of `φ` (golden-section search) and 1 (bisection), and is compared with `t = 0`.
    static func perLayerScalarMinimizer(c: Double, lambda: Double, depth: Int) -> Double {
      let exponent = (2 - Double(depth)) / Double(depth)
      func phi(_ t: Double) -> Double { c * (1 - t) - lambda * Double.pow(t, exponent) }
      var low = 0.0
      var high = 1.0
      let ratio = (5.0.squareRoot() - 1) / 2
      for _ in 0..<200 {
        let a = high - ratio * (high - low)
        let b = low + ratio * (high - low)
        if phi(a) < phi(b) { low = a } else { high = b }
      }
      var left = (low + high) / 2
      guard left > 0, phi(left) > 0 else { return 0 }
      var right = 1.0
      for _ in 0..<200 {
        let middle = (left + right) / 2
        if phi(middle) > 0 { left = middle } else { right = middle }
      }
      let t = (left + right) / 2
      let kept = perLayerScalarObjective(t, c: c, lambda: lambda, depth: depth)
      return kept < c ? t : 0
    }

    /// `d` rows `R` with `RᵀR/d = G/N` for the Gram matrix `G = XᵀX` of `N` samples.
    ///
    /// `R = √(d/N) Λ^{1/2} Uᵀ` from `G = U Λ Uᵀ` (negative rounding-level eigenvalues clamped
    /// to 0), so that the mean squared loss of a linear model over the rows of `R` (inputs and
    /// targets `R`) equals its mean over the `N` samples (autoencoder).
    ///
    /// - Parameters:
    ///   - gram: `G`, symmetric positive semidefinite, `d × d`.
    ///   - samples: `N`.
    /// - Returns: `R`, `d × d`.
    /// - Throws: ``DeepLinearCentroidsError/closedForm(_:)`` if the eigendecomposition fails.
    static func sufficientRows(gram: Matrix<Double>, samples: Int) throws(DeepLinearCentroidsError)
      -> Matrix<Double>
    {
      let d = gram.rows
      let values: [Double]
      let vectors: Matrix<Double>
      do {
        (values, vectors) = try gram.symmetricEigendecomposition()
      } catch {
        throw .closedForm(.linearAlgebra(error))
      }
      let scale = Double(d) / Double(samples)
      var rows = vectors.transposed()
      rows.withUnsafeMutableBufferPointer { buffer in
        for i in 0..<d {
          let factor = (Swift.max(values[i], 0) * scale).squareRoot()
          for j in 0..<d { buffer[i * d + j] *= factor }
        }
      }
      return rows
    }

    /// The `K` rows `√(K N_k / N) x̄_k`: their mean squared loss is the centroid-based loss
    /// `Σ_k (N_k/N) ‖x̄_k − Θ x̄_k‖²` (equation 8 at layer 0, autoencoder).
    ///
    /// - Parameters:
    ///   - means: The class means `x̄_k`, `K × d`.
    ///   - counts: `N_k`.
    ///   - samples: `N`.
    /// - Returns: `K × d` rows.
    static func centroidRows(means: Matrix<Double>, counts: [Int], samples: Int) -> Matrix<Double> {
      var rows = means
      let (k, d) = (means.rows, means.columns)
      rows.withUnsafeMutableBufferPointer { buffer in
        for i in 0..<k {
          let factor = (Double(k) * Double(counts[i]) / Double(samples)).squareRoot()
          for j in 0..<d { buffer[i * d + j] *= factor }
        }
      }
      return rows
    }
  }
}

/// `‖A − B‖_F`.
func frobeniusDistance(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
  (a - b).squaredFrobeniusNorm.squareRoot()
}
