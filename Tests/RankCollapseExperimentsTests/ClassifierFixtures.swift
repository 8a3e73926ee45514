import Foundation
import RankCollapse
import RankCollapseExperiments
import _RankCollapseTestSupport

/// Small data sets for the classifier experiment's tests, made here (the Debian Fashion-MNIST
/// package may be absent where tests run).
enum ClassifierFixture {
  /// A labelled Gaussian mixture, `K` classes in `dimension` dimensions, as classifier data;
  /// the test half is drawn from the same mixture.
  static func mixture(
    classes: Int = 4, dimension: Int = 16, trainPoints: Int = 400, testPoints: Int = 200,
    sigma: Float = 0.5, seed: UInt64 = 7
  ) throws -> Experiments.ClassifierData {
    var generator = SeededGenerator(seed: seed)
    let mixture = try GaussianMixture<Float>(
      components: classes, dimension: dimension, standardDeviation: sigma, meanScale: 3,
      using: &generator)
    let train = mixture.sample(points: trainPoints, using: &generator)
    let test = mixture.sample(points: testPoints, using: &generator)
    return try Experiments.ClassifierData(
      trainImages: train.points, trainLabels: train.labels, testImages: test.points,
      testLabels: test.labels)
  }

  /// The bytes of an IDX file: two zero bytes, the type 0x08 (unsigned byte), the rank, the
  /// big-endian dimensions, then the data.
  static func idx(shape: [Int], data: [UInt8]) -> [UInt8] { idxBytes(shape: shape, data: data) }

  /// A fresh temporary folder.
  static func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "rankcollapse-mnist-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Writes an MNIST-format folder: `trainImages`/`testImages` are lists of `side × side` byte
  /// images (row-major), with their labels.
  static func writeDataSet(
    to folder: String, side: Int, trainImages: [[UInt8]], trainLabels: [UInt8],
    testImages: [[UInt8]], testLabels: [UInt8]
  ) throws {
    func write(_ name: String, _ bytes: [UInt8]) throws {
      try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name))
    }
    try write(
      "train-images-idx3-ubyte",
      idx(shape: [trainImages.count, side, side], data: trainImages.flatMap { $0 }))
    try write("train-labels-idx1-ubyte", idx(shape: [trainLabels.count], data: trainLabels))
    try write(
      "t10k-images-idx3-ubyte",
      idx(shape: [testImages.count, side, side], data: testImages.flatMap { $0 }))
    try write("t10k-labels-idx1-ubyte", idx(shape: [testLabels.count], data: testLabels))
  }
}
