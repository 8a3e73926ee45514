import RankCollapse
import RankCollapseSweep

extension Experiments.DeepLinearCentroids {
  /// The experiment's name in the sweep's sidecar JSON.
  public static let experimentName = "deep-linear-centroids"

  /// The measurement columns of the tidy CSV: one row per quantity of a grid point (the grid's
  /// `lambda` and `sigma` columns come first).
  public static let measurementColumns = ["quantity", "value"]

  /// The quantities written for every grid point, in order, with what they mean.
  public static let quantities: [(name: String, meaning: String)] = [
    ("trained_distance", "‖Θ_C − Θ‖_F of the trained end-to-end products (Figure 2)"),
    (
      "closed_form_distance",
      "‖Θ*,C − Θ*‖_F of the closed forms of eq. 21 (Theorem 5.3's left side)"
    ),
    ("rank_constrained_distance", "‖Θ*,C − Θ*_r‖_F, Θ*_r the minimiser on rank ≤ narrowest width"),
    ("theorem53_bound", "TCV_{K,0}/λ · (d/(Nλ)‖Ȳ‖‖X̄‖ + √d) (Theorem 5.3's right side)"),
    ("tcv", "TCV_{K,0} estimated by the true components' WCSS_0 (eq. 6)"),
    ("full_steps", "gradient steps on the full loss"),
    ("full_converged", "1 if the full-loss training met the gradient tolerance"),
    ("full_gradient_norm", "final ‖∇L_λ‖ of the full-loss training"),
    ("full_objective_gap", "(L_λ(Θ) − L_λ(Θ*_r))/L_λ(Θ*_r), trained vs closed form"),
    ("full_distance_to_closed_form", "‖Θ − Θ*_r‖_F, trained full-loss product vs closed form"),
    ("full_distance_to_minimizer", "‖Θ − Θ*‖_F, trained full-loss product vs eq. 21"),
    ("centroid_steps", "gradient steps on the centroid-based loss"),
    ("centroid_converged", "1 if the centroid-loss training met the gradient tolerance"),
    ("centroid_gradient_norm", "final ‖∇L_λ‖ of the centroid-loss training"),
    ("centroid_objective_gap", "(L_λ^C(Θ_C) − L_λ^C(Θ*,C))/L_λ^C(Θ*,C)"),
    ("centroid_distance_to_closed_form", "‖Θ_C − Θ*,C‖_F, trained centroid product vs eq. 21"),
  ]

  /// The sweep grid: axes `lambda` (slowest) and `sigma`.
  ///
  /// - Parameter configuration: The configuration whose grid to use.
  /// - Returns: The points, numbered from 0.
  /// - Throws: `SweepError` for an empty or repeated axis.
  public static func grid(_ configuration: Configuration) throws(SweepError) -> [GridPoint] {
    try GridPoint.grid([
      SweepAxis("lambda", numbers: configuration.lambdas),
      SweepAxis("sigma", numbers: configuration.sigmas),
    ])
  }

  /// The λ and σ of a grid point of ``grid(_:)``.
  ///
  /// - Parameter point: A point with `lambda` and `sigma` coordinates.
  /// - Returns: `(λ, σ)`.
  /// - Throws: ``DeepLinearCentroidsError/invalidParameter(name:value:requirement:)`` if a
  ///   coordinate is missing.
  public static func coordinates(of point: GridPoint) throws(DeepLinearCentroidsError) -> (
    lambda: Double, sigma: Double
  ) {
    guard let lambda = point["lambda"]?.number, let sigma = point["sigma"]?.number else {
      throw .invalidParameter(
        name: "grid point", value: point.description, requirement: "lambda and sigma coordinates")
    }
    return (lambda, sigma)
  }
}

extension Experiments.DeepLinearCentroids.Configuration {
  /// Everything the numbers depend on, for the sweep's sidecar JSON (the grid is added by the
  /// sweep as `grid.lambda`, `grid.sigma`).
  public var hyperparameters: Hyperparameters {
    var result: Hyperparameters = [:]
    result["dimension"] = .integer(dimension)
    result["widths"] = .integers(widths)
    result["components"] = .integer(components)
    result["samples"] = .integer(samples)
    result["mean_scale"] = .number(meanScale)
    result["noise"] = "x = μ_k + σ z, z ~ N(0, I), the same z for every σ"
    result["centroids"] = "empirical means of the true components (eq. 20)"
    switch penalty {
    case .endToEnd: result["penalty"] = "λ‖W_L⋯W_1‖_F² on the end-to-end product (eq. 19)"
    case .perLayer:
      result["penalty"] = .text(
        "λ Σ_l ‖W_l‖_F², per-layer weight decay (eq. 3); the closed-form columns hold its "
          + "minimisers (balanced factors, one scalar problem per eigen-direction), not eq. 21's")
    }
    if let history = quasiNewtonHistory {
      result["optimizer"] = .text("full-batch L-BFGS, history \(history), strong Wolfe line search")
    } else {
      result["optimizer"] = "full-batch gradient descent, heavy-ball momentum"
      result["learning_rate"] = .number(learningRate)
      result["momentum"] = .number(momentum)
    }
    result["gradient_tolerance"] = .number(gradientTolerance)
    result["maximum_steps"] = .integer(maximumSteps)
    result["initialization"] = .text("W_1 = 0, W_2…W_L \(initializer)")
    result["seed"] = .integer(Int(truncatingIfNeeded: seed))
    return result
  }
}

extension Experiments.DeepLinearCentroids.Measurement {
  /// The tidy rows (`quantity`, `value`) of this point, in the order of
  /// ``Experiments/DeepLinearCentroids/quantities``.
  public var rows: [[SweepValue]] {
    let values: [SweepValue] = [
      .number(trainedDistance), .number(closedFormDistance), .number(rankConstrainedDistance),
      .number(bound), .number(totalClusterVariation),
      .integer(full.steps), .integer(full.converged ? 1 : 0), .number(full.gradientNorm),
      .number(full.relativeObjectiveGap), .number(full.distanceToClosedForm),
      .number(full.distanceToMinimizer),
      .integer(centroid.steps), .integer(centroid.converged ? 1 : 0),
      .number(centroid.gradientNorm), .number(centroid.relativeObjectiveGap),
      .number(centroid.distanceToClosedForm),
    ]
    return zip(Experiments.DeepLinearCentroids.quantities, values).map { [.text($0.name), $1] }
  }

  /// The figure's values.
  public var record: Experiments.DeepLinearCentroids.Record {
    Experiments.DeepLinearCentroids.Record(
      lambda: lambda, sigma: sigma, trainedDistance: trainedDistance,
      closedFormDistance: closedFormDistance, rankConstrainedDistance: rankConstrainedDistance,
      bound: bound, fullConverged: full.converged, centroidConverged: centroid.converged)
  }
}

extension Experiments.DeepLinearCentroids {
  /// The values of one grid point that the figure and the ``Summary`` use (what a resumed
  /// run reads back from the tidy table).
  public struct Record: Sendable, Hashable, Codable {
    /// λ.
    public var lambda: Double
    /// σ.
    public var sigma: Double
    /// `‖Θ_C − Θ‖_F`, trained.
    public var trainedDistance: Double
    /// `‖Θ*,C − Θ*‖_F`, closed forms of equation 21.
    public var closedFormDistance: Double
    /// `‖Θ*,C − Θ*_r‖_F`, rank-constrained closed form.
    public var rankConstrainedDistance: Double
    /// Theorem 5.3's bound.
    public var bound: Double
    /// Whether the full-loss training met the gradient tolerance.
    public var fullConverged: Bool
    /// Whether the centroid-loss training met the gradient tolerance.
    public var centroidConverged: Bool

    /// Whether the trained distance is below ``Experiments/DeepLinearCentroids/roundingLevel``:
    /// the two trained products are equal to rounding (in practice both zero, where per-layer
    /// weight decay removes every direction), so the distance carries no σ or λ dependence.
    public var trainedDistanceIsRounding: Bool {
      trainedDistance < Experiments.DeepLinearCentroids.roundingLevel
    }

    /// A record.
    ///
    /// - Parameters:
    ///   - lambda: λ.
    ///   - sigma: σ.
    ///   - trainedDistance: Trained distance.
    ///   - closedFormDistance: Closed-form distance.
    ///   - rankConstrainedDistance: Rank-constrained closed-form distance.
    ///   - bound: Theorem 5.3's bound.
    ///   - fullConverged: Full-loss convergence.
    ///   - centroidConverged: Centroid-loss convergence.
    public init(
      lambda: Double, sigma: Double, trainedDistance: Double, closedFormDistance: Double,
      rankConstrainedDistance: Double, bound: Double, fullConverged: Bool,
      centroidConverged: Bool
    ) {
      self.lambda = lambda
      self.sigma = sigma
      self.trainedDistance = trainedDistance
      self.closedFormDistance = closedFormDistance
      self.rankConstrainedDistance = rankConstrainedDistance
      self.bound = bound
      self.fullConverged = fullConverged
      self.centroidConverged = centroidConverged
    }

    /// Whether both the trained and the closed-form distances are at most the bound.
    public var belowBound: Bool { trainedDistance <= bound && closedFormDistance <= bound }

    /// The records of a merged tidy table (columns `lambda`, `sigma`, `quantity`, `value`), in
    /// the order of their first rows.
    ///
    /// - Parameter table: The table from `Sweep.merge(to:)`.
    /// - Returns: One record per `(λ, σ)`.
    /// - Throws: ``DeepLinearCentroidsError/invalidParameter(name:value:requirement:)`` if a
    ///   column or a quantity is missing or not a number.
    public static func records(from table: TidyTable) throws(DeepLinearCentroidsError) -> [Record] {
      let names = ["lambda", "sigma", "quantity", "value"]
      let positions = names.compactMap { table.columns.firstIndex(of: $0) }
      guard positions.count == names.count else {
        throw .invalidParameter(
          name: "table columns", value: "\(table.columns)", requirement: "\(names)")
      }
      var order: [String] = []
      var values: [String: [String: Double]] = [:]
      var coordinates: [String: (Double, Double)] = [:]
      for row in table.rows {
        let key = row[positions[0]] + "," + row[positions[1]]
        guard let lambda = Double(row[positions[0]]), let sigma = Double(row[positions[1]]),
          let value = Double(row[positions[3]])
        else {
          throw .invalidParameter(name: "table row", value: "\(row)", requirement: "numbers")
        }
        if values[key] == nil {
          order.append(key)
          coordinates[key] = (lambda, sigma)
        }
        values[key, default: [:]][row[positions[2]]] = value
      }
      return try order.map { key throws(DeepLinearCentroidsError) in
        let point = values[key] ?? [:]
        func value(_ name: String) throws(DeepLinearCentroidsError) -> Double {
          guard let value = point[name] else {
            throw .invalidParameter(
              name: "quantity \(name)", value: "missing at (λ, σ) = (\(key))",
              requirement: "present for every point")
          }
          return value
        }
        let (lambda, sigma) = coordinates[key] ?? (.nan, .nan)
        return Record(
          lambda: lambda, sigma: sigma, trainedDistance: try value("trained_distance"),
          closedFormDistance: try value("closed_form_distance"),
          rankConstrainedDistance: try value("rank_constrained_distance"),
          bound: try value("theorem53_bound"), fullConverged: try value("full_converged") == 1,
          centroidConverged: try value("centroid_converged") == 1)
      }
    }
  }
}
