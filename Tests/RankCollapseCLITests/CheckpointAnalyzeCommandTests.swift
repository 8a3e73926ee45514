import Foundation
import RankCollapse
import Testing
import _RankCollapseTestSupport

/// Issue 18: `analyze` on sharded checkpoints and convolution kernels.
@Suite("analyze: sharded checkpoints and kernels")
struct CheckpointAnalyzeCommandTests {
  /// The `matrices` of a JSON report.
  func matrices(_ output: String) throws -> [[String: Any]] {
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    return try #require(document["matrices"] as? [[String: Any]])
  }

  @Test(
    "A folder of shards, its index and the single file give the same reports, named folder:tensor")
  func shardsAgreeWithOneFile() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var generator = SeededGenerator(seed: 18)
    let tensors = [
      SafeTensor(
        name: "layer.0.weight",
        matrix: Matrix<Float>.randomNormal(rows: 12, columns: 7, using: &generator)),
      SafeTensor(name: "layer.0.bias", vector: [Float](repeating: 1, count: 12)),
      SafeTensor(
        name: "layer.1.weight",
        matrix: Matrix<Float>.randomNormal(rows: 5, columns: 9, using: &generator),
        dataType: .bfloat16),
      SafeTensor(
        name: "layer.2.weight",
        matrix: Matrix<Double>.randomNormal(rows: 8, columns: 8, using: &generator)),
    ]
    let single = folder.appendingPathComponent("single.safetensors").path
    try SafeTensors.write(SafeTensorsFile(tensors: tensors), to: single)
    let shards = folder.appendingPathComponent("shards")
    try FileManager.default.createDirectory(at: shards, withIntermediateDirectories: true)
    let names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    try SafeTensors.write(
      SafeTensorsFile(tensors: Array(tensors[0..<2])),
      to: shards.appendingPathComponent(names[0]).path)
    try SafeTensors.write(
      SafeTensorsFile(tensors: Array(tensors[2...])),
      to: shards.appendingPathComponent(names[1]).path)
    let index = shards.appendingPathComponent("model.safetensors.index.json").path
    let map = tensors.enumerated().map { "\"\($1.name)\": \"\(names[$0 < 2 ? 0 : 1])\"" }
    try Data(("{\"weight_map\": {" + map.joined(separator: ", ") + "}}").utf8).write(
      to: URL(fileURLWithPath: index))

    let one = try runTool(["analyze", "--format", "json", single])
    let viaFolder = try runTool(["analyze", "--format", "json", "--threads", "2", shards.path])
    let viaIndex = try runTool(["analyze", "--format", "json", index])
    #expect(one.status == 0 && viaFolder.status == 0 && viaIndex.status == 0, "\(viaFolder.error)")
    let reference = try matrices(one.output)
    for (run, prefix) in [(viaFolder, shards.path), (viaIndex, index)] {
      let reports = try matrices(run.output)
      #expect(
        reports.compactMap { $0["name"] as? String }
          == ["layer.0.weight", "layer.1.weight", "layer.2.weight"].map { "\(prefix):\($0)" })
      for (a, b) in zip(reports, reference) {
        // The same file bytes and the same LAPACK call: the numbers agree exactly.
        #expect(a["singularValues"] as? [Double] == b["singularValues"] as? [Double])
        #expect(a["numericalRank"] as? Int == b["numericalRank"] as? Int)
      }
      #expect(run.error.contains("skipping 1 array(s)") && run.error.contains("layer.0.bias"))
    }
  }

  @Test("A broken checkpoint fails with status 1, a message naming the file, and no output")
  func brokenCheckpoints() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try SafeTensors.write(
      SafeTensorsFile(tensors: [SafeTensor(name: "w", matrix: Matrix<Float>.identity(3))]),
      to: folder.appendingPathComponent("a.safetensors").path)
    let index = folder.appendingPathComponent("model.safetensors.index.json")
    let cases: [(String, String)] = [
      ("{\"weight_map\": {\"w\": \"b.safetensors\"}}", "does not exist"),
      ("{\"weight_map\": {\"v\": \"a.safetensors\"}}", "holds no tensor of this name"),
      ("{\"weight_map\": {\"w\": \"../a.safetensors\"}}", "outside the index's folder"),
      ("{\"weight_map\": 3}", "not an object"),
    ]
    for (text, message) in cases {
      try Data(text.utf8).write(to: index)
      let result = try runTool(["analyze", folder.path])
      #expect(result.status == 1, "\(text)")
      #expect(result.output.isEmpty)
      #expect(
        result.error.contains(message) && result.error.contains(index.path), "\(result.error)")
    }
    let empty = folder.appendingPathComponent("empty")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    let none = try runTool(["analyze", empty.path])
    #expect(none.status == 1 && none.error.contains("holds no .safetensors file"))
  }

  /// The 4 × 3 × 2 × 3 PyTorch kernel `w[n] = ((n² + 3n) mod 11 − 5) / 4` in row-major order.
  let kernel: [Float] = (0..<72).map { (n: Int) -> Float in
    let residue: Int = (n * n + 3 * n) % 11
    return Float(residue - 5) / 4
  }

  // numpy.linalg.svd(w.reshape(4, -1)) and of w[:, :, i, j], in float64.
  static let flatten = [
    5.642277310088157, 3.7886465157455014, 2.5018734923446138, 2.2195705357336966,
  ]
  static let positions: [[Double]] = [
    [2.4856673670880496, 1.8176294393802312, 1.0088017452858968],
    [2.3280948762166855, 1.5966116002910813, 1.015285991802097],
    [2.7646664602513376, 1.2979358430934285, 1.082581133575999],
    [2.1976900252112044, 1.8419621337139023, 0.9822596657968313],
    [2.4362912125185168, 1.414915236968298, 1.0307764064044151],
    [2.1976900252112044, 1.8419621337139032, 0.982259665796831],
  ]

  /// Equal to 1e-13 relative: LAPACK and NumPy's LAPACK on matrices this small agree to a few
  /// ulps.
  static func close(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-13 * max(abs($1), 1) }
  }

  /// The kernel in `layout` (`pytorch`: (out, in, kh, kw); `keras`: (kh, kw, in, out)): its
  /// shape and C-order elements.
  func kernel(layout: String) -> (shape: [Int], elements: [Float]) {
    guard layout == "keras" else { return ([4, 3, 2, 3], kernel) }
    // (kh, kw, in, out): element [i, j, c, o] = PyTorch's [o, c, i, j].
    return (
      [2, 3, 3, 4],
      (0..<72).map { n in
        let (i, j, c, o) = (n / 36, n / 12 % 3, n / 4 % 3, n % 4)
        return kernel[((o * 3 + c) * 2 + i) * 3 + j]
      }
    )
  }

  /// Little-endian bytes of `elements`, in C order or permuted to Fortran order for `shape`.
  func bytes(_ elements: [Float], shape: [Int], fortranOrder: Bool) -> [UInt8] {
    var ordered = elements
    if fortranOrder {
      // C position p has multi-index (i₀, …, i_k); its Fortran position is Σ i_a·d₀·…·d_{a−1}.
      var strides: [Int] = []
      var stride = 1
      for size in shape {
        strides.append(stride)
        stride *= size
      }
      for position in elements.indices {
        var rest = position
        var fortran = 0
        for axis in shape.indices.reversed() {
          fortran += rest % shape[axis] * strides[axis]
          rest /= shape[axis]
        }
        ordered[fortran] = elements[position]
      }
    }
    return ordered.flatMap { value in (0..<4).map { UInt8((value.bitPattern >> (8 * $0)) & 0xFF) } }
  }

  @Test(
    "--reshape reads N-D kernels of .npy (C and Fortran order) and .npz files as of safetensors",
    arguments: ["pytorch", "keras"])
  func kernelsInNumPyFiles(layout: String) throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (shape, elements) = kernel(layout: layout)
    let cOrder = folder.appendingPathComponent("conv.npy").path
    let fortran = folder.appendingPathComponent("conv-fortran.npy").path
    let archive = folder.appendingPathComponent("model.npz").path
    let vector = folder.appendingPathComponent("bias.npy").path
    try Data(npyBytes(shape: shape, data: bytes(elements, shape: shape, fortranOrder: false)))
      .write(to: URL(fileURLWithPath: cOrder))
    try Data(
      npyBytes(
        shape: shape, fortranOrder: true, data: bytes(elements, shape: shape, fortranOrder: true))
    ).write(to: URL(fileURLWithPath: fortran))
    try Data(npyBytes(shape: [3], data: bytes([1, 2, 3], shape: [3], fortranOrder: false)))
      .write(to: URL(fileURLWithPath: vector))
    let identity = bytes([1, 0, 0, 1], shape: [2, 2], fortranOrder: false)
    try Data(
      storedZipBytes([
        ("w.npy", npyBytes(shape: [2, 2], data: identity)),
        (
          "conv.npy",
          npyBytes(shape: shape, data: bytes(elements, shape: shape, fortranOrder: false))
        ),
        (
          "bias.npy", npyBytes(shape: [3], data: bytes([1, 2, 3], shape: [3], fortranOrder: false))
        ),
      ])
    ).write(to: URL(fileURLWithPath: archive))

    // Without --reshape: the kernel is skipped with the hint, the archive's matrix analysed.
    let skipped = try runTool(["analyze", cOrder])
    #expect(skipped.status == 1 && skipped.error.contains("--reshape conv=flatten"))
    let skippedArchive = try runTool(["analyze", "--format", "json", archive])
    #expect(skippedArchive.status == 0, "\(skippedArchive.error)")
    #expect(
      try matrices(skippedArchive.output).compactMap { $0["name"] as? String } == ["\(archive):w"])
    #expect(skippedArchive.error.contains("--reshape conv=flatten"))

    let flat = try runTool(
      ["analyze", "--format", "json", "--reshape", "conv=flatten", "--layout", layout]
        + [cOrder, fortran, archive, vector])
    #expect(flat.status == 0, "\(flat.error)")
    let flatReports = try matrices(flat.output)
    #expect(
      flatReports.compactMap { $0["name"] as? String }
        == [cOrder, fortran, "\(archive):w", "\(archive):conv"])
    for report in flatReports where (report["name"] as? String) != "\(archive):w" {
      #expect(report["shape"] as? [Int] == [4, 18], "\(report["name"] ?? "")")
      #expect(
        Self.close(report["singularValues"] as? [Double] ?? [], Self.flatten),
        "\(report["name"] ?? "")")
    }
    // 1-D arrays stay skipped, with their own note.
    #expect(flat.error.contains("\(vector) holds a 1-D float32 array"))
    #expect(flat.error.contains("1-D arrays such as biases and norms have no singular values"))

    let split = try runTool(
      ["analyze", "--format", "json", "--reshape", "conv=per-position", "--layout", layout]
        + [fortran, archive])
    #expect(split.status == 0, "\(split.error)")
    let reports = try matrices(split.output)
    let labels = ["0,0", "0,1", "0,2", "1,0", "1,1", "1,2"]
    #expect(
      reports.compactMap { $0["name"] as? String }
        == labels.map { "\(fortran)[\($0)]" } + ["\(archive):w"]
        + labels.map { "\(archive):conv[\($0)]" })
    let kernelReports = reports.filter { ($0["name"] as? String) != "\(archive):w" }
    for (report, expected) in zip(kernelReports, Self.positions + Self.positions) {
      #expect(report["shape"] as? [Int] == [4, 3])
      #expect(
        Self.close(report["singularValues"] as? [Double] ?? [], expected),
        "\(report["name"] ?? "")")
    }
  }

  @Test(
    "--reshape conv=flatten and conv=per-position match NumPy (PyTorch and Keras layouts)",
    arguments: ["pytorch", "keras"])
  func kernels(layout: String) throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("conv.safetensors").path
    let (shape, elements) = kernel(layout: layout)
    try SafeTensors.write(
      SafeTensorsFile(tensors: [SafeTensor(name: "conv.weight", elements: elements, shape: shape)]),
      to: path)
    let flatten = Self.flatten
    let positions = Self.positions
    let close = Self.close

    let skipped = try runTool(["analyze", path])
    #expect(skipped.status == 1 && skipped.error.contains("--reshape conv=flatten"))

    let flat = try runTool([
      "analyze", "--format", "json", "--reshape", "conv=flatten", "--layout", layout, path,
    ])
    #expect(flat.status == 0, "\(flat.error)")
    let flatReports = try matrices(flat.output)
    #expect(flatReports.count == 1)
    #expect(flatReports.first?["shape"] as? [Int] == [4, 18])
    #expect(close(flatReports.first?["singularValues"] as? [Double] ?? [], flatten))

    let split = try runTool([
      "analyze", "--format", "json", "--reshape", "conv=per-position", "--layout", layout, path,
    ])
    #expect(split.status == 0, "\(split.error)")
    let reports = try matrices(split.output)
    #expect(
      reports.compactMap { $0["name"] as? String }
        == ["0,0", "0,1", "0,2", "1,0", "1,1", "1,2"].map { "\(path):conv.weight[\($0)]" })
    for (report, expected) in zip(reports, positions) {
      #expect(report["shape"] as? [Int] == [4, 3])
      #expect(
        close(report["singularValues"] as? [Double] ?? [], expected), "\(report["name"] ?? "")")
    }
  }

  @Test("Bad --reshape and --layout values are usage errors naming the option")
  func badKernelOptions() throws {
    for arguments in [
      ["--reshape", "conv=sideways"], ["--reshape", "flatten"], ["--layout", "keras"],
      ["--reshape", "conv=flatten", "--layout", "tensorflow"],
    ] {
      let result = try runTool(["analyze"] + arguments + ["x.safetensors"])
      #expect(result.status == 64, "\(arguments)")
      #expect(result.error.contains(arguments[arguments.count - 2]), "\(result.error)")
    }
  }
}
