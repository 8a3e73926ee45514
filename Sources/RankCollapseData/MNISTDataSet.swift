import RankCollapseTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An MNIST-format data set: images scaled to `[0, 1]` and their integer labels.
///
/// MNIST, Fashion-MNIST and Kuzushiji-MNIST all ship as four IDX files in one folder:
/// `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
/// `t10k-labels-idx1-ubyte`, each possibly gzipped (`.gz`). Debian's `dataset-fashion-mnist`
/// package installs Fashion-MNIST in ``fashionMNISTFolder``.
///
/// ```swift
/// let train = try MNISTDataSet<Float>(split: .train)  // Fashion-MNIST from Debian's folder
/// // train.images: 60000 × 784, train.labels: 60000 labels in 0...9
/// let test = try MNISTDataSet<Float>(folder: "~/data/mnist", split: .test)
/// ```
public struct MNISTDataSet<Scalar: MatrixScalar>: Sendable, Equatable {
  /// Which half of the data set.
  public enum Split: String, Sendable, Equatable, CaseIterable {
    /// The training examples (`train-*`, 60 000 for MNIST).
    case train
    /// The test examples (`t10k-*`, 10 000 for MNIST).
    case test

    /// The file-name prefix of the split.
    var prefix: String { self == .train ? "train" : "t10k" }
  }

  /// Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST.
  public static var fashionMNISTFolder: String { "/usr/share/datasets/fashion-mnist" }

  /// The images, one per row, pixels scaled to `[0, 1]` (`N × 784` for MNIST).
  public let images: Matrix<Scalar>

  /// The label of each image (0…9 for MNIST).
  public let labels: [Int]

  /// The number of examples.
  public var count: Int { labels.count }

  /// Reads one split of a data set from a folder.
  ///
  /// For each file the gzipped name (`….gz`) is tried first, then the plain one.
  ///
  /// - Parameters:
  ///   - folder: The folder holding the IDX files; by default ``fashionMNISTFolder``.
  ///   - split: ``Split/train`` or ``Split/test``.
  /// - Throws: ``IDXError/missingDataSetFile(folder:name:)`` when a file is absent,
  ///   ``IDXError/countMismatch(images:labels:)`` when the files disagree, a file-system case
  ///   naming the file, or ``IDXError/invalidFile(path:error:)`` naming the file whose contents
  ///   are wrong.
  public init(folder: String = fashionMNISTFolder, split: Split) throws(IDXError) {
    let imagesPath = try Self.locate(folder: folder, name: "\(split.prefix)-images-idx3-ubyte")
    let labelsPath = try Self.locate(folder: folder, name: "\(split.prefix)-labels-idx1-ubyte")
    let images: Matrix<Scalar>
    let labels: [Int]
    do { images = try IDX.readImages(contentsOf: imagesPath, as: Scalar.self) } catch {
      throw error.path == nil ? .invalidFile(path: imagesPath, error: error) : error
    }
    do { labels = try IDX.readLabels(contentsOf: labelsPath) } catch {
      throw error.path == nil ? .invalidFile(path: labelsPath, error: error) : error
    }
    guard images.rows == labels.count else {
      throw .countMismatch(images: images.rows, labels: labels.count)
    }
    self.images = images
    self.labels = labels
  }

  /// Creates a data set from images and labels already in memory.
  ///
  /// - Parameters:
  ///   - images: One image per row.
  ///   - labels: One label per image.
  public init(images: Matrix<Scalar>, labels: [Int]) {
    precondition(
      images.rows == labels.count,
      "\(images.rows) images need \(images.rows) labels, got \(labels.count)")
    self.images = images
    self.labels = labels
  }

  /// Whether both files of each split are present in `folder` (gzipped or not).
  ///
  /// - Parameter folder: The folder; by default ``fashionMNISTFolder``.
  /// - Returns: `true` when all four files exist.
  public static func isAvailable(in folder: String = fashionMNISTFolder) -> Bool {
    Split.allCases.allSatisfy { split in
      ["images-idx3-ubyte", "labels-idx1-ubyte"].allSatisfy { kind in
        (try? locate(folder: folder, name: "\(split.prefix)-\(kind)")) != nil
      }
    }
  }

  private static func locate(folder: String, name: String) throws(IDXError) -> String {
    for candidate in [name + ".gz", name] {
      let path = folder + "/" + candidate
      if access(path, F_OK) == 0 { return path }
    }
    throw .missingDataSetFile(folder: folder, name: name)
  }
}
