import ArgumentParser

/// The `rankcollapse` command: measure how low-rank trained weights are.
@main
struct RankCollapseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rankcollapse",
    abstract: "Measure neural rank collapse: spectra of weight matrices and more.",
    discussion: """
      Examples:
        rankcollapse analyze weights.npy
        rankcollapse analyze --rank 5 --epsilon 0.05 --format json layer1.npy layer2.npy
      """,
    version: "0.1.0",
    subcommands: [Analyze.self, Collapse.self]
  )
}
