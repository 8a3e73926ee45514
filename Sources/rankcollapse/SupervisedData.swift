import Foundation
import RankCollapse

/// Inputs and targets read from a data option (`compress --data`, `--test-data`).
///
/// Two forms, both read with the library's loaders:
/// - a folder of MNIST-format IDX files (`MNISTDataSet`: `train-images-idx3-ubyte[.gz]` …, such
///   as Debian's `/usr/share/datasets/fashion-mnist`): one split, pixels scaled to [0, 1],
///   integer labels;
/// - a NumPy `.npz` archive holding `inputs` (N × d_0, float32 or float64) and either `labels`
///   (N integers: class labels) or `targets` (N × d_L floating-point values; a 1-D array is one
///   column).
struct SupervisedData<Scalar: MatrixScalar> {
  /// X, one sample per row.
  var inputs: Matrix<Scalar>
  /// The targets of the rows of ``inputs``.
  var targets: Targets<Scalar>
  /// Where the data came from, for reports: the path, and for a folder the split.
  var source: String

  /// N.
  var count: Int { inputs.rows }

  /// Whether `path` names a folder (read as MNIST-format IDX files).
  static func isFolder(_ path: String) -> Bool {
    var isFolder: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
      && isFolder.boolValue
  }

  /// Reads a data set.
  ///
  /// - Parameters:
  ///   - path: A folder of MNIST-format IDX files or an `.npz` archive.
  ///   - split: The split read from a folder (ignored for an archive).
  ///   - option: The option that named the path, for messages.
  ///   - limit: Keep only the first this many samples (`nil`: all).
  /// - Returns: The data.
  /// - Throws: ``CommandFailure`` naming the path and the problem.
  static func read(
    _ path: String, split: MNISTDataSet<Scalar>.Split, option: String, limit: Int?
  ) throws(CommandFailure) -> SupervisedData {
    let data: SupervisedData
    if isFolder(path) {
      do {
        let set = try MNISTDataSet<Scalar>(folder: path, split: split)
        data = SupervisedData(
          inputs: set.images, targets: .labels(set.labels), source: "\(path) (\(split) split)")
      } catch {
        throw CommandFailure(
          error.path == nil ? "\(option) \(path): \(error)" : "\(option): \(error)")
      }
    } else if path.lowercased().hasSuffix(".npz") {
      data = try archive(path, option: option)
    } else {
      throw CommandFailure(
        "\(option) \(path): expected a folder of MNIST-format IDX files "
          + "(train-images-idx3-ubyte[.gz] …) or an .npz archive with 'inputs' and 'labels' "
          + "or 'targets'")
    }
    return data.prefix(limit)
  }

  /// The first `limit` samples (all when `limit` is `nil` or at least N).
  func prefix(_ limit: Int?) -> SupervisedData {
    guard let limit, limit < count else { return self }
    var copy = self
    copy.inputs = inputs.rows(0..<limit)
    switch targets {
    case .labels(let labels): copy.targets = .labels(Array(labels.prefix(limit)))
    case .values(let values): copy.targets = .values(values.rows(0..<limit))
    }
    return copy
  }

  /// Reads `inputs` and `labels` or `targets` from an `.npz` archive.
  private static func archive(_ path: String, option: String) throws(CommandFailure)
    -> SupervisedData
  {
    let archive: NumPyArchive
    do {
      archive = try NumPy.readArchive(contentsOf: path)
    } catch {
      throw CommandFailure(
        error.path == nil ? "\(option) \(path): \(error)" : "\(option): \(error)")
    }
    let names = archive.elements.map { "'\($0.name)'" }.joined(separator: ", ")
    let holds = names.isEmpty ? "no arrays" : names
    guard let inputs = archive["inputs"] else {
      throw CommandFailure(
        "\(option) \(path): no array named 'inputs' (N × d_0 samples); the archive holds \(holds)")
    }
    guard inputs.shape.count == 2, inputs.dataType.isFloatingPoint else {
      throw CommandFailure(
        "\(option) \(path): 'inputs' must be a 2-D float32 or float64 array (N × d_0), got "
          + "\(shapeText(inputs.shape)) \(inputs.dataType)")
    }
    let targets: Targets<Scalar>
    switch (archive["labels"], archive["targets"]) {
    case (.some, .some):
      throw CommandFailure(
        "\(option) \(path): the archive holds both 'labels' and 'targets'; keep one")
    case (nil, nil):
      throw CommandFailure(
        "\(option) \(path): no array named 'labels' (N class labels) or 'targets' (N × d_L "
          + "values); the archive holds \(holds)")
    case (.some(let labels), nil):
      guard labels.shape.count == 1 || (labels.shape.count == 2 && labels.shape[1] == 1) else {
        throw CommandFailure(
          "\(option) \(path): 'labels' must be a 1-D array of N integers, got shape "
            + shapeText(labels.shape))
      }
      do {
        targets = .labels(try labels.integers())
      } catch {
        throw CommandFailure("\(option) \(path): 'labels': \(error)")
      }
    case (nil, .some(let values)):
      guard values.shape.count == 1 || values.shape.count == 2, values.dataType.isFloatingPoint
      else {
        throw CommandFailure(
          "\(option) \(path): 'targets' must be a 1-D or 2-D float32 or float64 array, got "
            + "\(shapeText(values.shape)) \(values.dataType)")
      }
      let matrix = values.matrix(as: Scalar.self)
      targets = .values(
        values.shape.count == 1 ? matrix.reshaped(rows: matrix.columns, columns: 1) : matrix)
    }
    return SupervisedData(inputs: inputs.matrix(as: Scalar.self), targets: targets, source: path)
  }

  /// Checks that the data fits `network`: N ≥ 1 rows of width d_0, targets that fit N samples
  /// and d_L outputs (labels in 0..<d_L).
  ///
  /// - Throws: ``CommandFailure`` with the library's `NetworkError` message, which names the
  ///   network's input width and the data's columns (or the targets' shapes).
  func validate(for network: Network<Scalar>, option: String) throws(CommandFailure) {
    do {
      guard inputs.rows > 0 else { throw NetworkError.emptyData }
      guard inputs.columns == network.inputSize else {
        throw NetworkError.inputWidthMismatch(expected: network.inputSize, got: inputs.columns)
      }
      try targets.validate(count: inputs.rows, outputs: network.outputSize)
    } catch {
      throw CommandFailure(
        "\(option) \(source): the data does not fit the network: \(error)")
    }
  }
}
