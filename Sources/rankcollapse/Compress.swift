import ArgumentParser
import Foundation
import RankCollapse

/// `rankcollapse compress`: replace a checkpoint's weights by truncated SVDs stored as factors.
struct Compress: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Compress a checkpoint's layers to low rank (W ≈ U V) and write a new checkpoint.",
    discussion: """
      Reads a checkpoint written by this library (a Trainer checkpoint, Float or Double), \
      chooses a rank r for each layer W_l (m × n) and replaces W_l by the factors U_l = \
      U_r diag(√s) (m × r) and V_l = diag(√s) V_rᵀ (r × n) of its truncated SVD, the best \
      rank-r approximation. A layer stays dense, unchanged, when factoring would not save \
      anything, r(m + n) ≥ m n, and when no criterion names it.

      Criteria (each option may be repeated; VALUE applies to every layer, L:VALUE to layer L, \
      1-based; a layer's own value wins over a value for every layer):
        --rank R        keep r = R singular values (clamped to min(m, n))
        --epsilon E     keep the fewest r with tail error e(r+1) ≤ E, where e(r) = \
      Σ_{i≥r} s_i / Σ s_i (paper eq. 22; keeping r values leaves e(r+1))
        --tau-k EPS     keep the fewest K with τ_K = Σ_{j>K} s_j² / Σ s_j² ≤ EPS

      The report gives, per layer and in total, the chosen rank, e(r+1), τ_r, the parameters \
      and the FLOPs per sample (2 per weight or factor entry plus the bias) before and after. \
      The output is an ordinary checkpoint of the expanded network (a factored layer is two \
      layers: V without bias, then U with the bias and activation) plus the layout in the \
      metadata key compression.factored; the optimizer's buffers are dropped. Load it with \
      CompressedNetwork<Float>.read(from:) or, as a plain Network, Checkpoint<Float>.read(from:); \
      `rankcollapse analyze OUT.safetensors` shows the spectra of the factors. The file is \
      written atomically after everything succeeded.

      Examples:
        rankcollapse compress model.safetensors --rank 32 --output model-r32.safetensors
        rankcollapse compress model.safetensors --epsilon 0.1 --rank 4:10 --output small.safetensors
        rankcollapse compress model.safetensors --tau-k 1:0.01 --tau-k 2:0.05 --output out.safetensors
        rankcollapse compress model.safetensors --rank 64 --format json --output out.safetensors
      """
  )

  @Argument(help: "A checkpoint .safetensors file written by this library.")
  var checkpoint: String

  @Option(
    help: ArgumentHelp(
      "Keep R singular values (R for every layer, L:R for layer L).", valueName: "R|L:R"))
  var rank: [String] = []

  @Option(
    help: ArgumentHelp(
      "Keep the fewest values with e(r+1) ≤ E (E or L:E).", valueName: "E|L:E"))
  var epsilon: [String] = []

  @Option(
    name: .customLong("tau-k"),
    help: ArgumentHelp(
      "Keep the fewest K with τ_K ≤ EPS (EPS or L:EPS).", valueName: "EPS|L:EPS"))
  var tauK: [String] = []

  @Option(
    name: [.customShort("o"), .long],
    help: ArgumentHelp("The compressed checkpoint to write.", valueName: "file.safetensors"))
  var output: String

  @Option(help: "Report format: table or json.")
  var format: CompressFormat = .table

  @Option(help: "Number of threads (default: OPENBLAS_NUM_THREADS, else one per core).")
  var threads: Int?

  /// The criteria parsed from the options: one for all layers (at most), and per layer.
  struct Criteria {
    var all: RankSelection?
    var perLayer: [Int: RankSelection] = [:]
  }

  func validate() throws {
    if let threads, threads < 1 {
      throw ValidationError("--threads must be ≥ 1, got \(threads).")
    }
    _ = try criteria()
    guard !output.isEmpty else { throw ValidationError("--output needs a file path.") }
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: output, isDirectory: &isFolder), isFolder.boolValue {
      throw ValidationError("--output '\(output)' is a folder, not a file.")
    }
  }

  /// Parses `--rank`, `--epsilon` and `--tau-k`.
  ///
  /// - Throws: `ValidationError` naming the option and the value.
  func criteria() throws -> Criteria {
    var result = Criteria()
    var allOption: String?
    let groups: [(String, [String], (String) -> RankSelection?)] = [
      ("--rank", rank, { Int($0).flatMap { $0 >= 0 ? .rank($0) : nil } }),
      ("--epsilon", epsilon, { Self.epsilon($0).map { .tailError($0) } }),
      ("--tau-k", tauK, { Self.epsilon($0).map { .relativeTail($0) } }),
    ]
    for (option, values, parse) in groups {
      for value in values {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
          throw ValidationError("\(option) '\(value)' is not VALUE or LAYER:VALUE.")
        }
        let text = String(parts[parts.count - 1])
        guard let selection = parse(text) else {
          throw ValidationError(
            option == "--rank"
              ? "\(option) '\(value)': the rank must be an integer ≥ 0."
              : "\(option) '\(value)': ε must be a finite number ≥ 0.")
        }
        if parts.count == 2 {
          guard let layer = Int(parts[0]), layer >= 1 else {
            throw ValidationError("\(option) '\(value)': the layer must be an integer ≥ 1.")
          }
          guard result.perLayer[layer] == nil else {
            throw ValidationError("\(option) '\(value)': layer \(layer) already has a criterion.")
          }
          result.perLayer[layer] = selection
        } else {
          if let allOption {
            throw ValidationError(
              "\(option) '\(value)': \(allOption) already sets a criterion for every layer; "
                + "use LAYER:VALUE for per-layer values.")
          }
          allOption = option
          result.all = selection
        }
      }
    }
    guard result.all != nil || !result.perLayer.isEmpty else {
      throw ValidationError("Give a criterion: --rank, --epsilon or --tau-k.")
    }
    return result
  }

  static func epsilon(_ text: String) -> Double? {
    guard let value = Double(text), value.isFinite, value >= 0 else { return nil }
    return value
  }

  func run() throws {
    if let threads { BLAS.threadCount = threads }
    let criteria = try criteria()
    let file: SafeTensorsFile
    do {
      file = try SafeTensors.read(contentsOf: checkpoint)
    } catch {
      throw CommandFailure("\(checkpoint): \(error)")
    }
    guard file.metadata[CompressedNetwork<Float>.layoutKey] == nil else {
      throw CommandFailure(
        "\(checkpoint) is already compressed (it has metadata '\(CompressedNetwork<Float>.layoutKey)')"
      )
    }
    let report: CompressionReport
    switch file.metadata["scalar"] {
    case "Double": report = try compress(file, as: Double.self, criteria: criteria)
    default: report = try compress(file, as: Float.self, criteria: criteria)
    }
    let text =
      switch format {
      case .table: Self.table(report, input: checkpoint, output: output)
      case .json: try Self.json(report, input: checkpoint, output: output)
      }
    FileHandle.standardOutput.write(Data(text.utf8))
    if format == .table { printToStandardError("wrote \(output)") }
  }

  func compress<Scalar: MatrixScalar>(
    _ file: SafeTensorsFile, as type: Scalar.Type, criteria: Criteria
  ) throws -> CompressionReport {
    let original: Checkpoint<Scalar>
    do {
      original = try Checkpoint<Scalar>(file)
    } catch {
      throw CommandFailure("\(checkpoint): \(error)")
    }
    let depth = original.network.depth
    if let layer = criteria.perLayer.keys.filter({ $0 > depth }).min() {
      throw ValidationError(
        "layer \(layer) does not exist: the checkpoint has \(depth) layers (given in --rank, "
          + "--epsilon or --tau-k as \(layer):VALUE).")
    }
    let selections = (1...depth).map { criteria.perLayer[$0] ?? criteria.all ?? .dense }
    do {
      let result = try Compression.compress(original.network, selections: selections)
      try result.network.write(to: output, basedOn: original)
      return result.report
    } catch {
      throw CommandFailure("\(checkpoint): \(error)")
    }
  }

  static func table(_ report: CompressionReport, input: String, output: String) -> String {
    var rows: [[String]] = [
      [
        "layer", "shape", "criterion", "rank", "stored", "e(r+1)", "τ_r", "parameters",
        "FLOPs/sample",
      ]
    ]
    func fixed(_ x: Double) -> String { String(format: "%.4f", x) }
    for layer in report.layers {
      rows.append([
        "\(layer.layer)", "\(layer.rows)×\(layer.columns)", layer.selection, "\(layer.rank)",
        layer.isFactored ? "U·V" : "dense", fixed(layer.tailError), fixed(layer.relativeTail),
        "\(layer.denseParameters) → \(layer.parameters)", "\(layer.denseFLOPs) → \(layer.flops)",
      ])
    }
    rows.append([
      "total", "", "", "", "", "", "",
      "\(report.denseParameters) → \(report.parameters) (\(String(format: "%.3f", report.parameterRatio))×)",
      "\(report.denseFLOPs) → \(report.flops) (\(String(format: "%.3f", report.flopRatio))×)",
    ])
    let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
    var text = "\(input) → \(output)\n"
    for row in rows {
      text +=
        zip(row, widths).map { cell, width in
          cell + String(repeating: " ", count: width - cell.count)
        }.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
    }
    return text
  }

  static func json(_ report: CompressionReport, input: String, output: String) throws -> String {
    struct Document: Encodable {
      var input: String
      var output: String
      var layers: [LayerCompression]
      var denseParameters: Int
      var parameters: Int
      var denseFLOPs: Int
      var flops: Int
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(
      Document(
        input: input, output: output, layers: report.layers,
        denseParameters: report.denseParameters, parameters: report.parameters,
        denseFLOPs: report.denseFLOPs, flops: report.flops))
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}

/// The report formats of `rankcollapse compress`.
enum CompressFormat: String, ExpressibleByArgument, CaseIterable {
  case table
  case json
}

extension String {
  fileprivate func trimmingTrailingSpaces() -> String {
    var copy = self
    while copy.last == " " { copy.removeLast() }
    return copy
  }
}
