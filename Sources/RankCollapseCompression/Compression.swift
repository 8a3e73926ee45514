import RankCollapseNetwork
import RankCollapseSpectral
import RankCollapseTensor

/// Low-rank compression of trained networks: truncated SVDs of the weights, stored as factored
/// layers.
public enum Compression {
  /// Compresses every layer of a network by its own criterion.
  ///
  /// For layer l with W_l = U diag(s) Vᵀ (thin SVD, k = min(m, n) values) the criterion chooses r;
  /// the layer becomes the factors U_l = U_r diag(√s_r) (m × r) and V_l = diag(√s_r) V_rᵀ (r × n),
  /// so U_l V_l = W_r, the best rank-r approximation (Eckart–Young), and the two factors have
  /// equal Frobenius norms (balanced, which matters for weight decay during fine-tuning; see
  /// ``CompressedNetwork/fineTune(with:inputs:targets:)``). A layer stays dense, with its
  /// original weight, for `.dense` and whenever factoring would not save FLOPs or parameters,
  /// r(m + n) ≥ m n. A rank of 0 (ε ≥ 1, or a zero weight) is stored as a rank-1 factorisation
  /// with U_l = 0, so the layer outputs σ_l(b_l) for every input.
  ///
  /// - Parameters:
  ///   - network: The trained network.
  ///   - selections: One criterion per layer (`selections[l − 1]` for layer l).
  /// - Returns: The compressed network and its report.
  /// - Throws: ``CompressionError`` for a wrong number of selections, an invalid parameter, or
  ///   an SVD that fails (non-finite weights).
  /// - Complexity: One SVD per non-dense layer, O(m n min(m, n)).
  public static func compress<Scalar: MatrixScalar>(
    _ network: Network<Scalar>, selections: [RankSelection]
  ) throws(CompressionError) -> CompressionResult<Scalar> {
    guard selections.count == network.depth else {
      throw .selectionCountMismatch(layers: network.depth, selections: selections.count)
    }
    for (l, selection) in selections.enumerated() { try selection.validate(layer: l + 1) }
    var layers: [Dense<Scalar>] = []
    var isFactored: [Bool] = []
    var entries: [LayerCompression] = []
    for (index, layer) in network.layers.enumerated() {
      let m = layer.outputSize
      let n = layer.inputSize
      let k = Swift.min(m, n)
      let biasCount = layer.hasBias ? m : 0
      let selection = selections[index]
      var entry = LayerCompression(
        layer: index + 1, rows: m, columns: n, selection: selection.description, rank: k,
        isFactored: false, tailError: 0, relativeTail: 0, denseParameters: m * n + biasCount,
        parameters: m * n + biasCount, denseFLOPs: 2 * m * n + biasCount,
        flops: 2 * m * n + biasCount)
      guard selection != .dense else {
        layers.append(layer)
        isFactored.append(false)
        entries.append(entry)
        continue
      }
      let svd: SingularValueDecomposition<Scalar>
      do {
        svd = try layer.weight.singularValueDecomposition()
      } catch {
        throw .decompositionFailed(layer: index + 1, cause: error)
      }
      let spectrum = Spectrum(singularValues: svd.singularValues, rows: m, columns: n)
      let r = selection.rank(for: spectrum) ?? k
      entry.rank = r
      entry.tailError = r < k ? Double(spectrum.tailError(r + 1)) : 0
      entry.relativeTail = Double(spectrum.relativeTail(afterRank: r))
      let stored = Swift.max(r, 1)
      guard stored * (m + n) < m * n else {
        layers.append(layer)
        isFactored.append(false)
        entries.append(entry)
        continue
      }
      let (u, v) = factors(of: svd, rank: r)
      layers.append(
        Dense(
          weight: v, bias: .zeros(rows: 1, columns: stored), activation: .identity,
          hasBias: false))
      layers.append(
        Dense(weight: u, bias: layer.bias, activation: layer.activation, hasBias: layer.hasBias))
      isFactored.append(true)
      entry.isFactored = true
      entry.parameters = stored * (m + n) + biasCount
      entry.flops = 2 * stored * (m + n) + biasCount
      entries.append(entry)
    }
    let expanded: Network<Scalar>
    do {
      expanded = try Network(layers: layers)
    } catch {
      preconditionFailure("the factors chain by construction (V_l: r × n, U_l: m × r): \(error)")
    }
    return CompressionResult(
      network: try CompressedNetwork(network: expanded, isFactored: isFactored),
      report: CompressionReport(layers: entries))
  }

  /// Compresses every layer by the same criterion.
  ///
  /// - Parameters:
  ///   - network: The trained network.
  ///   - selection: The criterion for all layers.
  /// - Returns: The compressed network and its report.
  /// - Throws: As ``compress(_:selections:)``.
  public static func compress<Scalar: MatrixScalar>(
    _ network: Network<Scalar>, selection: RankSelection
  ) throws(CompressionError) -> CompressionResult<Scalar> {
    try compress(network, selections: Array(repeating: selection, count: network.depth))
  }

  /// The balanced factors U_r diag(√s_r) and diag(√s_r) V_rᵀ of a thin SVD; for r = 0 a zero
  /// m × 1 factor U and the leading right singular vector as V.
  static func factors<Scalar: MatrixScalar>(
    of svd: SingularValueDecomposition<Scalar>, rank r: Int
  ) -> (u: Matrix<Scalar>, v: Matrix<Scalar>) {
    let m = svd.u.rows
    guard r > 0 else {
      return (.zeros(rows: m, columns: 1), svd.vt.rows(0..<1))
    }
    var u = svd.u.columns(0..<r)
    var v = svd.vt.rows(0..<r)
    for j in 0..<r {
      let root = svd.singularValues[j].squareRoot()
      for i in 0..<m { u[i, j] *= root }
      for i in 0..<v.columns { v[j, i] *= root }
    }
    return (u, v)
  }
}

/// A compressed network and the report of how it was made.
public struct CompressionResult<Scalar: MatrixScalar>: Sendable {
  /// The compressed network.
  public var network: CompressedNetwork<Scalar>
  /// Parameters, FLOPs, ranks and criterion values per layer.
  public var report: CompressionReport

  /// A compressed network with its report, for example after fine-tuning changed the network
  /// (the report, which describes the truncation, still applies to its shapes).
  ///
  /// - Parameters:
  ///   - network: The compressed network.
  ///   - report: Its report.
  public init(network: CompressedNetwork<Scalar>, report: CompressionReport) {
    self.network = network
    self.report = report
  }
}
