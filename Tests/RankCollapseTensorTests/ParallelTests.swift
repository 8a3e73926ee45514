import Foundation
import RankCollapseTensor
import Synchronization
import Testing

@Suite("Parallel blocks")
struct ParallelTests {
  @Test("Every block runs exactly once, also when several threads use the pool at once")
  func everyBlockOnce() async {
    await withTaskGroup(of: Bool.self) { group in
      for task in 0..<8 {
        group.addTask {
          var ok = true
          for round in 0..<50 {
            let blocks = 1 + (task + round) % 5
            // Each block sets its own bit; a block run twice or never leaves a wrong mask.
            let mask = Atomic<Int>(0)
            let twice = Atomic<Bool>(false)
            Parallel.run(blocks: blocks) { index in
              let old = mask.bitwiseOr(1 << index, ordering: .relaxed).oldValue
              if old & (1 << index) != 0 { twice.store(true, ordering: .relaxed) }
            }
            ok =
              ok && mask.load(ordering: .relaxed) == (1 << blocks) - 1
              && !twice.load(ordering: .relaxed)
          }
          return ok
        }
      }
      for await ok in group { #expect(ok) }
    }
  }

  @Test("Back-to-back and spaced-out regions (workers spinning or parked) all complete")
  func wakeUps() {
    var total = 0
    for round in 0..<20_000 {
      let blocks = 2 + round % 3
      let mask = Atomic<Int>(0)
      Parallel.run(blocks: blocks) { index in
        mask.bitwiseOr(1 << index, ordering: .relaxed)
      }
      if mask.load(ordering: .relaxed) == (1 << blocks) - 1 { total += 1 }
      // Every 100th round, wait long enough for the workers to park on their semaphores.
      if round % 100 == 99 { usleep(500) }
    }
    #expect(total == 20_000)
  }

  @Test("Chunks cover every element exactly once, in order, on 64-element boundaries")
  func chunksPartition() {
    for elements in [0, 1, 63, 64, 65, 1000, 32_768, 100_001] {
      for chunks in 1...4 {
        var next = 0
        for index in 0..<chunks {
          let range = Parallel.chunk(index, of: chunks, elements: elements)
          #expect(range.lowerBound == next, "\(elements) in \(chunks): chunk \(index)")
          #expect(range.lowerBound % 64 == 0 || range.isEmpty)
          next = range.upperBound
        }
        #expect(next == elements, "\(elements) in \(chunks) chunks")
      }
    }
    #expect(Parallel.chunkCount(elements: 100) == 1)
  }

  @Test("Blocks that write disjoint memory produce the serial result")
  func disjointWrites() {
    var values = [Double](repeating: 0, count: 1000)
    values.withUnsafeMutableBufferPointer { buffer in
      let base = buffer.baseAddress!
      let shared = SendablePointer(base)
      Parallel.run(blocks: 4) { index in
        for i in stride(from: index, to: 1000, by: 4) { shared.pointer[i] = Double(i * i) }
      }
    }
    #expect(values == (0..<1000).map { Double($0 * $0) })
    Parallel.run(blocks: 0) { _ in Issue.record("no block should run") }
  }
}

private struct SendablePointer: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Double>
  init(_ pointer: UnsafeMutablePointer<Double>) { self.pointer = pointer }
}
