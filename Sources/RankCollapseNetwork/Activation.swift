import RankCollapseTensor
import RealModule
import _RankCollapseKernels

/// The entrywise nonlinearity σ_l of a layer (paper equation 1).
///
/// Every activation is applied in one vectorised pass fused with the bias addition, and its
/// derivative is computed from the layer's output z = σ(a) wherever that is possible, so the
/// forward pass needs to keep only the outputs (``gelu`` also keeps the pre-activation a).
///
/// | Case | σ(a) | σ′(a) |
/// |---|---|---|
/// | ``identity`` | a | 1 |
/// | ``tanh`` | tanh a | 1 − z² |
/// | ``relu`` | max(a, 0) | 1 if a > 0, else 0 |
/// | ``leakyReLU(slope:)`` | a if a > 0, else s·a | 1 if a > 0, else s |
/// | ``sigmoid`` | 1 / (1 + e⁻ᵃ) | z (1 − z) |
/// | ``gelu`` | a Φ(a) (exact, with erf) | Φ(a) + a φ(a) |
///
/// At a = 0, ReLU and leaky ReLU use the left derivative (0 and s), as PyTorch does.
public enum Activation: Sendable, Hashable, Codable, CustomStringConvertible {
  /// σ(a) = a: a linear layer (the deep linear networks of paper section 5).
  case identity
  /// The hyperbolic tangent, the activation of the paper's Figures 1 and 3–5.
  case tanh
  /// The rectified linear unit max(a, 0).
  case relu
  /// a for a > 0 and `slope`·a otherwise; `slope` must lie in [0, 1).
  case leakyReLU(slope: Double)
  /// The logistic function 1 / (1 + e⁻ᵃ).
  case sigmoid
  /// The Gaussian error linear unit a·Φ(a), Φ the standard normal distribution function (exact
  /// form, computed with `erf`; slower than the others because `erf` is not vectorised).
  case gelu

  /// A short name, such as `"tanh"` or `"leakyReLU(0.01)"`.
  public var description: String {
    switch self {
    case .identity: "identity"
    case .tanh: "tanh"
    case .relu: "relu"
    case .leakyReLU(let slope): "leakyReLU(\(slope))"
    case .sigmoid: "sigmoid"
    case .gelu: "gelu"
    }
  }

  /// Whether the processor runs the AVX2 + FMA kernels (checked once).
  @usableFromInline static let hasAVX2FMA = rc_kernels_have_avx2_fma() != 0

  /// Whether the derivative needs the pre-activation a (true only for ``gelu``).
  @inlinable
  public var needsPreActivation: Bool {
    if case .gelu = self { return true }
    return false
  }

  /// σ(a) for one scalar (reference implementation; the network uses the fused kernels).
  ///
  /// - Parameter a: The pre-activation.
  /// - Returns: σ(a).
  @inlinable
  public func callAsFunction<Scalar: MatrixScalar>(_ a: Scalar) -> Scalar {
    switch self {
    case .identity: return a
    case .tanh: return Scalar.branchFreeTanh(a)
    case .relu: return a > 0 ? a : 0
    case .leakyReLU(let slope): return a > 0 ? a : Scalar(slope) * a
    case .sigmoid: return Scalar.branchFreeLogistic(a)
    case .gelu: return a * Activation.normalCDF(a)
    }
  }

  /// σ′(a) for one scalar.
  ///
  /// - Parameter a: The pre-activation.
  /// - Returns: The derivative of σ at a.
  @inlinable
  public func derivative<Scalar: MatrixScalar>(at a: Scalar) -> Scalar {
    switch self {
    case .identity: return 1
    case .tanh:
      let z = Scalar.branchFreeTanh(a)
      return 1 - z * z
    case .relu: return a > 0 ? 1 : 0
    case .leakyReLU(let slope): return a > 0 ? 1 : Scalar(slope)
    case .sigmoid:
      let z = Scalar.branchFreeLogistic(a)
      return z * (1 - z)
    case .gelu: return Activation.normalCDF(a) + a * Activation.normalDensity(a)
    }
  }

  @inlinable
  static func normalCDF<Scalar: MatrixScalar>(_ a: Scalar) -> Scalar {
    0.5 * (1 + Scalar.erf(a * 0.707_106_781_186_547_6))
  }

  @inlinable
  static func normalDensity<Scalar: MatrixScalar>(_ a: Scalar) -> Scalar {
    0.398_942_280_401_432_7 * Scalar.exp(-0.5 * a * a)
  }
}

// MARK: - Fused kernels

extension Activation {
  /// `z ← σ(z + b)` on rows `rows` of an `n × columns` row-major buffer, where `z` holds `X Wᵀ`;
  /// with `preActivation`, also stores `z + b` there.
  ///
  /// Each case is its own loop (no closures), so that every loop is specialised and vectorised.
  @inlinable
  func applyWithBias<Scalar: MatrixScalar>(
    _ z: UnsafeMutablePointer<Scalar>, bias: UnsafePointer<Scalar>, rows: Range<Int>,
    columns: Int, preActivation: UnsafeMutablePointer<Scalar>?
  ) {
    switch self {
    case .identity:
      for i in rows {
        let row = z + i &* columns
        for j in 0..<columns { row[j] = row[j] + bias[j] }
      }
    case .tanh:
      // Eight lanes with AVX2 + FMA where the processor has them (a C kernel compiled for that
      // instruction set), four with the baseline Swift loop otherwise.
      if Activation.hasAVX2FMA && Scalar.self == Float.self {
        rc_tanh_bias_f32_avx2(
          UnsafeMutableRawPointer(z).assumingMemoryBound(to: Float.self),
          UnsafeRawPointer(bias).assumingMemoryBound(to: Float.self), Int64(rows.lowerBound),
          Int64(rows.upperBound), Int64(columns))
      } else if Activation.hasAVX2FMA && Scalar.self == Double.self {
        rc_tanh_bias_f64_avx2(
          UnsafeMutableRawPointer(z).assumingMemoryBound(to: Double.self),
          UnsafeRawPointer(bias).assumingMemoryBound(to: Double.self), Int64(rows.lowerBound),
          Int64(rows.upperBound), Int64(columns))
      } else {
        for i in rows {
          let row = z + i &* columns
          for j in 0..<columns { row[j] = Scalar.branchFreeTanh(row[j] + bias[j]) }
        }
      }
    case .relu:
      for i in rows {
        let row = z + i &* columns
        for j in 0..<columns {
          let v = row[j] + bias[j]
          row[j] = v > 0 ? v : 0
        }
      }
    case .leakyReLU(let slope):
      let s = Scalar(slope)
      for i in rows {
        let row = z + i &* columns
        for j in 0..<columns {
          let v = row[j] + bias[j]
          row[j] = v > 0 ? v : s * v
        }
      }
    case .sigmoid:
      for i in rows {
        let row = z + i &* columns
        for j in 0..<columns { row[j] = Scalar.branchFreeLogistic(row[j] + bias[j]) }
      }
    case .gelu:
      let a = preActivation.unsafelyUnwrapped
      for i in rows {
        let offset = i &* columns
        for j in 0..<columns {
          let v = z[offset &+ j] + bias[j]
          a[offset &+ j] = v
          z[offset &+ j] = v * Activation.normalCDF(v)
        }
      }
    }
  }

  /// `g ← g ⊙ σ′(a)` on rows `rows`, with σ′ computed from the outputs `z` (or the stored
  /// pre-activations for ``gelu``), accumulating the column sums of the result into `sums`.
  @inlinable
  func multiplyByDerivative<Scalar: MatrixScalar>(
    _ g: UnsafeMutablePointer<Scalar>, outputs z: UnsafePointer<Scalar>,
    preActivation: UnsafePointer<Scalar>?, rows: Range<Int>, columns: Int,
    columnSums sums: UnsafeMutablePointer<Scalar>
  ) {
    for i in rows {
      let offset = i &* columns
      let gRow = g + offset
      let zRow = z + offset
      switch self {
      case .identity:
        for j in 0..<columns { sums[j] += gRow[j] }
      case .tanh:
        for j in 0..<columns {
          let d = gRow[j] * (1 - zRow[j] * zRow[j])
          gRow[j] = d
          sums[j] += d
        }
      case .relu:
        for j in 0..<columns {
          let d = zRow[j] > 0 ? gRow[j] : 0
          gRow[j] = d
          sums[j] += d
        }
      case .leakyReLU(let slope):
        let s = Scalar(slope)
        for j in 0..<columns {
          let d = zRow[j] > 0 ? gRow[j] : s * gRow[j]
          gRow[j] = d
          sums[j] += d
        }
      case .sigmoid:
        for j in 0..<columns {
          let d = gRow[j] * zRow[j] * (1 - zRow[j])
          gRow[j] = d
          sums[j] += d
        }
      case .gelu:
        let aRow = preActivation.unsafelyUnwrapped + offset
        for j in 0..<columns {
          let a = aRow[j]
          let d = gRow[j] * (Activation.normalCDF(a) + a * Activation.normalDensity(a))
          gRow[j] = d
          sums[j] += d
        }
      }
    }
  }
}
