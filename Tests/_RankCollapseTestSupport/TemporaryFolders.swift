import Foundation

/// A fresh, empty folder under the system's temporary folder, named `<prefix>-<UUID>`.
///
/// The caller removes it (`defer { try? FileManager.default.removeItem(at: folder) }`) when
/// the test does not keep it for inspection.
///
/// - Parameter prefix: The start of the folder's name, saying which test made it.
/// - Returns: The folder.
/// - Throws: The file manager's error when the folder cannot be created.
public func temporaryFolder(_ prefix: String) throws -> URL {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
    "\(prefix)-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  return folder
}
