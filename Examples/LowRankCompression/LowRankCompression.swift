import ArgumentParser
import RankCollapseExperiments

/// Placeholder: the example is being written.
@main
struct LowRankCompression: ParsableCommand {
  func run() throws {
    print("LowRankCompression: not implemented yet")
  }
}
