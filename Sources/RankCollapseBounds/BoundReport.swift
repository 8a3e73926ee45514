/// Both sides of one inequality of the paper evaluated on concrete data, with every intermediate
/// quantity, so that a bound can be checked in a unit test and its tightness read off.
///
/// A report states `leftSide ≤ rightSide` (``holds``); a chain of inequalities (Theorem 3.4's
/// proof, for instance) lists its intermediate values in ``chain`` in order, each of which must
/// be at most the next, so a user sees which link is loose. ``estimators`` says how every
/// estimated quantity was obtained (for TCV: by labels, k-means upper bound, exhaustive or the
/// spectral lower bound; for M: the sampling rule), because a bound evaluated with an upper
/// estimate of an unknown quantity is itself an estimate.
///
/// `BoundReport` is `Codable` (keys as the property names; `absoluteTolerance` may be missing in
/// older JSON and then reads as 0) and prints as a table.
public struct BoundReport: Sendable, Hashable, Codable, CustomStringConvertible {
  /// A named intermediate quantity.
  public struct Term: Sendable, Hashable, Codable {
    /// The quantity's name in the paper's notation, such as `"TCV_{K,0}"`.
    public var name: String
    /// Its value.
    public var value: Double
    /// What it is or how it was computed, if that needs saying.
    public var note: String?

    /// A term.
    ///
    /// - Parameters:
    ///   - name: The quantity's name.
    ///   - value: Its value.
    ///   - note: An optional explanation.
    public init(_ name: String, _ value: Double, note: String? = nil) {
      self.name = name
      self.value = value
      self.note = note
    }
  }

  /// The statement evaluated, such as `"Theorem 5.3"`.
  public var statement: String
  /// What the left side is, such as `"‖Θ* − Θ*,C‖_F"`.
  public var leftName: String
  /// The left side's value.
  public var leftSide: Double
  /// What the right side is.
  public var rightName: String
  /// The right side's value.
  public var rightSide: Double
  /// Intermediate links of a chain `leftSide ≤ chain[0] ≤ chain[1] ≤ … ≤ rightSide`, in order
  /// (empty for a single inequality).
  public var chain: [Term]
  /// Every other intermediate quantity, in the order a reader needs them.
  public var terms: [Term]
  /// How each estimated quantity was obtained, keyed by the quantity's name.
  public var estimators: [String: String]
  /// The relative slack allowed for rounding when checking ``holds`` (for example 1e-12).
  public var tolerance: Double
  /// An absolute slack added to the relative one, for links whose exact value is 0 but whose
  /// computed value is a rounding residue (a zero bound with `Θ*,C = Θ*` up to rounding, for
  /// instance); 0 unless an evaluator states a scale for it.
  public var absoluteTolerance: Double

  private enum CodingKeys: String, CodingKey {
    case statement, leftName, leftSide, rightName, rightSide, chain, terms, estimators
    case tolerance, absoluteTolerance
  }

  /// A report.
  ///
  /// - Parameters:
  ///   - statement: The statement evaluated.
  ///   - leftName: What the left side is.
  ///   - leftSide: Its value.
  ///   - rightName: What the right side is.
  ///   - rightSide: Its value.
  ///   - chain: Intermediate links, in order.
  ///   - terms: Other intermediate quantities.
  ///   - estimators: How estimated quantities were obtained.
  ///   - tolerance: Relative slack for rounding.
  ///   - absoluteTolerance: Absolute slack for rounding, added to the relative one.
  public init(
    statement: String, leftName: String, leftSide: Double, rightName: String, rightSide: Double,
    chain: [Term] = [], terms: [Term] = [], estimators: [String: String] = [:],
    tolerance: Double = 1e-12, absoluteTolerance: Double = 0
  ) {
    self.statement = statement
    self.leftName = leftName
    self.leftSide = leftSide
    self.rightName = rightName
    self.rightSide = rightSide
    self.chain = chain
    self.terms = terms
    self.estimators = estimators
    self.tolerance = tolerance
    self.absoluteTolerance = absoluteTolerance
  }

  /// Decodes a report; a missing `absoluteTolerance` (JSON written before it existed) reads as 0.
  ///
  /// - Parameter decoder: The decoder to read from.
  /// - Throws: `DecodingError` when a key other than `absoluteTolerance` is missing or mistyped.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    statement = try container.decode(String.self, forKey: .statement)
    leftName = try container.decode(String.self, forKey: .leftName)
    leftSide = try container.decode(Double.self, forKey: .leftSide)
    rightName = try container.decode(String.self, forKey: .rightName)
    rightSide = try container.decode(Double.self, forKey: .rightSide)
    chain = try container.decode([Term].self, forKey: .chain)
    terms = try container.decode([Term].self, forKey: .terms)
    estimators = try container.decode([String: String].self, forKey: .estimators)
    tolerance = try container.decode(Double.self, forKey: .tolerance)
    absoluteTolerance =
      try container.decodeIfPresent(Double.self, forKey: .absoluteTolerance) ?? 0
  }

  /// leftSide / rightSide: how much of the bound the left side uses (≤ 1 when it holds; `nil`
  /// when the right side is 0).
  public var ratio: Double? { rightSide != 0 ? leftSide / rightSide : nil }

  /// The values of the chain from left to right: leftSide, chain…, rightSide.
  public var links: [Double] { [leftSide] + chain.map(\.value) + [rightSide] }

  /// Whether every link is at most the next, up to ``tolerance`` relative to the larger side
  /// plus ``absoluteTolerance``.
  public var holds: Bool { failingLink == nil }

  /// The first link i with links[i] > links[i + 1] beyond the tolerance, or `nil`.
  public var failingLink: Int? {
    let values = links
    for i in 0..<(values.count - 1) {
      let (a, b) = (values[i], values[i + 1])
      guard a.isFinite, b.isFinite else { return i }
      if a > b + tolerance * Swift.max(abs(a), abs(b)) + absoluteTolerance { return i }
    }
    return nil
  }

  /// The report as a table: statement, both sides, the chain, the terms and the estimators.
  public var description: String {
    var lines = ["\(statement): \(holds ? "holds" : "FAILS")"]
    func row(_ name: String, _ value: Double, _ note: String? = nil) {
      let padded = name + String(repeating: " ", count: Swift.max(0, 28 - name.count))
      lines.append("  \(padded) \(value)" + (note.map { "  (\($0))" } ?? ""))
    }
    row("left: " + leftName, leftSide)
    for link in chain { row("≤ " + link.name, link.value, link.note) }
    row("right: " + rightName, rightSide)
    if let ratio { row("ratio left/right", ratio) }
    for term in terms { row(term.name, term.value, term.note) }
    for (name, how) in estimators.sorted(by: { $0.key < $1.key }) {
      lines.append("  \(name) estimated by: \(how)")
    }
    return lines.joined(separator: "\n")
  }
}
