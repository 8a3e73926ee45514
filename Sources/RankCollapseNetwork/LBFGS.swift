import RankCollapseTensor

/// The limited-memory BFGS method (Nocedal 1980; Liu & Nocedal 1989) with a strong Wolfe line
/// search: a full-batch quasi-Newton minimiser for any ``DifferentiableObjective``, and the rule
/// behind ``QuasiNewtonTrainer``.
///
/// Each iteration computes the direction d = −H g by the two-loop recursion over the last m
/// curvature pairs s_k = x_{k+1} − x_k, y_k = ∇f_{k+1} − ∇f_k (Nocedal & Wright, *Numerical
/// Optimization*, 2nd ed., Algorithm 7.4), with the initial matrix H⁰ = (sᵀy / yᵀy) I of the newest
/// pair, then a ``StrongWolfeLineSearch`` along d (first trial step 1; min(1, 1/‖g‖) without
/// pairs). A pair is kept only when sᵀy > u·yᵀy (u the unit roundoff), which keeps H positive
/// definite. When the direction is not a descent direction or the search fails, the pairs are
/// dropped and the iteration is retried once along −g.
///
/// Vectors are stored in `Scalar`; every inner product and the line search's values are in
/// `Double`. The arithmetic depends only on the inputs, so a seed and a thread count give the same
/// iterates, and ``state`` and ``restore(_:dimension:)`` carry the pairs across a checkpoint
/// exactly. After the first iteration, iterating allocates nothing.
///
/// ```swift
/// var method = LBFGS<Double>(historySize: 10)
/// var x: [Double] = [-1.2, 1]
/// var g = [Double](repeating: 0, count: 2)
/// var f = objective.valueAndGradient(at: x, gradient: &g)   // your DifferentiableObjective
/// while sqrt(g.map { $0 * $0 }.reduce(0, +)) > 1e-8 {
///   guard case .accepted = method.iterate(&objective, point: &x, value: &f, gradient: &g)
///   else { break }
/// }
/// ```
public struct LBFGS<Scalar: MatrixScalar>: Sendable {
  /// m, the number of curvature pairs kept (≥ 1).
  public let historySize: Int
  /// The line search.
  public let lineSearch: StrongWolfeLineSearch
  /// How the two-loop recursion's initial inverse Hessian H⁰ is scaled.
  public let scaling: Scaling

  /// The initial inverse Hessian H⁰ of the two-loop recursion.
  public enum Scaling: String, Sendable, Hashable, CaseIterable {
    /// H⁰ = γI with γ = sᵀy / yᵀy of the newest pair (Nocedal & Wright, eq. 7.20).
    case scalar
    /// H⁰ = diag(γ_b I), one γ_b = s_bᵀy_b / y_bᵀy_b per block of
    /// ``DifferentiableObjective/scalingBlocks`` (for a network: per layer), falling back to
    /// the scalar γ for a block whose γ_b is not positive and finite. Layers whose curvatures
    /// differ by orders of magnitude (a first layer fed large inputs) then take steps of
    /// their own scale.
    case blockwise
  }
  /// Iterations completed (accepted steps).
  public var iterations: Int { completedIterations }
  @usableFromInline var completedIterations = 0
  /// The number of curvature pairs held now (≤ ``historySize``).
  public var storedPairs: Int { count }

  @usableFromInline var dimension = 0
  /// Pair k occupies `[k·n, (k+1)·n)` of `s` and `y`; slots form a ring ending at `newest`.
  @usableFromInline var s: [Scalar] = []
  @usableFromInline var y: [Scalar] = []
  @usableFromInline var rho: [Double] = []
  @usableFromInline var alpha: [Double] = []
  @usableFromInline var count = 0
  @usableFromInline var newest = -1
  // Scratch vectors, reused by every iteration.
  @usableFromInline var direction: [Scalar] = []
  @usableFromInline var trialPoint: [Scalar] = []
  @usableFromInline var trialGradient: [Scalar] = []
  @usableFromInline var bestPoint: [Scalar] = []
  @usableFromInline var bestGradient: [Scalar] = []

  /// An L-BFGS method with no curvature pairs yet.
  ///
  /// - Parameters:
  ///   - historySize: m (default 10; PyTorch's `LBFGS` keeps 100, SciPy's L-BFGS-B 10). Checked by
  ///     ``validate()``.
  ///   - lineSearch: The line search's settings.
  ///   - scaling: The initial inverse Hessian's scaling (default ``Scaling/scalar``).
  @inlinable
  public init(
    historySize: Int = 10, lineSearch: StrongWolfeLineSearch = StrongWolfeLineSearch(),
    scaling: Scaling = .scalar
  ) {
    self.historySize = historySize
    self.lineSearch = lineSearch
    self.scaling = scaling
  }

  /// `"lbfgs"`, the name in checkpoints and progress lines.
  public var name: String { "lbfgs" }

  /// Checks the settings.
  ///
  /// - Throws: ``TrainingError/invalidConfiguration(_:)`` naming the first bad one.
  public func validate() throws(TrainingError) {
    guard historySize >= 1 else {
      throw .invalidConfiguration("L-BFGS historySize must be at least 1, got \(historySize)")
    }
    try lineSearch.validate()
  }

  /// Drops every curvature pair (the next direction is −g).
  @inlinable
  public mutating func resetHistory() {
    count = 0
    newest = -1
  }

  /// One iteration: a direction, a line search along it, and a new curvature pair.
  ///
  /// - Parameters:
  ///   - objective: f.
  ///   - point: x_k; replaced by x_{k+1} when a step is accepted, unchanged otherwise.
  ///   - value: f(x_k); replaced by f(x_{k+1}).
  ///   - gradient: ∇f(x_k); replaced by ∇f(x_{k+1}).
  ///   - maximumEvaluations: At most this many evaluations of f (`nil`: the line search's own
  ///     limit, twice if the iteration is retried along −g).
  /// - Returns: The step taken, or why none was.
  /// - Precondition: `point` and `gradient` have `objective.dimension` values, `value` and
  ///   `gradient` are finite, and ``historySize`` ≥ 1.
  @inlinable
  public mutating func iterate<Objective: DifferentiableObjective>(
    _ objective: inout Objective, point: inout [Scalar], value: inout Double,
    gradient: inout [Scalar], maximumEvaluations: Int? = nil
  ) -> LBFGSStep where Objective.Scalar == Scalar {
    let n = objective.dimension
    precondition(historySize >= 1, "LBFGS: historySize \(historySize) < 1")
    precondition(
      point.count == n && gradient.count == n,
      "LBFGS: point of \(point.count) and gradient of \(gradient.count) values, objective of \(n)")
    precondition(value.isFinite, "LBFGS: the current value \(value) is not finite")
    prepare(dimension: n)
    var budget = maximumEvaluations ?? Int.max
    var used = 0
    for attempt in 0..<2 {
      let blocks = scaling == .blockwise ? objective.scalingBlocks : []
      var slope = computeDirection(gradient, blocks: blocks)
      if !(slope < 0) {
        // Not a descent direction (rounding in a nearly singular H): start again from −g.
        resetHistory()
        slope = computeDirection(gradient, blocks: blocks)
      }
      guard slope < 0 else {
        return .failed(evaluations: used, precisionLimited: slope == 0)
      }
      let initial =
        count == 0 ? Swift.min(1, 1 / (-slope).squareRoot()) : 1
      let outcome = search(
        &objective, point: point, value: value, gradient: gradient, slope: slope,
        initialStep: initial, budget: Swift.min(budget, lineSearch.maximumEvaluations))
      used += outcome.evaluations
      budget -= outcome.evaluations
      switch outcome.result {
      case .accepted(let step, let fromBest, let newValue, let approximate):
        store(point: &point, gradient: &gradient, fromBest: fromBest)
        value = newValue
        completedIterations += 1
        return .accepted(stepLength: step, evaluations: used, approximateWolfe: approximate)
      case .failed(let precisionLimited):
        if budget <= 0 { return .evaluationBudget(evaluations: used) }
        if attempt == 0 && count > 0 {
          resetHistory()
          continue
        }
        return .failed(evaluations: used, precisionLimited: precisionLimited)
      }
    }
    return .failed(evaluations: used, precisionLimited: false)
  }

  /// Sizes the buffers for n values (allocates only when n changes).
  @inlinable
  mutating func prepare(dimension n: Int) {
    guard dimension != n || direction.count != n || s.count != historySize * n else { return }
    dimension = n
    s = Array(repeating: 0, count: historySize * n)
    y = Array(repeating: 0, count: historySize * n)
    rho = Array(repeating: 0, count: historySize)
    alpha = Array(repeating: 0, count: historySize)
    // Five separate buffers: copies of one array would share its storage until each is first
    // written, and the line search's swaps would then allocate inside iterations.
    direction = Array(repeating: 0, count: n)
    trialPoint = Array(repeating: 0, count: n)
    trialGradient = Array(repeating: 0, count: n)
    bestPoint = Array(repeating: 0, count: n)
    bestGradient = Array(repeating: 0, count: n)
    resetHistory()
  }

  /// d = −H g by the two-loop recursion; returns gᵀd.
  @inlinable
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  mutating func computeDirection(_ gradient: [Scalar], blocks: [Range<Int>] = []) -> Double {
    let n = dimension
    let m = historySize
    let held = count
    let last = newest
    let slope = s.withUnsafeBufferPointer { s in
      y.withUnsafeBufferPointer { y in
        rho.withUnsafeBufferPointer { rho in
          alpha.withUnsafeMutableBufferPointer { alpha in
            gradient.withUnsafeBufferPointer { g in
              direction.withUnsafeMutableBufferPointer { q in
                _ = q.update(fromContentsOf: g)
                func pair(_ k: Int) -> (UnsafeBufferPointer<Scalar>, UnsafeBufferPointer<Scalar>) {
                  let slot = (last - k + m) % m
                  return (
                    UnsafeBufferPointer(rebasing: s[(slot * n)..<((slot + 1) * n)]),
                    UnsafeBufferPointer(rebasing: y[(slot * n)..<((slot + 1) * n)])
                  )
                }
                // Newest to oldest: α_k = ρ_k s_kᵀq, q ← q − α_k y_k.
                for k in 0..<held {
                  let (sk, yk) = pair(k)
                  let slot = (last - k + m) % m
                  let a = rho[slot] * FlatVector.dot(sk, UnsafeBufferPointer(q))
                  alpha[slot] = a
                  FlatVector.addScaled(yk, times: Scalar(-a), to: q)
                }
                // H⁰ = γ I with γ = sᵀy / yᵀy of the newest pair.
                if held > 0 {
                  let (sk, yk) = pair(0)
                  let gamma = FlatVector.dot(sk, yk) / FlatVector.dot(yk, yk)
                  let scale = Scalar(gamma)
                  if blocks.isEmpty {
                    for i in 0..<n { q[i] *= scale }
                  } else {
                    // Block-diagonal H⁰: γ_b per block, the scalar γ outside the blocks.
                    var next = 0
                    for block in blocks {
                      for i in next..<block.lowerBound { q[i] *= scale }
                      let sb = UnsafeBufferPointer(rebasing: sk[block])
                      let yb = UnsafeBufferPointer(rebasing: yk[block])
                      let local = FlatVector.dot(sb, yb) / FlatVector.dot(yb, yb)
                      let blockScale = local > 0 && local.isFinite ? Scalar(local) : scale
                      for i in block { q[i] *= blockScale }
                      next = block.upperBound
                    }
                    for i in next..<n { q[i] *= scale }
                  }
                }
                // Oldest to newest: β = ρ_k y_kᵀr, r ← r + (α_k − β) s_k.
                for k in stride(from: held - 1, through: 0, by: -1) {
                  let (sk, yk) = pair(k)
                  let slot = (last - k + m) % m
                  let beta = rho[slot] * FlatVector.dot(yk, UnsafeBufferPointer(q))
                  FlatVector.addScaled(sk, times: Scalar(alpha[slot] - beta), to: q)
                }
                for i in 0..<n { q[i] = -q[i] }
                return FlatVector.dot(g, UnsafeBufferPointer(q))
              }
            }
          }
        }
      }
    }
    return slope
  }

  /// Moves the accepted trial (or best) point into `point`/`gradient` and records the pair.
  @inlinable
  mutating func store(point: inout [Scalar], gradient: inout [Scalar], fromBest: Bool) {
    let n = dimension
    let slot = (newest + 1) % historySize
    if fromBest {
      swap(&bestPoint, &trialPoint)
      swap(&bestGradient, &trialGradient)
    }
    // s = x_{k+1} − x_k and y = g_{k+1} − g_k, from the stored values (not t·d), so that the
    // pair describes exactly the points whose gradients were evaluated.
    let (sy, yy) = trialPoint.withUnsafeBufferPointer { xNew in
      trialGradient.withUnsafeBufferPointer { gNew in
        point.withUnsafeBufferPointer { xOld in
          gradient.withUnsafeBufferPointer { gOld in
            s.withUnsafeMutableBufferPointer { s in
              y.withUnsafeMutableBufferPointer { y in
                let base = slot * n
                for i in 0..<n {
                  s[base + i] = xNew[i] - xOld[i]
                  y[base + i] = gNew[i] - gOld[i]
                }
                let sk = UnsafeBufferPointer(rebasing: s[base..<(base + n)])
                let yk = UnsafeBufferPointer(rebasing: y[base..<(base + n)])
                return (FlatVector.dot(sk, yk), FlatVector.dot(yk, yk))
              }
            }
          }
        }
      }
    }
    swap(&point, &trialPoint)
    swap(&gradient, &trialGradient)
    guard yy > 0, sy > Double(Scalar.ulpOfOne) * yy, sy.isFinite, yy.isFinite else { return }
    rho[slot] = 1 / sy
    newest = slot
    count = Swift.min(count + 1, historySize)
  }

  @usableFromInline
  enum SearchResult {
    case accepted(step: Double, fromBest: Bool, value: Double, approximate: Bool)
    case failed(precisionLimited: Bool)
  }

  /// The strong Wolfe search along `direction` (see ``StrongWolfeLineSearch``).
  ///
  /// The accepted point and gradient are left in `trialPoint`/`trialGradient` (or `bestPoint`/`bestGradient`
  /// when `fromBest`).
  @inlinable
  mutating func search<Objective: DifferentiableObjective>(
    _ objective: inout Objective, point: [Scalar], value f0: Double, gradient: [Scalar],
    slope dphi0: Double, initialStep: Double, budget: Int
  ) -> (result: SearchResult, evaluations: Int) where Objective.Scalar == Scalar {
    let c1 = lineSearch.sufficientDecrease
    let c2 = lineSearch.curvature
    let noise = lineSearch.noiseFactor * Double(Scalar.ulpOfOne) * abs(f0)
    var evaluations = 0
    var allWithinNoise = true

    func evaluate(_ t: Double) -> (value: Double, slope: Double) {
      evaluations += 1
      let step = Scalar(t)
      point.withUnsafeBufferPointer { x in
        direction.withUnsafeBufferPointer { d in
          trialPoint.withUnsafeMutableBufferPointer { z in FlatVector.sum(x, step, d, into: z) }
        }
      }
      let f = trialPoint.withUnsafeBufferPointer { z in
        trialGradient.withUnsafeMutableBufferPointer { g in
          objective.valueAndGradient(at: z, gradient: g)
        }
      }
      var dphi = trialGradient.withUnsafeBufferPointer { g in
        direction.withUnsafeBufferPointer { d in FlatVector.dot(g, d) }
      }
      if !f.isFinite || !dphi.isFinite { dphi = .nan }
      if f.isFinite && abs(f - f0) > noise { allWithinNoise = false }
      return (f.isFinite ? f : .infinity, dphi)
    }
    func wolfe(_ t: Double, _ f: Double, _ dphi: Double) -> (accept: Bool, approximate: Bool) {
      if f <= f0 + c1 * t * dphi0 && abs(dphi) <= -c2 * dphi0 { return (true, false) }
      // Approximate Wolfe conditions (Hager & Zhang), only where f cannot tell the difference:
      // the decrease the slope predicts, t·|φ′(0)|, is below f's rounding level. Elsewhere a
      // step must decrease f, or iterates could drift uphill by the noise level every step.
      if -t * dphi0 <= noise && f <= f0 + noise && dphi <= -(1 - 2 * 0.1) * dphi0
        && abs(dphi) <= -c2 * dphi0
      {
        return (true, true)
      }
      return (false, false)
    }
    func keepAsBest() {
      swap(&bestPoint, &trialPoint)
      swap(&bestGradient, &trialGradient)
    }

    // Bracketing: grow t until the bracket [lo, hi] contains an acceptable step.
    var lo = (t: 0.0, f: f0, dphi: dphi0)
    var hi = (t: Double.nan, f: Double.nan, dphi: Double.nan)
    var t = initialStep
    var bracketed = false
    while evaluations < budget {
      let (f, dphi) = evaluate(t)
      let verdict = wolfe(t, f, dphi)
      if verdict.accept {
        return (
          .accepted(step: t, fromBest: false, value: f, approximate: verdict.approximate),
          evaluations
        )
      }
      if !(f <= f0 + c1 * t * dphi0) || !dphi.isFinite || (lo.t > 0 && f >= lo.f) {
        hi = (t, f, dphi)
        bracketed = true
        break
      }
      if dphi >= 0 {
        hi = lo
        lo = (t, f, dphi)
        keepAsBest()
        bracketed = true
        break
      }
      // t satisfies sufficient decrease but the slope is still steep: extrapolate.
      let next = StrongWolfeLineSearch.cubicMinimizer(
        lo.t, lo.f, lo.dphi, t, f, dphi, lower: t + 0.01 * (t - lo.t), upper: 10 * t)
      lo = (t, f, dphi)
      keepAsBest()
      t = next
    }

    // Zoom: shrink the bracket by safeguarded cubic interpolation.
    if bracketed {
      while evaluations < budget {
        let low = Swift.min(lo.t, hi.t)
        let high = Swift.max(lo.t, hi.t)
        let width = high - low
        if width <= Double(Scalar.ulpOfOne) * high { break }
        let margin = 0.1 * width
        let trial =
          hi.f.isFinite
          ? StrongWolfeLineSearch.cubicMinimizer(
            lo.t, lo.f, lo.dphi, hi.t, hi.f, hi.dphi, lower: low + margin, upper: high - margin)
          : lo.t + 0.5 * (hi.t - lo.t)
        let (f, dphi) = evaluate(trial)
        let verdict = wolfe(trial, f, dphi)
        if verdict.accept {
          return (
            .accepted(step: trial, fromBest: false, value: f, approximate: verdict.approximate),
            evaluations
          )
        }
        if !(f <= f0 + c1 * trial * dphi0) || !dphi.isFinite || f >= lo.f {
          hi = (trial, f, dphi)
        } else {
          if dphi * (hi.t - lo.t) >= 0 { hi = lo }
          lo = (trial, f, dphi)
          keepAsBest()
        }
      }
    }
    // No Wolfe step within the budget: take the best point with sufficient decrease, if any.
    if lo.t > 0 && lo.f < f0 {
      return (.accepted(step: lo.t, fromBest: true, value: lo.f, approximate: false), evaluations)
    }
    return (.failed(precisionLimited: allWithinNoise), evaluations)
  }
}

/// What one ``LBFGS/iterate(_:point:value:gradient:maximumEvaluations:)`` did.
public enum LBFGSStep: Sendable, Hashable {
  /// A step of length t along the direction was taken after `evaluations` evaluations of f;
  /// `approximateWolfe` when it met only the approximate Wolfe conditions (f at its rounding
  /// level).
  case accepted(stepLength: Double, evaluations: Int, approximateWolfe: Bool)
  /// No step decreased f, also along −g; the point is unchanged. `precisionLimited` when every
  /// trial changed f by less than its rounding level: the scalar type cannot resolve further
  /// progress (continue in `Double`).
  case failed(evaluations: Int, precisionLimited: Bool)
  /// The evaluation budget ran out before a step was found; the point is unchanged.
  case evaluationBudget(evaluations: Int)

  /// The number of evaluations of f the iteration made.
  public var evaluations: Int {
    switch self {
    case .accepted(_, let evaluations, _), .failed(let evaluations, _),
      .evaluationBudget(let evaluations):
      evaluations
    }
  }
}

extension LBFGS {
  /// The curvature pairs, oldest first, as packed vectors `s.<k>` and `y.<k>` (1 × n), for a
  /// checkpoint.
  public var state: OptimizerState<Scalar> {
    var tensors: [String: Matrix<Scalar>] = [:]
    let n = dimension
    for k in 0..<count {
      let slot = (newest - (count - 1 - k) + historySize) % historySize
      tensors["s.\(k)"] = Matrix(
        rows: 1, columns: n, elements: s[(slot * n)..<((slot + 1) * n)])
      tensors["y.\(k)"] = Matrix(
        rows: 1, columns: n, elements: y[(slot * n)..<((slot + 1) * n)])
    }
    return OptimizerState(name: name, step: iterations, tensors: tensors)
  }

  /// Restores ``state``: the pairs (ρ_k recomputed from them, bit for bit as when they were
  /// stored) and the iteration count.
  ///
  /// - Parameters:
  ///   - state: A state saved by an `LBFGS` (any history size up to this one's).
  ///   - dimension: n, the objective's dimension.
  /// - Throws: ``TrainingError/incompatibleCheckpoint(_:cause:)`` when the state is another rule's,
  ///   holds more pairs than ``historySize``, misses a vector or has vectors of another length.
  public mutating func restore(_ state: OptimizerState<Scalar>, dimension: Int)
    throws(TrainingError)
  {
    let n = dimension
    guard state.name == name else {
      throw .incompatibleCheckpoint("optimizer state is for '\(state.name)', not '\(name)'")
    }
    let pairs = state.tensors.count / 2
    guard state.tensors.count % 2 == 0, pairs <= historySize else {
      throw .incompatibleCheckpoint(
        "the L-BFGS state holds \(state.tensors.count) vectors; at most \(historySize) pairs fit")
    }
    var restored: [(Matrix<Scalar>, Matrix<Scalar>)] = []
    for k in 0..<pairs {
      guard let sk = state.tensors["s.\(k)"], let yk = state.tensors["y.\(k)"] else {
        throw .incompatibleCheckpoint("the L-BFGS state misses pair \(k) (s.\(k), y.\(k))")
      }
      guard sk.count == n, yk.count == n else {
        throw .incompatibleCheckpoint(
          "L-BFGS pair \(k) has \(sk.count) and \(yk.count) values for \(n) parameters")
      }
      restored.append((sk, yk))
    }
    self.dimension = -1
    prepare(dimension: n)
    for (k, (sk, yk)) in restored.enumerated() {
      sk.withUnsafeBufferPointer { source in
        s.withUnsafeMutableBufferPointer { s in
          _ = UnsafeMutableBufferPointer(rebasing: s[(k * n)..<((k + 1) * n)])
            .update(fromContentsOf: source)
        }
      }
      yk.withUnsafeBufferPointer { source in
        y.withUnsafeMutableBufferPointer { y in
          _ = UnsafeMutableBufferPointer(rebasing: y[(k * n)..<((k + 1) * n)])
            .update(fromContentsOf: source)
        }
      }
      let sy = s.withUnsafeBufferPointer { s in
        y.withUnsafeBufferPointer { y in
          FlatVector.dot(
            UnsafeBufferPointer(rebasing: s[(k * n)..<((k + 1) * n)]),
            UnsafeBufferPointer(rebasing: y[(k * n)..<((k + 1) * n)]))
        }
      }
      rho[k] = 1 / sy
    }
    count = pairs
    newest = pairs - 1
    completedIterations = state.step
  }
}
