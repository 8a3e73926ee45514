import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs independent blocks of work on a persistent pool of threads.
///
/// Partitioned matrix products (see ``BLAS/Threading/partitionOutput``) and the elementwise
/// passes of a training step split their work into a few blocks per call. Starting those blocks
/// with `DispatchQueue.concurrentPerform` costs three allocations and a thread wake-up per call;
/// this pool keeps its threads parked on semaphores between calls and costs one small allocation
/// (the closure's context) per call. The calling thread runs block 0 itself.
///
/// Blocks write disjoint memory and each block's arithmetic does not depend on which thread runs
/// it, so results are the same whether the blocks run concurrently or one after another. When the
/// pool is already busy (another thread is using it, or a block calls ``run(blocks:_:)`` again),
/// the blocks run one after another on the calling thread.
public enum Parallel {
  /// Calls `body(0)`, …, `body(blocks − 1)`, concurrently where threads are free, and returns
  /// when all have finished.
  ///
  /// - Parameters:
  ///   - blocks: The number of blocks (at least 1 runs anything).
  ///   - body: The work of one block; blocks must not write the same memory.
  @inlinable
  public static func run(blocks: Int, _ body: (Int) -> Void) {
    if blocks <= 1 {
      if blocks == 1 { body(0) }
      return
    }
    WorkerPool.shared.run(blocks: blocks, body)
  }
}

extension Parallel {
  /// The number of chunks an elementwise pass over `elements` values is split into:
  /// `BLAS.threadCount` when there are at least `minimum` values, else 1.
  ///
  /// - Parameters:
  ///   - elements: The length of the pass.
  ///   - minimum: The length below which splitting costs more than it saves.
  /// - Returns: The number of chunks, at least 1.
  @inlinable
  public static func chunkCount(elements: Int, minimum: Int = 1 << 15) -> Int {
    elements >= minimum ? Swift.max(1, Swift.min(BLAS.threadCount, elements / 64)) : 1
  }

  /// The range of chunk `index` out of `chunks` over `elements` values; boundaries are multiples
  /// of 64, so vectorised loops over a chunk start aligned like the whole buffer.
  ///
  /// - Parameters:
  ///   - index: The chunk, `0 ..< chunks`.
  ///   - chunks: The number of chunks.
  ///   - elements: The length of the pass.
  /// - Returns: The chunk's element indices.
  @inlinable
  public static func chunk(_ index: Int, of chunks: Int, elements: Int) -> Range<Int> {
    let size = ((elements + chunks - 1) / chunks + 63) & ~63
    let start = Swift.min(index * size, elements)
    return start..<Swift.min(start + size, elements)
  }
}

/// The threads behind ``Parallel``.
@usableFromInline
final class WorkerPool: @unchecked Sendable {
  @usableFromInline static let shared = WorkerPool()

  /// Set while a call is using the workers.
  let busy = Atomic<Bool>(false)
  /// The parked workers; only touched by the call that holds `busy`.
  var workers: [Worker] = []
  /// The current call's work, readable by the workers between their start and done signals.
  var job: ((Int) -> Void)?

  @usableFromInline
  func run(blocks: Int, _ body: (Int) -> Void) {
    guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    else {
      for index in 0..<blocks { body(index) }
      return
    }
    defer { busy.store(false, ordering: .releasing) }
    while workers.count < blocks - 1 { workers.append(Worker(pool: self)) }
    // `job` is cleared before this function returns, after every worker has signalled that it
    // finished, so the closure does not escape. (The conversion costs one small allocation for
    // the closure's context per call; Dispatch's concurrentPerform costs three.)
    withoutActuallyEscaping(body) { body in
      job = body
      for index in 1..<blocks {
        let worker = workers[index - 1]
        worker.index = index
        worker.start.signal()
      }
      body(0)
      for index in 1..<blocks { workers[index - 1].done.wait() }
      job = nil
    }
  }
}

/// One parked thread of the ``WorkerPool``.
final class Worker: @unchecked Sendable {
  let start = DispatchSemaphore(value: 0)
  let done = DispatchSemaphore(value: 0)
  unowned let pool: WorkerPool
  /// The block to run next, set before `start` is signalled.
  var index = 0

  init(pool: WorkerPool) {
    self.pool = pool
    var thread = pthread_t()
    let context = Unmanaged.passRetained(self).toOpaque()
    let status = pthread_create(
      &thread, nil,
      { context in
        guard let context else { return nil }
        let worker = Unmanaged<Worker>.fromOpaque(context).takeRetainedValue()
        worker.loop()
        return nil
      }, context)
    precondition(status == 0, "Parallel: could not start a worker thread (error \(status))")
    pthread_detach(thread)
  }

  func loop() {
    while true {
      start.wait()
      if let job = pool.job { job(index) }
      done.signal()
    }
  }
}
