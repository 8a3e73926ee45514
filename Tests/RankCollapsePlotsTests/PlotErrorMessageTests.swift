import Foundation
import Testing

@testable import RankCollapsePlots

/// Issue 15: a failed write says why in words, not as an errno number.
@Suite("Plot error messages")
struct PlotErrorMessageTests {
  @Test(
    "an I/O failure prints the operating system's text",
    arguments: [(EISDIR, "Is a directory"), (EACCES, "Permission denied"), (ENOSPC, "No space")])
  func ioMessage(code: Int32, text: String) {
    let message = PlotError.io(path: "out/spectra.svg", operation: "create", code: code)
      .description
    #expect(message.contains(text))
    #expect(message.contains("out/spectra.svg"))
    #expect(!message.contains("errno"))
  }
}
