import Foundation
import RankCollapse
import Testing
import _RankCollapseTestSupport

/// `rankcollapse compress --data …`: evaluation of the dense, compressed and fine-tuned networks.
@Suite("rankcollapse compress with data")
struct CompressDataCommandTests {
  /// A folder with a checkpoint (`CompressCommandTests.checkpoint`: 30-40-40-5 tanh, softmax
  /// cross-entropy) and data files for it.
  struct Fixture {
    let folder: URL
    let checkpoint: String
    /// 60 × 30 inputs, labels `i % 5` with a class signal, so that training can fit them.
    let inputs: Matrix<Float>
    let labels: [Int]

    /// With `trained`, the Float checkpoint is trained on these data (200 full-batch Adam
    /// steps) so that truncating it costs training loss; otherwise it is
    /// `CompressCommandTests.checkpoint` (5 steps on other data).
    init(
      double: Bool = false, trained: Bool = false, loss: Loss = .softmaxCrossEntropy
    ) throws {
      folder = try temporaryFolder()
      var generator = SeededGenerator(seed: 21)
      var x = Matrix<Float>.randomNormal(rows: 60, columns: 30, using: &generator)
      labels = (0..<60).map { $0 % 5 }
      for i in 0..<60 { x[i, labels[i]] += 2 }
      inputs = x
      guard trained else {
        checkpoint = try CompressCommandTests.checkpoint(in: folder, double: double)
        return
      }
      checkpoint = folder.appendingPathComponent("trained.safetensors").path
      var network = try Network<Float>(
        widths: [30, 40, 40, 5], activation: .tanh, using: &generator)
      var trainer = Trainer(
        configuration: TrainingConfiguration(
          loss: loss, learningRate: .constant(0.01), maximumSteps: 200),
        optimizer: Adam<Float>(), penalty: NoPenalty<Float>())
      _ = try trainer.fit(&network, inputs: x, targets: .labels(labels))
      try trainer.saveCheckpoint(of: network, to: checkpoint)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Writes an archive with `inputs` and `labels` (or other members).
    @discardableResult
    func archive(_ name: String, _ members: [(String, NumPyArray)]? = nil) throws -> String {
      let members =
        members ?? [
          ("inputs", NumPyArray(inputs)),
          ("labels", NumPyArray(integers: labels.map { Int64($0) })),
        ]
      try NumPy.writeArchive(NumPyArchive(members), to: path(name))
      return path(name)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// Runs `compress --rank 2` on the checkpoint with `arguments` and expects a usage error
    /// (status 64) whose message contains `message`, no standard output and no file written.
    func expectUsageError(_ arguments: [String], naming message: String) throws {
      let output = path("out.safetensors")
      let result = try runTool(
        ["compress", checkpoint, "--rank", "2", "--output", output] + arguments)
      #expect(result.status == 64, "\(arguments): \(result.error)")
      #expect(result.error.contains(message), "\(arguments): \(result.error)")
      #expect(result.output.isEmpty)
      #expect(!FileManager.default.fileExists(atPath: output))
    }
  }

  /// Parses the JSON printed with `--format json`.
  static func document(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  /// The `evaluation.networks` entries of a JSON document.
  static func networks(_ document: [String: Any]) throws -> [[String: Any]] {
    let evaluation = try #require(document["evaluation"] as? [String: Any])
    return try #require(evaluation["networks"] as? [[String: Any]])
  }

  @Test("--data reports the library's loss and accuracy of the dense and compressed networks")
  func evaluation() throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let data = try fixture.archive("data.npz")
    let output = fixture.path("out.safetensors")
    let result = try runTool([
      "compress", fixture.checkpoint, "--rank", "2", "--data", data, "--format", "json",
      "--timing-rounds", "2", "--threads", "1", "-o", output,
    ])
    #expect(result.status == 0, "\(result.error)")
    let document = try Self.document(result.output)
    #expect(document["fineTuning"] == nil)
    let evaluation = try #require(document["evaluation"] as? [String: Any])
    #expect(
      Set(evaluation.keys) == [
        "data", "samples", "isFineTuningData", "loss", "timingRounds", "networks",
      ])
    #expect(evaluation["data"] as? String == data)
    #expect(evaluation["samples"] as? Int == 60)
    #expect(evaluation["loss"] as? String == "softmaxCrossEntropy")
    #expect(evaluation["isFineTuningData"] as? Bool == false)
    let networks = try Self.networks(document)
    #expect(networks.map { $0["network"] as? String } == ["dense", "compressed"])
    // The same numbers as the library's, computed here on the same files.
    let dense = try Checkpoint<Float>.read(from: fixture.checkpoint).network
    let compressed = try CompressedNetwork<Float>.read(from: output).network
    let targets = Targets<Float>.labels(fixture.labels)
    for (entry, network) in zip(networks, [dense, compressed]) {
      let loss = try network.loss(
        inputs: fixture.inputs, targets: targets, loss: .softmaxCrossEntropy)
      // The same code on the same data; only the thread partition of a product could differ.
      #expect(abs((entry["loss"] as? Double ?? .nan) - loss) <= 1e-6 * loss)
      #expect(
        entry["accuracy"] as? Double
          == (try network.accuracy(inputs: fixture.inputs, targets: targets)))
      #expect((entry["seconds"] as? Double ?? 0) > 0)
      #expect(entry["trainingLoss"] is NSNull)
    }
    #expect(networks[0]["speedup"] as? Double == 1)
    #expect(networks[0]["parameters"] as? Int == document["denseParameters"] as? Int)
    #expect(networks[1]["parameters"] as? Int == document["parameters"] as? Int)
    // Rank 2 of a trained network changes its outputs.
    #expect(networks[0]["loss"] as? Double != networks[1]["loss"] as? Double)
  }

  @Test("Table and CSV show the evaluation; accuracy only for a classification")
  func formats() throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let data = try fixture.archive("data.npz")
    let output = fixture.path("out.safetensors")
    let table = try runTool([
      "compress", fixture.checkpoint, "--rank", "3", "--data", data, "-o", output,
    ])
    #expect(table.status == 0, "\(table.error)")
    for text in [
      "evaluated on \(data), 60 samples", "loss softmaxCrossEntropy", "accuracy", "speed-up",
      "\ndense ", "\ncompressed ",
    ] {
      #expect(table.output.contains(text), "\(text)")
    }
    #expect(!table.output.contains("training loss"))
    let csv = try runTool([
      "compress", fixture.checkpoint, "--rank", "3", "--data", data, "--format", "csv", "-o",
      output,
    ])
    #expect(csv.status == 0, "\(csv.error)")
    let lines = csv.output.split(separator: "\n").map(String.init)
    #expect(lines.first == "network,layer,metric,value")
    #expect(lines.contains("compressed,1,rank,3"))
    #expect(lines.contains("compressed,3,rank,3"))
    #expect(lines.contains("compressed,1,factored,true"))
    for network in ["dense", "compressed"] {
      for metric in ["parameters", "flops", "loss", "accuracy", "inference_seconds", "speedup"] {
        #expect(
          lines.contains { $0.hasPrefix("\(network),,\(metric),") }, "\(network) \(metric)")
      }
    }
    #expect(lines.contains("dense,,speedup,1.0"))
    // One-hot value targets with softmax cross-entropy: a classification, the same accuracy as
    // with the labels.
    var oneHot = Matrix<Float>.zeros(rows: 60, columns: 5)
    for (i, label) in fixture.labels.enumerated() { oneHot[i, label] = 1 }
    let values = try fixture.archive(
      "values.npz", [("inputs", NumPyArray(fixture.inputs)), ("targets", NumPyArray(oneHot))])
    let labelled = try runTool([
      "compress", fixture.checkpoint, "--rank", "3", "--data", data, "--format", "json", "-o",
      output,
    ])
    let json = try runTool([
      "compress", fixture.checkpoint, "--rank", "3", "--data", values, "--format", "json", "-o",
      output,
    ])
    #expect(json.status == 0, "\(json.error)")
    let byLabels = try Self.networks(try Self.document(labelled.output))
    let byValues = try Self.networks(try Self.document(json.output))
    #expect(byValues.allSatisfy { $0["accuracy"] is Double })
    #expect(
      byValues.map { $0["accuracy"] as? Double } == byLabels.map { $0["accuracy"] as? Double })
    // Squared error on value targets (regression): a loss, no accuracy; on labels (one-hot
    // classification) an accuracy.
    let squared = try Fixture(trained: true, loss: .squaredError)
    defer { squared.remove() }
    let regression = try runTool([
      "compress", squared.checkpoint, "--rank", "3", "--data", values, "--format", "json", "-o",
      output,
    ])
    #expect(regression.status == 0, "\(regression.error)")
    let regressionDocument = try Self.document(regression.output)
    #expect(
      (regressionDocument["evaluation"] as? [String: Any])?["loss"] as? String == "squaredError")
    let networks = try Self.networks(regressionDocument)
    #expect(networks.allSatisfy { $0["accuracy"] is NSNull })
    #expect(networks.allSatisfy { ($0["loss"] as? Double ?? -1) > 0 })
    let valueTable = try runTool([
      "compress", squared.checkpoint, "--rank", "3", "--data", values, "-o", output,
    ])
    #expect(valueTable.status == 0)
    #expect(!valueTable.output.contains("accuracy"))
    let classification = try runTool([
      "compress", squared.checkpoint, "--rank", "3", "--data", data, "--format", "json", "-o",
      output,
    ])
    #expect(
      try Self.networks(try Self.document(classification.output)).allSatisfy {
        $0["accuracy"] is Double
      })
  }

  @Test("An MNIST-format folder: fine-tuning on its train split, evaluation on its test split")
  func idxFolder() throws {
    let fixture = try Fixture(double: true)
    defer { fixture.remove() }
    let data = fixture.path("mnist")
    try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
    // 5 × 6 = 30 pixels, the network's input width; 40 training and 15 test images.
    func images(_ count: Int, offset: Int) -> (images: [[UInt8]], labels: [UInt8]) {
      let labels = (0..<count).map { UInt8(($0 + offset) % 5) }
      let images = labels.enumerated().map { i, label in
        (0..<30).map { p in UInt8((p * 37 + i * 11) % 200) &+ (p == Int(label) ? 55 : 0) }
      }
      return (images, labels)
    }
    try writeMNISTFolder(
      data, rows: 5, columns: 6, train: images(40, offset: 0), test: images(15, offset: 2))
    let output = fixture.path("out.safetensors")
    let result = try runTool([
      "compress", fixture.checkpoint, "--rank", "4", "--data", data, "--fine-tune-epochs", "2",
      "--batch-size", "8", "--format", "json", "--threads", "1", "-o", output,
    ])
    #expect(result.status == 0, "\(result.error)")
    let document = try Self.document(result.output)
    let evaluation = try #require(document["evaluation"] as? [String: Any])
    #expect(evaluation["data"] as? String == "\(data) (test split)")
    #expect(evaluation["samples"] as? Int == 15)
    #expect(evaluation["isFineTuningData"] as? Bool == false)
    let fineTuning = try #require(document["fineTuning"] as? [String: Any])
    #expect(fineTuning["data"] as? String == "\(data) (train split)")
    #expect(fineTuning["samples"] as? Int == 40)
    #expect(fineTuning["epochs"] as? Int == 2)
    #expect(fineTuning["steps"] as? Int == 10)  // 2 epochs of 40 / 8 batches
    #expect(fineTuning["optimizer"] as? String == "adam")
    #expect(fineTuning["learningRate"] as? Double == 0.001)
    #expect(fineTuning["seed"] as? Int == 1)
    #expect(fineTuning["weightDecay"] as? Double == 0)
    let networks = try Self.networks(document)
    #expect(networks.map { $0["network"] as? String } == ["dense", "compressed", "fine-tuned"])
    #expect(networks.allSatisfy { $0["accuracy"] is Double && $0["trainingLoss"] is Double })
    // --training-samples and --test-samples keep the first samples.
    let limited = try runTool([
      "compress", fixture.checkpoint, "--rank", "4", "--data", data, "--fine-tune-epochs", "1",
      "--training-samples", "16", "--test-samples", "7", "--batch-size", "8", "--format", "json",
      "-o", output,
    ])
    #expect(limited.status == 0, "\(limited.error)")
    let limitedDocument = try Self.document(limited.output)
    #expect((limitedDocument["fineTuning"] as? [String: Any])?["samples"] as? Int == 16)
    #expect((limitedDocument["evaluation"] as? [String: Any])?["samples"] as? Int == 7)
  }

  @Test("Fine-tuning lowers the training loss of the truncation and is the checkpoint written")
  func fineTuning() throws {
    let fixture = try Fixture(trained: true)
    defer { fixture.remove() }
    let data = try fixture.archive("data.npz")
    let output = fixture.path("tuned.safetensors")
    let arguments = [
      "compress", fixture.checkpoint, "--rank", "2", "--data", data, "--fine-tune-epochs", "30",
      "--learning-rate", "0.01", "--batch-size", "20", "--seed", "3", "--format", "json",
      "--threads", "1", "-o", output,
    ]
    let result = try runTool(arguments)
    #expect(result.status == 0, "\(result.error)")
    let document = try Self.document(result.output)
    let evaluation = try #require(document["evaluation"] as? [String: Any])
    // No --test-data: evaluated on the fine-tuning data, and the report says so.
    #expect(evaluation["isFineTuningData"] as? Bool == true)
    let networks = try Self.networks(document)
    let training = networks.map { $0["trainingLoss"] as? Double ?? .nan }
    // dense, compressed, fine-tuned: the truncation costs training loss, fine-tuning recovers
    // more than it (strictly: with a learning rate that diverges this fails).
    #expect(training[1] > training[0])
    #expect(training[2] < training[1])
    // The evaluation data is the training data here, so the losses agree.
    #expect(networks[2]["loss"] as? Double == training[2])
    // The written checkpoint is the fine-tuned network, with the layout and the settings.
    let written = try CompressedNetwork<Float>.read(from: output)
    #expect(written.isFactored == [true, true, true])
    let loss = try written.network.loss(
      inputs: fixture.inputs, targets: .labels(fixture.labels), loss: .softmaxCrossEntropy)
    #expect(abs(loss - training[2]) <= 1e-6 * loss)
    let metadata = try SafeTensors.read(contentsOf: output).metadata
    #expect(metadata["compression.fineTuning"]?.contains("epochs=30") == true)
    #expect(metadata["compression.fineTuning"]?.contains("seed=3") == true)
    // The same seed and thread count give the same fine-tuned network.
    let again = try runTool(arguments)
    #expect(again.status == 0)
    #expect(try CompressedNetwork<Float>.read(from: output) == written)
    let table = try runTool(Array(arguments.dropLast(6)) + ["--threads", "1", "-o", output])
    #expect(table.status == 0, "\(table.error)")
    // The table names the settings, the training losses and the held-out caveat.
    for text in [
      "fine-tuned for 30 epochs", "learning rate 0.01", "batches of 20", "seed 3",
      "weight decay 0.0", "training loss", "give --test-data", "\nfine-tuned ",
    ] {
      #expect(table.output.contains(text), "\(text)")
    }
  }

  @Test("--test-data is the evaluation set when fine-tuning")
  func testData() throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let data = try fixture.archive("data.npz")
    var generator = SeededGenerator(seed: 5)
    let held = Matrix<Float>.randomNormal(rows: 12, columns: 30, using: &generator)
    let test = try fixture.archive(
      "test.npz",
      [
        ("inputs", NumPyArray(held)),
        ("labels", NumPyArray(integers: (0..<12).map { Int64($0 % 5) })),
      ])
    let output = fixture.path("out.safetensors")
    let result = try runTool([
      "compress", fixture.checkpoint, "--rank", "2", "--data", data, "--test-data", test,
      "--fine-tune-epochs", "1", "--format", "json", "-o", output,
    ])
    #expect(result.status == 0, "\(result.error)")
    let evaluation = try #require(try Self.document(result.output)["evaluation"] as? [String: Any])
    #expect(evaluation["data"] as? String == test)
    #expect(evaluation["samples"] as? Int == 12)
    #expect(evaluation["isFineTuningData"] as? Bool == false)
    let dense = try Checkpoint<Float>.read(from: fixture.checkpoint).network
    let networks = try Self.networks(try Self.document(result.output))
    let heldLoss = try dense.loss(
      inputs: held, targets: .labels((0..<12).map { $0 % 5 }), loss: .softmaxCrossEntropy)
    #expect(abs((networks[0]["loss"] as? Double ?? .nan) - heldLoss) <= 1e-6 * heldLoss)
  }

  @Test("Data that does not fit the network fails with status 1, names both sizes, writes nothing")
  func misfit() throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let output = fixture.path("out.safetensors")
    var generator = SeededGenerator(seed: 2)
    let narrow = try fixture.archive(
      "narrow.npz",
      [
        (
          "inputs", NumPyArray(Matrix<Float>.randomNormal(rows: 10, columns: 20, using: &generator))
        ),
        ("labels", NumPyArray(integers: (0..<10).map { Int64($0 % 5) })),
      ])
    let badLabels = try fixture.archive(
      "labels.npz",
      [
        ("inputs", NumPyArray(fixture.inputs)),
        ("labels", NumPyArray(integers: (0..<60).map { Int64($0 % 8) })),
      ])
    let noInputs = try fixture.archive(
      "none.npz", [("x", NumPyArray(fixture.inputs)), ("labels", NumPyArray(integers: [Int64(1)]))])
    let wrongTargets = try fixture.archive(
      "targets.npz",
      [
        ("inputs", NumPyArray(fixture.inputs)),
        ("targets", NumPyArray(Matrix<Float>.zeros(rows: 60, columns: 3))),
      ])
    let fitting = try fixture.archive("ok.npz")
    let text = fixture.path("data.txt")
    try Data("1 2 3".utf8).write(to: URL(fileURLWithPath: text))
    let cases: [([String], [String])] = [
      (["--data", narrow], ["--data", "width 30", "20 columns"]),
      (["--data", narrow, "--fine-tune-epochs", "1"], ["--data", "width 30", "20 columns"]),
      (
        ["--data", fitting, "--test-data", narrow, "--fine-tune-epochs", "1"],
        ["--test-data", "width 30", "20 columns"]
      ),
      (["--data", badLabels], ["label 5", "0..<5"]),
      (["--data", noInputs], ["'inputs'", "'x'", "'labels'"]),
      (["--data", wrongTargets], ["60×5", "60×3"]),
      (["--data", fixture.path("missing.npz")], ["missing.npz"]),
      (["--data", fixture.path("no-such-folder/")], ["no-such-folder"]),
      (["--data", text], ["data.txt", "IDX"]),
      (["--data", fixture.folder.path], ["t10k-images-idx3-ubyte"]),
    ]
    try expectCompressFailures(checkpoint: fixture.checkpoint, output: output, cases)
  }

  @Test(
    "Data and fine-tuning options are checked: usage errors naming the option, nothing written",
    arguments: [
      (["--fine-tune-epochs", "2"], "--fine-tune-epochs"),
      (["--test-data", "t.npz"], "--test-data"), (["--seed", "3"], "--seed"),
      (["--learning-rate", "0.1"], "--learning-rate"),
      (["--timing-rounds", "2"], "--timing-rounds"),
      (["--data", "d.npz", "--learning-rate", "0.1"], "--learning-rate"),
      (["--data", "d.npz", "--weight-decay", "0.1"], "--weight-decay"),
      (["--data", "d.npz", "--test-data", "t.npz"], "--test-data"),
      (["--data", "d.npz", "--batch-size", "4", "--fine-tune-epochs", "0"], "--batch-size"),
      (["--data", "d.npz", "--fine-tune-epochs", "-1"], "--fine-tune-epochs"),
      (["--data", "d.npz", "--fine-tune-epochs", "1", "--learning-rate", "0"], "--learning-rate"),
      (
        ["--data", "d.npz", "--fine-tune-epochs", "1", "--learning-rate", "inf"], "--learning-rate"
      ),
      (["--data", "d.npz", "--fine-tune-epochs", "1", "--batch-size", "0"], "--batch-size"),
      (["--data", "d.npz", "--fine-tune-epochs", "1", "--weight-decay", "-1"], "--weight-decay"),
      (["--data", "d.npz", "--fine-tune-epochs", "1", "--seed", "-2"], "--seed"),
      (
        ["--data", "d.npz", "--fine-tune-epochs", "1", "--training-samples", "0"],
        "--training-samples"
      ),
      (["--data", "d.npz", "--test-samples", "0"], "--test-samples"),
      (["--data", "d.npz", "--timing-rounds", "0"], "--timing-rounds"),
      (["--data", ""], "--data"),
      (["--data", "d.npz", "--fine-tune-epochs", "1", "--test-data", ""], "--test-data"),
    ])
  func usageErrors(arguments: [String], message: String) throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    try fixture.expectUsageError(arguments, naming: message)
  }

  @Test("--help describes the data forms and fine-tuning with examples")
  func help() throws {
    let result = try runTool(["compress", "--help"])
    #expect(result.status == 0)
    for text in [
      "--data", "--test-data", "--fine-tune-epochs", "--learning-rate", "--batch-size", "--seed",
      "--weight-decay", "--timing-rounds", "nuclear-norm", "'inputs'", "'labels'", "'targets'",
      "IDX", "rankcollapse compress model.safetensors --rank 16 -o r16.safetensors",
    ] {
      #expect(result.output.contains(text), "\(text)")
    }
  }
}

/// Runs `compress CHECKPOINT --rank 2 -o OUTPUT` with each case's further arguments and expects
/// a run-time failure (status 1) whose message contains each of the case's texts, nothing on
/// standard output and no file at `output`.
///
/// - Parameters:
///   - checkpoint: The checkpoint to compress.
///   - output: The output path that must stay absent.
///   - cases: The further arguments and the texts the error must contain.
///   - sourceLocation: Where a failed expectation is reported (the caller).
/// - Throws: When the tool cannot be run.
func expectCompressFailures(
  checkpoint: String, output: String, _ cases: [([String], [String])],
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  for (arguments, messages) in cases {
    let result = try runTool(
      ["compress", checkpoint, "--rank", "2", "-o", output] + arguments)
    #expect(result.status == 1, "\(arguments): \(result.error)", sourceLocation: sourceLocation)
    for message in messages {
      #expect(
        result.error.contains(message), "\(arguments): \(message) in \(result.error)",
        sourceLocation: sourceLocation)
    }
    #expect(result.output.isEmpty, "\(arguments)", sourceLocation: sourceLocation)
    #expect(
      !FileManager.default.fileExists(atPath: output), "\(arguments)",
      sourceLocation: sourceLocation)
  }
}
