import Foundation
import RankCollapseData
import RankCollapseTensor
import Testing

/// The Swift half of `Scripts/check-file-interop.py`.
///
/// With `RANKCOLLAPSE_INTEROP_DIR` set, it reads the files Python wrote there (with `safetensors` and NumPy) and checks their values, then
/// writes its own files there for Python to check. Without the variable it does nothing, so unit
/// test runs need no Python packages.
@Suite("Interoperability fixtures for the Python cross-check")
struct InteropFixtureTests {
  /// The value both sides put at position `(i, j)` of tensor number `k`.
  static func value(_ k: Int, _ i: Int, _ j: Int) -> Double {
    Double(k * 1000 + i * 37 + j) / 8 - 3.5
  }

  static func matrix<S: MatrixScalar>(_ k: Int, _ rows: Int, _ columns: Int) -> Matrix<S> {
    Matrix(rows: rows, columns: columns) { buffer in
      for i in 0..<rows {
        for j in 0..<columns {
          buffer.initializeElement(at: i * columns + j, to: S(value(k, i, j)))
        }
      }
    }
  }

  @Test(
    "Python-written files read with the right values; files for Python are written",
    .enabled(if: ProcessInfo.processInfo.environment["RANKCOLLAPSE_INTEROP_DIR"] != nil))
  func interop() throws {
    let folder = try #require(ProcessInfo.processInfo.environment["RANKCOLLAPSE_INTEROP_DIR"])
    // Python → Swift.
    let python = try SafeTensors.read(contentsOf: folder + "/python.safetensors")
    #expect(python.metadata == ["format": "np", "source": "python"])
    #expect(try #require(python["f32"]).matrix(as: Float.self) == Self.matrix(1, 5, 3))
    #expect(try #require(python["f64"]).matrix(as: Double.self) == Self.matrix(2, 4, 6))
    #expect(try #require(python["f16"]).matrix(as: Float.self) == Self.matrix(0, 2, 3))
    #expect(try #require(python["bf16"]).matrix(as: Float.self) == Self.matrix(0, 2, 3))
    #expect(try #require(python["i64"]).integers() == [-5, 0, 7, 1 << 40])
    #expect(try #require(python["u8"]).integers() == [0, 200, 255])
    #expect(try #require(python["conv"]).shape == [2, 3, 2, 2])
    #expect(
      try #require(python["conv"]).vector(as: Float.self) == (0..<24).map { Float($0) * 0.5 })

    for name in ["python.npz", "python-compressed.npz"] {
      let archive = try NumPy.readArchive(contentsOf: folder + "/" + name)
      #expect(archive.names == ["x", "labels", "mask"])
      #expect(try #require(archive["x"]).matrix(as: Float.self) == Self.matrix(5, 6, 4))
      #expect(try #require(archive["labels"]).integers() == [3, 1, 4, 1, 5])
      #expect(try #require(archive["mask"]).integers() == [1, 0])
    }

    // Swift → Python.
    let file = SafeTensorsFile(
      tensors: [
        SafeTensor(name: "f32", matrix: Self.matrix(1, 5, 3) as Matrix<Float>),
        SafeTensor(name: "f64", matrix: Self.matrix(2, 4, 6) as Matrix<Double>),
        SafeTensor(name: "f16", matrix: Self.matrix(0, 2, 3) as Matrix<Float>, dataType: .float16),
        SafeTensor(
          name: "bf16", matrix: Self.matrix(0, 2, 3) as Matrix<Float>, dataType: .bfloat16),
        SafeTensor(name: "i64", integers: [-5, 0, 7, 1 << 40]),
        SafeTensor(name: "u8", integers: [UInt8(0), 200, 255]),
        SafeTensor(name: "conv", elements: (0..<24).map { Float($0) * 0.5 }, shape: [2, 3, 2, 2]),
      ], metadata: ["format": "np", "source": "swift"])
    try SafeTensors.write(file, to: folder + "/swift.safetensors")
    let archive = NumPyArchive([
      ("x", NumPyArray(Self.matrix(5, 6, 4) as Matrix<Float>)),
      ("labels", NumPyArray(integers: [3, 1, 4, 1, 5])),
      ("mask", NumPyArray(booleans: [true, false])),
    ])
    try NumPy.writeArchive(archive, to: folder + "/swift.npz")
    try NumPy.writeArchive(archive, to: folder + "/swift-compressed.npz", compression: .deflated)
  }
}
