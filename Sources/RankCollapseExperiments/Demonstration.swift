import RankCollapse
import RankCollapsePlots
import RankCollapseSweep

extension Experiments {
  /// What `rankcollapse demo` runs: the Gaussian-mixture autoencoder of
  /// ``BlobsAutoencoderExperiment`` trained at a few λ values and one σ, with a figure and a
  /// report of every measurement.
  ///
  /// The demonstration shows the paper's main claim on data that needs no download: with
  /// weight decay λ‖Θ‖² and small within-class variability (K blobs of standard deviation σ),
  /// the trained weight matrices are close to rank K, and the larger λ, the lower their
  /// numerical rank rk(ε) and relative tail τ_K.
  ///
  /// ```swift
  /// let demo = Experiments.Demonstration.standard
  /// let results = try demo.lambdas.map { try demo.experiment.run(lambda: $0, sigma: demo.sigma) }
  /// print(demo.rankSummary(results))
  /// try demo.figure(results).write(to: "demo.svg")
  /// ```
  public struct Demonstration: Sendable, Hashable {
    /// The autoencoder, data and training settings.
    public var experiment: BlobsAutoencoderExperiment
    /// σ, the blobs' standard deviation per coordinate.
    public var sigma: Double
    /// The λ values, increasing.
    public var lambdas: [Double]

    /// A demonstration.
    ///
    /// - Parameters:
    ///   - experiment: The experiment run at every λ.
    ///   - sigma: σ.
    ///   - lambdas: The λ values.
    public init(experiment: BlobsAutoencoderExperiment, sigma: Double, lambdas: [Double]) {
      self.experiment = experiment
      self.sigma = sigma
      self.lambdas = lambdas
    }

    /// The default of `rankcollapse demo`.
    ///
    /// ``BlobsAutoencoderExperiment/small`` (64-48-32-48-64, K = 10 blobs, N = 1000) trained
    /// with L-BFGS to ‖∇L_λ‖ ≤ 10⁻³ (at most 20000 iterations) at σ = 0.1 and
    /// λ ∈ {10⁻³, 3·10⁻³, 10⁻², 3·10⁻², 10⁻¹}: about 22 s on 2 cores in a release build, the
    /// bound evaluation included (λ = 10⁻³ takes most of it). rk(0.1) of the weights falls from
    /// 22–24 to 9 (the 10 blob means span a 9-dimensional affine subspace; the biases take the
    /// offset).
    public static var standard: Demonstration {
      var experiment = BlobsAutoencoderExperiment.small
      experiment.gradientTolerance = 1e-3
      experiment.stationarityTolerance = nil
      experiment.maximumSteps = 20_000
      return Demonstration(
        experiment: experiment, sigma: 0.1, lambdas: [1e-3, 3e-3, 1e-2, 3e-2, 1e-1])
    }

    /// The experiment's settings plus σ and the λ values, for printing and the report.
    public var hyperparameters: Hyperparameters {
      var values = experiment.hyperparameters
      values["sigma"] = .number(sigma)
      values["lambdas"] = .numbers(lambdas)
      return values
    }

    /// Checks the settings.
    ///
    /// - Throws: ``ExperimentError/invalidParameter(name:value:requirement:)`` naming the first
    ///   bad one (`lambdas`, `sigma` or an experiment setting).
    public func validate() throws(ExperimentError) {
      try experiment.validate()
      guard sigma.isFinite, sigma >= 0 else {
        throw .invalidParameter(name: "sigma", value: "\(sigma)", requirement: "finite and ≥ 0")
      }
      guard !lambdas.isEmpty else {
        throw .invalidParameter(name: "lambdas", value: "", requirement: "at least one λ")
      }
      for lambda in lambdas where !(lambda.isFinite && lambda > 0) {
        throw .invalidParameter(
          name: "lambdas", value: SweepValue.format(lambda), requirement: "finite and > 0")
      }
    }

    /// One line per λ with rk(ε) of every layer and the largest layer width, so the trend with
    /// λ reads at a glance.
    ///
    /// - Parameter results: The runs, one per λ.
    /// - Returns: A fixed-width table with a header line.
    public func rankSummary(_ results: [BlobsAutoencoderResult]) -> String {
      let layers = results.first?.layers.count ?? 0
      let epsilon = SweepValue.format(experiment.softRankEpsilon)
      func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
      }
      var header = pad("λ", 8)
      for l in 0..<layers {
        let shape = "\(experiment.widths[l + 1])×\(experiment.widths[l])"
        header += pad("W\(l + 1) (\(shape))", 14)
      }
      var lines = [
        "rk(\(epsilon)) of each weight matrix (number of singular values kept):", header,
      ]
      for result in results {
        var line = pad(SweepValue.format(result.lambda), 8)
        for layer in result.layers { line += pad("\(layer.softRank)", 14) }
        lines.append(line)
      }
      return lines.joined(separator: "\n")
    }

    /// The demonstration's figure: one panel per layer with the normalised spectrum s_i/s_1 of
    /// W_l at every λ (coloured from dark to light as λ grows), then rk(ε), τ_K, the label TCV
    /// of each embedding and Theorem 3.4's two sides against λ.
    ///
    /// - Parameter results: The runs, one per λ, in increasing λ.
    /// - Returns: A figure of four columns.
    public func figure(_ results: [BlobsAutoencoderResult]) -> FigureGrid {
      let layers = results.first?.layers.count ?? 0
      let colors = ColorMap.viridis.colors(count: results.count)
      let lambdaValues = results.map(\.lambda)
      func positive(_ value: Double) -> Double { value > 0 && value.isFinite ? value : .nan }
      var panels: [FigureGrid.Panel] = []
      for l in 0..<layers {
        var chart = LineChart(
          title: "spectrum of W\(l + 1)", xLabel: "i", yLabel: "sᵢ / s₁", yScale: .logarithmic,
          width: 400, height: 320)
        for (result, color) in zip(results, colors) {
          let values = result.layers[l].singularValues
          let largest = values.first ?? 0
          chart.series.append(
            LineChart.Series(
              name: "λ = \(SweepValue.format(result.lambda))",
              x: values.indices.map { Double($0 + 1) },
              y: values.map { positive(largest > 0 ? $0 / largest : 0) }, color: color,
              showsMarkers: false))
        }
        panels.append(.lineChart(chart))
      }
      let epsilon = SweepValue.format(experiment.softRankEpsilon)
      var ranks = LineChart(
        title: "rk(\(epsilon)) against λ", xLabel: "λ", yLabel: "rk(\(epsilon))",
        xScale: .logarithmic, width: 400, height: 320)
      let tau = "τ" + Experiments.subscriptDigits(experiment.clusters)
      var tails = LineChart(
        title: "\(tau) against λ", xLabel: "λ", yLabel: tau,
        xScale: .logarithmic, yScale: .logarithmic, width: 400, height: 320)
      var bounds = LineChart(
        title: "Theorem 3.4: dist(W, rank ≤ K) ≤ bound", xLabel: "λ", yLabel: "distance",
        xScale: .logarithmic, yScale: .logarithmic, width: 400, height: 320)
      for l in 0..<layers {
        let color = RGBColor.seriesPalette[l % RGBColor.seriesPalette.count]
        ranks.series.append(
          LineChart.Series(
            name: "W\(l + 1)", x: lambdaValues,
            y: results.map { Double($0.layers[l].softRank) }, color: color))
        tails.series.append(
          LineChart.Series(
            name: "W\(l + 1)", x: lambdaValues, y: results.map { positive($0.layers[l].tail) },
            color: color))
        if results.allSatisfy({ $0.theorem34.count == layers }) {
          bounds.series.append(
            LineChart.Series(
              name: "W\(l + 1)", x: lambdaValues,
              y: results.map { positive($0.theorem34[l].leftSide) }, color: color))
          bounds.series.append(
            LineChart.Series(
              name: "bound (dashed)", x: lambdaValues,
              y: results.map { positive($0.theorem34[l].rightSide) }, color: color,
              showsMarkers: false, isDashed: true, showsInLegend: l == 0))
        }
      }
      panels += [.lineChart(ranks), .lineChart(tails)]
      let embeddings = results.first?.clusterVariation.count ?? 0
      if embeddings > 0 && results.allSatisfy({ $0.clusterVariation.count == embeddings }) {
        var variation = LineChart(
          title: "TCV by labels of Zʲ against λ", xLabel: "λ", yLabel: "WCSS (eq. 6)",
          xScale: .logarithmic, yScale: .logarithmic, width: 400, height: 320)
        for j in 0..<embeddings {
          variation.series.append(
            LineChart.Series(
              name: "Z\(j)", x: lambdaValues,
              y: results.map { positive($0.clusterVariation[j].labels) },
              color: RGBColor.seriesPalette[j % RGBColor.seriesPalette.count]))
        }
        panels.append(.lineChart(variation))
      }
      if !bounds.series.isEmpty { panels.append(.lineChart(bounds)) }
      let widths = experiment.widths.map(String.init).joined(separator: "-")
      return FigureGrid(
        title: "Rank collapse of a \(widths) tanh autoencoder on \(experiment.clusters) "
          + "Gaussian blobs (σ = \(SweepValue.format(sigma)))",
        columns: 4, panels: panels)
    }

    /// Everything measured, for the JSON report.
    ///
    /// - Parameters:
    ///   - results: The runs, one per λ.
    ///   - seconds: The wall time of each run (training and measuring).
    /// - Returns: The report; encode it with any `Encoder`.
    public func report(_ results: [BlobsAutoencoderResult], seconds: [Double])
      -> DemonstrationReport
    {
      DemonstrationReport(
        hyperparameters: hyperparameters.dictionary,
        runs: zip(results, seconds).map { result, seconds in
          DemonstrationReport.Run(
            lambda: result.lambda, sigma: result.sigma, seconds: seconds,
            training: .init(
              reason: result.training.reason.rawValue, steps: result.training.steps,
              loss: result.training.loss, penalty: result.training.penalty,
              gradientNorm: result.training.gradientNorm),
            layers: result.layers.map { layer in
              .init(
                layer: layer.layer, relativeTail: layer.tail, softRank: layer.softRank,
                stableRank: layer.stableRank, frobeniusNorm: layer.frobeniusNorm,
                stationarityResidual: layer.stationarity.residualNorm,
                stationarityRelative: layer.stationarity.relative,
                singularValues: layer.singularValues)
            },
            clusterVariation: result.clusterVariation.map { variation in
              .init(
                embedding: variation.embedding, labels: variation.labels,
                lowerBound: variation.spectralLower, upperBound: variation.kMeansUpper)
            },
            theorem34: result.theorem34)
        })
    }
  }

  /// `value` in Unicode subscript digits (`10` → `₁₀`).
  fileprivate static func subscriptDigits(_ value: Int) -> String {
    let digits: [Character] = ["₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉"]
    return String(String(value).map { $0.wholeNumberValue.map { digits[$0] } ?? $0 })
  }

  /// The JSON report of `rankcollapse demo`: the settings and, per λ, every measurement.
  public struct DemonstrationReport: Sendable, Codable {
    /// How training ended.
    public struct Training: Sendable, Codable {
      /// Why it stopped (`gradientTolerance` or `maximumSteps`).
      public var reason: String
      /// Full-batch steps taken.
      public var steps: Int
      /// L_0 at the end.
      public var loss: Double
      /// λ‖Θ‖² at the end.
      public var penalty: Double
      /// ‖∇L_λ‖ at the end.
      public var gradientNorm: Double
    }

    /// One weight matrix W_l.
    public struct Layer: Sendable, Codable {
      /// l ∈ 1…L.
      public var layer: Int
      /// τ_K.
      public var relativeTail: Double
      /// rk(ε).
      public var softRank: Int
      /// ‖W‖_F² / ‖W‖_2².
      public var stableRank: Double
      /// ‖W‖_F.
      public var frobeniusNorm: Double
      /// ‖∇_{W_l}L_0 + 2λW_l‖_F, the stationarity residual of equation 4 (2λ convention).
      public var stationarityResidual: Double
      /// The residual divided by ‖2λW_l‖_F (`nil` when W_l = 0).
      public var stationarityRelative: Double?
      /// s_1 ≥ s_2 ≥ ….
      public var singularValues: [Double]
    }

    /// The TCV interval of one embedding Z^j, targets joined as in equations 6 and 7.
    public struct ClusterVariation: Sendable, Codable {
      /// j ∈ 0…L (0: the inputs).
      public var embedding: Int
      /// WCSS of the partition by blob labels.
      public var labels: Double
      /// The spectral lower bound on TCV_K.
      public var lowerBound: Double
      /// The best k-means partition's WCSS, an upper bound on TCV_K.
      public var upperBound: Double
    }

    /// One λ.
    public struct Run: Sendable, Codable {
      /// λ.
      public var lambda: Double
      /// σ.
      public var sigma: Double
      /// Wall time of training and measuring.
      public var seconds: Double
      /// How training ended.
      public var training: Training
      /// W_1 … W_L.
      public var layers: [Layer]
      /// Z^0 … Z^L.
      public var clusterVariation: [ClusterVariation]
      /// Theorem 3.4 per layer, with the proof's chain.
      public var theorem34: [BoundReport]
    }

    /// Every setting.
    public var hyperparameters: [String: SweepValue]
    /// One entry per λ.
    public var runs: [Run]
  }
}
