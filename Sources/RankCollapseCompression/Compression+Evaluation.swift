import RankCollapseNetwork
import RankCollapseTensor

/// Loss, accuracy and inference time of one compressed variant of a network on given data.
public struct CompressionMeasurement: Sendable, Hashable, Codable {
  /// The criterion applied to every layer, as ``RankSelection/description`` (`dense` for the
  /// uncompressed baseline).
  public var selection: String
  /// The per-layer report.
  public var report: CompressionReport
  /// The mean loss L_0 on the data.
  public var loss: Double
  /// The fraction of correctly classified samples, or `nil` when the task is no classification.
  ///
  /// The argmax of the outputs is compared with the label, or with the argmax of a target row.
  /// It is measured for a classification (``Compression/isClassification(targets:loss:)``): the
  /// targets are class labels, or the loss is softmax cross-entropy (whose targets are class
  /// distributions). Squared error on value targets (regression, autoencoding) has no accuracy.
  public var accuracy: Double?
  /// The fastest of the timed forward passes over all the inputs, in seconds.
  public var seconds: Double
  /// The fastest forward pass of the baseline (the dense network), timed in the same
  /// interleaved rounds, in seconds.
  public var denseSeconds: Double
  /// denseSeconds / seconds: how many times faster than the baseline (the dense network).
  public var speedup: Double { denseSeconds / Swift.max(seconds, .leastNonzeroMagnitude) }
}

extension Compression {
  /// Evaluates the dense network and one compressed variant per criterion (each applied to every
  /// layer) on the same data: loss, accuracy, parameters, FLOPs and inference time.
  ///
  /// Timing is interleaved: each of `timingRounds` rounds runs one forward pass of the dense
  /// network and of every variant, in that order, and each keeps its fastest pass, so load on
  /// the machine affects all of them alike. The first measurement is the dense baseline.
  ///
  /// - Parameters:
  ///   - network: The trained network.
  ///   - selections: The criteria to compare, for example `[.rank(8), .rank(32), .tailError(0.1)]`.
  ///   - inputs: X, N × d_0; forwarded in one batch when timed.
  ///   - targets: N targets.
  ///   - loss: ℓ for L_0.
  ///   - timingRounds: Rounds of timed forward passes (≥ 1; 0 skips timing and reports 0 s).
  /// - Returns: The dense baseline, then one measurement per criterion.
  /// - Throws: ``CompressionError`` for invalid criteria or data that does not fit.
  public static func evaluate<Scalar: MatrixScalar>(
    _ network: Network<Scalar>, selections: [RankSelection], inputs: Matrix<Scalar>,
    targets: Targets<Scalar>, loss: Loss, timingRounds: Int = 3
  ) throws(CompressionError) -> [CompressionMeasurement] {
    try evaluate(
      network, plans: selections.map { Array(repeating: $0, count: network.depth) },
      inputs: inputs, targets: targets, loss: loss, timingRounds: timingRounds)
  }

  /// Evaluates the dense network and one compressed variant per plan of per-layer criteria.
  ///
  /// - Parameters:
  ///   - network: The trained network.
  ///   - plans: Each plan holds one criterion per layer.
  ///   - inputs: X, N × d_0.
  ///   - targets: N targets.
  ///   - loss: ℓ for L_0.
  ///   - timingRounds: Interleaved rounds of timed forward passes.
  /// - Returns: The dense baseline, then one measurement per plan (its `selection` joins the
  ///   layers' criteria with `; ` unless they are all equal).
  /// - Throws: ``CompressionError`` for invalid plans or data that does not fit.
  public static func evaluate<Scalar: MatrixScalar>(
    _ network: Network<Scalar>, plans: [[RankSelection]], inputs: Matrix<Scalar>,
    targets: Targets<Scalar>, loss: Loss, timingRounds: Int = 3
  ) throws(CompressionError) -> [CompressionMeasurement] {
    var variants = [try compress(network, selection: .dense)]
    var names = ["dense"]
    for plan in plans {
      variants.append(try compress(network, selections: plan))
      let criteria = plan.map(\.description)
      names.append(Set(criteria).count == 1 ? criteria[0] : criteria.joined(separator: "; "))
    }
    return try evaluate(
      variants, names: names, inputs: inputs, targets: targets, loss: loss,
      timingRounds: timingRounds)
  }

  /// Evaluates networks that are already compressed — for example the dense network, its
  /// truncation and the truncation after fine-tuning — on the same data, with their inference
  /// times measured in the same interleaved rounds.
  ///
  /// Each variant's loss L_0 and (for a classification) accuracy are computed first; then each of
  /// `timingRounds` rounds runs one forward pass of every variant, in order, and each keeps its
  /// fastest pass. The first variant is the baseline: every measurement's
  /// ``CompressionMeasurement/denseSeconds`` is its time, so ``CompressionMeasurement/speedup``
  /// compares with it (pass the dense network, `compress(network, selection: .dense)`, first).
  ///
  /// - Parameters:
  ///   - variants: The networks with their reports; the first is the baseline.
  ///   - names: One label per variant, stored as ``CompressionMeasurement/selection``.
  ///   - inputs: X, N × d_0; forwarded in one batch when timed.
  ///   - targets: N targets.
  ///   - loss: ℓ for L_0.
  ///   - timingRounds: Rounds of timed forward passes (≥ 1; 0 skips timing and reports 0 s).
  /// - Returns: One measurement per variant, in order.
  /// - Throws: ``CompressionError/invalidData(_:)`` when the data does not fit a network (the
  ///   `NetworkError` names the input width and the data's columns, or the targets' shape).
  /// - Precondition: `variants` is not empty and `names` has one entry per variant.
  ///
  /// Specialised for `Float` and `Double` inside the library, so the timed forward passes run
  /// the same specialised code as a caller's own `compressed(x)`.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public static func evaluate<Scalar: MatrixScalar>(
    _ variants: [CompressionResult<Scalar>], names: [String], inputs: Matrix<Scalar>,
    targets: Targets<Scalar>, loss: Loss, timingRounds: Int = 3
  ) throws(CompressionError) -> [CompressionMeasurement] {
    precondition(!variants.isEmpty, "Compression.evaluate: give at least one network")
    precondition(
      names.count == variants.count,
      "Compression.evaluate: \(variants.count) networks need \(variants.count) names, got \(names.count)"
    )
    var measurements: [CompressionMeasurement] = []
    for (variant, name) in zip(variants, names) {
      let lossValue: Double
      var accuracy: Double?
      do {
        lossValue = try variant.network.network.loss(inputs: inputs, targets: targets, loss: loss)
        if isClassification(targets: targets, loss: loss) {
          accuracy = try variant.network.network.accuracy(inputs: inputs, targets: targets)
        }
      } catch {
        throw .invalidData(error)
      }
      measurements.append(
        CompressionMeasurement(
          selection: name, report: variant.report, loss: lossValue, accuracy: accuracy,
          seconds: 0, denseSeconds: 0))
    }
    guard timingRounds > 0 else { return measurements }
    let clock = ContinuousClock()
    var best = Array(repeating: Double.infinity, count: variants.count)
    for _ in 0..<timingRounds {
      for (index, variant) in variants.enumerated() {
        let start = clock.now
        let output = variant.network(inputs)
        let elapsed = clock.now - start
        precondition(output.rows == inputs.rows)
        best[index] = Swift.min(best[index], seconds(elapsed))
      }
    }
    for index in measurements.indices {
      measurements[index].seconds = best[index]
      measurements[index].denseSeconds = best[0]
    }
    return measurements
  }

  /// Whether accuracy is defined: class labels, or softmax cross-entropy (targets that are class
  /// distributions, whose argmax is the class).
  ///
  /// - Parameters:
  ///   - targets: The targets.
  ///   - loss: ℓ.
  /// - Returns: `true` for a classification.
  public static func isClassification<Scalar: MatrixScalar>(
    targets: Targets<Scalar>, loss: Loss
  ) -> Bool {
    if case .labels = targets { return true }
    return loss == .softmaxCrossEntropy
  }

  static func seconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
  }
}
