import RankCollapse

extension Experiments {
  /// One layer of a ``ClassifierSnapshot``: the spectrum of W_l and the within-class variability
  /// of the layer's embeddings Z^l.
  public struct ClassifierLayerSnapshot: Sendable, Hashable, Codable {
    /// l ∈ 1…L (paper numbering: W_l maps Z^{l−1} to Z^l).
    public var layer: Int
    /// d_l, the rows of W_l.
    public var rows: Int
    /// d_{l−1}, the columns of W_l.
    public var columns: Int
    /// σ_1(W_l) ≥ σ_2(W_l) ≥ … (all `min(rows, columns)` of them).
    public var singularValues: [Double]
    /// `WCSS_l` (paper equation 6) of the layer's embeddings Z^l partitioned by class label.
    ///
    /// This is the estimate of `TCV_{K,l}` used in the paper's Figure 3. Targets are constant
    /// within a class, so they add nothing.
    public var classTCV: Double
    /// The total variation of Z^l, (1/N) Σ_i ‖z_i − z̄‖²: `WCSS_l` of the partition into one set.
    ///
    /// ``classTCV`` / ``totalVariation`` is the fraction of the variance left within classes.
    public var totalVariation: Double
    /// The stationarity residual ρ_l of paper equation 4.
    ///
    /// ρ_l = ‖∇_{W_l}L_0 + 2λW_l‖_F / ‖2λW_l‖_F with ∇L_0 over the whole training set: 0 at a
    /// stationary point of L_λ. `nil` when λ = 0,
    /// or in snapshots saved before it was recorded.
    public var stationarity: Double?

    /// Creates a layer snapshot.
    ///
    /// - Parameters:
    ///   - layer: l.
    ///   - rows: d_l.
    ///   - columns: d_{l−1}.
    ///   - singularValues: σ_i(W_l), in decreasing order.
    ///   - classTCV: `WCSS_l` by class labels.
    ///   - totalVariation: `WCSS_l` of one set.
    ///   - stationarity: ρ_l on the training set, or `nil`.
    public init(
      layer: Int, rows: Int, columns: Int, singularValues: [Double], classTCV: Double,
      totalVariation: Double, stationarity: Double? = nil
    ) {
      self.stationarity = stationarity
      self.layer = layer
      self.rows = rows
      self.columns = columns
      self.singularValues = singularValues
      self.classTCV = classTCV
      self.totalVariation = totalVariation
    }

    /// The spectrum of W_l, for `e(r)`, `rk(ε)` and the other measurements.
    public var spectrum: Spectrum<Double> {
      Spectrum(singularValues: singularValues, rows: rows, columns: columns)
    }

    /// The tail curve `[e(1), …, e(k)]` of paper equation 22, `e(r) = Σ_{i≥r} σ_i / Σ_i σ_i`.
    public var tailErrors: [Double] { spectrum.tailErrors }

    /// The soft rank `rk(ε) = min{k : e(k + 1) ≤ ε}` (Figures 4–5), the number of singular values
    /// to keep for a relative error of at most ε.
    ///
    /// - Parameter epsilon: ε ≥ 0.
    /// - Returns: A count in `0…min(rows, columns)`.
    public func softRank(epsilon: Double) -> Int { spectrum.softRank(epsilon: epsilon) }
  }

  /// The measurements of a classifier at one epoch: accuracies, loss, and per layer the spectrum
  /// of W_l and the class-label TCV of Z^l.
  public struct ClassifierSnapshot: Sendable, Hashable, Codable {
    /// Completed epochs (0: at initialisation).
    public var epoch: Int
    /// Parameter updates made.
    public var step: Int
    /// L_0, the mean cross-entropy on the training images.
    public var loss: Double
    /// λ‖Θ‖².
    public var penalty: Double
    /// The fraction of training images classified correctly.
    public var trainAccuracy: Double
    /// The fraction of test images classified correctly (`nil` without test images).
    public var testAccuracy: Double?
    /// `WCSS_0` of the inputs Z^0 = X by class labels (it does not change during training).
    public var inputTCV: Double
    /// Layers 1…L.
    public var layers: [ClassifierLayerSnapshot]

    /// Creates a snapshot.
    ///
    /// - Parameters:
    ///   - epoch: Completed epochs.
    ///   - step: Updates made.
    ///   - loss: L_0 on the training images.
    ///   - penalty: λ‖Θ‖².
    ///   - trainAccuracy: Training accuracy.
    ///   - testAccuracy: Test accuracy, or `nil`.
    ///   - inputTCV: `WCSS_0` by labels.
    ///   - layers: Per-layer measurements.
    public init(
      epoch: Int, step: Int, loss: Double, penalty: Double, trainAccuracy: Double,
      testAccuracy: Double?, inputTCV: Double, layers: [ClassifierLayerSnapshot]
    ) {
      self.epoch = epoch
      self.step = step
      self.loss = loss
      self.penalty = penalty
      self.trainAccuracy = trainAccuracy
      self.testAccuracy = testAccuracy
      self.inputTCV = inputTCV
      self.layers = layers
    }

    /// L_λ = L_0 + λ‖Θ‖² (paper equation 3).
    public var objective: Double { loss + penalty }
  }

  /// A finished (or resumed and finished) classifier run: its configuration, what it was trained
  /// on, and a snapshot every ``ClassifierConfiguration/recordEvery`` epochs.
  public struct ClassifierRun: Sendable, Hashable, Codable {
    /// The hyperparameters.
    public var configuration: ClassifierConfiguration
    /// d_0, d_1, …, K.
    public var widths: [Int]
    /// Training images used.
    public var trainingSamples: Int
    /// Test images used.
    public var testSamples: Int
    /// Training images the TCV was measured on.
    public var measurementSamples: Int
    /// The snapshots, by increasing epoch (epoch 0 first, the last epoch last).
    public var snapshots: [ClassifierSnapshot]

    /// Creates a run record.
    ///
    /// - Parameters:
    ///   - configuration: The hyperparameters.
    ///   - widths: The network's widths.
    ///   - trainingSamples: Training images.
    ///   - testSamples: Test images.
    ///   - measurementSamples: Images of the TCV.
    ///   - snapshots: The snapshots.
    public init(
      configuration: ClassifierConfiguration, widths: [Int], trainingSamples: Int,
      testSamples: Int, measurementSamples: Int, snapshots: [ClassifierSnapshot]
    ) {
      self.configuration = configuration
      self.widths = widths
      self.trainingSamples = trainingSamples
      self.testSamples = testSamples
      self.measurementSamples = measurementSamples
      self.snapshots = snapshots
    }

    /// The last snapshot (the trained network).
    public var final: ClassifierSnapshot { snapshots[snapshots.count - 1] }
  }
}
