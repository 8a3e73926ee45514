import RankCollapse

/// One matrix to analyse: its report name and a way to get its elements.
struct MatrixInput {
  /// `file` for a `.npy` file, `file:name` for an array of a `.npz` archive or a tensor of a
  /// safetensors file.
  var name: String
  /// The elements in double precision.
  var matrix: () throws -> Matrix<Double>
  /// Rows and columns.
  var shape: [Int]
  /// Whether `matrix` gives the transpose of the array (a Fortran-ordered `.npy` file read
  /// without transposing: the singular values are the same).
  var isTransposed = false
  /// Whether `matrix` reads the elements from the file when it is called, so that only the
  /// matrices being analysed are in memory (``MemoryGate`` limits how many at once).
  var readsOnDemand = false
  /// The number of dimensions of the array the matrix comes from (3 to 5 for a kernel cut by
  /// `--reshape`).
  var arrayRank = 2
  /// The elements as stored, for a `float32` matrix analysed in top-k mode: its products run in
  /// `Float` and no `Double` copy of it is made (``matrix`` reads it again, widened, if the
  /// full SVD is needed after all).
  var singlePrecision: (() throws -> Matrix<Float>)?

  /// The cost of its singular values, up to a constant: m·n·min(m, n).
  var cost: Int {
    guard shape.count == 2 else { return 0 }
    return shape[0].multipliedReportingOverflow(by: shape[1]).partialValue
      .multipliedReportingOverflow(by: min(shape[0], shape[1])).partialValue
  }
}

/// A matrix handed over once, so that whoever takes it holds the only reference and can let an
/// in-place factorisation overwrite it without a copy.
final class HandOver {
  private var matrix: Matrix<Double>?

  init(_ matrix: Matrix<Double>) { self.matrix = matrix }

  /// The matrix; a second call is a programmer error.
  func take() -> Matrix<Double> {
    guard let matrix else { preconditionFailure("HandOver.take() called twice") }
    self.matrix = nil
    return matrix
  }
}

/// Finds the matrices of the files given to `analyze`.
///
/// The format follows the extension: `.npz` is a NumPy archive, `.safetensors` a safetensors
/// file, anything else a `.npy` file. Every 2-D floating-point array or tensor is a matrix, and
/// with `reshape` (`--reshape`, `--layout`) so are the 3-D to 5-D floating-point kernels of every
/// format; the others (1-D biases, kernels without `--reshape`, integer ids) are skipped with one
/// note per file. `filter`
/// keeps the arrays whose name (the archive member or tensor name; for a `.npy` file, its path)
/// contains a match.
enum MatrixInputs {
  ///
  /// `singlePrecision` says, by shape, which 2-D `float32` `.npy` files are analysed in top-k
  /// mode: those are read on demand as stored (``MatrixInput/singlePrecision``), not widened.
  static func load(
    _ file: String, filter: Regex<AnyRegexOutput>?, reshape: KernelReshape = .skip,
    singlePrecision: ([Int]) -> Bool = { _ in false }
  ) throws(CommandFailure) -> [MatrixInput] {
    func keep(_ name: String) -> Bool {
      guard let filter else { return true }
      return (try? filter.firstMatch(in: name)) != nil
    }
    if CheckpointInputs.isCheckpoint(file) {
      return try CheckpointInputs.load(file, keep: keep, reshape: reshape)
    }
    if file.hasSuffix(".npz") {
      return try loadArchive(file, keep: keep, reshape: reshape)
    }
    guard keep(file) else { return [] }
    // A 2-D floating-point file is read straight into the Double matrix the SVD overwrites: the
    // matrix is the only copy of the data in memory (2 times the size of a float32 file).
    do {
      let header = try NumPy.arrayInfo(contentsOf: file)
      if header.dataType == .float32 && header.isMatrix && singlePrecision(header.shape) {
        // Top-k: the float32 matrix as stored (1 time the file size), read when analysed.
        return [
          MatrixInput(
            name: file, matrix: { try readWidened(file) }, shape: header.shape,
            readsOnDemand: true, singlePrecision: { try readSingle(file) })
        ]
      }
      if let (matrix, _, transposed) = try NumPy.readWidenedMatrix(contentsOf: file) {
        let once = HandOver(matrix)
        let shape = [matrix.rows, matrix.columns]
        return [
          MatrixInput(
            name: file, matrix: { once.take() },
            shape: transposed ? shape.reversed() : shape, isTransposed: transposed)
        ]
      }
      let info = try NumPy.arrayInfo(contentsOf: file)
      if info.dataType.isFloatingPoint && reshape.applies(to: info.shape) {
        // A kernel: read when its first matrix is analysed.
        return reshape.inputs(
          name: file, shape: info.shape, readsOnDemand: true,
          stored: { try readFlattened(file) })
      }
      let hint = info.dataType.isFloatingPoint ? reshape.hint(forSkipped: [info.shape]) : nil
      printToStandardError(
        "note: \(file) holds a \(info.shape.count)-D \(info.dataType) array of shape "
          + "\(describe(info.shape)); analyze reports 2-D floating-point arrays only, "
          + "skipping it\(hint.map { " (\($0))" } ?? "")")
      return []
    } catch {
      // File-system errors name their path already; format errors do not.
      throw CommandFailure(error.path == nil ? "\(file): \(error)" : "\(error)")
    }
  }

  /// The `float32` matrix of the `.npy` file `file`, in C order.
  private static func readSingle(_ file: String) throws -> Matrix<Float> {
    do {
      return try NumPy.read(contentsOf: file).matrix(as: Float.self)
    } catch {
      throw CommandFailure(error.path == nil ? "\(file): \(error)" : "\(error)")
    }
  }

  /// The matrix of the 2-D floating-point `.npy` file `file`, widened to `Double`, in C order.
  private static func readWidened(_ file: String) throws -> Matrix<Double> {
    do {
      guard let (matrix, _, transposed) = try NumPy.readWidenedMatrix(contentsOf: file) else {
        throw CommandFailure("\(file): no longer holds a 2-D floating-point array")
      }
      return transposed ? matrix.transposed() : matrix
    } catch let error as NumPyError {
      throw CommandFailure(error.path == nil ? "\(file): \(error)" : "\(error)")
    }
  }

  /// The `d₀ × (d₁·…)` matrix of the N-D floating-point `.npy` file `file`.
  private static func readFlattened(_ file: String) throws -> Matrix<Double> {
    do {
      guard let (_, matrix) = try NumPy.readFlattened(contentsOf: file) else {
        throw CommandFailure("\(file): no longer holds a floating-point array")
      }
      return matrix
    } catch let error as NumPyError {
      throw CommandFailure(error.path == nil ? "\(file): \(error)" : "\(error)")
    }
  }

  /// The 2-D floating-point arrays of a `.npz` archive, and with `reshape` the kernels it
  /// applies to, each read on demand: the others' headers are inflated to describe them, and
  /// the members `keep` leaves out are never read.
  private static func loadArchive(
    _ file: String, keep: (String) -> Bool, reshape: KernelReshape
  ) throws(CommandFailure) -> [MatrixInput] {
    do {
      var wanted = Set<String>()
      var kernels = Set<String>()
      var skipped: [String] = []
      var skippedShapes: [[Int]] = []
      let infos = try NumPy.archiveInfo(contentsOf: file, including: keep)
      for info in infos {
        if info.isMatrix && info.dataType.isFloatingPoint {
          wanted.insert(info.name)
        } else if info.dataType.isFloatingPoint && reshape.applies(to: info.shape) {
          kernels.insert(info.name)
        } else {
          if info.dataType.isFloatingPoint { skippedShapes.append(info.shape) }
          skipped.append("\(terminalSafe(info.name)) (\(describe(info.shape)) \(info.dataType))")
        }
      }
      noteSkipped(file, skipped, hint: reshape.hint(forSkipped: skippedShapes))
      // Every array is read when it is analysed, one member at a time (``MemoryGate`` limits
      // how many are in memory at once), as checkpoint tensors are: the peak is about the
      // largest array and its working copy, not the whole archive.
      var inputs: [MatrixInput] = []
      for info in infos {
        let name = "\(file):\(info.name)"
        let member = info.name
        if wanted.contains(member) {
          inputs.append(
            MatrixInput(
              name: name, matrix: { try readArchived(file, member: member) }, shape: info.shape,
              readsOnDemand: true))
        } else if kernels.contains(member) {
          inputs += reshape.inputs(
            name: name, shape: info.shape, readsOnDemand: true,
            stored: { try readArchived(file, member: member) })
        }
      }
      return inputs
    } catch {
      throw CommandFailure(error.path == nil ? "\(file): \(error)" : "\(error)")
    }
  }

  /// The `d₀ × (d₁·…)` `Double` matrix of the floating-point member `member` of the archive
  /// `file` (only that member is inflated).
  private static func readArchived(_ file: String, member: String) throws -> Matrix<Double> {
    do {
      guard let matrix = try NumPy.readFlattenedArchiveMember(contentsOf: file, named: member)
      else {
        throw CommandFailure("\(file): no longer holds a floating-point array '\(member)'")
      }
      return matrix
    } catch let error as NumPyError {
      throw CommandFailure(error.path == nil ? "\(file): \(error)" : "\(error)")
    }
  }

  /// Notes the arrays of `file` that are not analysed, with `hint` after them.
  static func noteSkipped(_ file: String, _ skipped: [String], hint: String? = nil) {
    guard !skipped.isEmpty else { return }
    let examples = skipped.prefix(3).joined(separator: ", ")
    printToStandardError(
      "note: \(file): skipping \(skipped.count) array(s) that are not 2-D floating-point "
        + "matrices: \(examples)\(skipped.count > 3 ? ", …" : "")\(hint.map { " (\($0))" } ?? "")")
  }

  private static func describe(_ shape: [Int]) -> String {
    shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "×")
  }
}

extension MatrixInput {
  /// ``matrix``, refused when it holds an infinite or NaN entry.
  ///
  /// - Returns: The elements in double precision.
  /// - Throws: A ``CommandFailure`` from ``requireFinite(_:)``, or what ``matrix`` throws.
  func finiteMatrix() throws -> Matrix<Double> {
    let elements = try matrix()
    try requireFinite(elements)
    return elements
  }

  /// ``singlePrecision``'s matrix, refused when it holds an infinite or NaN entry.
  ///
  /// - Parameter load: ``singlePrecision``.
  /// - Returns: The elements as stored.
  /// - Throws: A ``CommandFailure`` from ``requireFinite(_:)``, or what `load` throws.
  func finiteMatrix(_ load: () throws -> Matrix<Float>) throws -> Matrix<Float> {
    let elements = try load()
    try requireFinite(elements)
    return elements
  }

  /// Singular values are undefined for a matrix with an infinite or NaN entry (a diverged or
  /// corrupted tensor, or a difference of two huge entries that overflowed); the error counts
  /// both kinds and places the first in the array's own orientation, so that the user can find
  /// the tensor and leave it out with `--filter`.
  ///
  /// - Parameter elements: The matrix as ``matrix`` gives it (transposed when ``isTransposed``).
  /// - Throws: ``CommandFailure`` when an entry is not finite.
  func requireFinite<Scalar: MatrixScalar>(_ elements: Matrix<Scalar>) throws(CommandFailure) {
    guard !elements.isFinite else { return }
    var (notANumber, infinite) = (0, 0)
    var first: Int?
    elements.withUnsafeBufferPointer { values in
      for (offset, value) in values.enumerated() where !value.isFinite {
        if value.isNaN { notANumber += 1 } else { infinite += 1 }
        if first == nil { first = offset }
      }
    }
    let offset = first ?? 0
    var position = (offset / max(elements.columns, 1), offset % max(elements.columns, 1))
    if isTransposed { position = (position.1, position.0) }
    let count = notANumber + infinite
    throw CommandFailure(
      "\(count) non-finite entr\(count == 1 ? "y" : "ies") (\(notANumber) NaN, \(infinite) infinite;"
        + " the first at row \(position.0), column \(position.1), counting from 0): singular values"
        + " need finite entries. Leave this matrix out with --filter REGEX (only the names that"
        + " match are analysed)")
  }
}
