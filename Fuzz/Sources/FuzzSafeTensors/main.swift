// libFuzzer harness: `SafeTensors.decode` must throw a SafeTensorsError or return, never crash.
import CFuzzerDriver
import FuzzSupport
import RankCollapse

#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's test function: decodes one input as a safetensors file and re-encodes it.
func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  guard let data else { return 0 }
  if let file = try? SafeTensors.decode(UnsafeRawBufferPointer(start: data, count: size)) {
    for tensor in file.tensors {
      _ = try? tensor.matrix(as: Double.self, flattening: true)
      _ = try? tensor.integers()
    }
    // Whatever decodes must encode to a file that decodes to the same tensors.
    let again = try? SafeTensors.decode(SafeTensors.encode(file))
    precondition(again?.tensors.count == file.tensors.count, "re-encoding changed the tensors")
  }
  return 0
}

MemoryBudget.limit = fuzzMemoryBudget
var (argc, vector) = limitedArguments()
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = vector
exit(LLVMFuzzerRunDriver(&argc, &argv) { fuzzSafeTensors($0, $1) })
