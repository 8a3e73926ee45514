import Foundation
import RankCollapseData

/// Builders for hand-made `.npy` byte fixtures, independent of the code under test.
enum NumPyFixture {
  /// The magic string of the NPY format.
  static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

  /// A file with the given version, raw header bytes and data bytes.
  ///
  /// The header length field is `declaredHeaderLength` if given, else the true length.
  static func file(
    version: (major: UInt8, minor: UInt8) = (1, 0), header: [UInt8], payload: [UInt8] = [],
    declaredHeaderLength: Int? = nil
  ) -> [UInt8] {
    let length = declaredHeaderLength ?? header.count
    var bytes = magic + [version.major, version.minor]
    let lengthBytes = version.major == 1 ? 2 : 4
    for i in 0..<lengthBytes {
      bytes.append(UInt8(truncatingIfNeeded: length >> (8 * i)))
    }
    return bytes + header + payload
  }

  /// A file whose header is `dictionary` padded with spaces and a final newline to a multiple of
  /// 64 bytes, as NumPy writes it.
  static func file(
    version: (major: UInt8, minor: UInt8) = (1, 0), dictionary: String, payload: [UInt8] = []
  ) -> [UInt8] {
    file(version: version, header: padded(dictionary, major: version.major), payload: payload)
  }

  /// A header dict padded as NumPy pads it.
  static func padded(_ dictionary: String, major: UInt8) -> [UInt8] {
    let text = Array(dictionary.utf8)
    let preamble = major == 1 ? 10 : 12
    let padding = 64 - (preamble + text.count + 1) % 64
    return text + Array(repeating: UInt8(ascii: " "), count: padding) + [UInt8(ascii: "\n")]
  }

  /// A header dict for the given entries, in NumPy's key order and spelling.
  static func dictionary(descr: String, fortranOrder: Bool = false, shape: String) -> String {
    "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), "
      + "'shape': \(shape), }"
  }

  /// The bytes of `values` as IEEE `float32`, in the given byte order.
  static func bytes(_ values: [Float], bigEndian: Bool = false) -> [UInt8] {
    values.flatMap { value in
      let bits = bigEndian ? value.bitPattern.bigEndian : value.bitPattern.littleEndian
      return withUnsafeBytes(of: bits) { Array($0) }
    }
  }

  /// The bytes of `values` as IEEE `float64`, in the given byte order.
  static func bytes(_ values: [Double], bigEndian: Bool = false) -> [UInt8] {
    values.flatMap { value in
      let bits = bigEndian ? value.bitPattern.bigEndian : value.bitPattern.littleEndian
      return withUnsafeBytes(of: bits) { Array($0) }
    }
  }
}

/// A fresh folder under the system's temporary folder, removed by ``remove()``.
struct TemporaryFolder {
  let path: String

  init() throws {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("rankcollapse-npy-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    path = url.path
  }

  /// The path of `name` inside the folder.
  func file(_ name: String) -> String { path + "/" + name }

  /// The names of the entries in the folder (hidden ones too), sorted.
  func contents() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path).sorted()
  }

  func write(_ bytes: [UInt8], to name: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
  }

  func remove() {
    try? FileManager.default.removeItem(atPath: path)
  }
}
