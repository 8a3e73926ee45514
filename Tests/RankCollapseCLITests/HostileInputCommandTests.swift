import Foundation
import PropertyBased
import RankCollapse
import Testing

/// Issue 15 (command-line half): extreme numbers and careless options.
///
/// Each test failed on the code before.
@Suite("Hostile inputs and careless commands")
struct HostileInputCommandTests {
  /// A 30×20 Gaussian matrix (seed 15) times `factor`, with `entry` at (3, 4) if given.
  static func matrix(times factor: Double, entry: Double? = nil) -> Matrix<Double> {
    var generator = SeededGenerator(seed: 15)
    var a = Matrix<Double>.randomNormal(rows: 30, columns: 20, using: &generator)
    a *= factor
    if let entry { a[3, 4] = entry }
    return a
  }

  static func save(_ matrix: Matrix<Double>, _ name: String, in folder: URL) throws -> String {
    let path = folder.appendingPathComponent(name).path
    try NumPy.write(NumPyArray(matrix), to: path)
    return path
  }

  /// The `analyze --format json` entries of `paths`, by name.
  static func analyzeJSON(_ paths: [String]) throws -> [String: [String: Any]] {
    let result = try runTool(["analyze", "--format", "json", "--rank", "10"] + paths)
    #expect(result.status == 0, "\(result.error)")
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    let matrices = try #require(document["matrices"] as? [[String: Any]])
    return Dictionary(uniqueKeysWithValues: matrices.map { ($0["name"] as? String ?? "", $0) })
  }

  @Test("Times 1e-300 and 1e300 the ratios are the matrix's own and the norms scale (1e-12)")
  func extremeScales() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let base = try Self.save(Self.matrix(times: 1), "base.npy", in: folder)
    let tiny = try Self.save(Self.matrix(times: 1e-300), "tiny.npy", in: folder)
    let huge = try Self.save(Self.matrix(times: 1e300), "huge.npy", in: folder)
    let entries = try Self.analyzeJSON([base, tiny, huge])
    let reference = try #require(entries[base])
    for (path, factor) in [(tiny, 1e-300), (huge, 1e300)] {
      let entry = try #require(entries[path])
      for key in ["relativeTail", "stableRank", "effectiveRank"] {
        let want = try #require(reference[key] as? Double)
        let got = try #require(entry[key] as? Double, "\(key) of \(path)")
        #expect(abs(got - want) <= 1e-12 * want, "\(key) of \(path): \(got) vs \(want)")
      }
      #expect(entry["softRank"] as? Int == reference["softRank"] as? Int)
      for key in ["frobeniusNorm", "rankDistance", "nuclearNorm"] {
        let want = try #require(reference[key] as? Double) * factor
        let got = try #require(entry[key] as? Double, "\(key) of \(path)")
        #expect(abs(got - want) <= 1e-12 * want, "\(key) of \(path): \(got) vs \(want)")
      }
    }
  }

  @Test("One 1e300 entry among ordinary ones: finite ratios and the distance of the rest")
  func mixedMagnitudes() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let mixed = try Self.save(Self.matrix(times: 1, entry: 1e300), "mixed.npy", in: folder)
    let entry = try #require(try Self.analyzeJSON([mixed])[mixed])
    #expect(entry["stableRank"] as? Double == 1)
    #expect(entry["relativeTail"] as? Double == 0)
    let distance = try #require(entry["rankDistance"] as? Double)
    // The 19 other singular values of a 30×20 Gaussian matrix are of order 1 to 10.
    #expect(distance > 1 && distance < 100, "\(distance)")
    #expect(entry["frobeniusNorm"] as? Double == 1e300 || entry["frobeniusNorm"] is Double)
  }

  @Test("Norms beyond the Double range are null with a note in JSON, 'undefined' in table and CSV")
  func undefinedNorms() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = try Self.save(Self.matrix(times: 1.5e307), "max.npy", in: folder)
    let entry = try #require(try Self.analyzeJSON([path])[path])
    #expect(entry["frobeniusNorm"] is NSNull)
    #expect(entry["relativeTail"] is Double)
    let notes = try #require(entry["notes"] as? [String])
    #expect(notes.contains { $0.contains("frobeniusNorm") })
    let table = try runTool(["analyze", path])
    #expect(table.status == 0 && table.output.contains("undefined"), "\(table.error)")
    let csv = try runTool(["analyze", "--format", "csv", path])
    #expect(csv.status == 0 && csv.output.contains("undefined"), "\(csv.error)")
    #expect(!csv.output.contains("inf"))
  }

  /// One numeric option of a command: its documented range, and the arguments around it.
  struct OptionCase: Sendable, CustomStringConvertible {
    var arguments: [String]
    var option: String
    var range: ClosedRange<Int>
    /// Whether a value in range can be checked cheaply (the run then fails on a missing file
    /// with status 1, after validation).
    var checksInRange: Bool

    var description: String { option + " of " + arguments.joined(separator: " ") }
  }

  static let missing = "/nonexistent-\(UUID().uuidString)"

  static let optionCases: [OptionCase] = [
    OptionCase(
      arguments: ["analyze", missing + ".npy"], option: "--rank", range: 0...2_147_483_647,
      checksInRange: true),
    OptionCase(
      arguments: ["analyze", missing + ".npy"], option: "--threads", range: 1...1024,
      checksInRange: true),
    OptionCase(
      arguments: ["collapse", missing + ".npy", "--clusters", "3"], option: "--restarts",
      range: 1...10_000, checksInRange: true),
    OptionCase(
      arguments: ["collapse", missing + ".npy"], option: "--clusters", range: 1...1_000_000,
      checksInRange: true),
    OptionCase(
      arguments: ["compress", missing + ".safetensors", "-o", missing + "-out.safetensors"],
      option: "--rank", range: 1...2_147_483_647, checksInRange: true),
    OptionCase(
      arguments: [
        "compress", missing + ".safetensors", "-o", missing + "-out.safetensors", "--rank", "2",
        "--data", missing + ".npz",
      ], option: "--timing-rounds", range: 1...1000, checksInRange: true),
    OptionCase(
      arguments: ["demo"], option: "--points", range: 10...1_000_000, checksInRange: false),
    OptionCase(
      arguments: ["demo"], option: "--max-steps", range: 0...10_000_000, checksInRange: false),
  ]

  /// Runs one case with `value` and checks the outcome against the range.
  static func check(_ option: OptionCase, _ value: Int) throws {
    // A value in range for `demo` would start training: only out-of-range values are run.
    if option.range.contains(value) && !option.checksInRange { return }
    let result = try runTool(option.arguments + [option.option, String(value)])
    if option.range.contains(value) {
      #expect(result.status == 1, "\(option) \(value): \(result.error)")
    } else {
      #expect(result.status == 64, "\(option) \(value): \(result.status) \(result.error)")
      #expect(result.error.contains(option.option), "\(option) \(value): \(result.error)")
      #expect(result.error.contains("must be"), "\(option) \(value): \(result.error)")
    }
  }

  @Test("Every numeric option: out of range is usage error 64 naming the option (boundaries)")
  func optionBoundaries() throws {
    for option in Self.optionCases {
      for value in [
        option.range.lowerBound - 1, option.range.upperBound &+ 1, Int.max, Int.min, -1,
        option.range.lowerBound, option.range.upperBound,
      ] where value != Int.min || option.range.lowerBound > Int.min {
        try Self.check(option, value)
      }
    }
  }

  @Test("Property: any Int given to a numeric option is accepted iff it is in the range")
  func optionProperty() async {
    await propertyCheck(
      count: 60,
      input: Gen.element(of: Self.optionCases),
      Gen.oneOf(Gen.int(in: -20...2000), Gen.int())
    ) { option, value in
      guard let option else { return }
      #expect(throws: Never.self) { try Self.check(option, value) }
    }
  }

  @Test(
    "The issue's commands are usage errors, not crashes",
    arguments: [
      (
        ["collapse", "x.npy", "--clusters", "2", "--restarts", "9223372036854775807"], "--restarts"
      ),
      (["collapse", "x.npy", "--clusters", "2", "--restarts", "1e11"], "--restarts"),
      (["demo", "--points", "9223372036854775807"], "--points"),
      (["analyze", "--rank", "-1", "x.npy"], "--rank"),
      (["demo", "--sigma", "-1"], "--sigma"), (["demo", "--lambdas", "-1e-3"], "--lambdas"),
      (["analyze", "--epsilon", "nan", "x.npy"], "--epsilon"),
    ])
  func issueCommands(arguments: [String], option: String) throws {
    let result = try runTool(arguments)
    #expect(result.status == 64, "\(arguments): \(result.error)")
    #expect(result.error.contains(option) && !result.error.contains("Missing value"))
  }

  @Test(
    "Example programs check their numeric options too",
    arguments: [
      ("WidthDepthSweep", ["--widths", "100000"], "--widths"),
      ("WidthDepthSweep", ["--epochs", "-1"], "--epochs"),
      ("MNISTRankEvolution", ["--record-every", "9223372036854775807"], "--record-every"),
      ("LowRankCompression", ["--threads", "100000"], "--threads"),
      ("GaussianBlobsAutoencoder", ["--max-steps", "-5"], "--max-steps"),
      ("DeepLinearCentroids", ["--learning-rate", "-1"], "--learning-rate"),
      ("CentroidWarmup", ["--points", "9223372036854775807"], "--points"),
      ("CentroidWarmup", ["--rounds", "0"], "--rounds"),
      // The shared list parser (ExampleSupport.parseList): one message style everywhere.
      ("WidthDepthSweep", ["--widths", "32,x"], "--widths must be comma-separated values"),
      ("WidthDepthSweep", ["--depths", "1,,2"], "--depths must be comma-separated values"),
      ("MNISTRankEvolution", ["--lambdas", "0.1,0.1"], "--lambdas repeats a value"),
      ("LowRankCompression", ["--ranks", "0,2"], "--ranks must be in 1…"),
      ("GaussianBlobsAutoencoder", ["--lambdas", "0,0.1"], "--lambdas must be in (0, 1000000]"),
      ("GaussianBlobsAutoencoder", ["--sigmas", "nan"], "--sigmas must be in 0…1000000"),
      ("CentroidWarmup", ["--rhos", "0.5,-1"], "--rhos must be in (0, ∞]"),
      ("CentroidWarmup", ["--sigmas", "0.1, x"], "--sigmas must be comma-separated values"),
    ])
  func examples(program: String, arguments: [String], option: String) throws {
    let result = try runProgram(program, arguments)
    #expect(result.status == 64, "\(program) \(arguments): \(result.error)")
    #expect(result.error.contains(option), "\(program) \(arguments): \(result.error)")
  }

  /// The six example programs, which share `--seed`, `--threads`, `--output` (and `--shard`).
  static let examplePrograms = [
    "GaussianBlobsAutoencoder", "DeepLinearCentroids", "MNISTRankEvolution", "WidthDepthSweep",
    "CentroidWarmup", "LowRankCompression",
  ]

  @Test(
    "Every example program rejects --threads 0, --seed -1 and --shard 3/2 as usage errors",
    arguments: examplePrograms)
  func exampleSharedOptions(program: String) throws {
    var cases = [(["--threads", "0"], "--threads"), (["--seed", "-1"], "--seed")]
    if program != "CentroidWarmup" { cases.append((["--shard", "3/2"], "--shard")) }
    for (arguments, option) in cases {
      let result = try runProgram(program, arguments)
      #expect(result.status == 64, "\(program) \(arguments): \(result.error)")
      #expect(result.error.contains(option), "\(program) \(arguments): \(result.error)")
    }
  }

  @Test("CentroidWarmup has no --shard option")
  func centroidWarmupHasNoShard() throws {
    let result = try runProgram("CentroidWarmup", ["--shard", "1/1"])
    #expect(result.status == 64, "\(result.error)")
    #expect(result.error.contains("Unknown option"), "\(result.error)")
  }

  /// `matrix` as a Fortran-ordered float64 `.npy` file (version 1.0), written byte by byte.
  static func saveFortranOrder(_ matrix: Matrix<Double>, _ name: String, in folder: URL) throws
    -> String
  {
    var header =
      "{'descr': '<f8', 'fortran_order': True, 'shape': (\(matrix.rows), \(matrix.columns)), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    bytes += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8)
    for column in 0..<matrix.columns {
      for row in 0..<matrix.rows {
        withUnsafeBytes(of: matrix[row, column].bitPattern.littleEndian) { bytes += $0 }
      }
    }
    let path = folder.appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test(
    "A NaN or infinite entry fails with exit 1 and an error that names the matrix, counts both kinds and places the first in the array's orientation: C and Fortran order, the full and the top-k SVD, and a difference that overflows"
  )
  func nonFiniteEntries() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var damaged = Self.matrix(times: 1, entry: .nan)
    damaged[7, 2] = .infinity
    damaged[8, 0] = -.infinity
    let rowMajor = try Self.save(damaged, "c-order.npy", in: folder)
    // Read as its transpose: the scan meets column 0 first, and the position is the array's.
    let columnMajor = try Self.saveFortranOrder(damaged, "f-order.npy", in: folder)
    let single = folder.appendingPathComponent("single.npy").path
    try NumPy.write(NumPyArray(Matrix<Float>(damaged)), to: single)
    let cases: [([String], String, String)] = [
      (["analyze", rowMajor], rowMajor, "row 3, column 4"),
      (["analyze", columnMajor], columnMajor, "row 8, column 0"),
      (["analyze", "--svd", "top-k", "--rank", "3", single], single, "row 3, column 4"),
      (["analyze", "--svd", "top-k", "--rank", "3", rowMajor], rowMajor, "row 3, column 4"),
    ]
    for (arguments, name, first) in cases {
      let result = try runTool(arguments)
      #expect(result.status == 1, "\(arguments): \(result.error)")
      #expect(result.output.isEmpty, "\(arguments): \(result.output)")
      #expect(
        result.error.contains(
          "\(name): 3 non-finite entries (1 NaN, 2 infinite; the first at \(first),"),
        "\(arguments): \(result.error)")
      #expect(result.error.contains("--filter"), "\(result.error)")
    }
    // Two finite checkpoints whose difference overflows: 1e308 − (−1e308) = +∞.
    let a = try Self.save(Self.matrix(times: 1, entry: 1e308), "a.npy", in: folder)
    let b = try Self.save(Self.matrix(times: 1, entry: -1e308), "b.npy", in: folder)
    let difference = try runTool(["diff", a, b])
    #expect(difference.status == 1, "\(difference.error)")
    #expect(
      difference.error.contains(
        "1 non-finite entry (0 NaN, 1 infinite; the first at row 3, column 4,"),
      "\(difference.error)")
  }
}
