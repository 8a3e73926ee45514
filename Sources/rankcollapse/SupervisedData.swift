import Foundation
import RankCollapse

/// Inputs and targets read from a data option (`compress --data`, `--test-data`).
///
/// Two forms, both read with the library's loaders:
/// - a folder of MNIST-format IDX files (`LabelledData`: `train-images-idx3-ubyte[.gz]` …, such
///   as Debian's `/usr/share/datasets/fashion-mnist`): one split, pixels scaled to [0, 1],
///   integer labels;
/// - a NumPy `.npz` archive holding `inputs` (N × d_0, float32 or float64) and either `labels`
///   (N integers of any NumPy integer type, e.g. `np.savez`'s default int64 or uint8: class
///   labels) or `targets` (N × d_L floating-point values; a 1-D array is one column). Other
///   member names are chosen with ``ArchiveKeys`` (`--inputs-key`, `--labels-key`,
///   `--targets-key`).
struct SupervisedData<Scalar: MatrixScalar> {
  /// X, one sample per row.
  var inputs: Matrix<Scalar>
  /// The targets of the rows of ``inputs``.
  var targets: Targets<Scalar>
  /// Where the data came from, for reports: the path, and for a folder the split.
  var source: String

  /// N.
  var count: Int { inputs.rows }

  /// Whether `path` names an `.npz` archive (by its extension).
  static func isArchive(_ path: String) -> Bool { path.lowercased().hasSuffix(".npz") }

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
  ///   - keys: The member names read from an archive (ignored for a folder).
  /// - Returns: The data.
  /// - Throws: ``CommandFailure`` naming the path and the problem, or ``SupervisedDataError``
  ///   for an archive whose members are missing or unfit.
  static func read(
    _ path: String, split: MNIST.Split, option: String, limit: Int?,
    keys: ArchiveKeys = ArchiveKeys()
  ) throws -> SupervisedData {
    let data: SupervisedData
    if isFolder(path) {
      do {
        let set = try LabelledData<Scalar>(mnistFolder: path, split: split)
        data = SupervisedData(
          inputs: set.inputs, targets: .labels(set.labels), source: "\(path) (\(split) split)")
      } catch {
        throw CommandFailure(
          error.path == nil ? "\(option) \(path): \(error)" : "\(option): \(error)")
      }
    } else if isArchive(path) {
      data = try archive(path, option: option, keys: keys)
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

  /// Reads the inputs and the labels or targets from an `.npz` archive, under the member names
  /// `keys` gives.
  ///
  /// - Throws: ``CommandFailure`` when the archive cannot be read, ``SupervisedDataError`` when
  ///   a member is missing (naming the archive's members) or has the wrong shape or type.
  private static func archive(_ path: String, option: String, keys: ArchiveKeys) throws
    -> SupervisedData
  {
    let archive: NumPyArchive
    do {
      archive = try NumPy.readArchive(contentsOf: path)
    } catch {
      throw CommandFailure(
        error.path == nil ? "\(option) \(path): \(error)" : "\(option): \(error)")
    }
    func member(_ name: String, role: SupervisedDataError.Role) throws(SupervisedDataError)
      -> NumPyArray
    {
      guard let array = archive[name] else {
        throw .missingMember(
          option: option, path: path, name: name, role: role,
          keyOption: keys.option(for: role), members: archive.names)
      }
      return array
    }
    let inputs = try member(keys.inputs, role: .inputs)
    guard inputs.shape.count == 2, inputs.dataType.isFloatingPoint else {
      throw SupervisedDataError.invalidMember(
        option: option, path: path, name: keys.inputs,
        requirement: "a 2-D float32 or float64 array (N × d_0)", shape: inputs.shape,
        dataType: inputs.dataType)
    }
    let targets: Targets<Scalar>
    // Members chosen by a key option are named in the reports: "train.npz (inputs 'x', labels
    // 'y')", so that two parts of one archive can be told apart.
    var source = path
    switch (keys.labels, keys.targets) {
    case (let name?, _):
      targets = try labels(member(name, role: .labels), name: name, option: option, path: path)
      source += " (inputs '\(keys.inputs)', labels '\(name)')"
    case (nil, let name?):
      targets = try values(member(name, role: .targets), name: name, option: option, path: path)
      source += " (inputs '\(keys.inputs)', targets '\(name)')"
    case (nil, nil):
      if keys.inputs != ArchiveKeys.defaultInputs { source += " (inputs '\(keys.inputs)')" }
      let labelsName = ArchiveKeys.defaultLabels
      let targetsName = ArchiveKeys.defaultTargets
      switch (archive[labelsName], archive[targetsName]) {
      case (.some, .some):
        throw SupervisedDataError.labelsAndTargets(
          option: option, path: path, keyOptions: keys.optionNames)
      case (nil, nil):
        throw SupervisedDataError.missingTargets(
          option: option, path: path, keyOptions: keys.optionNames, members: archive.names)
      case (.some(let array), nil):
        targets = try labels(array, name: labelsName, option: option, path: path)
      case (nil, .some(let array)):
        targets = try values(array, name: targetsName, option: option, path: path)
      }
    }
    return SupervisedData(
      inputs: inputs.matrix(as: Scalar.self), targets: targets, source: source)
  }

  /// Class labels from a 1-D array (or N × 1) of any integer type NumPy writes.
  private static func labels(
    _ array: NumPyArray, name: String, option: String, path: String
  ) throws(SupervisedDataError) -> Targets<Scalar> {
    guard array.shape.count == 1 || (array.shape.count == 2 && array.shape[1] == 1) else {
      throw .invalidMember(
        option: option, path: path, name: name, requirement: "a 1-D array of N integer labels",
        shape: array.shape, dataType: array.dataType)
    }
    do {
      return .labels(try array.integers())
    } catch {
      throw .unreadableLabels(option: option, path: path, name: name, error: error)
    }
  }

  /// Target values from a 1-D (one column) or 2-D floating-point array.
  private static func values(
    _ array: NumPyArray, name: String, option: String, path: String
  ) throws(SupervisedDataError) -> Targets<Scalar> {
    guard array.shape.count == 1 || array.shape.count == 2, array.dataType.isFloatingPoint else {
      throw .invalidMember(
        option: option, path: path, name: name,
        requirement: "a 1-D or 2-D float32 or float64 array (N × d_L)", shape: array.shape,
        dataType: array.dataType)
    }
    let matrix = array.matrix(as: Scalar.self)
    return .values(
      array.shape.count == 1 ? matrix.reshaped(rows: matrix.columns, columns: 1) : matrix)
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

/// The member names read from an `.npz` data archive (`--inputs-key`, `--labels-key`,
/// `--targets-key`, or their `--test-` forms for `--test-data`).
struct ArchiveKeys: Equatable {
  /// The default member names, as `np.savez(path, inputs=…, labels=…)` writes them.
  static let defaultInputs = "inputs"
  static let defaultLabels = "labels"
  static let defaultTargets = "targets"

  /// The member holding the N × d_0 inputs.
  var inputs = Self.defaultInputs
  /// The member holding class labels; with ``targets`` also `nil`, whichever of `labels` and
  /// `targets` the archive holds.
  var labels: String?
  /// The member holding target values (ignored when ``labels`` is set).
  var targets: String?
  /// The prefix of the options that set these keys: `--` or `--test-`.
  var optionPrefix = "--"

  /// The option that names the member of `role`.
  func option(for role: SupervisedDataError.Role) -> String {
    switch role {
    case .inputs: "\(optionPrefix)inputs-key"
    case .labels: "\(optionPrefix)labels-key"
    case .targets: "\(optionPrefix)targets-key"
    }
  }

  /// The options naming the labels' or the targets' member.
  var optionNames: (labels: String, targets: String) {
    (option(for: .labels), option(for: .targets))
  }
}

/// An `.npz` data archive without the members a command needs, or with unfit ones; the messages
/// name the option, the archive, the member and, for a missing one, the archive's members.
enum SupervisedDataError: Error, CustomStringConvertible {
  /// What a member holds.
  enum Role: String {
    case inputs, labels, targets

    /// The expected contents, for messages.
    var contents: String {
      switch self {
      case .inputs: "the N × d_0 inputs"
      case .labels: "the N class labels"
      case .targets: "the N × d_L targets"
      }
    }
  }

  /// No member `name`; `members` are the archive's.
  case missingMember(
    option: String, path: String, name: String, role: Role, keyOption: String, members: [String])
  /// Neither `labels` nor `targets` (and no key option chose another member).
  case missingTargets(
    option: String, path: String, keyOptions: (labels: String, targets: String),
    members: [String])
  /// Both default members `labels` and `targets`.
  case labelsAndTargets(option: String, path: String, keyOptions: (labels: String, targets: String))
  /// A member of the wrong shape or element type.
  case invalidMember(
    option: String, path: String, name: String, requirement: String, shape: [Int],
    dataType: NumPyDataType)
  /// Labels that are not integers (or do not fit `Int`).
  case unreadableLabels(option: String, path: String, name: String, error: NumPyError)

  /// The archive's members, quoted, for messages.
  private static func list(_ members: [String]) -> String {
    quotedNames(members)
  }

  var description: String {
    switch self {
    case .missingMember(let option, let path, let name, let role, let keyOption, let members):
      "\(option) \(path): no array named '\(name)' (\(role.contents); name the member with "
        + "\(keyOption)); the archive holds \(Self.list(members))"
    case .missingTargets(let option, let path, let keyOptions, let members):
      "\(option) \(path): no array named 'labels' (N class labels) or 'targets' (N × d_L "
        + "values; name the member with \(keyOptions.labels) or \(keyOptions.targets)); the "
        + "archive holds \(Self.list(members))"
    case .labelsAndTargets(let option, let path, let keyOptions):
      "\(option) \(path): the archive holds both 'labels' and 'targets'; keep one, or choose "
        + "with \(keyOptions.labels) or \(keyOptions.targets)"
    case .invalidMember(let option, let path, let name, let requirement, let shape, let dataType):
      "\(option) \(path): '\(name)' must be \(requirement), got \(shapeText(shape)) \(dataType)"
    case .unreadableLabels(let option, let path, let name, let error):
      "\(option) \(path): '\(name)' must hold integer class labels: \(error)"
    }
  }
}

/// Names quoted for a message, at most `limit` of them and then a count of the rest, so an
/// archive of 20 000 members gives a line, not a page: `'a', 'b', … and 19 998 more`.
///
/// - Parameters:
///   - names: The names.
///   - limit: How many to show.
/// - Returns: The list, or `no arrays` when `names` is empty.
func quotedNames(_ names: [String], limit: Int = 10) -> String {
  guard !names.isEmpty else { return "no arrays" }
  let shown = names.prefix(limit).map { "'\($0)'" }.joined(separator: ", ")
  return names.count > limit ? shown + ", … and \(names.count - limit) more" : shown
}
