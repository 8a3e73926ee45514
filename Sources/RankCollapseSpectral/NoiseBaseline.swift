import RankCollapseTensor

/// A Marchenko–Pastur fit to the spectrum of one matrix: where the singular values of a matrix
/// of pure noise with the same shape and scale would end, and how many lie above that edge.
///
/// For an `N × M` matrix (`N ≥ M`, either orientation) of independent entries with variance
/// `σ²`, the eigenvalues `λ_i = s_i² / N` of `WᵀW / N` follow, as the dimensions grow with
/// `q = M / N` fixed, the Marchenko–Pastur law with the bulk `[σ²(1 − √q)², σ²(1 + √q)²]`.
/// The count of eigenvalues above the bulk edge `λ₊ = σ²(1 + √q)²` (``spikes``) is an
/// ε-free "signal rank": the directions that noise of this scale does not explain.
///
/// ## The noise scale
///
/// `σ²` is estimated from the median singular value, which a few large spikes barely move:
/// `σ̂ = s_med / sqrt(N · μ_q)`, with `μ_q` the median of the Marchenko–Pastur law of ratio `q`
/// and unit variance (Gavish & Donoho 2014, "The optimal hard threshold for singular values is
/// 4/√3", IEEE Trans. Inf. Theory 60(8), eq. (4) and section III-E). `μ_q` is computed here by
/// quadrature of the density. For an even count `s_med` is the mean of the two middle values.
/// The estimate assumes most singular values belong to the bulk; for a matrix with more signal
/// than noise directions it overestimates `σ` and the spike count is a lower count.
public struct MarchenkoPasturFit: Sendable, Equatable, Codable {
  /// `q = min(m, n) / max(m, n)`.
  public var aspectRatio: Double

  /// The estimated entry variance `σ²`.
  public var noiseVariance: Double

  /// The bulk edge `λ₊ = σ²(1 + √q)²` of the eigenvalues of `WᵀW / N`, `N = max(m, n)`.
  public var bulkEdge: Double

  /// The bulk edge as a singular value of `W`: `sqrt(N · λ₊) = σ(√N + √M)`.
  public var edgeSingularValue: Double

  /// The number of singular values above ``edgeSingularValue``.
  public var spikes: Int

  /// Creates a fit from its parts; ``Spectrum/marchenkoPasturFit()`` computes it.
  ///
  /// - Parameters:
  ///   - aspectRatio: `q`.
  ///   - noiseVariance: `σ²`.
  ///   - bulkEdge: `λ₊`.
  ///   - edgeSingularValue: `σ(√N + √M)`.
  ///   - spikes: The count above the edge.
  public init(
    aspectRatio: Double, noiseVariance: Double, bulkEdge: Double, edgeSingularValue: Double,
    spikes: Int
  ) {
    self.aspectRatio = aspectRatio
    self.noiseVariance = noiseVariance
    self.bulkEdge = bulkEdge
    self.edgeSingularValue = edgeSingularValue
    self.spikes = spikes
  }

  /// The median of the Marchenko–Pastur law with ratio `q ∈ (0, 1]` and unit variance.
  ///
  /// With `x = λ₋ + (λ₊ − λ₋)(1 − cos φ)/2` the density
  /// `sqrt((λ₊ − x)(x − λ₋)) / (2π q x)` becomes the smooth integrand
  /// `((λ₊ − λ₋)/2)² sin²φ / (2π q x(φ))` on `[0, π]`, integrated by Simpson's rule (2048
  /// panels; the result is accurate to about 1e-12) and inverted by bisection.
  ///
  /// - Parameter q: The aspect ratio.
  /// - Returns: `μ_q`, between `(1 − √q)²` and `(1 + √q)²`.
  public static func median(aspectRatio q: Double) -> Double {
    precondition(q > 0 && q <= 1, "median: the aspect ratio must be in (0, 1], got \(q)")
    let lower = (1 - q.squareRoot()) * (1 - q.squareRoot())
    let upper = (1 + q.squareRoot()) * (1 + q.squareRoot())
    let half = (upper - lower) / 2
    func x(_ phi: Double) -> Double { lower + half * (1 - Double.cos(phi)) }
    func integrand(_ phi: Double) -> Double {
      let position = x(phi)
      let sine = Double.sin(phi)
      // At φ = 0 with q = 1, x = 0 and sin²φ / x → 4 / λ₊.
      if position <= 0 { return half * half * 4 / upper / (2 * Double.pi * q) }
      return half * half * sine * sine / (2 * Double.pi * q * position)
    }
    // Cumulative Simpson table on a fine grid, then bisection inside the bracketing panel.
    let panels = 2048
    let step = Double.pi / Double(panels)
    var cumulative = [Double](repeating: 0, count: panels + 1)
    for i in 0..<panels {
      let a = Double(i) * step
      let b = a + step
      cumulative[i + 1] =
        cumulative[i] + step / 6 * (integrand(a) + 4 * integrand((a + b) / 2) + integrand(b))
    }
    let total = cumulative[panels]  // 1 up to quadrature error; normalise by it
    let target = total / 2
    var panel = 0
    while panel < panels - 1 && cumulative[panel + 1] < target { panel += 1 }
    var low = Double(panel) * step
    var high = low + step
    for _ in 0..<60 {
      let mid = (low + high) / 2
      let a = Double(panel) * step
      let partial =
        cumulative[panel] + (mid - a) / 6
        * (integrand(a) + 4 * integrand((a + mid) / 2) + integrand(mid))
      if partial < target { low = mid } else { high = mid }
    }
    return x((low + high) / 2)
  }
}

/// The singular values of a matrix against those of the same entries shuffled: a
/// randomisation baseline that keeps the entry distribution and destroys the structure.
public struct ShuffleComparison: Sendable, Equatable, Codable {
  /// The seed of the permutation.
  public var seed: UInt64

  /// The largest singular value of the shuffled matrix.
  public var largestShuffledSingularValue: Double

  /// The number of singular values of the matrix above ``largestShuffledSingularValue``.
  public var signalCount: Int

  /// Creates a comparison from its parts; ``RankCollapseTensor/Matrix/shuffleComparison(spectrum:seed:)``
  /// computes it.
  ///
  /// - Parameters:
  ///   - seed: The permutation's seed.
  ///   - largestShuffledSingularValue: `s_1` of the shuffled matrix.
  ///   - signalCount: The count of singular values above it.
  public init(seed: UInt64, largestShuffledSingularValue: Double, signalCount: Int) {
    self.seed = seed
    self.largestShuffledSingularValue = largestShuffledSingularValue
    self.signalCount = signalCount
  }
}

/// The noise baselines of one matrix: a Marchenko–Pastur fit, a shuffle comparison, or both.
public struct NoiseBaseline: Sendable, Equatable, Codable {
  /// The Marchenko–Pastur fit, if requested.
  public var marchenkoPastur: MarchenkoPasturFit?

  /// The shuffle comparison, if requested.
  public var shuffle: ShuffleComparison?

  /// Creates a baseline.
  ///
  /// - Parameters:
  ///   - marchenkoPastur: The fit.
  ///   - shuffle: The comparison.
  public init(marchenkoPastur: MarchenkoPasturFit? = nil, shuffle: ShuffleComparison? = nil) {
    self.marchenkoPastur = marchenkoPastur
    self.shuffle = shuffle
  }
}

extension Spectrum where Scalar == Double {
  /// The Marchenko–Pastur fit of this spectrum (see ``MarchenkoPasturFit``), with the noise
  /// scale from the median singular value (Gavish & Donoho 2014).
  ///
  /// - Returns: The fit; for a spectrum without singular values or whose median is 0 the noise
  ///   variance and edge are 0 and every non-zero singular value counts as a spike.
  public func marchenkoPasturFit() -> MarchenkoPasturFit {
    let big = Double(Swift.max(rows, columns))
    let small = Double(Swift.min(rows, columns))
    guard count > 0, big > 0 else {
      return MarchenkoPasturFit(
        aspectRatio: 0, noiseVariance: 0, bulkEdge: 0, edgeSingularValue: 0, spikes: 0)
    }
    let q = small / big
    // Scaled values (s · unit) avoid overflow in the squares; undo the unit at the end.
    let values = scaledSingularValues
    let middle = count / 2
    let median = count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
    let mu = MarchenkoPasturFit.median(aspectRatio: q)
    let sigmaScaled = median / (big * mu).squareRoot()
    let edgeScaled = sigmaScaled * (big.squareRoot() + small.squareRoot())
    let spikes = values.prefix { $0 > edgeScaled }.count
    let sigma = sigmaScaled / unit
    return MarchenkoPasturFit(
      aspectRatio: q, noiseVariance: sigma * sigma,
      bulkEdge: sigma * sigma * (1 + q.squareRoot()) * (1 + q.squareRoot()),
      edgeSingularValue: edgeScaled / unit, spikes: spikes)
  }
}

extension Matrix {
  /// The randomisation baseline: the singular values of this matrix against the largest
  /// singular value of its entries shuffled by a seeded uniform permutation (Fisher–Yates).
  ///
  /// - Parameters:
  ///   - spectrum: The spectrum of this matrix (computed once by the caller).
  ///   - seed: The seed of the permutation; same seed, same result.
  /// - Returns: The largest shuffled singular value and the count of values above it.
  /// - Throws: As ``spectrum()``.
  /// - Complexity: One more singular value computation, O(m·n·min(m, n)).
  public func shuffleComparison(
    spectrum: Spectrum<Double>, seed: UInt64
  ) throws(LinearAlgebraError) -> ShuffleComparison {
    var shuffled = Matrix<Double>(self)
    var generator = SeededGenerator(seed: seed)
    shuffled.withUnsafeMutableBufferPointer { buffer in
      var i = buffer.count - 1
      while i > 0 {
        let j = Int.random(in: 0...i, using: &generator)
        buffer.swapAt(i, j)
        i -= 1
      }
    }
    let top = try Matrix<Double>.spectrum(consuming: shuffled).spectralNorm
    let count = spectrum.singularValues.prefix { $0 > top }.count
    return ShuffleComparison(seed: seed, largestShuffledSingularValue: top, signalCount: count)
  }
}
