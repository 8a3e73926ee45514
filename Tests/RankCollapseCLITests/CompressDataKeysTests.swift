import Foundation
import RankCollapse
import Testing
import _RankCollapseTestSupport

/// `rankcollapse compress --data FILE.npz --inputs-key … --labels-key … --targets-key …`: arrays
/// saved under other names than `inputs`, `labels` and `targets`.
@Suite("rankcollapse compress with .npz member names")
struct CompressDataKeysTests {
  typealias Fixture = CompressDataCommandTests.Fixture

  /// Runs `compress --rank 2 --format json --threads 1` on the fixture's checkpoint with
  /// `arguments`, expecting success, and returns the losses and accuracies of the evaluated
  /// networks with the evaluation and fine-tuning entries.
  static func evaluate(
    _ fixture: Fixture, _ arguments: [String]
  ) throws -> (
    losses: [Double], accuracies: [Double?], evaluation: [String: Any],
    fineTuning: [String: Any]?
  ) {
    let output = fixture.path("out.safetensors")
    let result = try runTool(
      [
        "compress", fixture.checkpoint, "--rank", "2", "--format", "json", "--threads", "1",
        "--timing-rounds", "1", "-o", output,
      ] + arguments)
    try #require(result.status == 0, "\(arguments): \(result.error)")
    #expect(FileManager.default.fileExists(atPath: output))
    let document = try CompressDataCommandTests.document(result.output)
    let networks = try CompressDataCommandTests.networks(document)
    return (
      networks.map { $0["loss"] as? Double ?? .nan }, networks.map { $0["accuracy"] as? Double },
      try #require(document["evaluation"] as? [String: Any]),
      document["fineTuning"] as? [String: Any]
    )
  }

  @Test(
    "Members named by --inputs-key, --labels-key, --targets-key give the default names' numbers")
  func customKeys() throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let reference = try Self.evaluate(fixture, ["--data", try fixture.archive("data.npz")])
    #expect(reference.losses.count == 2)
    let labels = fixture.labels.map { Int64($0) }
    let renamed = try fixture.archive(
      "renamed.npz",
      [
        ("y_test", NumPyArray(integers: labels)), ("x_test", NumPyArray(fixture.inputs)),
        // Default names holding other data, so that reading them would change the numbers.
        ("inputs", NumPyArray(Matrix<Float>.zeros(rows: 60, columns: 30))),
        ("labels", NumPyArray(integers: [Int64](repeating: 0, count: 60))),
      ])
    let named = try Self.evaluate(
      fixture, ["--data", renamed, "--inputs-key", "x_test", "--labels-key", "y_test"])
    #expect(named.losses == reference.losses)
    #expect(named.accuracies == reference.accuracies)
    // The report names the members read.
    #expect(named.evaluation["data"] as? String == "\(renamed) (inputs 'x_test', labels 'y_test')")
    #expect(named.evaluation["samples"] as? Int == 60)
    // The default members of the same archive give other numbers: the keys are what is read.
    let defaults = try Self.evaluate(fixture, ["--data", renamed])
    #expect(defaults.losses != reference.losses)

    // One-hot targets under another name (softmax cross-entropy: the same accuracy as the
    // labels), beside a 'labels' member that --targets-key makes the command ignore.
    var oneHot = Matrix<Float>.zeros(rows: 60, columns: 5)
    for (i, label) in fixture.labels.enumerated() { oneHot[i, label] = 1 }
    let values = try fixture.archive(
      "values.npz",
      [
        ("features", NumPyArray(fixture.inputs)), ("onehot", NumPyArray(oneHot)),
        ("labels", NumPyArray(integers: [Int64](repeating: 0, count: 60))),
      ])
    let byTargets = try Self.evaluate(
      fixture, ["--data", values, "--inputs-key", "features", "--targets-key", "onehot"])
    #expect(byTargets.accuracies == reference.accuracies)
    for (loss, expected) in zip(byTargets.losses, reference.losses) {
      // Cross-entropy of one-hot rows equals that of the labels up to rounding.
      #expect(abs(loss - expected) <= 1e-5 * expected, "\(loss) vs \(expected)")
    }
  }

  @Test("--test-inputs-key and --test-labels-key pick the held-out arrays of the same archive")
  func testKeys() throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let labels = fixture.labels.map { Int64($0) }
    let all = try fixture.archive(
      "all.npz",
      [
        ("x_train", NumPyArray(fixture.inputs.rows(0..<40))),
        ("y_train", NumPyArray(integers: Array(labels[0..<40]))),
        ("x_test", NumPyArray(fixture.inputs.rows(40..<60))),
        ("y_test", NumPyArray(integers: Array(labels[40..<60]))),
      ])
    let separate = try fixture.archive(
      "test.npz",
      [
        ("inputs", NumPyArray(fixture.inputs.rows(40..<60))),
        ("labels", NumPyArray(integers: Array(labels[40..<60]))),
      ])
    let tuning = ["--fine-tune-epochs", "1", "--batch-size", "8"]
    let named = try Self.evaluate(
      fixture,
      [
        "--data", all, "--inputs-key", "x_train", "--labels-key", "y_train", "--test-data", all,
        "--test-inputs-key", "x_test", "--test-labels-key", "y_test",
      ] + tuning)
    #expect(named.evaluation["samples"] as? Int == 20)
    #expect(named.evaluation["isFineTuningData"] as? Bool == false)
    #expect(named.fineTuning?["samples"] as? Int == 40)
    #expect(named.fineTuning?["data"] as? String == "\(all) (inputs 'x_train', labels 'y_train')")
    #expect(named.evaluation["data"] as? String == "\(all) (inputs 'x_test', labels 'y_test')")
    #expect(named.losses.count == 3)
    // The same numbers as with the held-out rows in their own archive under default names
    // (the --data keys apply to --test-data unless the --test- options override them).
    let reference = try Self.evaluate(
      fixture,
      ["--data", all, "--inputs-key", "x_train", "--labels-key", "y_train", "--test-data"]
        + [separate, "--test-inputs-key", "inputs", "--test-labels-key", "labels"] + tuning)
    #expect(named.losses == reference.losses)
    #expect(named.accuracies == reference.accuracies)
  }

  @Test(
    "Integer labels of every NumPy integer type give the int64 labels' numbers",
    arguments: ["int64", "uint8", "int32", "uint16", "int8", "uint64", "int16", "uint32"])
  func labelTypes(type: String) throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let reference = try Self.evaluate(fixture, ["--data", try fixture.archive("data.npz")])
    let labels: NumPyArray =
      switch type {
      case "int64": NumPyArray(integers: fixture.labels.map { Int64($0) })
      case "uint8": NumPyArray(integers: fixture.labels.map { UInt8($0) })
      case "int32": NumPyArray(integers: fixture.labels.map { Int32($0) })
      case "uint16": NumPyArray(integers: fixture.labels.map { UInt16($0) })
      case "int8": NumPyArray(integers: fixture.labels.map { Int8($0) })
      case "uint64": NumPyArray(integers: fixture.labels.map { UInt64($0) })
      case "int16": NumPyArray(integers: fixture.labels.map { Int16($0) })
      default: NumPyArray(integers: fixture.labels.map { UInt32($0) })
      }
    #expect(labels.dataType.description == type)
    let archive = try fixture.archive(
      "typed.npz", [("x", NumPyArray(fixture.inputs)), ("y", labels)])
    let typed = try Self.evaluate(
      fixture, ["--data", archive, "--inputs-key", "x", "--labels-key", "y"])
    #expect(typed.losses == reference.losses)
    #expect(typed.accuracies == reference.accuracies)
  }

  @Test("A missing member fails with status 1, names the option and lists the members")
  func missingMember() throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let output = fixture.path("out.safetensors")
    let archive = try fixture.archive(
      "named.npz",
      [
        ("x_test", NumPyArray(fixture.inputs)),
        ("y_test", NumPyArray(integers: fixture.labels.map { UInt8($0) })),
      ])
    let floatLabels = try fixture.archive(
      "float.npz",
      [
        ("x", NumPyArray(fixture.inputs)),
        ("y", NumPyArray(vector: fixture.labels.map { Float($0) })),
      ])
    let cases: [([String], [String])] = [
      (["--data", archive], ["'inputs'", "--inputs-key", "'x_test', 'y_test'"]),
      (
        ["--data", archive, "--inputs-key", "x_test"],
        ["'labels'", "'targets'", "--labels-key", "--targets-key", "'x_test', 'y_test'"]
      ),
      (
        ["--data", archive, "--inputs-key", "features", "--labels-key", "y_test"],
        ["--data", "named.npz", "'features'", "--inputs-key", "'x_test', 'y_test'"]
      ),
      (
        ["--data", archive, "--inputs-key", "x_test", "--labels-key", "y"],
        ["no array named 'y'", "class labels", "--labels-key", "'x_test', 'y_test'"]
      ),
      (
        ["--data", archive, "--inputs-key", "x_test", "--targets-key", "y_test"],
        ["'y_test'", "float32 or float64", "uint8"]
      ),
      (
        [
          "--data", archive, "--inputs-key", "x_test", "--labels-key", "y_test",
          "--fine-tune-epochs", "1", "--test-data", archive, "--test-labels-key", "labels",
        ],
        ["--test-data", "'labels'", "--test-labels-key", "'x_test', 'y_test'"]
      ),
      (
        ["--data", floatLabels, "--inputs-key", "x", "--labels-key", "y"],
        ["'y'", "integer", "float32"]
      ),
    ]
    try expectCompressFailures(checkpoint: fixture.checkpoint, output: output, cases)
  }

  @Test(
    "Key options without an .npz to apply to are usage errors naming the option",
    arguments: [
      (["--inputs-key", "x"], "--inputs-key"),
      (["--labels-key", "y"], "--labels-key"),
      (["--targets-key", "y"], "--targets-key"),
      (["--data", "images/", "--inputs-key", "x"], "--inputs-key"),
      (["--data", "d.npz", "--test-inputs-key", "x"], "--test-inputs-key"),
      (["--data", "d.npz", "--test-labels-key", "y"], "--test-labels-key"),
      (
        [
          "--data", "d.npz", "--fine-tune-epochs", "1", "--test-data", "folder",
          "--test-targets-key", "y",
        ], "--test-targets-key"
      ),
      (["--data", "d.npz", "--inputs-key", ""], "--inputs-key"),
      (["--data", "d.npz", "--labels-key", "y", "--targets-key", "t"], "--targets-key"),
      (
        ["--data", "d.npz", "--fine-tune-epochs", "1", "--test-data", "t.npz"]
          + ["--test-labels-key", "y", "--test-targets-key", "t"], "--test-targets-key"
      ),
    ])
  func usageErrors(arguments: [String], message: String) throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    try fixture.expectUsageError(arguments, naming: message)
  }

  @Test("--help lists the key options with an example")
  func help() throws {
    let result = try runTool(["compress", "--help"])
    #expect(result.status == 0)
    for text in [
      "--inputs-key", "--labels-key", "--targets-key", "--test-inputs-key", "--test-labels-key",
      "--test-targets-key", "--data fashion-test.npz --inputs-key x_test --labels-key y_test",
      "uint8",
    ] {
      #expect(result.output.contains(text), "\(text)")
    }
  }
}
