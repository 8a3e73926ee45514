// libFuzzer harness: `NumPy.decode` must throw a NumPyError or return, never crash, on any bytes.
import CFuzzerDriver
import FuzzSupport
import RankCollapse

#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's test function: decodes one input as a `.npy` file.
func fuzzNumPy(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  guard let data else { return 0 }
  if let array = try? NumPy.decode(UnsafeRawBufferPointer(start: data, count: size)) {
    // Exercise the accessors on whatever decoded.
    _ = array.matrix(as: Double.self)
    _ = try? array.integers()
    _ = NumPy.encode(array)
  }
  return 0
}

MemoryBudget.limit = fuzzMemoryBudget
var (argc, vector) = limitedArguments()
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = vector
exit(LLVMFuzzerRunDriver(&argc, &argv) { fuzzNumPy($0, $1) })
