import ArgumentParser
import RankCollapseExperiments

/// Placeholder: the example is being written.
@main
struct GaussianBlobsAutoencoder: ParsableCommand {
  func run() throws {
    print("GaussianBlobsAutoencoder: not implemented yet")
  }
}
