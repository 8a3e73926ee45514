// libFuzzer harness: `IDX.decodeImages` and `IDX.decodeLabels` must throw an IDXError or return,
// never crash, on any bytes (raw or gzipped).
import CFuzzerDriver
import FuzzSupport
import RankCollapse

#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's test function: decodes one input as an IDX image file and as a label file.
func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  guard let data else { return 0 }
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  // The input as it is, and wrapped in a valid gzip stream so the inflating path is reached.
  for candidate in [bytes, gzipStored(bytes)] {
    _ = try? IDX.decodeImages(candidate, as: Float.self)
    _ = try? IDX.decodeLabels(candidate)
  }
  return 0
}

MemoryBudget.limit = fuzzMemoryBudget
var (argc, vector) = limitedArguments()
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = vector
exit(LLVMFuzzerRunDriver(&argc, &argv) { fuzzIDX($0, $1) })
