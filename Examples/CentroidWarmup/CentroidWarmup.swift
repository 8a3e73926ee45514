import ArgumentParser
import RankCollapseExperiments

/// Placeholder: the example is being written.
@main
struct CentroidWarmup: ParsableCommand {
  func run() throws {
    print("CentroidWarmup: not implemented yet")
  }
}
