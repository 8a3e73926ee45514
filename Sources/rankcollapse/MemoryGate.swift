import Foundation

/// Limits the memory of the matrices being analysed at the same time.
///
/// `analyze` spreads matrices over threads; reading them lazily (a safetensors checkpoint is read
/// tensor by tensor), each thread holds one `Double` matrix while its singular values are
/// computed. A gate of `capacity` bytes lets a matrix start only while the matrices in flight
/// plus it fit (or nothing else is in flight, so a matrix larger than the capacity still runs,
/// alone). With ``capacity(for:)`` the peak is at most 1.5 times the largest matrix's `Double`
/// copy: the largest runs beside matrices up to half its size (the small layers of a model keep
/// the other threads busy while its embedding is factorised), never beside another large one.
final class MemoryGate: @unchecked Sendable {
  /// The bytes that may be in flight at once.
  let capacity: Int
  private let condition = NSCondition()
  private var inFlight = 0
  private var holders = 0

  /// Creates a gate.
  ///
  /// - Parameter capacity: The bytes that may be in flight at once.
  init(capacity: Int) { self.capacity = capacity }

  /// The capacity for `bytes`, the `Double` sizes of the matrices of one run: 1.5 times the
  /// largest.
  static func capacity(for bytes: [Int]) -> Int {
    let largest = bytes.max() ?? 0
    let (sum, overflow) = largest.addingReportingOverflow(largest / 2)
    return overflow ? .max : sum
  }

  /// Waits until `bytes` fit beside the matrices in flight, and counts them in.
  func enter(_ bytes: Int) {
    condition.lock()
    defer { condition.unlock() }
    while holders > 0 && (inFlight > capacity || bytes > capacity - inFlight) {
      condition.wait()
    }
    inFlight += bytes
    holders += 1
  }

  /// Counts `bytes` out again, waking the threads that wait; nothing for 0 bytes.
  func leave(_ bytes: Int) {
    guard bytes > 0 else { return }
    condition.lock()
    inFlight -= bytes
    holders -= 1
    condition.broadcast()
    condition.unlock()
  }
}

extension MemoryGate {
  /// A gate for the matrices of one run that are read on demand.
  convenience init(_ inputs: [MatrixInput]) {
    self.init(capacity: Self.capacity(for: inputs.filter(\.readsOnDemand).map(\.doubleByteCount)))
  }

  /// Waits until `input` may be read (at once for a matrix already in memory).
  ///
  /// - Returns: The bytes to pass to ``leave(_:)``.
  func enter(_ input: MatrixInput) -> Int {
    guard input.readsOnDemand else { return 0 }
    let bytes = input.doubleByteCount
    enter(bytes)
    return bytes
  }
}

extension MatrixInput {
  /// The bytes of the `Double` matrix, `8·m·n` (saturating).
  var doubleByteCount: Int {
    var bytes = MemoryLayout<Double>.size
    for dimension in shape {
      let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
      bytes = overflow ? .max : product
    }
    return bytes
  }
}
