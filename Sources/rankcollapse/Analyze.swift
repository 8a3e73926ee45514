import ArgumentParser
import Foundation
import RankCollapse

/// `rankcollapse analyze`: the spectral report of every 2-D array in the given files.
struct Analyze: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the spectral report of each 2-D array in NumPy .npy files.",
    discussion: """
      For every matrix W with singular values s_1 ≥ s_2 ≥ …, the report gives the Frobenius, \
      spectral and nuclear norms, the stable, effective and numerical ranks, the relative \
      spectral tail τ_K = Σ_{j>K} s_j² / Σ s_j², the distance to rank K, the soft rank rk(ε) \
      (the number of singular values kept so that e(rk+1) ≤ ε), and the tail errors e(r) = \
      Σ_{i≥r} s_i / Σ s_i. Everything is computed in double precision; the numerical rank uses \
      NumPy's default tolerance with the machine epsilon of the file's own dtype.

      Examples:
        rankcollapse analyze weights.npy
        rankcollapse analyze --rank 5 --epsilon 0.05 --format json layer1.npy layer2.npy
        rankcollapse analyze --format csv *.npy > spectra.csv
      """
  )

  @Argument(help: "NumPy .npy files holding 2-D float32 or float64 arrays.")
  var files: [String]

  @Option(
    name: [.customShort("k"), .long],
    help: "K for the relative tail τ_K and the distance to rank K.")
  var rank: Int = 10

  @Option(help: "ε ≥ 0 for the soft rank rk(ε) (rk(ε) = 0 for ε ≥ 1).")
  var epsilon: Double = 0.1

  @Option(help: "Output format: table, json or csv.")
  var format: OutputFormat = .table

  @Option(help: "Number of BLAS threads (default: OPENBLAS_NUM_THREADS, else one per core).")
  var threads: Int?

  func validate() throws {
    guard !files.isEmpty else { throw ValidationError("Give at least one .npy file.") }
    guard rank >= 0 else { throw ValidationError("--rank must be ≥ 0, got \(rank).") }
    guard epsilon.isFinite, epsilon >= 0 else {
      throw ValidationError("--epsilon must be a finite number ≥ 0, got \(epsilon).")
    }
    if let threads, threads < 1 {
      throw ValidationError("--threads must be ≥ 1, got \(threads).")
    }
  }

  func run() throws {
    if let threads { BLAS.threadCount = threads }
    var reports: [SpectralReport] = []
    for file in files {
      let array: NumPyArray
      do {
        array = try NumPy.read(contentsOf: file)
      } catch {
        // File-system errors name their path already; format errors do not.
        throw CommandFailure(error.path == nil ? "\(file): \(error)" : "\(error)")
      }
      guard array.isMatrix else {
        printToStandardError(
          "note: \(file) holds a \(array.shape.count)-D array of shape "
            + "\(array.shape.map(String.init).joined(separator: "×")); "
            + "analyze reports 2-D arrays only, skipping it")
        continue
      }
      let spectrum: Spectrum<Double>
      do {
        spectrum = try array.matrix(as: Double.self).spectrum()
      } catch {
        throw CommandFailure("\(file): \(error)")
      }
      reports.append(
        SpectralReport(
          name: file, spectrum: spectrum, rank: rank, epsilon: epsilon,
          machineEpsilon: array.dataType.machineEpsilon))
    }
    guard !reports.isEmpty else { throw CommandFailure("no 2-D arrays to analyze") }
    let output = try SpectralReportRenderer(rank: rank, epsilon: epsilon).render(
      reports, as: format)
    FileHandle.standardOutput.write(Data(output.utf8))
  }
}
