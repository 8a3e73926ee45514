// The pieces every timing executable of this package shares: clocks, the warm-up + timed
// repetition loops (interleaved, rotating order), order statistics of the samples and their JSON
// form. `ThreadOptions` holds the shared `--threads` option.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Clocks, repetition loops and summaries shared by the timing executables.
///
/// A timing executable builds its operands once, hands a closure that runs the operation once to
/// ``repeated(warmup:reps:_:)`` (or several to ``interleaved(variants:warmup:reps:_:)`` when
/// variants are compared in one process), and prints the samples with ``median(_:)``,
/// ``minimum(_:)`` and ``jsonArray(_:)``:
///
/// ```swift
/// let run = try Timing.repeated(warmup: 2, reps: 20) { Double(a.matmul(b)[0, 0]) }
/// print("{\"median\": \(Timing.median(run.seconds)), \"times\": \(Timing.jsonArray(run.seconds))}")
/// ```
public enum Timing {
  /// Seconds on the monotonic clock (`CLOCK_MONOTONIC`): wall-clock time that never jumps.
  ///
  /// Only differences of two readings mean anything.
  public static func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
  }

  /// CPU seconds this process has used, summed over all its threads
  /// (`CLOCK_PROCESS_CPUTIME_ID`), which a busy machine disturbs less than wall-clock time.
  ///
  /// Only differences of two readings mean anything.
  public static func processSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
  }
}
