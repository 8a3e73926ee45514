import ArgumentParser
import RankCollapseExperiments

/// Placeholder: the example is being written.
@main
struct MNISTRankEvolution: ParsableCommand {
  func run() throws {
    print("MNISTRankEvolution: not implemented yet")
  }
}
