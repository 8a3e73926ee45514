// MNIST-format IDX files for tests that read data folders (the Debian Fashion-MNIST package may
// be absent where tests run).
import Foundation

/// The bytes of an unsigned-byte IDX file: two zero bytes, the type 0x08, the rank, the
/// big-endian dimensions, then the data.
///
/// - Parameters:
///   - shape: The dimensions, e.g. `[count, rows, columns]` for images, `[count]` for labels.
///   - data: The elements in row-major order.
/// - Returns: The file's bytes.
public func idxBytes(shape: [Int], data: [UInt8]) -> [UInt8] {
  var bytes: [UInt8] = [0, 0, 0x08, UInt8(shape.count)]
  for dimension in shape {
    let value = UInt32(dimension)
    bytes += [
      UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF),
      UInt8(value & 0xFF),
    ]
  }
  return bytes + data
}

/// Writes an MNIST-format folder (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, not gzipped).
///
/// - Parameters:
///   - folder: An existing folder.
///   - rows: Image rows.
///   - columns: Image columns.
///   - train: The training images (`rows · columns` bytes each) and labels.
///   - test: The test images and labels.
/// - Throws: When a file cannot be written.
public func writeMNISTFolder(
  _ folder: String, rows: Int, columns: Int, train: (images: [[UInt8]], labels: [UInt8]),
  test: (images: [[UInt8]], labels: [UInt8])
) throws {
  for (prefix, split) in [("train", train), ("t10k", test)] {
    precondition(split.images.allSatisfy { $0.count == rows * columns })
    try Data(
      idxBytes(shape: [split.images.count, rows, columns], data: split.images.flatMap { $0 })
    ).write(to: URL(fileURLWithPath: folder + "/\(prefix)-images-idx3-ubyte"))
    try Data(idxBytes(shape: [split.labels.count], data: split.labels))
      .write(to: URL(fileURLWithPath: folder + "/\(prefix)-labels-idx1-ubyte"))
  }
}
