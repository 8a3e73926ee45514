import Foundation
import RankCollapse
import RankCollapseExperiments
import RankCollapsePlots
import Testing

@Suite struct ClassifierDataTests {
  /// Two 4 × 4 training images and one test image, pooled 2 × 2: each output pixel is the mean
  /// of its block, computed here by hand.
  @Test func readsAndPoolsAnMNISTFolder() throws {
    let folder = try ClassifierFixture.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let first: [UInt8] = (0..<16).map { UInt8($0 * 10) }
    let second: [UInt8] = Array(repeating: 255, count: 16)
    try ClassifierFixture.writeDataSet(
      to: folder, side: 4, trainImages: [first, second, first], trainLabels: [3, 1, 0],
      testImages: [second], testLabels: [2])
    let data = try Experiments.ClassifierData.mnist(
      folder: folder, trainingSamples: 2, testSamples: nil, pooling: 2)
    #expect(data.trainImages.rows == 2)
    #expect(data.trainImages.columns == 4)
    #expect(data.trainLabels == [3, 1])
    #expect(data.testLabels == [2])
    #expect(data.classCount == 4)
    #expect(data.pooling == 2)
    // Block (0, 0) of `first` holds pixels 0, 1, 4, 5 → values 0, 10, 40, 50 → mean 25 / 255.
    let expected: [Float] = [25, 45, 105, 125].map { $0 / 255 }
    for j in 0..<4 {
      #expect(abs(data.trainImages[0, j] - expected[j]) < 1e-6)
      #expect(abs(data.trainImages[1, j] - 1) < 1e-6)
    }
  }

  @Test func aMissingFolderSaysHowToInstallFashionMNIST() throws {
    let folder = try ClassifierFixture.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let missing = folder + "/nothing-here"
    #expect(throws: Experiments.ClassifierError.dataSetMissing(folder: missing)) {
      try Experiments.ClassifierData.mnist(folder: missing)
    }
    let message = Experiments.ClassifierError.dataSetMissing(folder: missing).description
    #expect(message.contains("apt-get install dataset-fashion-mnist"))
    #expect(message.contains("--data DIR"))
    #expect(message.contains(missing))
  }

  @Test func aDamagedFileIsADataSetError() throws {
    let folder = try ClassifierFixture.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try ClassifierFixture.writeDataSet(
      to: folder, side: 2, trainImages: [[1, 2, 3, 4], [5, 6, 7, 8]], trainLabels: [0, 1],
      testImages: [], testLabels: [])
    // Truncate the training images.
    try Data([0, 0, 8, 3, 0, 0, 0, 2]).write(
      to: URL(fileURLWithPath: folder + "/train-images-idx3-ubyte"))
    #expect {
      try Experiments.ClassifierData.mnist(folder: folder)
    } throws: { error in
      guard case .dataSet = error as? Experiments.ClassifierError else { return false }
      return true
    }
  }

  @Test(arguments: [
    (15, 2, "pooling needs square images"),
    (16, 3, "pooling window 3 does not divide the image side 4"),
  ])
  func poolingRejectsShapesItCannotPool(pixels: Int, window: Int, message: String) {
    let images = Matrix<Float>.zeros(rows: 2, columns: pixels)
    #expect {
      try Experiments.ClassifierData.averagePooled(images, window: window)
    } throws: { error in
      (error as? Experiments.ClassifierError)?.description.contains(message) ?? false
    }
  }

  @Test func inconsistentDataIsRejected() {
    let images = Matrix<Float>.zeros(rows: 3, columns: 4)
    #expect(throws: Experiments.ClassifierError.self) {
      try Experiments.ClassifierData(
        trainImages: images, trainLabels: [0, 1], testImages: images, testLabels: [0, 1, 1])
    }
    #expect(throws: Experiments.ClassifierError.self) {
      try Experiments.ClassifierData(
        trainImages: images, trainLabels: [0, 0, 0], testImages: .zeros(rows: 0, columns: 4),
        testLabels: [])
    }
    #expect(throws: Experiments.ClassifierError.self) {
      try Experiments.ClassifierData(
        trainImages: images, trainLabels: [0, -1, 1], testImages: .zeros(rows: 0, columns: 4),
        testLabels: [])
    }
  }
}

@Suite struct ClassifierConfigurationTests {
  typealias Configuration = Experiments.ClassifierConfiguration

  static let invalid: [(Configuration, String)] = {
    func with(_ change: (inout Configuration) -> Void) -> Configuration {
      var configuration = Configuration()
      change(&configuration)
      return configuration
    }
    return [
      (with { $0.hiddenWidths = [] }, "hidden layer"),
      (with { $0.hiddenWidths = [8, 0] }, "hidden widths"),
      (with { $0.lambda = -1 }, "λ"),
      (with { $0.lambda = .nan }, "λ"),
      (with { $0.epochs = -1 }, "epochs"),
      (with { $0.recordEvery = 0 }, "recordEvery"),
      (with { $0.batchSize = 0 }, "batch size"),
      (with { $0.learningRate = 0 }, "learning rate"),
      (with { $0.momentum = 1 }, "momentum"),
      (with { $0.measurementSamples = 1 }, "measurementSamples"),
      (with { $0.epsilon = 2 }, "ε"),
    ]
  }()

  @Test(arguments: invalid)
  func invalidHyperparametersAreNamed(configuration: Configuration, name: String) {
    #expect {
      try configuration.validate()
    } throws: { error in
      (error as? Experiments.ClassifierError)?.description.contains(name) ?? false
    }
  }

  @Test func theDefaultsAreValid() throws {
    try Configuration().validate()
    try Experiments.RankEvolution.defaultScale.validate()
    try Experiments.RankEvolution.paperScale.validate()
    try Experiments.WidthDepthSweep.defaultScale.validate()
    try Experiments.WidthDepthSweep.paperScale.validate()
  }
}

@Suite struct ClassifierStateTests {
  static let configuration = Experiments.ClassifierConfiguration(
    hiddenWidths: [12, 8], lambda: 1e-2, epochs: 6, recordEvery: 2, batchSize: 32,
    learningRate: 3e-3, seed: 11)

  static func data() throws -> Experiments.ClassifierData {
    try ClassifierFixture.mixture(trainPoints: 120, testPoints: 40)
  }

  /// An interrupted run (its state file as it was after epoch 2) resumes on exactly the
  /// trajectory of the uninterrupted run: every later snapshot is identical.
  @Test func aResumedRunEqualsTheUninterruptedOne() throws {
    let folder = try ClassifierFixture.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/state.safetensors"
    let copy = folder + "/after-epoch-2.safetensors"
    let experiment = Experiments.ClassifierExperiment(configuration: Self.configuration)
    let data = try Self.data()
    let full = try experiment.run(on: data, statePath: path) { snapshot in
      if snapshot.epoch == 2 { try? FileManager.default.copyItem(atPath: path, toPath: copy) }
    }
    #expect(full.snapshots.map(\.epoch) == [0, 2, 4, 6])
    try FileManager.default.removeItem(atPath: path)
    try FileManager.default.moveItem(atPath: copy, toPath: path)
    var newEpochs: [Int] = []
    let resumed = try experiment.run(on: data, statePath: path) { newEpochs.append($0.epoch) }
    #expect(newEpochs == [4, 6])
    #expect(resumed == full)
    // Without a state file, the same seed gives the same run.
    #expect(try experiment.run(on: data) == full)
  }

  @Test func aFinishedRunIsNotTrainedAgain() throws {
    let folder = try ClassifierFixture.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/state.safetensors"
    let experiment = Experiments.ClassifierExperiment(configuration: Self.configuration)
    let data = try Self.data()
    let first = try experiment.run(on: data, statePath: path)
    var called = false
    let second = try experiment.run(on: data, statePath: path) { _ in called = true }
    #expect(!called)
    #expect(second == first)
  }

  @Test func stateFromAnotherRunIsRefused() throws {
    let folder = try ClassifierFixture.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/state.safetensors"
    let data = try Self.data()
    _ = try Experiments.ClassifierExperiment(configuration: Self.configuration).run(
      on: data, statePath: path)
    let before = try Data(contentsOf: URL(fileURLWithPath: path))

    var other = Self.configuration
    other.lambda = 2e-2
    #expect {
      try Experiments.ClassifierExperiment(configuration: other).run(on: data, statePath: path)
    } throws: { error in
      guard case .incompatibleState(_, let reason, _) = error as? Experiments.ClassifierError
      else { return false }
      return reason.contains("lambda 0.01 → 0.02")
    }
    let otherData = try ClassifierFixture.mixture(trainPoints: 120, testPoints: 40, seed: 99)
    #expect {
      try Experiments.ClassifierExperiment(configuration: Self.configuration).run(
        on: otherData, statePath: path)
    } throws: { error in
      guard case .incompatibleState(_, let reason, _) = error as? Experiments.ClassifierError
      else { return false }
      return reason.contains("other data")
    }
    // Refusing leaves the state file untouched.
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)

    try Data("not a state file".utf8).write(to: URL(fileURLWithPath: path))
    #expect {
      try Experiments.ClassifierExperiment(configuration: Self.configuration).run(
        on: data, statePath: path)
    } throws: { error in
      guard case .incompatibleState = error as? Experiments.ClassifierError else { return false }
      return true
    }
  }

  /// Snapshots are measured as documented: e(1) = 1, the class-label TCV is at most the total
  /// variation, accuracies in [0, 1], and the penalty equals λ‖Θ‖² of the network.
  @Test func snapshotsHoldConsistentMeasurements() throws {
    let run = try Experiments.ClassifierExperiment(configuration: Self.configuration).run(
      on: try Self.data())
    #expect(run.widths == [16, 12, 8, 4])
    for snapshot in run.snapshots {
      #expect((0...1).contains(snapshot.trainAccuracy))
      #expect(snapshot.penalty > 0)
      #expect(snapshot.inputTCV > 0)
      for (index, layer) in snapshot.layers.enumerated() {
        #expect(layer.layer == index + 1)
        #expect(layer.singularValues.count == min(layer.rows, layer.columns))
        #expect(zip(layer.singularValues, layer.singularValues.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(abs(layer.tailErrors[0] - 1) < 1e-12)
        // WCSS of a finer partition is at most that of one set (relative rounding 1e-12).
        #expect(layer.classTCV <= layer.totalVariation * (1 + 1e-12))
      }
    }
  }
}
