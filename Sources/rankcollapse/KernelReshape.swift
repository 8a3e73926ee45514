import ArgumentParser
import Foundation
import RankCollapse

/// `--reshape conv=VIEW`: how `analyze` turns a convolution kernel (a 3-D, 4-D or 5-D
/// floating-point tensor of a safetensors input, or array of a `.npy` or `.npz` input, read in C
/// order) into matrices.
///
/// A kernel has `out` output channels, `in` input channels and a spatial window of
/// `P = k₁·k₂·…` positions. ``KernelLayout`` says where they are in the array.
///
/// - `flatten`: one `out × (in·P)` matrix, the view of WeightWatcher and of
///   `weight.reshape(out, -1)` in PyTorch: the columns are the inputs of one output channel
///   (the order of the columns does not change the singular values).
/// - `per-position`: one `out × in` matrix per spatial position, named `name[i,j]` (`name[i]`
///   for Conv1D, `name[i,j,l]` for Conv3D): the channel mixing at one tap of the window.
enum ConvolutionView: String, CaseIterable {
  case flatten
  case perPosition = "per-position"
}

/// Where a convolution kernel keeps its channels.
///
/// - `pytorch`: `(out, in, k₁, k₂, …)`, PyTorch's `Conv1d`/`Conv2d`/`Conv3d` `weight` (and
///   safetensors files saved from it);
/// - `keras`: `(k₁, k₂, …, in, out)`, Keras' and TensorFlow's `Conv1D`/`Conv2D`/`Conv3D`
///   `kernel` (as `get_weights()` or `np.save` gives it).
///
/// There is no detection from the shape (a 3×3×3×3 kernel reads either way); the default is
/// `pytorch`, the layout of safetensors checkpoints.
enum KernelLayout: String, ExpressibleByArgument, CaseIterable {
  case pytorch
  case keras
}

/// The `--reshape` rule: which N-D arrays become matrices, and how.
struct KernelReshape: ExpressibleByArgument {
  /// How convolution kernels are viewed; `nil` skips them (the default).
  var convolution: ConvolutionView?
  /// Where kernels keep their channels.
  var layout: KernelLayout = .pytorch

  /// Skip every array that is not 2-D.
  static let skip = KernelReshape(convolution: nil)

  init(convolution: ConvolutionView?, layout: KernelLayout = .pytorch) {
    self.convolution = convolution
    self.layout = layout
  }

  /// Parses `conv=flatten` or `conv=per-position`.
  init?(argument: String) {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    guard parts.count == 2, parts[0] == "conv", let view = ConvolutionView(rawValue: parts[1])
    else { return nil }
    self.init(convolution: view)
  }

  static var allValueStrings: [String] { ConvolutionView.allCases.map { "conv=\($0.rawValue)" } }

  /// Whether an array of this shape is a kernel this rule analyses.
  func applies(to shape: [Int]) -> Bool {
    convolution != nil && (3...5).contains(shape.count) && !shape.contains(0)
  }

  /// What to say after skipping floating-point arrays of these shapes: how to analyse the
  /// kernels among them (`nil` when there are none, or kernels are analysed already), or that
  /// 1-D arrays (biases, norms) have no spectrum.
  func hint(forSkipped shapes: [[Int]]) -> String? {
    if convolution == nil && shapes.contains(where: { (3...5).contains($0.count) }) {
      return "--reshape conv=flatten or conv=per-position analyses 3-D to 5-D kernels"
    }
    if shapes.contains(where: { $0.count == 1 }) {
      return "1-D arrays such as biases and norms have no singular values"
    }
    return nil
  }

  /// The matrices of a kernel.
  ///
  /// - Parameters:
  ///   - name: The array's report name.
  ///   - shape: Its shape; ``applies(to:)`` must hold.
  ///   - readsOnDemand: Whether `stored` reads from a file.
  ///   - stored: The elements as the `d₀ × (d₁·…)` row-major matrix of the array.
  /// - Returns: One input (`flatten`) or one per spatial position (`per-position`).
  func inputs(
    name: String, shape: [Int], readsOnDemand: Bool,
    stored: @escaping () throws -> Matrix<Double>
  ) -> [MatrixInput] {
    precondition(applies(to: shape), "KernelReshape: shape \(shape) is not a kernel")
    let spatial: [Int]
    let out: Int
    let channels: Int
    switch layout {
    case .pytorch:
      (out, channels, spatial) = (shape[0], shape[1], Array(shape.dropFirst(2)))
    case .keras:
      (out, channels, spatial) = (shape[shape.count - 1], shape[shape.count - 2], shape.dropLast(2))
    }
    let positions = spatial.reduce(1, *)
    switch (convolution, layout) {
    case (.flatten, .pytorch):
      // The stored matrix is out × (in·P) already.
      return [
        MatrixInput(
          name: name, matrix: stored, shape: [out, channels * positions],
          readsOnDemand: readsOnDemand)
      ]
    case (.flatten, .keras):
      // The elements are the row-major (P·in) × out matrix: the transpose of the view, up to
      // the order of its columns.
      return [
        MatrixInput(
          name: name, matrix: { try stored().reshaped(rows: positions * channels, columns: out) },
          shape: [out, channels * positions], isTransposed: true,
          readsOnDemand: readsOnDemand, arrayRank: shape.count)
      ]
    default:
      let shared = SharedMatrix(uses: positions, read: stored)
      return (0..<positions).map { position in
        let label =
          "\(name)[\(Self.index(of: position, in: spatial).map(String.init).joined(separator: ","))]"
        let isKeras = layout == .keras
        return MatrixInput(
          name: label,
          matrix: {
            let matrix = try shared.take()
            // Keras: rows p·in..<(p+1)·in of the (P·in) × out matrix, an in × out block (the
            // transpose of the out × in view). PyTorch: the columns c·P + p of out × (in·P).
            return isKeras
              ? Matrix(rows: channels, columns: out) { output in
                matrix.withUnsafeBufferPointer { source in
                  let start = position * channels * out
                  for i in 0..<(channels * out) {
                    output.initializeElement(at: i, to: source[start + i])
                  }
                }
              }
              : Matrix(rows: out, columns: channels) { output in
                matrix.withUnsafeBufferPointer { source in
                  for o in 0..<out {
                    for c in 0..<channels {
                      output.initializeElement(
                        at: o * channels + c,
                        to: source[o * channels * positions + c * positions + position])
                    }
                  }
                }
              }
          }, shape: [out, channels], isTransposed: isKeras, readsOnDemand: readsOnDemand,
          arrayRank: shape.count)
      }
    }
  }

  /// The multi-index of a row-major position in a window of `sizes`.
  private static func index(of position: Int, in sizes: [Int]) -> [Int] {
    var rest = position
    var index = [Int](repeating: 0, count: sizes.count)
    for axis in sizes.indices.reversed() {
      index[axis] = rest % sizes[axis]
      rest /= sizes[axis]
    }
    return index
  }
}

/// A matrix read once and shared by the inputs cut from it, released after the last one.
final class SharedMatrix: @unchecked Sendable {
  private let lock = NSLock()
  private var remaining: Int
  private var matrix: Matrix<Double>?
  private let read: () throws -> Matrix<Double>

  init(uses: Int, read: @escaping () throws -> Matrix<Double>) {
    self.remaining = uses
    self.read = read
  }

  /// The matrix, read on the first call; the last of the `uses` calls lets it go.
  func take() throws -> Matrix<Double> {
    lock.lock()
    defer { lock.unlock() }
    let value = try matrix ?? read()
    remaining -= 1
    matrix = remaining > 0 ? value : nil
    return value
  }
}

/// `--reshape` and `--layout`, the options of ``KernelReshape``.
struct KernelOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Also analyse convolution kernels (3-D to 5-D float arrays of .safetensors, .npy and .npz files): conv=flatten (one out × in·k… matrix each) or conv=per-position (one out × in matrix per window position).",
      valueName: "conv=view"))
  var reshape: KernelReshape?

  @Option(
    help: ArgumentHelp(
      "Where --reshape finds the channels: pytorch (out, in, k…; safetensors from PyTorch) or keras (k…, in, out; Keras/TensorFlow kernels, as np.save writes them).",
      valueName: "layout"))
  var layout: KernelLayout?

  func validate() throws {
    if layout != nil && reshape == nil {
      throw ValidationError("--layout says how --reshape reads kernels; give --reshape as well.")
    }
  }

  /// The rule the options give.
  var rule: KernelReshape {
    guard var rule = reshape else { return .skip }
    rule.layout = layout ?? .pytorch
    return rule
  }
}
