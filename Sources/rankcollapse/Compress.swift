import ArgumentParser
import Foundation
import RankCollapse
import RankCollapseExperiments

/// `rankcollapse compress`: replace a checkpoint's weights by truncated SVDs stored as factors.
struct Compress: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Compress a checkpoint to low rank (W ≈ U V), evaluate and fine-tune it on data, save it.",
    discussion: """
      Reads a checkpoint written by this library (a Trainer checkpoint, Float or Double), \
      chooses a rank r for each layer W_l (m × n) and replaces W_l by the factors U_l = \
      U_r diag(√s) (m × r) and V_l = diag(√s) V_rᵀ (r × n) of its truncated SVD, the best \
      rank-r approximation. A layer stays dense, unchanged, when factoring would not save \
      anything, r(m + n) ≥ m n, and when no criterion names it.

      Criteria (each option may be repeated; VALUE applies to every layer, L:VALUE to layer L, \
      1-based; a layer's own value wins over a value for every layer):
        --rank R        keep r = R singular values, 1 ≤ R ≤ 2147483647; a layer R names \
      (L:R) must have R ≤ min(m, n), and a layer with min(m, n) < R under a global R stays \
      dense (said on standard error)
        --epsilon E     keep the fewest r with tail error e(r+1) ≤ E, 0 ≤ E < 1, where e(r) = \
      Σ_{i≥r} s_i / Σ s_i (paper eq. 22; keeping r values leaves e(r+1))
        --tau-k EPS     keep the fewest K with τ_K = Σ_{j>K} s_j² / Σ s_j² ≤ EPS, 0 ≤ EPS < 1
      Rank 0 (and E or EPS ≥ 1, which keep no singular value) would make the network's output \
      independent of its input, so they are usage errors. Layers L are 1-based, 1 ≤ L ≤ depth.

      The report gives, per layer and in total, the chosen rank, e(r+1), τ_r, the parameters \
      and the FLOPs per sample (2 per weight or factor entry plus the bias) before and after. \
      The output is an ordinary checkpoint of the expanded network (a factored layer is two \
      layers: V without bias, then U with the bias and activation) plus the layout in the \
      metadata key compression.factored; the optimizer's buffers are dropped. Load it with \
      CompressedNetwork<Float>.read(from:) or, as a plain Network, Checkpoint<Float>.read(from:); \
      `rankcollapse analyze OUT.safetensors` shows the spectra of the factors. The file is \
      written atomically after everything succeeded.

      Data (--data): a folder of MNIST-format IDX files (train-images-idx3-ubyte[.gz] …, e.g. \
      /usr/share/datasets/fashion-mnist from Debian's dataset-fashion-mnist) or an .npz archive \
      holding 'inputs' (N × d_0, float32 or float64) and 'labels' (N integers of any NumPy \
      integer type: int64 as np.savez writes Python ints, uint8, …) or 'targets' (N × d_L, \
      float). Arrays saved under other names are chosen with --inputs-key NAME and \
      --labels-key NAME or --targets-key NAME (for --data and --test-data; --test-inputs-key, \
      --test-labels-key and --test-targets-key override them for --test-data); a missing member \
      stops the command (status 1) with the archive's member names. With data the report adds the loss L_0 (the loss the checkpoint was trained with), the accuracy \
      (for a classification: class labels, or softmax cross-entropy on target rows, whose argmax \
      is the class; none for squared error on values) and the inference time of one forward \
      pass over the \
      evaluation data, dense and compressed timed in the same interleaved rounds (the fastest \
      of --timing-rounds each), with the speed-up. Evaluation data: a folder's test split \
      (t10k-*), or the --test-data set, or else the .npz given as --data.

      Fine-tuning (--fine-tune-epochs N, needs --data): after truncation the factors, the dense \
      layers and the biases are trained for N epochs with Adam (--learning-rate, default 0.001; \
      --batch-size, default 128; --seed of the sample order, default 1) on the folder's train \
      split (train-*) or the .npz given as --data; the report adds the fine-tuned network and \
      each network's training loss on that data, and the written checkpoint is the fine-tuned \
      one. --weight-decay λ (default 0) adds λ(‖U‖² + ‖V‖²) for the factors, which is not λ‖UV‖²: \
      since ‖U‖² + ‖V‖² ≥ 2‖UV‖_* (equality for the balanced factors compress makes), it acts as \
      a nuclear-norm penalty 2λ‖W‖_* that pushes the rank further down; keep 0 to recover \
      accuracy. Give --test-data (same forms; a folder's test split) for held-out numbers when \
      --data is an .npz: otherwise the evaluation runs on the fine-tuning data, and says so.

      Examples:
        rankcollapse compress model.safetensors --rank 32 --output model-r32.safetensors
        rankcollapse compress model.safetensors --epsilon 0.1 --rank 4:10 --output small.safetensors
        rankcollapse compress model.safetensors --tau-k 1:0.01 --tau-k 2:0.05 --output out.safetensors
        rankcollapse compress model.safetensors --rank 64 --format json --output out.safetensors
        rankcollapse compress model.safetensors --rank 16 -o r16.safetensors \\
            --data /usr/share/datasets/fashion-mnist
        rankcollapse compress model.safetensors --rank 16 -o r16-tuned.safetensors \\
            --data /usr/share/datasets/fashion-mnist --fine-tune-epochs 1 --seed 2
        rankcollapse compress model.safetensors --rank 8 -o r8.safetensors \\
            --data train.npz --test-data test.npz --fine-tune-epochs 3 --format csv
        rankcollapse compress model.safetensors --rank 16 -o r16.safetensors \\
            --data fashion-test.npz --inputs-key x_test --labels-key y_test
        rankcollapse compress model.safetensors --rank 8 -o r8.safetensors \\
            --data all.npz --inputs-key x_train --labels-key y_train \\
            --fine-tune-epochs 1 --test-data all.npz \\
            --test-inputs-key x_test --test-labels-key y_test
      """
  )

  @Argument(help: "A checkpoint .safetensors file written by this library.")
  var checkpoint: String

  @Option(
    parsing: .unconditionalSingleValue,
    help: ArgumentHelp(
      "Keep R ≥ 1 singular values (R for every layer, L:R for layer L).", valueName: "R|L:R"))
  var rank: [String] = []

  @Option(
    parsing: .unconditionalSingleValue,
    help: ArgumentHelp(
      "Keep the fewest values with e(r+1) ≤ E, 0 ≤ E < 1 (E or L:E).", valueName: "E|L:E"))
  var epsilon: [String] = []

  @Option(
    name: .customLong("tau-k"), parsing: .unconditionalSingleValue,
    help: ArgumentHelp(
      "Keep the fewest K with τ_K ≤ EPS, 0 ≤ EPS < 1 (EPS or L:EPS).", valueName: "EPS|L:EPS"))
  var tauK: [String] = []

  @Option(
    name: [.customShort("o"), .long],
    help: ArgumentHelp("The compressed checkpoint to write.", valueName: "file.safetensors"))
  var output: String

  @Option(help: "Report format: table, json or csv.")
  var format: OutputFormat = .table

  @Option(
    parsing: .unconditional,
    help: "Number of threads, 1…1024 (default: OPENBLAS_NUM_THREADS, else one per core).")
  var threads: Int?

  @OptionGroup var memory: MemoryBudgetOption

  @Option(
    help: ArgumentHelp(
      "Data to evaluate on (and to fine-tune with): a folder of MNIST-format IDX files or an .npz "
        + "with 'inputs' and 'labels' or 'targets' (see --inputs-key).",
      valueName: "folder|file.npz"))
  var data: String?

  @Option(
    help: ArgumentHelp(
      "Held-out data to evaluate on when fine-tuning (a folder's test split, or an .npz).",
      valueName: "folder|file.npz"))
  var testData: String?

  @Option(
    help: ArgumentHelp(
      "The .npz member holding the N × d_0 inputs (default 'inputs'; also for --test-data).",
      valueName: "name"))
  var inputsKey: String?

  @Option(
    help: ArgumentHelp(
      "The .npz member holding N integer class labels (default 'labels'; also for --test-data).",
      valueName: "name"))
  var labelsKey: String?

  @Option(
    help: ArgumentHelp(
      "The .npz member holding N × d_L targets (default 'targets'; also for --test-data).",
      valueName: "name"))
  var targetsKey: String?

  @Option(
    help: ArgumentHelp(
      "The --test-data .npz member holding the inputs (default: as --inputs-key).",
      valueName: "name"))
  var testInputsKey: String?

  @Option(
    help: ArgumentHelp(
      "The --test-data .npz member holding the labels (default: as --labels-key).",
      valueName: "name"))
  var testLabelsKey: String?

  @Option(
    help: ArgumentHelp(
      "The --test-data .npz member holding the targets (default: as --targets-key).",
      valueName: "name"))
  var testTargetsKey: String?

  @Option(
    parsing: .unconditional,
    help: "Evaluate on the first N samples of the evaluation data, 1…2147483647 (default: all).")
  var testSamples: Int?

  @Option(
    parsing: .unconditional,
    help: "Interleaved rounds of timed forward passes over the evaluation data, 1…1000 (default 5)."
  )
  var timingRounds: Int?

  @Option(
    parsing: .unconditional,
    help: "Epochs of fine-tuning after truncation, with Adam on --data, 0…100000 (default 0: none)."
  )
  var fineTuneEpochs: Int?

  @Option(
    parsing: .unconditional,
    help: "Fine-tune on the first N samples of the fine-tuning data, 1…2147483647 (default: all).")
  var trainingSamples: Int?

  @Option(
    parsing: .unconditional,
    help: "Adam's learning rate for fine-tuning, > 0 and ≤ 1000000 (default 0.001).")
  var learningRate: Double?

  @Option(
    parsing: .unconditional, help: "Samples per fine-tuning step, 1…1000000 (default 128).")
  var batchSize: Int?

  @Option(
    parsing: .unconditional, help: "Seed of the fine-tuning sample order, 0…2^64−1 (default 1).")
  var seed: UInt64?

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "λ of weight decay during fine-tuning, 0…1000000 (default 0; on the factors a nuclear-norm "
        + "penalty)."))
  var weightDecay: Double?

  /// The defaults of the fine-tuning options.
  static let defaultTimingRounds = 5
  static let defaultLearningRate = 1e-3
  static let defaultBatchSize = 128
  static let defaultSeed: UInt64 = 1

  /// The criteria parsed from the options: one for all layers (at most), and per layer.
  struct Criteria {
    var all: RankSelection?
    var perLayer: [Int: RankSelection] = [:]
  }

  func validate() throws {
    try checkOption(
      threads, in: 1...OptionRange.threadLimit, option: "--threads", error: ValidationError.init)
    _ = try criteria()
    try validateData()
    try validateOutputFile(
      output, option: "--output", inputs: [checkpoint] + [data, testData].compactMap { $0 })
  }

  /// Checks the data and fine-tuning options: each in range, and each only where it applies.
  ///
  /// - Throws: `ValidationError` naming the option.
  func validateData() throws {
    if let option = [("--data", data), ("--test-data", testData)].first(where: {
      $0.1?.isEmpty == true
    })?.0 {
      throw ValidationError("\(option) needs a folder or an .npz file, got an empty path.")
    }
    try validateKeys()
    let needsData: [(String, Bool)] = [
      ("--test-data", testData != nil), ("--test-samples", testSamples != nil),
      ("--timing-rounds", timingRounds != nil), ("--fine-tune-epochs", fineTuneEpochs != nil),
      ("--training-samples", trainingSamples != nil), ("--learning-rate", learningRate != nil),
      ("--batch-size", batchSize != nil), ("--seed", seed != nil),
      ("--weight-decay", weightDecay != nil),
    ]
    if data == nil, let (option, _) = needsData.first(where: { $0.1 }) {
      throw ValidationError(
        "\(option) needs --data (the data to evaluate on and to fine-tune with).")
    }
    let error = ValidationError.init
    let count = 1...OptionRange.countLimit
    try checkOption(testSamples, in: count, option: "--test-samples", error: error)
    try checkOption(timingRounds, in: 1...1000, option: "--timing-rounds", error: error)
    try checkOption(fineTuneEpochs, in: 0...100_000, option: "--fine-tune-epochs", error: error)
    try checkOption(trainingSamples, in: count, option: "--training-samples", error: error)
    if let learningRate, !(learningRate > 0 && learningRate <= 1e6) {
      throw ValidationError("--learning-rate must be > 0 and ≤ 1000000, got \(learningRate).")
    }
    try checkOption(batchSize, in: 1...1_000_000, option: "--batch-size", error: error)
    try checkOption(weightDecay, in: 0...1e6, option: "--weight-decay", error: error)
    if (fineTuneEpochs ?? 0) == 0 {
      let fineTuningOnly: [(String, Bool)] = [
        ("--test-data", testData != nil), ("--training-samples", trainingSamples != nil),
        ("--learning-rate", learningRate != nil), ("--batch-size", batchSize != nil),
        ("--seed", seed != nil), ("--weight-decay", weightDecay != nil),
      ]
      if let (option, _) = fineTuningOnly.first(where: { $0.1 }) {
        throw ValidationError(
          "\(option) applies to fine-tuning: add --fine-tune-epochs N (N ≥ 1)"
            + (option == "--test-data" ? "; without fine-tuning give the data as --data." : "."))
      }
    }
  }

  /// Checks the `.npz` member options: each names a member (not empty), labels and targets
  /// exclude each other, and each needs an `.npz` to apply to (`--data` or `--test-data` for
  /// `--inputs-key` …, `--test-data` for `--test-inputs-key` …).
  ///
  /// - Throws: `ValidationError` naming the option.
  func validateKeys() throws {
    let main = [
      ("--inputs-key", inputsKey), ("--labels-key", labelsKey), ("--targets-key", targetsKey),
    ]
    let test = [
      ("--test-inputs-key", testInputsKey), ("--test-labels-key", testLabelsKey),
      ("--test-targets-key", testTargetsKey),
    ]
    if let (option, _) = (main + test).first(where: { $0.1?.isEmpty == true }) {
      throw ValidationError("\(option) needs the name of an .npz member, got an empty name.")
    }
    for (labels, targets) in [(main[1], main[2]), (test[1], test[2])]
    where labels.1 != nil && targets.1 != nil {
      throw ValidationError(
        "\(labels.0) and \(targets.0) exclude each other: the data has class labels or "
          + "target values, not both.")
    }
    let dataIsArchive = data.map(SupervisedData<Float>.isArchive) ?? false
    let testIsArchive = testData.map(SupervisedData<Float>.isArchive) ?? false
    if !(dataIsArchive || testIsArchive), let (option, _) = main.first(where: { $0.1 != nil }) {
      throw ValidationError(
        "\(option) names a member of an .npz archive: give --data FILE.npz (or --test-data "
          + "FILE.npz); "
          + (data.map { "--data '\($0)' is not an .npz file." } ?? "there is no --data."))
    }
    if !testIsArchive, let (option, _) = test.first(where: { $0.1 != nil }) {
      throw ValidationError(
        "\(option) names a member of the --test-data .npz archive: give --test-data FILE.npz; "
          + (testData.map { "--test-data '\($0)' is not an .npz file." }
            ?? "there is no --test-data."))
    }
  }

  /// The member names read from the `--data` archive.
  var dataKeys: ArchiveKeys {
    ArchiveKeys(
      inputs: inputsKey ?? ArchiveKeys.defaultInputs, labels: labelsKey, targets: targetsKey)
  }

  /// The member names read from the `--test-data` archive: the `--test-` options, else those
  /// of `--data`.
  var testDataKeys: ArchiveKeys {
    let explicitOutputs = testLabelsKey != nil || testTargetsKey != nil
    return ArchiveKeys(
      inputs: testInputsKey ?? inputsKey ?? ArchiveKeys.defaultInputs,
      labels: explicitOutputs ? testLabelsKey : labelsKey,
      targets: explicitOutputs ? testTargetsKey : targetsKey, optionPrefix: "--test-")
  }

  /// Parses `--rank`, `--epsilon` and `--tau-k`.
  ///
  /// - Throws: `ValidationError` naming the option and the value.
  func criteria() throws -> Criteria {
    var result = Criteria()
    var allOption: String?
    let groups: [(String, [String], (String) -> RankSelection?)] = [
      (
        "--rank", rank,
        { Int($0).flatMap { (1...OptionRange.countLimit).contains($0) ? .rank($0) : nil } }
      ),
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
              ? "\(option) '\(value)': the rank must be an integer in 1…\(OptionRange.countLimit) "
                + "(rank 0 would make the output independent of the input)."
              : "\(option) '\(value)': ε must be a number with 0 ≤ ε < 1 (ε ≥ 1 keeps no "
                + "singular value).")
        }
        if parts.count == 2 {
          guard let layer = Int(parts[0]), (1...OptionRange.countLimit).contains(layer) else {
            throw ValidationError(
              "\(option) '\(value)': the layer must be an integer in 1…\(OptionRange.countLimit).")
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
    guard let value = Double(text), value >= 0, value < 1 else { return nil }
    return value
  }

  func run() throws {
    memory.apply()
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
    let outcome: CompressionOutcome
    switch file.metadata["scalar"] {
    case "Double": outcome = try compress(file, as: Double.self, criteria: criteria)
    default: outcome = try compress(file, as: Float.self, criteria: criteria)
    }
    let text =
      switch format {
      case .table: outcome.table()
      case .json: try outcome.json()
      case .csv: outcome.csv()
      }
    FileHandle.standardOutput.write(Data(text.utf8))
    if format == .table { printToStandardError("wrote \(output)") }
  }

  /// Reads the data, compresses, fine-tunes, evaluates and writes the output checkpoint — in
  /// that order, so that any failure leaves no file behind.
  func compress<Scalar: MatrixScalar>(
    _ file: SafeTensorsFile, as type: Scalar.Type, criteria: Criteria
  ) throws -> CompressionOutcome {
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
    try checkRanks(criteria, against: original.network)
    let selections = (1...depth).map { criteria.perLayer[$0] ?? criteria.all ?? .dense }
    let sets = try readData(for: original)
    let result: CompressionResult<Scalar>
    do {
      result = try Compression.compress(original.network, selections: selections)
    } catch {
      throw CommandFailure("\(checkpoint): \(error)")
    }
    var outcome = CompressionOutcome(input: checkpoint, output: output, report: result.report)
    var written = result.network
    var fineTuningNote: String?
    if let sets {
      let settings = fineTuningSettings()
      let rounds = timingRounds ?? Self.defaultTimingRounds
      let pipeline = CompressionPipeline(
        fineTuning: sets.training == nil ? nil : settings, timingRounds: rounds)
      let run: CompressionPipelineResult<Scalar>
      do {
        run = try pipeline.run(
          original.network, plans: [selections], loss: sets.loss,
          evaluation: (sets.evaluation.inputs, sets.evaluation.targets),
          training: sets.training.map { ($0.inputs, $0.targets) },
          progress: .automatic(seconds: 10))
      } catch {
        // The data were checked against the network when read: what fails here is the
        // fine-tuning run, or (unexpectedly) an evaluation.
        if case .fineTuning(let failure) = error {
          throw CommandFailure("fine-tuning on \(sets.training?.source ?? ""): \(failure)")
        }
        throw CommandFailure("\(sets.evaluationOption) \(sets.evaluation.source): \(error)")
      }
      let measurements = run.measurements
      if let training = sets.training, let tuned = run.fineTuned.first,
        let summary = run.fineTuningSummaries.first
      {
        written = tuned.network
        outcome.fineTuning = CompressionOutcome.FineTuning(
          data: training.source, samples: training.count, epochs: summary.epochs,
          steps: summary.steps, optimizer: "adam", learningRate: settings.learningRate,
          batchSize: settings.batchSize, seed: settings.seed, weightDecay: settings.weightDecay,
          seconds: summary.seconds)
        fineTuningNote =
          "adam epochs=\(summary.epochs) steps=\(summary.steps) learningRate=\(settings.learningRate) "
          + "batchSize=\(settings.batchSize) seed=\(settings.seed) "
          + "weightDecay=\(settings.weightDecay) samples=\(training.count)"
      }
      let trainingLosses = run.trainingLosses
      let names = ["dense", "compressed", "fine-tuned"]
      outcome.evaluation = CompressionOutcome.Evaluation(
        data: sets.evaluation.source, samples: sets.evaluation.count,
        isFineTuningData: sets.evaluationIsTrainingData, loss: sets.loss.rawValue,
        timingRounds: rounds,
        networks: measurements.enumerated().map { index, m in
          CompressionOutcome.NetworkEvaluation(
            network: names[index], parameters: m.report.parameters, flops: m.report.flops,
            loss: m.loss, accuracy: m.accuracy, seconds: m.seconds, speedup: m.speedup,
            trainingLoss: trainingLosses?[index])
        })
      if let losses = trainingLosses, !(losses[2] <= losses[1]) {
        printToStandardError(
          "note: fine-tuning raised the training loss from \(losses[1]) to \(losses[2]); "
            + "try a smaller --learning-rate")
      }
    }
    var checkpointFile = written.checkpointFile(basedOn: original)
    if let fineTuningNote { checkpointFile.metadata[Self.fineTuningKey] = fineTuningNote }
    if let tensor = Checkpoint<Scalar>.firstNonFiniteTensor(in: checkpointFile) {
      throw CommandFailure(
        "\(output): tensor '\(tensor)' of the compressed network holds a non-finite value "
          + "(NaN or infinity); nothing was written")
    }
    do {
      try SafeTensors.write(checkpointFile, to: output)
    } catch {
      throw CommandFailure("\(output): \(error)")
    }
    return outcome
  }

  /// Checks `--rank` against the layers' shapes: a rank given for one layer (`L:R`) above that
  /// layer's `min(m, n)` is a usage error; a rank for every layer above a layer's `min(m, n)`
  /// keeps that layer dense, said on standard error.
  ///
  /// - Throws: `ValidationError` naming the layer, its shape and the largest rank it has.
  func checkRanks<Scalar: MatrixScalar>(
    _ criteria: Criteria, against network: Network<Scalar>
  ) throws {
    for (index, layer) in network.layers.enumerated() {
      let (m, n) = (layer.weight.rows, layer.weight.columns)
      let largest = min(m, n)
      if case .rank(let r)? = criteria.perLayer[index + 1], r > largest {
        throw ValidationError(
          "--rank \(index + 1):\(r): layer \(index + 1) is \(m) × \(n), so its rank is at most "
            + "\(largest).")
      }
      if criteria.perLayer[index + 1] == nil, case .rank(let r)? = criteria.all, r > largest {
        printToStandardError(
          "note: --rank \(r) exceeds min(m, n) = \(largest) of layer \(index + 1) (\(m) × \(n)); "
            + "it stays dense")
      }
    }
  }

  /// The checkpoint metadata key recording the fine-tuning settings.
  static let fineTuningKey = "compression.fineTuning"

  /// The data sets of one run: what to evaluate on, what to fine-tune with, and the loss.
  struct DataSets<Scalar: MatrixScalar> {
    var evaluation: SupervisedData<Scalar>
    /// The option the evaluation data came from (`--data` or `--test-data`).
    var evaluationOption: String
    var training: SupervisedData<Scalar>?
    var evaluationIsTrainingData: Bool
    var loss: Loss
  }

  /// Reads `--data` (and `--test-data`) and checks them against the network, or returns `nil`
  /// without `--data`.
  ///
  /// - Throws: ``CommandFailure`` or ``SupervisedDataError`` (status 1), before anything is
  ///   computed or written.
  func readData<Scalar: MatrixScalar>(
    for original: Checkpoint<Scalar>
  ) throws -> DataSets<Scalar>? {
    guard let data else { return nil }
    guard let name = original.configuration["loss"], let loss = Loss(rawValue: name) else {
      throw CommandFailure(
        "\(checkpoint): the checkpoint names no loss to evaluate with (metadata 'loss' is "
          + "'\(original.configuration["loss"] ?? "missing")', expected one of "
          + Loss.allCases.map(\.rawValue).joined(separator: ", ") + ")")
    }
    var training: SupervisedData<Scalar>?
    if (fineTuneEpochs ?? 0) > 0 {
      training = try SupervisedData.read(
        data, split: .train, option: "--data", limit: trainingSamples, keys: dataKeys)
      try training?.validate(for: original.network, option: "--data")
    }
    let evaluation: SupervisedData<Scalar>
    let option: String
    var isTrainingData = false
    if let testData {
      option = "--test-data"
      evaluation = try SupervisedData.read(
        testData, split: .test, option: option, limit: testSamples, keys: testDataKeys)
    } else if let training, !SupervisedData<Scalar>.isFolder(data) {
      option = "--data"
      evaluation = training.prefix(testSamples)
      isTrainingData = true
    } else {
      option = "--data"
      evaluation = try SupervisedData.read(
        data, split: .test, option: option, limit: testSamples, keys: dataKeys)
    }
    try evaluation.validate(for: original.network, option: option)
    return DataSets(
      evaluation: evaluation, evaluationOption: option, training: training,
      evaluationIsTrainingData: isTrainingData, loss: loss)
  }

  /// The fine-tuning settings with their defaults.
  func fineTuningSettings() -> FineTuning {
    FineTuning(
      epochs: fineTuneEpochs ?? 0, learningRate: learningRate ?? Self.defaultLearningRate,
      batchSize: batchSize ?? Self.defaultBatchSize, seed: seed ?? Self.defaultSeed,
      weightDecay: weightDecay ?? 0)
  }
}
