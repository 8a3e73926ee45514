import RealModule

/// A small, fast, seedable random number generator: xoshiro256** seeded through SplitMix64.
///
/// Every random choice in RankCollapse takes a generator argument, so a run is reproduced by
/// passing a `SeededGenerator` with the same seed. The sequence depends only on the seed, never on
/// the platform.
///
/// ```swift
/// var generator = SeededGenerator(seed: 42)
/// let w = Matrix<Float>.randomNormal(rows: 400, columns: 784, using: &generator)
/// ```
///
/// Reference: D. Blackman and S. Vigna, "Scrambled linear pseudorandom number generators" (2021).
/// Not for cryptography.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable, Codable {
  @usableFromInline var s0: UInt64
  @usableFromInline var s1: UInt64
  @usableFromInline var s2: UInt64
  @usableFromInline var s3: UInt64

  /// Creates a generator whose state is expanded from `seed` by SplitMix64.
  ///
  /// - Parameter seed: Any 64-bit value; equal seeds give equal sequences.
  public init(seed: UInt64) {
    var x = seed
    func splitMix() -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitMix()
    s1 = splitMix()
    s2 = splitMix()
    s3 = splitMix()
  }

  /// The next 64 random bits.
  ///
  /// - Returns: A uniformly distributed `UInt64`.
  @inlinable
  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = s3 << 45 | s3 >> 19
    return result
  }
}

/// Standard normal samples by the Box–Muller transform, caching the second value of each pair.
@usableFromInline
struct NormalSampler {
  @usableFromInline var spare: Double?

  @inlinable
  init() { spare = nil }

  /// The next standard normal sample.
  @inlinable
  mutating func next(using generator: inout some RandomNumberGenerator) -> Double {
    if let value = spare {
      spare = nil
      return value
    }
    // u1 in (0, 1] so that log(u1) is finite.
    let u1 = 1 - Double.random(in: 0..<1, using: &generator)
    let u2 = Double.random(in: 0..<1, using: &generator)
    let radius = (-2 * Double.log(u1)).squareRoot()
    let angle = 2 * Double.pi * u2
    spare = radius * Double.sin(angle)
    return radius * Double.cos(angle)
  }
}
