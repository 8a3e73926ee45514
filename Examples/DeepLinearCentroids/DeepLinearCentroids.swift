import ArgumentParser
import RankCollapseExperiments

/// Placeholder: the example is being written.
@main
struct DeepLinearCentroids: ParsableCommand {
  func run() throws {
    print("DeepLinearCentroids: not implemented yet")
  }
}
