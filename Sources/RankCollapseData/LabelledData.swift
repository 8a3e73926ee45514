import RankCollapseTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Labelled samples: one input per row and one class label per input.
///
/// The data set type of the
/// library, the command-line tool and the example programs (Figures 3–5 train on it, `rankcollapse
/// compress --data` reads it, `Experiments.ClassifierData` is a training and a test set of it).
///
/// MNIST-format folders load directly (``init(mnistFolder:split:)``, see ``MNIST``); data in
/// memory is checked as it comes in (``init(inputs:labels:)``).
///
/// ```swift
/// let train = try LabelledData<Float>(split: .train)  // Fashion-MNIST from Debian's folder
/// // train.inputs: 60000 × 784 in [0, 1], train.labels: 60000 labels in 0...9
/// let test = try LabelledData<Float>(mnistFolder: "~/data/mnist", split: .test)
/// let first = train.prefix(1000)
/// ```
public struct LabelledData<Scalar: MatrixScalar>: Sendable, Equatable {
  /// The samples, one per row (N × d).
  public let inputs: Matrix<Scalar>
  /// The class of each sample, each ≥ 0.
  public let labels: [Int]

  /// N, the number of samples.
  public var count: Int { labels.count }

  /// The number of classes: the largest label plus one (0 for no samples).
  public var classCount: Int { (labels.max() ?? -1) + 1 }

  /// Labelled samples already in memory.
  ///
  /// - Parameters:
  ///   - inputs: One sample per row.
  ///   - labels: One label per row, each ≥ 0.
  /// - Throws: `ParameterError` when the counts differ or a label is negative.
  public init(inputs: Matrix<Scalar>, labels: [Int]) throws(ParameterError) {
    guard inputs.rows == labels.count else {
      throw ParameterError(
        name: "labels", value: "\(labels.count) labels",
        requirement: "one per input row (\(inputs.rows) rows)")
    }
    if let negative = labels.firstIndex(where: { $0 < 0 }) {
      throw ParameterError(
        name: "labels", value: "\(labels[negative]) at sample \(negative)",
        requirement: "non-negative class indices")
    }
    self.inputs = inputs
    self.labels = labels
  }

  /// An MNIST-format split read from a folder (see ``MNIST``): images scaled to `[0, 1]`, one
  /// per row, and their labels.
  ///
  /// - Parameters:
  ///   - folder: The folder holding the four IDX files; by default Debian's Fashion-MNIST
  ///     (``MNIST/fashionMNISTFolder``).
  ///   - split: The training or the test half.
  /// - Throws: `IDXError` naming the file that is missing or malformed, or the count mismatch.
  public init(mnistFolder folder: String = MNIST.fashionMNISTFolder, split: MNIST.Split)
    throws(IDXError)
  {
    let imagesPath = try MNIST.locate(folder: folder, name: "\(split.prefix)-images-idx3-ubyte")
    let labelsPath = try MNIST.locate(folder: folder, name: "\(split.prefix)-labels-idx1-ubyte")
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
    self.inputs = images
    self.labels = labels
  }

  /// The first `count` samples (all of them when there are fewer).
  ///
  /// - Parameter count: How many samples to keep (≥ 0).
  /// - Returns: The prefix.
  public func prefix(_ count: Int) -> LabelledData {
    let kept = Swift.max(0, Swift.min(count, self.count))
    guard kept < self.count else { return self }
    return LabelledData(unchecked: inputs.rows(0..<kept), labels: Array(labels.prefix(kept)))
  }

  /// The same samples in another precision.
  ///
  /// - Parameter type: The new scalar type.
  /// - Returns: The converted data.
  public func converted<Other: MatrixScalar>(to type: Other.Type) -> LabelledData<Other> {
    LabelledData<Other>(unchecked: Matrix<Other>(inputs), labels: labels)
  }

  /// Data whose invariants hold by construction.
  init(unchecked inputs: Matrix<Scalar>, labels: [Int]) {
    self.inputs = inputs
    self.labels = labels
  }
}

/// The MNIST file layout, shared by MNIST, Fashion-MNIST and Kuzushiji-MNIST.
///
/// Four IDX files in one folder: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
/// `t10k-labels-idx1-ubyte`, each possibly gzipped (`.gz`). Debian's `dataset-fashion-mnist`
/// package installs Fashion-MNIST in ``fashionMNISTFolder``. ``LabelledData`` reads them.
public enum MNIST {
  /// Which half of the data set.
  public enum Split: String, Sendable, Equatable, CaseIterable {
    /// The training examples (`train-*`, 60 000 for MNIST).
    case train
    /// The test examples (`t10k-*`, 10 000 for MNIST).
    case test

    var prefix: String { self == .train ? "train" : "t10k" }
  }

  /// Where Debian's `dataset-fashion-mnist` installs Fashion-MNIST.
  public static var fashionMNISTFolder: String { "/usr/share/datasets/fashion-mnist" }

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

  static func locate(folder: String, name: String) throws(IDXError) -> String {
    for candidate in [name + ".gz", name] {
      let path = folder + "/" + candidate
      if access(path, F_OK) == 0 { return path }
    }
    throw .missingDataSetFile(folder: folder, name: name)
  }
}
