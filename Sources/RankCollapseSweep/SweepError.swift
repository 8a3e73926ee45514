import RankCollapseData
import RankCollapseTensor

/// Why a sweep could not be set up, resumed, stored or merged.
public enum SweepError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A `--shard` value that is not `i/n` with 1 ≤ i ≤ n.
  case invalidShard(text: String, reason: String)
  /// A grid that cannot be swept (no axes, a repeated name or value, an empty axis).
  case invalidGrid(String)
  /// An experiment parameter out of range: the name of the argument, its value, the rule.
  case invalidParameter(ParameterError)

  /// A parameter outside its range: the ``invalidParameter(_:)`` case with a `ParameterError`
  /// of these fields.
  ///
  /// - Parameters:
  ///   - name: The parameter's name.
  ///   - value: The value given, as text.
  ///   - requirement: What the value must be.
  /// - Returns: The error.
  public static func invalidParameter(name: String, value: String, requirement: String)
    -> SweepError
  {
    .invalidParameter(ParameterError(name: name, value: value, requirement: requirement))
  }
  /// The output folder holds a sweep run with different hyperparameters: resuming would mix
  /// results. `key` is the first hyperparameter (in sorted order) that differs.
  case hyperparameterMismatch(key: String, stored: String, requested: String, path: String)
  /// The output folder holds a sweep of another experiment.
  case experimentMismatch(stored: String, requested: String, path: String)
  /// The sidecar JSON exists but cannot be read as one.
  /// The JSON decoder's error, when that is what found it, is `cause`.
  case unreadableSidecar(path: String, reason: String, cause: UnderlyingError? = nil)
  /// A point file that is truncated, not a point file, or belongs to another sweep or point.
  /// It is never merged and never silently overwritten: delete it to have the point recomputed.
  /// The JSON decoder's error, when that is what found it, is `cause`.
  case corruptPoint(path: String, reason: String, cause: UnderlyingError? = nil)
  /// A file or folder could not be read, written or created.
  case file(FileAccessError)

  /// A sentence naming what is wrong and, where it helps, what to do.
  public var description: String {
    switch self {
    case .invalidShard(let text, let reason):
      "invalid --shard '\(text)': \(reason)"
    case .invalidGrid(let reason):
      "invalid grid: \(reason)"
    case .invalidParameter(let parameter):
      "invalid \(parameter.name) '\(parameter.value)': must be \(parameter.requirement)"
    case .hyperparameterMismatch(let key, let stored, let requested, let path):
      "\(path) was written with \(key) = \(stored), but this run has \(key) = \(requested): "
        + "use another output folder, or the same hyperparameters to resume"
    case .experimentMismatch(let stored, let requested, let path):
      "\(path) belongs to the experiment '\(stored)', not '\(requested)': use another output folder"
    case .unreadableSidecar(let path, let reason, _):
      "\(path) is not a sweep's hyperparameter file (\(reason)): use another output folder"
    case .corruptPoint(let path, let reason, _):
      "\(path) is not a complete point of this sweep (\(reason)): delete it to recompute the point"
    case .file(let error):
      error.description
    }
  }
}
