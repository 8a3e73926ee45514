import RankCollapse

extension Experiments {
  /// The data of the MNIST-format classifier experiment (Figures 3–5): training images used for
  /// training and for the measurements, and test images for the test accuracy.
  ///
  /// A training and a test set of the library's one labelled data set type, `LabelledData`.
  /// Images are one per row with pixels in `[0, 1]`; ``pooling`` says whether they were
  /// average-pooled to a coarser grid.
  public struct ClassifierData: Sendable, Equatable {
    /// The training set: images `X`, one per row (`N × d_0`), and their labels.
    public let train: LabelledData<Float>
    /// The test set (may be empty).
    public let test: LabelledData<Float>
    /// The number of classes `K` (one more than the largest label of either set).
    public let classCount: Int
    /// The training images `X` (``train``'s inputs).
    public var trainImages: Matrix<Float> { train.inputs }
    /// The label of each training image.
    public var trainLabels: [Int] { train.labels }
    /// The test images, one per row.
    public var testImages: Matrix<Float> { test.inputs }
    /// The label of each test image.
    public var testLabels: [Int] { test.labels }
    /// The side of the square pooling window the images went through (1: none).
    public var pooling: Int

    /// A training and a test set.
    ///
    /// - Parameters:
    ///   - train: The training set (at least one sample, at least two classes).
    ///   - test: The test set (may be empty), with the training set's input width.
    ///   - pooling: The pooling the images went through, for the record.
    /// - Throws: ``ClassifierError/invalidData(_:)`` as ``init(trainImages:trainLabels:testImages:testLabels:pooling:)``.
    public init(
      train: LabelledData<Float>, test: LabelledData<Float>, pooling: Int = 1
    ) throws(ClassifierError) {
      try self.init(
        trainImages: train.inputs, trainLabels: train.labels, testImages: test.inputs,
        testLabels: test.labels, pooling: pooling)
    }

    /// Creates a data set from matrices already in memory.
    ///
    /// - Parameters:
    ///   - trainImages: `N × d_0` training images.
    ///   - trainLabels: `N` labels in `0..<K`.
    ///   - testImages: `M × d_0` test images (may be empty: `M = 0`).
    ///   - testLabels: `M` labels in `0..<K`.
    ///   - pooling: The pooling the images went through, for the record.
    /// - Throws: ``ClassifierError/invalidData(_:)`` when the counts or widths disagree, a label
    ///   is negative, or there are no training images or fewer than two classes.
    public init(
      trainImages: Matrix<Float>, trainLabels: [Int], testImages: Matrix<Float>,
      testLabels: [Int], pooling: Int = 1
    ) throws(ClassifierError) {
      guard trainImages.rows > 0, trainImages.rows == trainLabels.count else {
        throw .invalidData(
          "\(trainImages.rows) training images with \(trainLabels.count) labels")
      }
      guard testImages.rows == testLabels.count else {
        throw .invalidData("\(testImages.rows) test images with \(testLabels.count) labels")
      }
      guard testImages.rows == 0 || testImages.columns == trainImages.columns else {
        throw .invalidData(
          "test images have \(testImages.columns) pixels, training images \(trainImages.columns)")
      }
      guard let smallest = (trainLabels + testLabels).min(), smallest >= 0 else {
        throw .invalidData("labels must be non-negative")
      }
      let classes = (trainLabels + testLabels).max().map { $0 + 1 } ?? 0
      guard Set(trainLabels).count >= 2 else {
        throw .invalidData("the training images need at least two classes")
      }
      do {
        self.train = try LabelledData(inputs: trainImages, labels: trainLabels)
        self.test = try LabelledData(inputs: testImages, labels: testLabels)
      } catch {
        throw .invalidData(error.description)
      }
      self.classCount = classes
      self.pooling = pooling
    }

    /// Reads an MNIST-format data set (four IDX files, gzipped or not) from a folder.
    ///
    /// - Parameters:
    ///   - folder: The folder; by default Debian's Fashion-MNIST folder
    ///     `/usr/share/datasets/fashion-mnist` (package `dataset-fashion-mnist`).
    ///   - trainingSamples: Keep only the first this many training images (`nil`: all).
    ///   - testSamples: Keep only the first this many test images (`nil`: all).
    ///   - pooling: Average-pool each 28 × 28 image over `pooling × pooling` windows (1: keep
    ///     the pixels; 2: 14 × 14 = 196 inputs). Must divide the image side.
    /// - Returns: The data.
    /// - Throws: ``ClassifierError/dataSetMissing(folder:)`` when the folder lacks the files (the
    ///   message says how to install Fashion-MNIST), ``ClassifierError/dataSet(_:)`` for an
    ///   unreadable file, ``ClassifierError/invalidConfiguration(_:)`` for bad sizes.
    public static func mnist(
      folder: String = MNIST.fashionMNISTFolder, trainingSamples: Int? = nil,
      testSamples: Int? = nil, pooling: Int = 1
    ) throws(ClassifierError) -> ClassifierData {
      if let trainingSamples, trainingSamples < 1 {
        throw .invalidConfiguration("trainingSamples must be at least 1, got \(trainingSamples)")
      }
      if let testSamples, testSamples < 0 {
        throw .invalidConfiguration("testSamples must be ≥ 0, got \(testSamples)")
      }
      guard pooling >= 1 else {
        throw .invalidConfiguration("pooling must be at least 1, got \(pooling)")
      }
      guard MNIST.isAvailable(in: folder) else {
        throw .dataSetMissing(folder: folder)
      }
      let train: LabelledData<Float>
      let test: LabelledData<Float>
      do {
        train = try LabelledData<Float>(mnistFolder: folder, split: .train)
        test = try LabelledData<Float>(mnistFolder: folder, split: .test)
      } catch {
        throw .dataSet(error)
      }
      let trainCount = Swift.min(trainingSamples ?? train.count, train.count)
      let testCount = Swift.min(testSamples ?? test.count, test.count)
      var trainImages = train.inputs.rows(0..<trainCount)
      var testImages = test.inputs.rows(0..<testCount)
      if pooling > 1 {
        trainImages = try averagePooled(trainImages, window: pooling)
        testImages = try averagePooled(testImages, window: pooling)
      }
      return try ClassifierData(
        trainImages: trainImages, trainLabels: Array(train.labels[0..<trainCount]),
        testImages: testImages, testLabels: Array(test.labels[0..<testCount]), pooling: pooling)
    }

    /// Square images (one per row, `side²` pixels in row-major order) averaged over
    /// non-overlapping `window × window` blocks.
    ///
    /// - Parameters:
    ///   - images: `N × side²`.
    ///   - window: The block side; must divide `side`.
    /// - Returns: `N × (side / window)²`.
    /// - Throws: ``ClassifierError/invalidConfiguration(_:)`` when the images are not square or
    ///   `window` does not divide their side.
    public static func averagePooled(
      _ images: Matrix<Float>, window: Int
    ) throws(ClassifierError) -> Matrix<Float> {
      let side = Int(Double(images.columns).squareRoot().rounded())
      guard side * side == images.columns else {
        throw .invalidConfiguration(
          "pooling needs square images, got \(images.columns) pixels per image")
      }
      guard window >= 1, side % window == 0 else {
        throw .invalidConfiguration(
          "pooling window \(window) does not divide the image side \(side)")
      }
      let outSide = side / window
      let scale = 1 / Float(window * window)
      var result = Matrix<Float>.zeros(rows: images.rows, columns: outSide * outSide)
      images.withUnsafeBufferPointer { source in
        result.withUnsafeMutableBufferPointer { target in
          for n in 0..<images.rows {
            let s = n * side * side
            let t = n * outSide * outSide
            for i in 0..<side {
              for j in 0..<side {
                target[t + (i / window) * outSide + j / window] += source[s + i * side + j] * scale
              }
            }
          }
        }
      }
      return result
    }
  }
}
