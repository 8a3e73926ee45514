import Foundation
import RankCollapseBounds
import Testing

@Suite("Bound reports")
struct BoundReportTests {
  @Test("A chain holds only when every link is at most the next; the failing link is named")
  func chainChecks() throws {
    var report = BoundReport(
      statement: "Theorem 3.4", leftName: "dist(W_l, rank ≤ K)", leftSide: 1,
      rightName: "M·WCSS/(4λ)", rightSide: 3,
      chain: [.init("stationarity + ‖R‖/(2λ)", 2)], estimators: ["M": "sampled"])
    #expect(report.holds)
    #expect(report.ratio == 1.0 / 3.0)
    report.chain = [.init("too large", 4)]
    #expect(!report.holds)
    #expect(report.failingLink == 1)
    #expect(report.verdict == .fails)
    #expect(report.linkVerdicts == [.holds, .fails])
    report.chain = []
    report.leftSide = .nan
    #expect(!report.holds)
    #expect(report.verdict == .undecided, "a NaN side cannot be decided")
    // A violation within the link's allowance is undecided, beyond it fails; no allowance, no
    // slack.
    var tight = BoundReport(
      statement: "s", leftName: "a", leftSide: 1 + 1e-15, rightName: "b", rightSide: 1)
    #expect(tight.verdict == .fails)
    tight.allowances = [2e-15]
    #expect(tight.verdict == .undecided)
    #expect(tight.description.contains("undecided at this precision"))
    tight.allowances = [5e-16]
    #expect(tight.verdict == .fails)
    tight.allowances = [.infinity]
    #expect(tight.verdict == .undecided)
    tight.leftSide = 1
    #expect(tight.verdict == .holds, "equal sides hold")
  }

  @Test(
    "An absolute tolerance makes a rounding residue above a zero bound undecided, nothing larger")
  func absoluteTolerance() throws {
    var report = BoundReport(
      statement: "Theorem 5.3", leftName: "‖Θ* − Θ*,C‖_F", leftSide: 3.7e-15, rightName: "bound",
      rightSide: 0)
    #expect(report.verdict == .fails)  // relative slack of a zero bound is zero
    report.absoluteTolerance = 1e-12 * 0.5
    #expect(report.verdict == .undecided)
    #expect(report.allowance(link: 0) == 5e-13)
    report.leftSide = 1e-9
    #expect(report.verdict == .fails)
    #expect(report.failingLink == 0)
  }

  @Test("JSON written before absoluteTolerance and allowances existed still decodes")
  func decodesOlderJSON() throws {
    let json = """
      {"statement":"s","leftName":"a","leftSide":1,"rightName":"b","rightSide":2,
       "chain":[],"terms":[],"estimators":{},"tolerance":1e-12}
      """
    let report = try JSONDecoder().decode(BoundReport.self, from: Data(json.utf8))
    #expect(report.absoluteTolerance == 0)
    #expect(report.allowances.isEmpty && report.unmetAssumptions.isEmpty)
    #expect(report.partition == nil && report.sampleIndices == nil)
    #expect(report.holds)
    let withSlack = BoundReport(
      statement: "s", leftName: "a", leftSide: 1, rightName: "b", rightSide: 2,
      absoluteTolerance: 0.25, allowances: [1e-3], unmetAssumptions: ["not C²"],
      partition: [0, 1, 0], sampleIndices: [2])
    let roundTrip = try JSONDecoder().decode(
      BoundReport.self, from: JSONEncoder().encode(withSlack))
    #expect(roundTrip == withSlack)
  }

  @Test("Reports encode as JSON with their property names and print as a table")
  func encodingAndTable() throws {
    let report = BoundReport(
      statement: "Theorem 5.4", leftName: "‖Θ* − Θ*,K‖²", leftSide: 0.5, rightName: "bound",
      rightSide: 2, terms: [.init("TCV_K(Y)", 0.1, note: "k-means upper bound")],
      estimators: ["TCV_K(Y)": "k-means upper bound"])
    let data = try JSONEncoder().encode(report)
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(object["statement"] as? String == "Theorem 5.4")
    #expect(object["leftSide"] as? Double == 0.5)
    #expect(try JSONDecoder().decode(BoundReport.self, from: data) == report)
    #expect(report.description.contains("Theorem 5.4: holds"))
    #expect(report.description.contains("TCV_K(Y)"))
  }
}
