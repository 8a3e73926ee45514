import ArgumentParser
import RankCollapseExperiments

/// Placeholder: the example is being written.
@main
struct WidthDepthSweep: ParsableCommand {
  func run() throws {
    print("WidthDepthSweep: not implemented yet")
  }
}
