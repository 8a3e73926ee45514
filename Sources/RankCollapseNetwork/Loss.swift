import RankCollapseTensor
import RealModule

/// The per-sample loss ℓ(f(Θ, x), y) of the objective L_0(Θ) = (1/N) Σ_i ℓ(f(Θ, x_i), y_i)
/// (paper equation 3).
///
/// - ``squaredError``: ℓ(f, y) = ‖f − y‖², the paper's convention (no factor ½), so
///   ∂ℓ/∂f = 2 (f − y).
/// - ``softmaxCrossEntropy``: ℓ(f, y) = Σ_j y_j (log Σ_k e^{f_k} − f_j) on the logits f, which
///   for a one-hot y (or an integer label c) is −log softmax(f)_c. The log-sum-exp is computed
///   with the row maximum subtracted, so large logits do not overflow.
public enum Loss: String, Sendable, Hashable, Codable, CaseIterable {
  /// ‖f − y‖² (no ½).
  case squaredError
  /// Softmax followed by cross-entropy, on logits.
  case softmaxCrossEntropy
}

/// The targets y_i of a data set: a matrix of values or integer class labels.
///
/// Labels stand for one-hot rows: with ``Loss/squaredError`` the target of a sample with label c
/// is the c-th unit vector e_c.
public enum Targets<Scalar: MatrixScalar>: Sendable, Equatable {
  /// N × d_L targets, one per row (regression, autoencoding, one-hot or soft labels).
  case values(Matrix<Scalar>)
  /// N class indices in `0 ..< d_L`.
  case labels([Int])

  /// N, the number of targets.
  public var count: Int {
    switch self {
    case .values(let y): y.rows
    case .labels(let labels): labels.count
    }
  }

  /// The targets as an N × `classes` matrix (labels become one-hot rows).
  ///
  /// - Parameter classes: d_L, used for labels.
  /// - Returns: The target matrix.
  public func matrix(classes: Int) -> Matrix<Scalar> {
    switch self {
    case .values(let y): return y
    case .labels(let labels):
      var y = Matrix<Scalar>.zeros(rows: labels.count, columns: classes)
      for (i, label) in labels.enumerated() { y[i, label] = 1 }
      return y
    }
  }

  /// The targets of the given samples, in that order.
  ///
  /// - Parameter indices: Sample indices.
  /// - Returns: The gathered targets.
  public func samples(at indices: [Int]) -> Targets {
    switch self {
    case .values(let y): .values(y.rows(at: indices))
    case .labels(let labels): .labels(indices.map { labels[$0] })
    }
  }

  /// The targets of samples `range`.
  func samples(in range: Range<Int>) -> Targets {
    switch self {
    case .values(let y): .values(y.rows(range))
    case .labels(let labels): .labels(Array(labels[range]))
    }
  }

  /// Calls `body` with a pointer to the target values or to the labels (the other is `nil`).
  @inlinable
  func withUnsafePointers<R>(
    _ body: (UnsafePointer<Scalar>?, UnsafePointer<Int>?) -> R
  ) -> R {
    switch self {
    case .values(let y): y.withUnsafeBufferPointer { body($0.baseAddress, nil) }
    case .labels(let labels): labels.withUnsafeBufferPointer { body(nil, $0.baseAddress) }
    }
  }

  /// Checks that the targets fit N inputs and a network output of width `outputs`: N rows of
  /// width `outputs` for values, N labels in `0 ..< outputs` for labels.
  ///
  /// - Parameters:
  ///   - n: N, the number of inputs.
  ///   - outputs: d_L, the network's output width.
  /// - Throws: `NetworkError.targetShapeMismatch` naming both shapes, or
  ///   `NetworkError.labelOutOfRange` naming the first bad label.
  /// - Complexity: O(N) for labels.
  public func validate(count n: Int, outputs: Int) throws(NetworkError) {
    switch self {
    case .values(let y):
      guard y.rows == n, y.columns == outputs else {
        throw .targetShapeMismatch(expected: "\(n)×\(outputs)", got: y.shapeDescription)
      }
    case .labels(let labels):
      guard labels.count == n else {
        throw .targetShapeMismatch(expected: "\(n) labels", got: "\(labels.count) labels")
      }
      for (index, label) in labels.enumerated() where label < 0 || label >= outputs {
        throw .labelOutOfRange(index: index, label: label, classes: outputs)
      }
    }
  }
}

// MARK: - Kernels

extension Loss {
  /// Σ_i ℓ(f_i, y_i) over rows `rows` of the outputs, writing `scale · ∂ℓ/∂f` into `gradient`.
  ///
  /// `targetOffset` maps an output row to its target row (minibatches gather targets by index
  /// through `targetRows`).
  @inlinable
  func evaluate<Scalar: MatrixScalar>(
    outputs f: UnsafePointer<Scalar>, columns: Int, rows: Range<Int>,
    values y: UnsafePointer<Scalar>?, labels: UnsafePointer<Int>?,
    scale: Scalar, gradient g: UnsafeMutablePointer<Scalar>
  ) -> Double {
    var total = 0.0
    switch self {
    case .squaredError:
      let twice = 2 * scale
      for i in rows {
        let offset = i &* columns
        let fRow = f + offset
        let gRow = g + offset
        var sum: Scalar = 0
        if let y {
          // Sixteen partial sums so that the loop vectorises.
          let yRow = y + offset
          var accumulator = SIMD16<Scalar>(repeating: 0)
          var j = 0
          while j + 16 <= columns {
            let fv = UnsafeRawPointer(fRow + j).loadUnaligned(as: SIMD16<Scalar>.self)
            let yv = UnsafeRawPointer(yRow + j).loadUnaligned(as: SIMD16<Scalar>.self)
            let r = fv - yv
            accumulator += r * r
            UnsafeMutableRawPointer(gRow + j).storeBytes(of: twice * r, as: SIMD16<Scalar>.self)
            j += 16
          }
          sum = accumulator.sum()
          while j < columns {
            let r = fRow[j] - yRow[j]
            sum += r * r
            gRow[j] = twice * r
            j += 1
          }
        } else {
          let label = labels.unsafelyUnwrapped[i]
          for j in 0..<columns {
            let r = fRow[j] - (j == label ? 1 : 0)
            sum += r * r
            gRow[j] = twice * r
          }
        }
        total += Double(sum)
      }
    case .softmaxCrossEntropy:
      for i in rows {
        let offset = i &* columns
        let fRow = f + offset
        let gRow = g + offset
        var maximum = fRow[0]
        for j in 1..<columns where fRow[j] > maximum { maximum = fRow[j] }
        var sum: Scalar = 0
        for j in 0..<columns {
          let e = Scalar.branchFreeExp(fRow[j] - maximum)
          gRow[j] = e
          sum += e
        }
        let logSumExp = maximum + Scalar.log(sum)
        let inverse = 1 / sum
        if let y {
          let yRow = y + offset
          var mass: Scalar = 0
          var rowLoss: Scalar = 0
          for j in 0..<columns {
            mass += yRow[j]
            rowLoss += yRow[j] * (logSumExp - fRow[j])
          }
          for j in 0..<columns {
            gRow[j] = scale * (mass * gRow[j] * inverse - yRow[j])
          }
          total += Double(rowLoss)
        } else {
          let label = labels.unsafelyUnwrapped[i]
          for j in 0..<columns {
            gRow[j] = scale * (gRow[j] * inverse - (j == label ? 1 : 0))
          }
          total += Double(logSumExp - fRow[label])
        }
      }
    }
    return total
  }
}

extension Network {
  /// The mean loss L_0 = (1/N) Σ_i ℓ(f(Θ, x_i), y_i) of the network on a data set.
  ///
  /// - Parameters:
  ///   - inputs: N × d_0.
  ///   - targets: N targets.
  ///   - loss: ℓ.
  ///   - batchSize: Samples per forward pass, bounding memory.
  /// - Returns: L_0, accumulated in `Double`.
  /// - Throws: ``NetworkError`` when the data does not fit the network.
  public func loss(
    inputs: Matrix<Scalar>, targets: Targets<Scalar>, loss: Loss, batchSize: Int = 4096
  ) throws(NetworkError) -> Double {
    var total = 0.0
    try forEachOutputBatch(inputs: inputs, targets: targets, batchSize: batchSize) {
      start, end, outputs in
      var gradient = outputs
      let rows = end - start
      total += outputs.withUnsafeBufferPointer { f in
        gradient.withUnsafeMutableBufferPointer { g in
          targets.samples(in: start..<end).withUnsafePointers { yp, lp in
            loss.evaluate(
              outputs: f.baseAddress.unsafelyUnwrapped, columns: outputSize, rows: 0..<rows,
              values: yp, labels: lp, scale: 1, gradient: g.baseAddress.unsafelyUnwrapped)
          }
        }
      }
    }
    return total / Double(inputs.rows)
  }

  /// The fraction of samples whose largest output is at their label (for one-hot or soft
  /// targets: at the largest target entry).
  ///
  /// - Parameters:
  ///   - inputs: N × d_0.
  ///   - targets: N targets.
  ///   - batchSize: Samples per forward pass.
  /// - Returns: The accuracy in [0, 1].
  /// - Throws: ``NetworkError`` when the data does not fit the network.
  public func accuracy(
    inputs: Matrix<Scalar>, targets: Targets<Scalar>, batchSize: Int = 4096
  ) throws(NetworkError) -> Double {
    var correct = 0
    try forEachOutputBatch(inputs: inputs, targets: targets, batchSize: batchSize) {
      start, end, outputs in
      for i in 0..<(end - start) {
        let predicted = Network.argmax(outputs, row: i)
        let expected: Int
        switch targets {
        case .labels(let labels): expected = labels[start + i]
        case .values(let y): expected = Network.argmax(y, row: start + i)
        }
        if predicted == expected { correct += 1 }
      }
    }
    return Double(correct) / Double(inputs.rows)
  }

  /// Validates the data, then calls `body(start, end, f(Θ, X[start ..< end]))` for consecutive
  /// batches of at most `batchSize` samples.
  func forEachOutputBatch(
    inputs: Matrix<Scalar>, targets: Targets<Scalar>, batchSize: Int,
    _ body: (Int, Int, Matrix<Scalar>) -> Void
  ) throws(NetworkError) {
    try validate(inputs: inputs)
    try targets.validate(count: inputs.rows, outputs: outputSize)
    var start = 0
    while start < inputs.rows {
      let end = Swift.min(start + Swift.max(batchSize, 1), inputs.rows)
      body(start, end, self(inputs.rows(start..<end)))
      start = end
    }
  }

  static func argmax(_ matrix: Matrix<Scalar>, row: Int) -> Int {
    var best = 0
    var bestValue = matrix[row, 0]
    for j in 1..<matrix.columns where matrix[row, j] > bestValue {
      best = j
      bestValue = matrix[row, j]
    }
    return best
  }
}
