import ArgumentParser
import Foundation
import RankCollapse
import RankCollapseExperiments

/// `rankcollapse analyze`: the spectral report of every 2-D array in the given files.
struct Analyze: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the spectral report of each 2-D array in .npy, .npz and .safetensors files.",
    discussion: """
      For every matrix W with singular values s_1 ≥ s_2 ≥ …, the report gives the Frobenius, \
      spectral and nuclear norms, the stable, effective and numerical ranks, the relative \
      spectral tail τ_K = Σ_{j>K} s_j² / Σ s_j², the distance to rank K, the soft rank rk(ε) \
      (the number of singular values kept so that e(rk+1) ≤ ε), and the tail errors e(r) = \
      Σ_{i≥r} s_i / Σ s_i. Everything is computed in double precision; the numerical rank uses \
      NumPy's default tolerance s_1·max(m, n)·ε with ε of the precision the singular values are \
      computed in (double, also for float32, float16 and bfloat16 files, as NumPy's matrix_rank \
      of the array converted to float64).

      A .npz archive or a .safetensors file contributes every 2-D floating-point array in it, \
      named file:array (1-D biases, integer arrays and, without --reshape, N-D kernels are \
      skipped with a note); --filter keeps those whose name matches a regular expression.

      A sharded checkpoint is read as one model: give its folder (it uses the folder's \
      *.safetensors.index.json, else every *.safetensors file in name order) or its index file; \
      tensors are named FOLDER:tensor or INDEX:tensor. Safetensors tensors are read one at a \
      time, straight into double precision, when their turn comes, so the memory in use is \
      about 1.5 times the largest tensor's double copy, not the model's size. A missing shard, a \
      tensor its shard lacks, a tensor stored twice or a shard path outside the folder is an \
      error. A run longer than 2 s counts the matrices done on standard error.

      --reshape conv=flatten analyses each 3-D to 5-D floating-point kernel as one \
      out × (in·k₁·k₂·…) matrix (PyTorch's weight.reshape(out, -1), WeightWatcher's view); \
      --reshape conv=per-position as one out × in matrix per window position, named \
      tensor[i,j]. --layout pytorch (the default: out, in, k₁, k₂, …, as PyTorch and its \
      safetensors files store Conv1d/2d/3d weights) or keras (k₁, k₂, …, in, out, as \
      Keras/TensorFlow store kernels) says where the channels are; it is not guessed from the \
      shape. It applies to .safetensors, .npy and .npz inputs alike (a .npy or .npz array of \
      shape (d₀, d₁, …) is its C-order elements; Fortran-ordered files are read in the same \
      order). 1-D arrays (biases, norms) are always skipped with a note.

      Large matrices: --svd top-k computes only the leading --top-k singular values (default \
      --rank) with a randomised range finder and power iterations (for thin matrices, \
      min(m, n) ≤ 24·(K + 10), from the double-precision Gram matrix instead), and reports τ_K and the \
      distance to rank K with a computed error bound (JSON key topK) until the bound meets \
      --top-k-accuracy (default 1e-6 relative); the nuclear norm, effective, numerical and soft \
      ranks and e(r) need every singular value and are left out. --svd auto (the default) does \
      so for matrices with min(m, n) ≥ 2048 and computes the full SVD when the bound is not met.

      Noise baselines: --noise-baseline mp fits the Marchenko–Pastur law (noise scale from the \
      median singular value, Gavish & Donoho 2014) and counts the singular values above its bulk \
      edge, an ε-free signal rank; shuffle counts those above the largest singular value of the \
      same entries shuffled (--seed); both does both. The plot draws the MP edge as a dashed line.

      A long singular value computation shows a progress line on standard error (updated in \
      place on a terminal); --quiet turns it off.

      --plot DIR also writes DIR/spectra.svg (the folder is created if missing): the \
      normalised singular values s_i/s_1 and the tail errors e(r) of every analysed matrix, \
      two panels on log axes. The figure is written only when every file was analysed, and \
      atomically, so a failed run leaves no figure and no half-written file behind.

      Examples:
        rankcollapse analyze weights.npy
        rankcollapse analyze --filter 'attention.*weight' model.safetensors
        rankcollapse analyze --format json checkpoint.npz
        rankcollapse analyze --rank 5 --epsilon 0.05 --format json layer1.npy layer2.npy
        rankcollapse analyze --format csv *.npy > spectra.csv
        rankcollapse analyze --plot figures model.safetensors   # figures/spectra.svg
        rankcollapse analyze Llama-3-8B/                          # shards + index
        rankcollapse analyze --reshape conv=flatten resnet.safetensors
        rankcollapse analyze --reshape conv=per-position --layout keras kernel.safetensors
        rankcollapse analyze --svd top-k --rank 10 embedding.npy
        rankcollapse analyze --noise-baseline both --seed 1 model.safetensors
      """
  )

  @Argument(
    help:
      "Files: .npy (one array), .npz (NumPy archives), .safetensors (PyTorch/Hugging Face), or a sharded checkpoint's folder or index.json."
  )
  var files: [String]

  @OptionGroup var options: SpectralOptions

  @Option(help: "Output format: table, json or csv.")
  var format: OutputFormat = .table

  @OptionGroup var kernels: KernelOptions

  @Flag(
    help: ArgumentHelp(
      "Print one summary per model and layer kind (count, mean and quartiles of the metrics) instead of one report per matrix.",
      discussion: "A model is one input argument; the layer kind comes from the tensor name "
        + "(embedding, attention, mlp, convolution, head, other; see the README)."))
  var summary = false

  @OptionGroup(title: "Large matrices and noise baselines") var spectralMethod:
    SpectralMethodOptions

  @Option(
    help: ArgumentHelp(
      "Also write spectra.svg, the spectra and e(r) curves of the matrices, into this folder.",
      valueName: "dir"))
  var plot: String?

  func validate() throws {
    guard !files.isEmpty else {
      throw ValidationError("Give at least one .npy, .npz or .safetensors file.")
    }
    if let plot { try validateOutputFolder(plot, option: "--plot") }
  }

  /// The spectra of `inputs`, in order, computed on up to `BLAS.threadCount` threads.
  ///
  /// Each singular value computation is one single-threaded LAPACK call (RankCollapse keeps
  /// OpenBLAS at one thread in its default threading mode), so matrices are spread over the
  /// threads instead, largest first, each to the least loaded thread; matrices read on demand
  /// start only while ``MemoryGate`` lets them. The numbers do not depend
  /// on the thread count. In `BLAS.threading == .openBLAS` mode they run one after another,
  /// each with OpenBLAS' own threads.
  ///
  /// - Throws: ``CommandFailure`` naming the first matrix (in `inputs` order) that failed.
  static func spectra(
    of inputs: [MatrixInput], progress: SVDProgress? = nil
  ) throws -> [Spectrum<Double>] {
    var results = [Result<Spectrum<Double>, any Error>?](repeating: nil, count: inputs.count)
    results.withUnsafeMutableBufferPointer { slots in
      // Each index is handed out once, so the calls write disjoint slots.
      let shared = UncheckedSendable((inputs, slots))
      schedule(inputs, indices: Array(inputs.indices), progress: progress) { index in
        let (inputs, slots) = shared.value
        slots[index] = Result {
          let spectrum = try Matrix.spectrum(consuming: inputs[index].finiteMatrix())
          return inputs[index].isTransposed ? spectrum.transposed() : spectrum
        }
      }
    }
    return try inputs.indices.map { try outcome(of: results[$0], for: inputs[$0]) }
  }

  /// Calls `work` once for each of `indices`, spread over up to `BLAS.threadCount` threads.
  ///
  /// The inputs go largest first, each to the least loaded thread; an input read on demand
  /// starts only while ``MemoryGate`` (for all of `inputs`) lets it in, and the progress display
  /// runs around each call. This is the one scheduler of `analyze`, `diff` and `evolution`; the
  /// results do not depend on the thread count. In `BLAS.threading == .openBLAS` mode the calls
  /// run one after another, each with OpenBLAS' own threads.
  static func schedule(
    _ inputs: [MatrixInput], indices: [Int], progress: SVDProgress?,
    work: @escaping @Sendable (Int) -> Void
  ) {
    let threads = BLAS.threading == .partitionOutput ? min(BLAS.threadCount, indices.count) : 1
    var assignment = [[Int]](repeating: [], count: max(threads, 1))
    var load = [Int](repeating: 0, count: max(threads, 1))
    for index in indices.sorted(by: { inputs[$0].cost > inputs[$1].cost }) {
      let least = load.indices.min { load[$0] < load[$1] } ?? 0
      assignment[least].append(index)
      load[least] = load[least].addingReportingOverflow(inputs[index].cost).partialValue
    }
    let gate = MemoryGate(inputs)
    // The inputs and the progress display are only read (the display serialises its own
    // state); each input's loader reads its own bytes of an immutable file mapping.
    let shared = UncheckedSendable((inputs, assignment, progress))
    Parallel.run(blocks: assignment.count) { block in
      let (inputs, assignment, progress) = shared.value
      for index in assignment[block] {
        let bytes = gate.enter(inputs[index])
        let token = progress?.start(inputs[index])
        work(index)
        token?.finish()
        gate.leave(bytes)
      }
    }
  }

  /// The value of a scheduled result, or a ``CommandFailure`` naming the input.
  static func outcome<T>(of result: Result<T, any Error>?, for input: MatrixInput) throws -> T {
    do {
      guard let result else { throw CommandFailure("not computed") }
      return try result.get()
    } catch {
      throw CommandFailure("\(input.name): \(error)")
    }
  }

  func run() throws {
    let pattern = try options.apply()
    let (rank, epsilon, filter) = (options.rank, options.epsilon, options.filter)
    var reports: [SpectralReport] = []
    var spectra: [Spectrum<Double>] = []
    var origins: [(model: String, arrayRank: Int)] = []
    let progress = options.progress()
    for file in files {
      let inputs = try MatrixInputs.load(
        file, filter: pattern, reshape: kernels.rule,
        singlePrecision: { spectralMethod.usesTopK(shape: $0) })
      progress?.beginBatch(of: inputs, in: file)
      if spectralMethod.needsOwnPath(inputs) {
        let analysed = try spectralMethod.analyses(
          of: inputs, rank: rank, epsilon: epsilon, progress: progress)
        for (input, (report, spectrum)) in zip(inputs, analysed) {
          reports.append(report)
          origins.append((file, input.arrayRank))
          if let spectrum { spectra.append(spectrum) }
        }
        continue
      }
      for (input, spectrum) in zip(inputs, try Self.spectra(of: inputs, progress: progress)) {
        spectra.append(spectrum)
        origins.append((file, input.arrayRank))
        reports.append(
          SpectralReport(
            name: input.name, spectrum: spectrum, rank: rank, epsilon: epsilon))
      }
    }
    guard !reports.isEmpty else {
      throw CommandFailure(
        filter == nil
          ? "no 2-D arrays to analyze" : "no 2-D arrays to analyze match --filter '\(filter ?? "")'"
      )
    }
    let output =
      summary
      ? try ModelSummary(
        zip(origins, reports).map { ($0.model, $0.arrayRank, $1) }, rank: rank, epsilon: epsilon
      ).render(as: format)
      : try SpectralReportRenderer(rank: rank, epsilon: epsilon).render(reports, as: format)
    if let plot {
      let full = reports.filter { $0.topK == nil }
      let figure = Experiments.spectraFigure(
        title: full.count == 1
          ? "Spectrum of \(full[0].name)" : "Spectra of \(full.count) matrices",
        spectra: zip(full, spectra).map { ($0.name, $1) },
        bulkEdges: full.map { $0.noiseBaseline?.marchenkoPastur?.edgeSingularValue })
      if full.count < reports.count {
        printToStandardError(
          "note: \(reports.count - full.count) matrix(es) analysed in top-k mode are not in the figure"
        )
      }
      let path = try writeFigure(figure, named: "spectra.svg", in: plot)
      printToStandardError("wrote \(path)")
    }
    FileHandle.standardOutput.write(Data(output.utf8))
  }
}
