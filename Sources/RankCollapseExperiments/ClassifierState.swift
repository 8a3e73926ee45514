import Foundation
import RankCollapse

extension Experiments {
  /// The state file of a resumable ``ClassifierExperiment``.
  ///
  /// It is the trainer's `Checkpoint` (a safetensors file) whose metadata also holds the
  /// configuration, the data's fingerprint and the snapshots so far, as JSON. It is written
  /// atomically, so the checkpoint and the snapshots always belong together.
  struct ClassifierState {
    /// The file.
    let path: String
    /// The configuration a saved run must have.
    let configuration: ClassifierConfiguration
    /// The data a saved run must have been trained on.
    let fingerprint: String

    static let configurationKey = "experiment.configuration"
    static let dataKey = "experiment.data"
    static let snapshotsKey = "experiment.snapshots"

    /// Writes the checkpoint and the snapshots.
    func save(
      _ checkpoint: Checkpoint<Float>, snapshots: [ClassifierSnapshot]
    ) throws(ClassifierError) {
      var file = checkpoint.safeTensorsFile()
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      do {
        file.metadata[Self.configurationKey] = String(
          decoding: try encoder.encode(configuration), as: UTF8.self)
        file.metadata[Self.snapshotsKey] = String(
          decoding: try encoder.encode(snapshots), as: UTF8.self)
      } catch {
        throw .measurement("cannot encode the snapshots", cause: UnderlyingError(error))
      }
      file.metadata[Self.dataKey] = fingerprint
      do {
        try SafeTensors.write(file, to: path)
      } catch {
        throw .training(
          .checkpointFile(path: path, reason: error.description, cause: UnderlyingError(error)))
      }
    }

    /// Reads a saved run, or `nil` when there is no state file yet.
    func load() throws(ClassifierError) -> (
      checkpoint: Checkpoint<Float>, snapshots: [ClassifierSnapshot]
    )? {
      guard FileManager.default.fileExists(atPath: path) else { return nil }
      let file: SafeTensorsFile
      do {
        file = try SafeTensors.read(contentsOf: path)
      } catch {
        throw .incompatibleState(
          path: path, reason: error.description, cause: UnderlyingError(error))
      }
      let decoder = JSONDecoder()
      guard let configurationText = file.metadata[Self.configurationKey],
        let saved = try? decoder.decode(
          ClassifierConfiguration.self, from: Data(configurationText.utf8))
      else {
        throw .incompatibleState(path: path, reason: "it has no experiment configuration")
      }
      guard saved == configuration else {
        throw .incompatibleState(
          path: path, reason: "hyperparameters differ: " + difference(saved, configuration))
      }
      guard file.metadata[Self.dataKey] == fingerprint else {
        throw .incompatibleState(
          path: path,
          reason:
            "it was trained on other data (\(file.metadata[Self.dataKey] ?? "unknown")), "
            + "not \(fingerprint)")
      }
      guard let snapshotsText = file.metadata[Self.snapshotsKey],
        let snapshots = try? decoder.decode(
          [ClassifierSnapshot].self, from: Data(snapshotsText.utf8)),
        !snapshots.isEmpty
      else {
        throw .incompatibleState(path: path, reason: "its snapshots are missing or unreadable")
      }
      let checkpoint: Checkpoint<Float>
      do {
        checkpoint = try Checkpoint<Float>(file)
      } catch {
        throw .incompatibleState(
          path: path, reason: error.description, cause: UnderlyingError(error))
      }
      return (checkpoint, snapshots)
    }

    /// The entries in which two configurations differ, as `name saved → now`.
    func difference(
      _ saved: ClassifierConfiguration, _ now: ClassifierConfiguration
    ) -> String {
      zip(saved.entries, now.entries)
        .filter { $0.value != $1.value }
        .map { "\($0.name) \($0.value) → \($1.value)" }
        .joined(separator: ", ")
    }
  }
}
