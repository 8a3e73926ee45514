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
    report.chain = []
    report.leftSide = .nan
    #expect(!report.holds)
    // Rounding slack: a left side equal to the right up to the tolerance holds.
    let tight = BoundReport(
      statement: "s", leftName: "a", leftSide: 1 + 1e-15, rightName: "b", rightSide: 1)
    #expect(tight.holds)
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
