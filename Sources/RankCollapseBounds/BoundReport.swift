/// Both sides of one inequality of the paper evaluated on concrete data, with every intermediate
/// quantity, so that a bound can be checked in a unit test and its tightness read off.
///
/// A report states `leftSide ≤ rightSide`; a chain of inequalities (Theorem 3.4's proof, for
/// instance) lists its intermediate values in ``chain`` in order, each of which must be at most
/// the next, so a user sees which link is loose. ``estimators`` says how every estimated quantity
/// was obtained (for TCV: by labels, k-means upper bound, exhaustive or the spectral lower bound;
/// for M: the sampling rule), because a bound evaluated with an upper estimate of an unknown
/// quantity is itself an estimate.
///
/// ## Verdicts at the edge of floating point
///
/// Every value is computed in floating point, so a link `a ≤ b` whose two sides are equal, or
/// both zero, in exact arithmetic can come out either way. Each link therefore carries an
/// allowance ``allowance(link:)``: a bound on `|(â − b̂) − (a − b)|`, the error of the computed
/// difference, derived by the evaluator from forward error bounds of the computations that
/// produced both sides (the per-theorem derivations are in the evaluators' documentation). The
/// verdict of a link (``linkVerdicts``) is
/// - ``Verdict/holds`` when `â ≤ b̂`: then the exact `a − b` is at most the allowance;
/// - ``Verdict/fails`` when `â − b̂` exceeds the allowance: then the exact inequality is
///   violated (`a > b`), whatever the rounding was;
/// - ``Verdict/undecided`` in between, and for non-finite values or an infinite allowance: this
///   precision cannot tell.
///
/// So a report never says "fails" when the exact inequality holds, and never "holds" when it is
/// violated by more than the allowance. ``verdict`` combines the links (any failing link fails
/// the report; otherwise any undecided link makes it undecided). Hypotheses of the statement that
/// the data or the network do not meet are listed in ``unmetAssumptions``: the verdict is then
/// about the numbers only, not about the statement, and the table says so.
///
/// `BoundReport` is `Codable` (keys as the property names). JSON written before a key existed
/// still decodes: a missing `absoluteTolerance` reads as 0, missing `allowances` as none (the
/// relative ``tolerance`` alone), missing `unmetAssumptions` as none, and a missing `partition`
/// or `sampleIndices` as `nil`.
public struct BoundReport: Sendable, Hashable, Codable, CustomStringConvertible {
  /// The verdict on one link or a whole report.
  public enum Verdict: String, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The computed left side is at most the computed right side: the exact inequality holds
    /// or is violated by at most the allowance.
    case holds
    /// The computed violation is within the allowance: this precision cannot decide.
    case undecided
    /// The computed violation exceeds the allowance: the exact inequality is violated.
    case fails

    /// `"holds"`, `"undecided at this precision"` or `"FAILS"`.
    public var description: String {
      switch self {
      case .holds: "holds"
      case .undecided: "undecided at this precision"
      case .fails: "FAILS"
      }
    }
  }

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
  /// A relative slack added to every link's allowance, `tolerance·max(|a|, |b|)`: 0 for the
  /// evaluators that derive ``allowances``; a user building a report by hand may set one.
  public var tolerance: Double
  /// An absolute slack added to every link's allowance (0 unless set by hand).
  public var absoluteTolerance: Double
  /// The rounding allowance of each link.
  ///
  /// `allowances[i]` belongs to `links[i] ≤ links[i + 1]`: a bound on the error of the computed
  /// difference of its two sides (see the type's documentation).
  /// Missing entries count as 0; `.infinity` marks a link this precision cannot decide.
  public var allowances: [Double]
  /// Hypotheses of the statement that do not hold here (such as "ReLU is not C²"); empty when
  /// every checked hypothesis holds.
  public var unmetAssumptions: [String]
  /// The partition the evaluator used, as the 0-based set of each sample (`nil` when none):
  /// with it an outside check can recompute every centroid and WCSS.
  public var partition: [Int]?
  /// The sample indices behind an estimated constant (the points of the curvature estimate M
  /// of Lemma 3.3 and Theorem 3.4), sorted; `nil` when none.
  public var sampleIndices: [Int]?

  private enum CodingKeys: String, CodingKey {
    case statement, leftName, leftSide, rightName, rightSide, chain, terms, estimators
    case tolerance, absoluteTolerance, allowances, unmetAssumptions, partition, sampleIndices
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
  ///   - tolerance: Relative slack added to every allowance (default 0).
  ///   - absoluteTolerance: Absolute slack added to every allowance (default 0).
  ///   - allowances: The rounding allowance of each link (default none).
  ///   - unmetAssumptions: Hypotheses that do not hold (default none).
  ///   - partition: The partition used, the set of each sample (default `nil`).
  ///   - sampleIndices: The samples behind an estimated constant (default `nil`).
  public init(
    statement: String, leftName: String, leftSide: Double, rightName: String, rightSide: Double,
    chain: [Term] = [], terms: [Term] = [], estimators: [String: String] = [:],
    tolerance: Double = 0, absoluteTolerance: Double = 0, allowances: [Double] = [],
    unmetAssumptions: [String] = [], partition: [Int]? = nil, sampleIndices: [Int]? = nil
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
    self.allowances = allowances
    self.unmetAssumptions = unmetAssumptions
    self.partition = partition
    self.sampleIndices = sampleIndices
  }

  /// Decodes a report, also from JSON written before some keys existed.
  ///
  /// Missing `absoluteTolerance` reads as 0, `allowances` and `unmetAssumptions` as empty,
  /// `partition` and `sampleIndices` as `nil`.
  ///
  /// - Parameter decoder: The decoder to read from.
  /// - Throws: `DecodingError` when another key is missing, or any key is mistyped.
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
    allowances = try container.decodeIfPresent([Double].self, forKey: .allowances) ?? []
    unmetAssumptions =
      try container.decodeIfPresent([String].self, forKey: .unmetAssumptions) ?? []
    partition = try container.decodeIfPresent([Int].self, forKey: .partition)
    sampleIndices = try container.decodeIfPresent([Int].self, forKey: .sampleIndices)
  }

  /// leftSide / rightSide: how much of the bound the left side uses (≤ 1 when it holds; `nil`
  /// when the right side is 0).
  public var ratio: Double? { rightSide != 0 ? leftSide / rightSide : nil }

  /// The values of the chain from left to right: leftSide, chain…, rightSide.
  public var links: [Double] { [leftSide] + chain.map(\.value) + [rightSide] }

  /// The allowance of link `i` (`links[i] ≤ links[i + 1]`): ``allowances``[i] (0 when
  /// missing) plus ``tolerance``·max(|a|, |b|) plus ``absoluteTolerance``.
  ///
  /// - Parameter i: The link, `0 ..< links.count − 1`.
  /// - Returns: The bound on the rounding error of `links[i] − links[i + 1]`.
  public func allowance(link i: Int) -> Double {
    let values = links
    precondition(
      i >= 0 && i < values.count - 1, "allowance(link: \(i)) needs 0..<\(values.count - 1)")
    let explicit = i < allowances.count ? allowances[i] : 0
    return explicit + tolerance * Swift.max(abs(values[i]), abs(values[i + 1]))
      + absoluteTolerance
  }

  /// The verdict of each link `links[i] ≤ links[i + 1]`, in order (see the type's
  /// documentation).
  public var linkVerdicts: [Verdict] {
    let values = links
    return (0..<(values.count - 1)).map { i in
      let (a, b) = (values[i], values[i + 1])
      guard a.isFinite, b.isFinite else { return .undecided }
      if a <= b { return .holds }
      let slack = allowance(link: i)
      return a - b > slack ? .fails : .undecided
    }
  }

  /// The report's verdict, combined over its links.
  ///
  /// It is ``Verdict/fails`` if a link fails, else ``Verdict/undecided`` if a link is undecided,
  /// else ``Verdict/holds``. It judges the numbers; see ``unmetAssumptions`` for the hypotheses.
  public var verdict: Verdict {
    let verdicts = linkVerdicts
    if verdicts.contains(.fails) { return .fails }
    return verdicts.contains(.undecided) ? .undecided : .holds
  }

  /// Whether ``verdict`` is ``Verdict/holds``: every computed link is at most the next.
  public var holds: Bool { verdict == .holds }

  /// The first link whose verdict is ``Verdict/fails`` (violated beyond its allowance), or `nil`.
  public var failingLink: Int? { linkVerdicts.firstIndex(of: .fails) }

  /// The largest allowance over the links (0 for a report without any).
  public var largestAllowance: Double {
    (0..<(links.count - 1)).map { allowance(link: $0) }.max() ?? 0
  }

  /// The verdict as a table cell: `"holds"`, `"undecided"`, `"FAILS"`, with `"*"` appended when
  /// a hypothesis is not met.
  public var shortVerdict: String {
    let word =
      switch verdict {
      case .holds: "holds"
      case .undecided: "undecided"
      case .fails: "FAILS"
      }
    return unmetAssumptions.isEmpty ? word : word + "*"
  }

  /// The report as a table: statement, both sides, the chain, the terms and the estimators.
  public var description: String {
    var header = "\(statement): \(verdict)"
    if !unmetAssumptions.isEmpty {
      header +=
        " (numbers only; hypothesis not met: "
        + unmetAssumptions.joined(separator: "; ") + ")"
    }
    var lines = [header]
    func row(_ name: String, _ value: Double, _ note: String? = nil) {
      let padded = name + String(repeating: " ", count: Swift.max(0, 28 - name.count))
      lines.append("  \(padded) \(value)" + (note.map { "  (\($0))" } ?? ""))
    }
    row("left: " + leftName, leftSide)
    let verdicts = linkVerdicts
    func judged(_ i: Int) -> String {
      let word = verdicts[i] == .undecided ? "undecided" : verdicts[i].rawValue
      return "\(word), allowance \(allowance(link: i))"
    }
    for (i, link) in chain.enumerated() {
      row(
        "≤ " + link.name, link.value,
        [link.note, judged(i)].compactMap { $0 }.joined(separator: "; "))
    }
    row("right: " + rightName, rightSide, judged(verdicts.count - 1))
    if let ratio { row("ratio left/right", ratio) }
    for term in terms { row(term.name, term.value, term.note) }
    for (name, how) in estimators.sorted(by: { $0.key < $1.key }) {
      lines.append("  \(name) estimated by: \(how)")
    }
    return lines.joined(separator: "\n")
  }
}
