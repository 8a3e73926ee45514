import ArgumentParser
import Foundation
import RankCollapse
import RankCollapseExperiments

/// `rankcollapse diff A B`: the spectra of `W_A − W_B` per tensor name, and of LoRA products.
struct Diff: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the spectral report of W_A − W_B for every tensor two checkpoints share.",
    discussion: """
      A and B are two checkpoints of the same architecture (base and fine-tuned, epoch t and \
      t+1), each a .npy, .npz or .safetensors file, a folder of safetensors shards or an index \
      file, read as analyze reads them. For every 2-D floating-point tensor with the same name \
      (inside the file) in both, the report is that of the difference W_A − W_B, named by the \
      tensor. Tensors of the same name but different shapes are listed in a note and skipped; \
      two single .npy files are compared whatever their names.

      LoRA adapters: a tensor whose name contains lora_A (r × in) next to the same name with \
      lora_B (out × r), in A or B and without a counterpart of the same name on the other side, \
      is reported as the product B·A (out × in, rank ≤ r), named with lora_B·A: the update the \
      adapter adds to the base weight.

      Tensors are read one pair at a time when their turn comes. The report has the columns of \
      analyze (table, json or csv).

      Examples:
        rankcollapse diff base/ finetuned/
        rankcollapse diff --format csv epoch-10.safetensors epoch-11.safetensors
        rankcollapse diff base.safetensors adapter_model.safetensors   # LoRA B·A spectra
      """)

  @Argument(help: "The first checkpoint, A.")
  var first: String

  @Argument(help: "The second checkpoint, B.")
  var second: String

  @OptionGroup var options: SpectralOptions

  @Option(help: "Output format: table, json or csv.")
  var format: OutputFormat = .table

  func run() throws {
    let pattern = try options.apply()
    let a = try MatrixInputs.load(first, filter: pattern)
    let b = try MatrixInputs.load(second, filter: pattern)
    let pairs = try Self.pairs(a, first, b, second)
    let progress = options.progress()
    progress?.beginBatch(of: pairs, in: "\(first) − \(second)")
    let spectra = try Analyze.spectra(of: pairs, progress: progress)
    let reports = zip(pairs, spectra).map { options.report($0.name, $1) }
    let output = try SpectralReportRenderer(rank: options.rank, epsilon: options.epsilon).render(
      reports, as: format)
    FileHandle.standardOutput.write(Data(output.utf8))
  }

  /// The tensor name of an input of `file` (`file:name` → `name`; a `.npy` file's own path).
  private static func tensorName(_ input: MatrixInput, in file: String) -> String {
    input.name.hasPrefix(file + ":") ? String(input.name.dropFirst(file.count + 1)) : input.name
  }

  /// The elements of `input` in the array's orientation.
  private static func arrayMatrix(_ input: MatrixInput) throws -> Matrix<Double> {
    let matrix = try input.matrix()
    return input.isTransposed ? matrix.transposed() : matrix
  }

  /// The matrices to analyse: differences of the tensors A and B share, and LoRA products of
  /// the pairs without a counterpart.
  ///
  /// - Throws: ``CommandFailure`` when there is nothing to compare.
  static func pairs(
    _ a: [MatrixInput], _ first: String, _ b: [MatrixInput], _ second: String
  ) throws -> [MatrixInput] {
    var named: [String: MatrixInput] = [:]
    for input in b { named[tensorName(input, in: second)] = input }
    let single =
      a.count == 1 && b.count == 1 && !first.hasSuffix(".npz") && !second.hasSuffix(".npz")
      && tensorName(a[0], in: first) == first && tensorName(b[0], in: second) == second
    var result: [MatrixInput] = []
    var mismatches: [String] = []
    var matched = Set<String>()
    for input in a {
      let name = tensorName(input, in: first)
      guard let other = single ? b.first : named[name] else { continue }
      matched.insert(single ? tensorName(other, in: second) : name)
      matched.insert(name)
      guard input.shape == other.shape else {
        mismatches.append(
          "\(terminalSafe(name)) (\(describe(input.shape)) in A, \(describe(other.shape)) in B)")
        continue
      }
      // Both read in the same orientation (tall safetensors tensors come transposed): subtract
      // as they are.
      let same = input.isTransposed == other.isTransposed
      result.append(
        MatrixInput(
          name: single ? "\(first) − \(second)" : name,
          matrix: {
            same ? try input.matrix() - other.matrix() : try arrayMatrix(input) - arrayMatrix(other)
          }, shape: input.shape, isTransposed: same && input.isTransposed, readsOnDemand: true))
    }
    if !mismatches.isEmpty {
      printToStandardError(
        "note: \(mismatches.count) tensor(s) have different shapes in A and B and are not "
          + "compared: \(mismatches.prefix(5).joined(separator: ", "))"
          + (mismatches.count > 5 ? ", …" : ""))
    }
    for (inputs, file) in [(a, first), (b, second)] {
      result += loraProducts(
        inputs.filter { !matched.contains(tensorName($0, in: file)) }, in: file)
    }
    guard !result.isEmpty else {
      throw CommandFailure(
        "\(first) and \(second) share no 2-D tensor of the same name and shape, and hold no "
          + "LoRA pair (…lora_A… with …lora_B…): nothing to compare")
    }
    return result
  }

  /// The products `B·A` of the LoRA pairs among `inputs`.
  private static func loraProducts(_ inputs: [MatrixInput], in file: String) -> [MatrixInput] {
    var byName: [String: MatrixInput] = [:]
    for input in inputs { byName[tensorName(input, in: file)] = input }
    var result: [MatrixInput] = []
    for input in inputs {
      let name = tensorName(input, in: file)
      guard name.contains("lora_A") else { continue }
      let partner = name.replacingOccurrences(of: "lora_A", with: "lora_B")
      guard let down = byName[partner] else { continue }
      let up = input
      // lora_A is r × in, lora_B is out × r: the update is B·A.
      guard down.shape.count == 2, up.shape.count == 2, down.shape[1] == up.shape[0] else {
        printToStandardError(
          "note: \(file): LoRA pair \(terminalSafe(name)) (\(describe(up.shape))) and "
            + "\(terminalSafe(partner)) (\(describe(down.shape))) do not multiply; skipped")
        continue
      }
      result.append(
        MatrixInput(
          name: "\(file):" + name.replacingOccurrences(of: "lora_A", with: "lora_B·A"),
          matrix: { try arrayMatrix(down).matmul(arrayMatrix(up)) },
          shape: [down.shape[0], up.shape[1]], readsOnDemand: true))
    }
    return result
  }

  private static func describe(_ shape: [Int]) -> String {
    shape.map(String.init).joined(separator: "×")
  }
}
