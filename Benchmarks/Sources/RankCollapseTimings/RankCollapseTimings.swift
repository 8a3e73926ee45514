// Times one `Matrix` operation and prints JSON, for `compare_numpy.py` to set beside NumPy.
//
//   swift run -c release RankCollapseTimings --op gemm-f32 --reps 20
//
// The operation is called exactly as a consumer of the library would call it; the operands are
// standard normal, as in the Python script, so both sides do the same work on the same shapes.

import ArgumentParser
import RankCollapse
import TimingSupport

/// An operation the tool can time, named as in `compare_numpy.py`.
enum TimedOperation: String, TimedOperations {
  static let defaultRepetitions = 20
  static let defaultWarmup = 2

  case gemmF32 = "gemm-f32"
  case gemmF32InPlace = "gemm-f32-inplace"
  case gemmF64 = "gemm-f64"
  case gramF32 = "gram-f32"
  case gramF32GEMM = "gram-f32-gemm"
  case gramF64 = "gram-f64"
  case gramF64GEMM = "gram-f64-gemm"
  case singularValues400 = "svals-400x784"
  case singularValues784 = "svals-784x784"
  case thinSVD400 = "svd-400x784"
  case tanhMap = "tanh-map"
  case tanhApply = "tanh-apply"
}

/// The command-line tool: parse the arguments, build the operands, time the repetitions.
@main
struct RankCollapseTimings: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Time one RankCollapse matrix operation and print JSON (seconds).")

  @OptionGroup var timing: TimingOptions<TimedOperation>

  @OptionGroup var threadOptions: ThreadOptions

  @Option(help: "How products use the threads: partitionOutput (default) or openBLAS.")
  var threading: String = "partitionOutput"

  func validate() throws {
    guard ["partitionOutput", "openBLAS"].contains(threading) else {
      throw ValidationError("--threading must be partitionOutput or openBLAS, got \(threading)")
    }
  }

  func run() throws {
    threadOptions.apply()
    BLAS.threading = threading == "openBLAS" ? .openBLAS : .partitionOutput
    let body = try makeBody(timing.op)
    let (times, checksum) = try Timing.repeated(warmup: timing.warmup, reps: timing.reps, body)
    print(
      """
      {"op": "\(timing.op.rawValue)", "threads": \(BLAS.threadCount), "core": "\(BLAS.coreName)", \
      "reps": \(timing.reps), "median": \(Timing.median(times)), "min": \(Timing.minimum(times)), \
      "times": \(Timing.jsonArray(times)), "checksum": \(checksum.isFinite ? checksum : 0)}
      """)
  }
}

/// Builds the operands of `operation` once and returns a closure that runs it once, returning one
/// element of the result so that nothing can be optimised away.
private func makeBody(_ operation: TimedOperation) throws -> () throws -> Double {
  var generator = SeededGenerator(seed: 1)
  switch operation {
  case .gemmF32:
    let a = Matrix<Float>.randomNormal(rows: 10_000, columns: 784, using: &generator)
    let b = Matrix<Float>.randomNormal(rows: 784, columns: 400, using: &generator)
    return { Double(a.matmul(b)[0, 0]) }
  case .gemmF32InPlace:
    let a = Matrix<Float>.randomNormal(rows: 10_000, columns: 784, using: &generator)
    let b = Matrix<Float>.randomNormal(rows: 784, columns: 400, using: &generator)
    let output = Box(Matrix<Float>.zeros(rows: 10_000, columns: 400))
    return {
      output.value.gemm(a, b)
      return Double(output.value[0, 0])
    }
  case .gemmF64:
    let a = Matrix<Double>.randomNormal(rows: 10_000, columns: 784, using: &generator)
    let b = Matrix<Double>.randomNormal(rows: 784, columns: 400, using: &generator)
    return { a.matmul(b)[0, 0] }
  case .gramF32, .gramF32GEMM:
    // XᵀX of a 10000 × 784 data matrix: `gram` (?syrk) or the GEMM it replaces.
    let x = Matrix<Float>.randomNormal(rows: 10_000, columns: 784, using: &generator)
    if operation == .gramF32 { return { Double(x.gram(transposeSelf: true)[0, 1]) } }
    return { Double(x.matmul(x, transposeSelf: true)[0, 1]) }
  case .gramF64, .gramF64GEMM:
    let x = Matrix<Double>.randomNormal(rows: 10_000, columns: 784, using: &generator)
    if operation == .gramF64 { return { x.gram(transposeSelf: true)[0, 1] } }
    return { x.matmul(x, transposeSelf: true)[0, 1] }
  case .singularValues400:
    let a = Matrix<Double>.randomNormal(rows: 400, columns: 784, using: &generator)
    return { try a.singularValues()[0] }
  case .singularValues784:
    let a = Matrix<Double>.randomNormal(rows: 784, columns: 784, using: &generator)
    return { try a.singularValues()[0] }
  case .thinSVD400:
    let a = Matrix<Double>.randomNormal(rows: 400, columns: 784, using: &generator)
    return { try a.singularValueDecomposition().singularValues[0] }
  case .tanhMap:
    let a = Matrix<Float>.randomNormal(rows: 10_000, columns: 400, using: &generator)
    return { Double(a.map { .tanh($0) }[0, 0]) }
  case .tanhApply:
    let a = Box(Matrix<Float>.randomNormal(rows: 10_000, columns: 400, using: &generator))
    return {
      a.value.apply { .tanh($0) }
      return Double(a.value[0, 0])
    }
  }
}

/// A mutable matrix held by reference, so its storage stays uniquely referenced between calls.
private final class Box {
  var value: Matrix<Float>

  init(_ value: Matrix<Float>) { self.value = value }
}
