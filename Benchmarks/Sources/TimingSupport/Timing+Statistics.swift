extension Timing {
  /// The median of `samples`: the middle value of the sorted samples, or the mean of the two middle
  /// values when their number is even.
  ///
  /// - Parameter samples: At least one duration.
  /// - Returns: The median.
  /// - Complexity: O(n log n) for n samples.
  public static func median(_ samples: [Double]) -> Double {
    precondition(!samples.isEmpty, "the median of no samples")
    let sorted = samples.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }

  /// The upper median of `samples`: the sorted samples' element at index n / 2 (the median when n
  /// is odd, the larger of the two middle values when it is even).
  ///
  /// `DataTimings`, `KMeansTimings` and the per-product table of `RankCollapseTrainingTimings` have
  /// always printed this statistic; they keep it so that their numbers stay comparable with
  /// earlier runs. New tools use ``median(_:)``.
  ///
  /// - Parameter samples: At least one duration.
  /// - Returns: The upper median.
  /// - Complexity: O(n log n) for n samples.
  public static func upperMedian(_ samples: [Double]) -> Double {
    precondition(!samples.isEmpty, "the upper median of no samples")
    return samples.sorted()[samples.count / 2]
  }

  /// The smallest of `samples`.
  ///
  /// - Parameter samples: At least one duration.
  /// - Returns: The minimum.
  /// - Complexity: O(n) for n samples.
  public static func minimum(_ samples: [Double]) -> Double {
    guard let smallest = samples.min() else { preconditionFailure("the minimum of no samples") }
    return smallest
  }

  /// `samples` as a JSON array in the order given: `[0.25, 0.5]` (Swift's shortest round-trip
  /// spelling of each number, separated by a comma and a space).
  ///
  /// - Parameter samples: Finite durations (JSON has no spelling for infinities or NaN).
  /// - Returns: The JSON text, `[]` for no samples.
  public static func jsonArray(_ samples: [Double]) -> String {
    "[" + samples.map { "\($0)" }.joined(separator: ", ") + "]"
  }
}
