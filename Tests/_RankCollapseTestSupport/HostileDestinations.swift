import Foundation
import RankCollapseData

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Destinations a writer must refuse: a symbolic link to a file holding `keep`, and a named
/// pipe (standing for device nodes: a test must never risk replacing /dev/null).
///
/// - Parameters:
///   - folder: An existing folder.
///   - target: The name of the file the link points to.
///   - link: The link's name.
///   - pipe: The pipe's name.
/// - Returns: The three paths; `pipe` is empty when the pipe could not be made.
/// - Throws: The file manager's error when the file or the link cannot be created.
public func linkAndPipe(
  in folder: URL, target: String, link: String, pipe: String
) throws -> (target: String, link: String, pipe: String) {
  let targetPath = folder.appendingPathComponent(target).path
  try Data("keep".utf8).write(to: URL(fileURLWithPath: targetPath))
  let linkPath = folder.appendingPathComponent(link).path
  try FileManager.default.createSymbolicLink(atPath: linkPath, withDestinationPath: targetPath)
  let pipePath = folder.appendingPathComponent(pipe).path
  return (targetPath, linkPath, mkfifo(pipePath, 0o600) == 0 ? pipePath : "")
}

extension SafeTensorsFile {
  /// A copy whose tensor `name` (read as `Float`) has its elements changed by `change`; every
  /// other tensor and the metadata are kept.
  ///
  /// - Parameters:
  ///   - name: The tensor to change.
  ///   - change: Changes the elements in place, e.g. `{ $0[0] = .nan }`.
  /// - Returns: The changed copy.
  public func changingElements(
    of name: String, _ change: (inout [Float]) -> Void
  ) -> SafeTensorsFile {
    var copy = SafeTensorsFile(metadata: metadata)
    for tensor in tensors {
      guard tensor.name == name else {
        copy.append(tensor)
        continue
      }
      var elements = tensor.vector(as: Float.self)
      change(&elements)
      copy.append(SafeTensor(name: name, elements: elements, shape: tensor.shape))
    }
    return copy
  }
}
