extension Timing {
  /// Runs `body` `warmup` times untimed, then `reps` times, each timed on the monotonic clock.
  ///
  /// `body` returns one number derived from its result (e.g. one element of a product); the
  /// numbers of all runs, warm-ups included, are summed into `checksum`, so that the optimiser
  /// cannot drop the work and a tool can print the sum as evidence that the work was done.
  ///
  /// - Parameters:
  ///   - warmup: Untimed runs first (≥ 0).
  ///   - reps: Timed runs (≥ 0).
  ///   - body: One run of the timed operation.
  /// - Returns: The `reps` durations in seconds, in the order they were taken, and the checksum.
  /// - Throws: Whatever `body` throws; the loop stops at the first error.
  public static func repeated(
    warmup: Int, reps: Int, _ body: () throws -> Double
  ) rethrows -> (seconds: [Double], checksum: Double) {
    precondition(warmup >= 0 && reps >= 0, "warmup (\(warmup)) and reps (\(reps)) must be ≥ 0")
    var checksum = 0.0
    for _ in 0..<warmup { checksum += try body() }
    var seconds: [Double] = []
    seconds.reserveCapacity(reps)
    for _ in 0..<reps {
      let start = monotonicSeconds()
      let value = try body()
      seconds.append(monotonicSeconds() - start)
      checksum += value
    }
    return (seconds, checksum)
  }

  /// Times `variants` versions of an operation side by side, in interleaved rounds.
  ///
  /// There are `warmup + reps` rounds, each running every variant once, with the order rotated by
  /// one every round (round r runs variant (v + r) mod `variants` at position v), so that no
  /// variant always runs first, after the same neighbour, or on caches the same other variant
  /// warmed. The first `warmup` rounds are not kept.
  ///
  /// Ratios of the medians of the variants are then measured under the same machine load, which is
  /// how the project compares timings (never absolute times from separate runs).
  ///
  /// - Parameters:
  ///   - variants: The number of variants (≥ 1).
  ///   - warmup: Rounds run first and not kept (≥ 0).
  ///   - reps: Rounds kept (≥ 0).
  ///   - body: Runs variant `v` (in `0..<variants`) once and returns one number derived from its
  ///     result, summed into `checksum` as in ``repeated(warmup:reps:_:)``.
  /// - Returns: `seconds[v]`, the `reps` durations of variant `v` in round order, and the checksum
  ///   of all runs (warm-up rounds included).
  /// - Throws: Whatever `body` throws; the rounds stop at the first error.
  public static func interleaved(
    variants: Int, warmup: Int, reps: Int, _ body: (_ variant: Int) throws -> Double
  ) rethrows -> (seconds: [[Double]], checksum: Double) {
    precondition(variants >= 1, "variants (\(variants)) must be ≥ 1")
    precondition(warmup >= 0 && reps >= 0, "warmup (\(warmup)) and reps (\(reps)) must be ≥ 0")
    var seconds = [[Double]](repeating: [], count: variants)
    var checksum = 0.0
    var round = [Double](repeating: 0, count: variants)
    for repetition in 0..<(warmup + reps) {
      for position in 0..<variants {
        let variant = (position + repetition) % variants
        let start = monotonicSeconds()
        let value = try body(variant)
        round[variant] = monotonicSeconds() - start
        checksum += value
      }
      if repetition >= warmup {
        for variant in 0..<variants { seconds[variant].append(round[variant]) }
      }
    }
    return (seconds, checksum)
  }
}
