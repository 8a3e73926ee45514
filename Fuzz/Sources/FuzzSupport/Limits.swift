// Resource limits every harness runs under, so that a parser that allocates or loops more than an
// input can justify fails the fuzzer instead of passing slowly.

#if canImport(Glibc)
import Glibc
#endif

/// The memory budget the harnesses give the library (`MemoryBudget.limit`), 256 MiB.
///
/// Inputs that declare more must be refused before anything is allocated; the allocation limit
/// in ``fuzzLimitFlags`` (twice this) turns any allocation past it into a failure.
public let fuzzMemoryBudget = 256 << 20

/// The libFuzzer limits every harness runs under.
///
/// They are added before the command line's own flags, which override them (libFuzzer keeps the
/// last value of a flag):
/// - `-rss_limit_mb=2048`: a run whose resident memory passes 2 GiB fails (out-of-memory);
/// - `-malloc_limit_mb=512`: a single allocation over 512 MiB fails, at the allocation;
/// - `-timeout=10`: one input taking more than 10 s fails (a quadratic or endless loop).
public let fuzzLimitFlags = ["-rss_limit_mb=2048", "-malloc_limit_mb=512", "-timeout=10"]

/// The process's arguments with ``fuzzLimitFlags`` inserted after the program name, as a C
/// `argv` that lives until the process exits, for `LLVMFuzzerRunDriver`.
///
/// - Returns: The argument count and vector.
public func limitedArguments() -> (Int32, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) {
  let arguments = CommandLine.arguments
  let all = Array(arguments.prefix(1)) + fuzzLimitFlags + arguments.dropFirst()
  let vector = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(
    capacity: all.count + 1)
  for (index, argument) in all.enumerated() { vector[index] = strdup(argument) }
  vector[all.count] = nil
  return (Int32(all.count), vector)
}
