// Times reading a data file and prints JSON, for `compare_data_numpy.py` to set beside NumPy.
//
//   swift run -c release DataTimings --op fashion-train-f32 --reps 10
//
// The files are read exactly as a consumer of the library reads them.

import ArgumentParser
import RankCollapse
import TimingSupport

/// An operation the tool can time, named as in `compare_data_numpy.py`.
enum DataOperation: String, TimedOperations {
  static let defaultRepetitions = 10
  static let defaultWarmup = 1

  /// The Fashion-MNIST training images and labels as `Float` (`LabelledData<Float>`).
  case fashionTrainF32 = "fashion-train-f32"
  /// The same as `Double`.
  case fashionTrainF64 = "fashion-train-f64"
  /// Only the training images, as `Float` (`IDX.readImages`).
  case fashionImagesF32 = "fashion-images-f32"
  /// Every tensor of a safetensors file (`SafeTensors.read`), as `--file`.
  case safetensorsRead = "safetensors-read"
  /// Every array of a `.npz` archive (`NumPy.readArchive`), as `--file`.
  case npzRead = "npz-read"
}

/// The command-line tool: time the repetitions, print JSON.
@main
struct DataTimings: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Time reading one data file with RankCollapse and print JSON (seconds).")

  @OptionGroup var timing: TimingOptions<DataOperation>

  @Option(help: "The folder holding the Fashion-MNIST IDX files.")
  var folder: String = "/usr/share/datasets/fashion-mnist"

  @Option(help: "The file for safetensors-read and npz-read.")
  var file: String?

  func run() throws {
    let body: () throws -> Double
    switch timing.op {
    case .fashionTrainF32:
      body = {
        let data = try LabelledData<Float>(mnistFolder: folder, split: .train)
        return Double(data.inputs[1, 400]) + Double(data.labels[0])
      }
    case .fashionTrainF64:
      body = {
        let data = try LabelledData<Double>(mnistFolder: folder, split: .train)
        return data.inputs[1, 400] + Double(data.labels[0])
      }
    case .fashionImagesF32:
      body = {
        Double(
          try IDX.readImages(
            contentsOf: folder + "/train-images-idx3-ubyte.gz", as: Float.self)[1, 400])
      }
    case .safetensorsRead:
      guard let file else { throw ValidationError("safetensors-read needs --file") }
      body = { Double(try SafeTensors.read(contentsOf: file).tensors.count) }
    case .npzRead:
      guard let file else { throw ValidationError("npz-read needs --file") }
      body = { Double(try NumPy.readArchive(contentsOf: file).count) }
    }
    // CPU time is read inside each wall-clock measurement (and dropped for the warm-ups).
    var cpuTimes: [Double] = []
    let (times, checksum) = try Timing.repeated(warmup: timing.warmup, reps: timing.reps) {
      let cpuStart = Timing.processSeconds()
      let value = try body()
      cpuTimes.append(Timing.processSeconds() - cpuStart)
      return value
    }
    cpuTimes.removeFirst(timing.warmup)
    // The upper median, as this tool has always printed (see `Timing.upperMedian`).
    print(
      """
      {"op": "\(timing.op.rawValue)", "reps": \(timing.reps), "median": \(Timing.upperMedian(times)), \
      "min": \(Timing.minimum(times)), "cpu_median": \(Timing.upperMedian(cpuTimes)), \
      "times": \(Timing.jsonArray(times)), "checksum": \(checksum)}
      """)
  }
}
