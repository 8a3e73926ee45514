import RankCollapse

extension Experiments {
  /// Why the MNIST-format classifier experiment (Figures 3–5) could not run or resume.
  ///
  /// Every case's ``description`` is a sentence a user can act on.
  public enum ClassifierError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data folder lacks the four MNIST-format files.
    case dataSetMissing(folder: String)
    /// A data file could not be read.
    case dataSet(IDXError)
    /// Images and labels that do not fit together (the message says how).
    case invalidData(String)
    /// A hyperparameter that cannot be used (the message names it).
    case invalidConfiguration(String)
    /// Training failed (divergence, or a checkpoint that could not be written or read).
    case training(TrainingError)
    /// A saved state that belongs to a different run (the message names the difference).
    case incompatibleState(path: String, reason: String, cause: UnderlyingError? = nil)
    /// A computation on the trained network failed (an SVD, a clustering measurement): what
    /// was being measured, and the error that stopped it.
    case measurement(String, cause: UnderlyingError)

    /// A description a user can act on.
    public var description: String {
      switch self {
      case .dataSetMissing(let folder):
        "no MNIST-format data set in '\(folder)': it needs train-images-idx3-ubyte, "
          + "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte "
          + "(each possibly .gz). Install Fashion-MNIST with "
          + "`sudo apt-get install dataset-fashion-mnist` (Debian, Ubuntu), or point the "
          + "program at a folder holding MNIST (`--data DIR`)"
      case .dataSet(let error):
        "cannot read the data set: \(error)"
      case .invalidData(let message):
        "invalid data: \(message)"
      case .invalidConfiguration(let message):
        "invalid configuration: \(message)"
      case .training(let error):
        "\(error)"
      case .incompatibleState(let path, let reason, _):
        "the saved state '\(path)' belongs to another run (\(reason)); "
          + "use another output folder or delete it to start afresh"
      case .measurement(let what, let cause):
        "measurement failed: \(what): \(cause)"
      }
    }
  }
}
