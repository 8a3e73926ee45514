// Branch-free elementary functions that the compiler can vectorise.
//
// The C library's `expf`/`tanhf` are calls the optimiser cannot look into, so a loop over a matrix
// that calls them runs one element at a time. The functions here are written with arithmetic,
// comparisons turned into selects, and bit manipulation only, so a loop over a buffer becomes SIMD
// code. Accuracy is measured in the tests against the C library (a few units in the last place).
//
// exp(x) = 2ⁿ · eʳ with n = round(x / ln 2), r = x − n·ln 2 (ln 2 split in a high and a low part
// so the reduction is exact), eʳ from its Taylor series (|r| ≤ ln 2 / 2), and 2ⁿ built from its
// exponent bits. tanh uses rational approximations (see each function); the logistic function
// uses e^(−|x|) so it never overflows.

extension Float {
  /// eˣ without branches, for loops the compiler vectorises (relative error below 4·10⁻⁷).
  ///
  /// `NaN` gives `NaN`, arguments above 88.72 give `+∞`, arguments below −87.33 give 0.
  ///
  /// - Parameter x: The exponent.
  /// - Returns: eˣ.
  @inlinable @inline(__always)
  public static func branchFreeExp(_ x: Float) -> Float {
    let high: Float = 88.72283
    let low: Float = -87.33654
    // NaN-preserving clamp: a comparison with NaN is false, so NaN passes through.
    var t = x > high ? high : x
    t = t < low ? low : t
    let shifter: Float = 12_582_912  // 1.5 · 2²³: adding it rounds to an integer.
    let shifted = t * 1.442_695_04 + shifter
    let n = shifted - shifter
    let r = (t - n * 0.693_359_375) + n * 2.121_944_4e-4
    // eʳ by Taylor to degree 7 (|r| ≤ 0.3466: truncation below 6·10⁻⁹).
    var p: Float = 1.0 / 5040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    // 2ⁿ from the integer in the low bits of `shifted`; n ∈ [−126, 128] after the clamp, so scale
    // in two halves to stay within normal numbers.
    let k = Int32(bitPattern: shifted.bitPattern &- shifter.bitPattern)
    let k1 = k >> 1
    let k2 = k &- k1
    let s1 = Float(bitPattern: UInt32(bitPattern: (k1 &+ 127) << 23))
    let s2 = Float(bitPattern: UInt32(bitPattern: (k2 &+ 127) << 23))
    var result = p * s1 * s2
    result = x > high ? .infinity : result
    result = x < low ? 0 : result
    return result
  }

  /// tanh(x) without branches, for loops the compiler vectorises (at most 6 ulp from the
  /// correctly rounded value, mean below 1 ulp).
  ///
  /// A rational approximation x·P(x²)/Q(x²) with P of degree 6 and Q of degree 3, fitted for
  /// this library (iteratively reweighted least squares towards the minimax relative error on
  /// [0, 9], where tanh rounds to 1 in single precision), evaluated on |x| clamped to 9. It
  /// costs about half of the exp-based form the `Double` version uses.
  ///
  /// - Parameter x: The argument.
  /// - Returns: tanh(x); `NaN` for `NaN`.
  @inlinable @inline(__always)
  public static func branchFreeTanh(_ x: Float) -> Float {
    let signBit = x.bitPattern & 0x8000_0000
    let a = Float(bitPattern: x.bitPattern & 0x7FFF_FFFF)
    // NaN passes the clamp (a comparison with NaN is false).
    let c = a > 9 ? Float(9) : a
    let t = c * c
    var p: Float = -0x1.7f737ap-44
    p = p * t + 0x1.d0eb12p-35
    p = p * t - 0x1.5ba662p-26
    p = p * t + 0x1.765448p-17
    p = p * t + 0x1.96da76p-9
    p = p * t + 0x1.0bf638p-3
    p = p * t + 1
    var q: Float = 0x1.0b0002p-12
    q = q * t + 0x1.915578p-6
    q = q * t + 0x1.db506ep-2
    q = q * t + 1
    let r = c * p / q
    let magnitude = r > 1 ? Float(1) : r
    return Float(bitPattern: magnitude.bitPattern | signBit)
  }

  /// The logistic function 1 / (1 + e⁻ˣ) without branches, for vectorised loops.
  ///
  /// - Parameter x: The argument.
  /// - Returns: 1 / (1 + e⁻ˣ), computed from e^(−|x|) so that it never overflows.
  @inlinable @inline(__always)
  public static func branchFreeLogistic(_ x: Float) -> Float {
    let a = Float(bitPattern: x.bitPattern & 0x7FFF_FFFF)
    let e = branchFreeExp(-a)
    let s = 1 / (1 + e)
    return x < 0 ? e * s : s
  }
}

extension Double {
  /// eˣ without branches, for loops the compiler vectorises (relative error below 10⁻¹⁵).
  ///
  /// `NaN` gives `NaN`, arguments above 709.78 give `+∞`, arguments below −708.39 give 0.
  ///
  /// - Parameter x: The exponent.
  /// - Returns: eˣ.
  @inlinable @inline(__always)
  public static func branchFreeExp(_ x: Double) -> Double {
    let high = 709.782_712_893_384
    let low = -708.396_418_532_264_1
    var t = x > high ? high : x
    t = t < low ? low : t
    let shifter = 6_755_399_441_055_744.0  // 1.5 · 2⁵²
    let shifted = t * 1.442_695_040_888_963_4 + shifter
    let n = shifted - shifter
    let r = (t - n * 0x1.62e42fee00000p-1) - n * 0x1.a39ef35793c76p-33
    // eʳ by Taylor to degree 13 (|r| ≤ 0.3466: truncation below 5·10⁻¹⁸).
    var p = 1.0 / 6_227_020_800
    p = p * r + 1.0 / 479_001_600
    p = p * r + 1.0 / 39_916_800
    p = p * r + 1.0 / 3_628_800
    p = p * r + 1.0 / 362_880
    p = p * r + 1.0 / 40_320
    p = p * r + 1.0 / 5_040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let k = Int64(bitPattern: shifted.bitPattern &- shifter.bitPattern)
    // ⌊k/2⌋ with a logical shift of k + 2048 (positive): SSE2 has no 64-bit arithmetic shift,
    // and `k >> 1` would keep the loop from vectorising.
    let k1 = Int64(bitPattern: UInt64(bitPattern: k &+ 2048) >> 1) &- 1024
    let k2 = k &- k1
    let s1 = Double(bitPattern: UInt64(bitPattern: (k1 &+ 1023) << 52))
    let s2 = Double(bitPattern: UInt64(bitPattern: (k2 &+ 1023) << 52))
    var result = p * s1 * s2
    result = x > high ? .infinity : result
    result = x < low ? 0 : result
    return result
  }

  /// tanh(x) without branches, for loops the compiler vectorises (within 4 ulp).
  ///
  /// Two rational forms share one division. Below |x| = 1/4, the convergent
  /// x(2027025 + 270270x² + 6930x⁴ + 36x⁶) / (2027025 + 945945x² + 51975x⁴ + 630x⁶ + x⁸) of
  /// Lambert's continued fraction tanh x = x/(1 + x²/(3 + x²/(5 + …))). Above, with
  /// e^(−2|x|) = 2ⁿ·P(r)/P(−r) (range reduction as in ``branchFreeExp(_:)``, P the [6/6] Padé
  /// numerator of eʳ), tanh|x| = (P(−r) − 2ⁿP(r)) / (P(−r) + 2ⁿP(r)).
  ///
  /// - Parameter x: The argument.
  /// - Returns: tanh(x); `NaN` for `NaN`.
  @inlinable @inline(__always)
  public static func branchFreeTanh(_ x: Double) -> Double {
    let signBit = x.bitPattern & 0x8000_0000_0000_0000
    let a = Double(bitPattern: x.bitPattern & 0x7FFF_FFFF_FFFF_FFFF)
    // Beyond 19.1, tanh rounds to 1 in double precision; NaN passes the clamp.
    let c = a > 19.1 ? 19.1 : a
    // Small arguments: the continued-fraction convergent in t = x².
    let t = a * a
    var smallNumerator = 0x1.29f6b20961c00p-16
    smallNumerator = smallNumerator * t + 0x1.c01c01c01c01cp-9
    smallNumerator = smallNumerator * t + 0x1.1111111111111p-3
    smallNumerator = smallNumerator * t + 1
    var smallDenominator = 0x1.08db48ebe51c7p-21
    smallDenominator = smallDenominator * t + 0x1.45e5d2ba42ea0p-12
    smallDenominator = smallDenominator * t + 0x1.a41a41a41a41ap-6
    smallDenominator = smallDenominator * t + 0x1.ddddddddddddep-2
    smallDenominator = smallDenominator * t + 1
    // Large arguments: e^(−2c) = 2ⁿ · P(r) / P(−r), |r| ≤ ln 2 / 2.
    let shifter = 6_755_399_441_055_744.0  // 1.5 · 2⁵²
    let y = 2 * c
    let shifted = y * -1.442_695_040_888_963_4 + shifter
    let n = shifted - shifter
    let r = (-y - n * 0x1.62e42fee00000p-1) - n * 0x1.a39ef35793c76p-33
    let r2 = r * r
    var even = 0x1.937e11175f095p-20
    even = even * r2 + 0x1.4afd6a052bf5bp-10
    even = even * r2 + 0x1.d1745d1745d17p-4
    even = even * r2 + 1
    var odd = 0x1.08cabb37565e2p-14
    odd = odd * r2 + 0x1.f07c1f07c1f08p-7
    odd = odd * r2 + 0.5
    odd *= r
    let k = Int64(bitPattern: shifted.bitPattern &- shifter.bitPattern)
    let scale = Double(bitPattern: UInt64(bitPattern: (k &+ 1023) << 52))
    let scaledNumerator = scale * (even + odd)
    let denominator = even - odd
    let small = a < 0.25
    let numerator = small ? a * smallNumerator : denominator - scaledNumerator
    let divisor = small ? smallDenominator : denominator + scaledNumerator
    let magnitude = numerator / divisor
    return Double(bitPattern: magnitude.bitPattern | signBit)
  }

  /// The logistic function 1 / (1 + e⁻ˣ) without branches, for vectorised loops.
  ///
  /// - Parameter x: The argument.
  /// - Returns: 1 / (1 + e⁻ˣ), computed from e^(−|x|) so that it never overflows.
  @inlinable @inline(__always)
  public static func branchFreeLogistic(_ x: Double) -> Double {
    let a = Double(bitPattern: x.bitPattern & 0x7FFF_FFFF_FFFF_FFFF)
    let e = branchFreeExp(-a)
    let s = 1 / (1 + e)
    return x < 0 ? e * s : s
  }
}
