// libFuzzer harness: `NumPy.decodeArchive` and `NumPy.archiveInfo` must throw a NumPyError or
// return, never crash, within the memory budget.
import CFuzzerDriver
import FuzzSupport
import RankCollapse

#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's test function: decodes one input as a `.npz` archive.
func fuzzNumPyArchive(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  guard let data else { return 0 }
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  // The input as an archive, and as the member of a valid archive (past the CRC-32 check).
  for candidate in [bytes, zipStored(bytes)] {
    if let archive = try? NumPy.decodeArchive(candidate) {
      for (_, array) in archive.elements { _ = array.vector(as: Float.self) }
    }
    // Member by member: describe every member (N-D ones too), then read the matrices only.
    if let infos = try? NumPy.archiveInfo(candidate) {
      let matrices = Set(infos.filter(\.isMatrix).map(\.name))
      _ = try? NumPy.decodeArchive(candidate, including: matrices.contains)
    }
  }
  return 0
}

MemoryBudget.limit = fuzzMemoryBudget
var (argc, vector) = limitedArguments()
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = vector
exit(LLVMFuzzerRunDriver(&argc, &argv) { fuzzNumPyArchive($0, $1) })
