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
@usableFromInline
package enum Parallel {
  /// Calls `body(0)`, …, `body(blocks − 1)`, concurrently where threads are free, and returns
  /// when all have finished.
  ///
  /// - Parameters:
  ///   - blocks: The number of blocks (at least 1 runs anything).
  ///   - body: The work of one block; blocks must not write the same memory.
  @inlinable
  package static func run(blocks: Int, _ body: @Sendable (Int) -> Void) {
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
  package static func chunkCount(elements: Int, minimum: Int = 1 << 15) -> Int {
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
  package static func chunk(_ index: Int, of chunks: Int, elements: Int) -> Range<Int> {
    let size = ((elements + chunks - 1) / chunks + 63) & ~63
    let start = Swift.min(index * size, elements)
    return start..<Swift.min(start + size, elements)
  }
}

/// The threads behind ``Parallel``.
///
/// Hand-off: each worker counts the jobs requested of it and the jobs it completed. The caller
/// publishes the job, increments every worker's `requested` and wakes those that are parked; it
/// then runs block 0 and waits until every worker's `completed` catches up. A worker that finished
/// a job spins on `requested` for a short while (a training step starts its parallel regions back
/// to back) before it parks on its semaphore. A wake-up that finds nothing new just parks again,
/// so a stale semaphore signal can never make a worker run a job twice.
@usableFromInline
final class WorkerPool: @unchecked Sendable {
  @usableFromInline static let shared = WorkerPool()

  /// Set while a call is using the workers.
  let busy = Atomic<Bool>(false)
  /// The workers; only touched by the call that holds `busy`.
  var workers: [Worker] = []
  /// The current call's work and its number of blocks, read by the workers between their
  /// `requested` and `completed` increments.
  var job: (@Sendable (Int) -> Void)?
  var blocks = 0

  @usableFromInline
  func run(blocks: Int, _ body: @Sendable (Int) -> Void) {
    guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    else {
      for index in 0..<blocks { body(index) }
      return
    }
    defer { busy.store(false, ordering: .releasing) }
    while workers.count < blocks - 1 {
      workers.append(Worker(pool: self, index: workers.count + 1))
    }
    let active = blocks - 1
    // `job` is cleared before this function returns, after every worker has finished, so the
    // closure does not escape. (The conversion costs one small allocation for the closure's
    // context per call; Dispatch's concurrentPerform costs three.)
    withoutActuallyEscaping(body) { body in
      job = body
      self.blocks = blocks
      for worker in workers[0..<active] {
        let ticket = worker.requested.add(1, ordering: .sequentiallyConsistent).newValue
        worker.ticket = ticket
        if worker.sleeping.load(ordering: .sequentiallyConsistent) { worker.start.signal() }
      }
      body(0)
      for worker in workers[0..<active] {
        var spins = 0
        while worker.completed.load(ordering: .sequentiallyConsistent) != worker.ticket {
          spins += 1
          if spins > 1000 { sched_yield() }
        }
      }
      job = nil
    }
  }
}

/// One thread of the ``WorkerPool``; it runs block `index` of the jobs requested of it.
final class Worker: @unchecked Sendable {
  let start = DispatchSemaphore(value: 0)
  /// Jobs requested of this worker, and jobs it has completed.
  let requested = Atomic<Int>(0)
  let completed = Atomic<Int>(0)
  /// True while the worker is parked (or about to park) on `start`.
  let sleeping = Atomic<Bool>(false)
  /// The caller's copy of the latest request number (only touched by the caller).
  var ticket = 0
  unowned let pool: WorkerPool
  let index: Int

  init(pool: WorkerPool, index: Int) {
    self.pool = pool
    self.index = index
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
    var done = 0
    while true {
      var spins = 0
      while requested.load(ordering: .sequentiallyConsistent) == done {
        spins += 1
        if spins > 20_000 {
          // Park. The caller checks `sleeping` after raising `requested`, so a request made
          // after the check below is followed by a signal.
          sleeping.store(true, ordering: .sequentiallyConsistent)
          if requested.load(ordering: .sequentiallyConsistent) == done { start.wait() }
          sleeping.store(false, ordering: .sequentiallyConsistent)
          spins = 0
        }
      }
      if index < pool.blocks, let job = pool.job { job(index) }
      done += 1
      completed.store(done, ordering: .sequentiallyConsistent)
    }
  }
}

/// A value handed to the blocks of ``Parallel/run(blocks:_:)`` that Swift cannot prove safe to
/// share between threads: a raw pointer into a buffer whose blocks write disjoint elements.
///
/// The one wrapper of its kind in the package. Wrap the pointer right before the parallel loop
/// and unwrap it inside the block; the caller keeps the promise that blocks touch disjoint memory
/// and that the buffer outlives the call.
@usableFromInline
package struct UncheckedSendable<Value>: @unchecked Sendable {
  /// The wrapped value.
  @usableFromInline package let value: Value

  /// Wraps `value`.
  ///
  /// - Parameter value: The pointer (or other value) to share.
  @inlinable package init(_ value: Value) { self.value = value }
}
