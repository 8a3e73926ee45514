/// What compression did to one original layer W_l (m × n).
public struct LayerCompression: Sendable, Hashable, Codable {
  /// l, 1-based.
  public var layer: Int
  /// m = d_l.
  public var rows: Int
  /// n = d_{l−1}.
  public var columns: Int
  /// The criterion, as ``RankSelection/description``.
  public var selection: String
  /// The rank r the criterion chose (k = min(m, n) for `dense`).
  public var rank: Int
  /// Whether the layer is factored; false for `dense` and when r(m + n) ≥ m n (no saving), in
  /// which case the original W_l is kept unchanged.
  public var isFactored: Bool
  /// The tail error e(r + 1) = Σ_{i>r} s_i / Σ_i s_i (equation 22) left by keeping r values
  /// (0 for the zero matrix and when r = k).
  public var tailError: Double
  /// τ_r = Σ_{j>r} s_j² / Σ_j s_j² = ‖W − W_r‖_F² / ‖W‖_F² (0 for the zero matrix).
  public var relativeTail: Double
  /// Stored scalars of the dense layer: m n plus the bias.
  public var denseParameters: Int
  /// Stored scalars after compression: r(m + n) plus the bias when factored.
  public var parameters: Int
  /// Multiply-add FLOPs per sample of the dense layer: 2 m n plus the bias.
  public var denseFLOPs: Int
  /// FLOPs per sample after compression: 2 r(m + n) plus the bias when factored.
  public var flops: Int

  /// A layer's report.
  ///
  /// - Parameters:
  ///   - layer: l.
  ///   - rows: m.
  ///   - columns: n.
  ///   - selection: The criterion's description.
  ///   - rank: r.
  ///   - isFactored: Whether the layer is factored.
  ///   - tailError: e(r + 1).
  ///   - relativeTail: τ_r.
  ///   - denseParameters: Scalars before.
  ///   - parameters: Scalars after.
  ///   - denseFLOPs: FLOPs per sample before.
  ///   - flops: FLOPs per sample after.
  public init(
    layer: Int, rows: Int, columns: Int, selection: String, rank: Int, isFactored: Bool,
    tailError: Double, relativeTail: Double, denseParameters: Int, parameters: Int,
    denseFLOPs: Int, flops: Int
  ) {
    self.layer = layer
    self.rows = rows
    self.columns = columns
    self.selection = selection
    self.rank = rank
    self.isFactored = isFactored
    self.tailError = tailError
    self.relativeTail = relativeTail
    self.denseParameters = denseParameters
    self.parameters = parameters
    self.denseFLOPs = denseFLOPs
    self.flops = flops
  }
}

/// The per-layer and total effect of compressing a network.
public struct CompressionReport: Sendable, Hashable, Codable {
  /// One entry per original layer, in order.
  public var layers: [LayerCompression]

  /// A report from its layers.
  ///
  /// - Parameter layers: The per-layer entries.
  public init(layers: [LayerCompression]) { self.layers = layers }

  /// Stored scalars of the dense network.
  public var denseParameters: Int { layers.reduce(0) { $0 + $1.denseParameters } }
  /// Stored scalars of the compressed network.
  public var parameters: Int { layers.reduce(0) { $0 + $1.parameters } }
  /// FLOPs per sample of the dense network.
  public var denseFLOPs: Int { layers.reduce(0) { $0 + $1.denseFLOPs } }
  /// FLOPs per sample of the compressed network.
  public var flops: Int { layers.reduce(0) { $0 + $1.flops } }
  /// parameters / denseParameters.
  public var parameterRatio: Double { Double(parameters) / Double(Swift.max(denseParameters, 1)) }
  /// flops / denseFLOPs.
  public var flopRatio: Double { Double(flops) / Double(Swift.max(denseFLOPs, 1)) }
}
