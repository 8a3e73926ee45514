import ArgumentParser

/// The `rankcollapse` command: measure how low-rank trained weights are.
@main
struct RankCollapseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rankcollapse",
    abstract: "Measure neural rank collapse: spectra of weight matrices and more.",
    discussion: """
      Every command exits with status 0 on success, 64 on a usage error (the message names the \
      bad argument) and 1 when its work fails; a failed run writes no output file. \
      `rankcollapse help COMMAND` shows a command's options and more examples.

      Examples:
        rankcollapse demo
        rankcollapse analyze weights.npy
        rankcollapse analyze --rank 5 --epsilon 0.05 --format json layer1.npy layer2.npy
        rankcollapse analyze --plot figures model.safetensors
        rankcollapse analyze --summary Llama-3-8B/
        rankcollapse diff base.safetensors finetuned.safetensors
        rankcollapse evolution -o evo epoch-1.safetensors epoch-5.safetensors epoch-10.safetensors
        rankcollapse collapse features.npy --labels labels.npy --seed 3
        rankcollapse compress model.safetensors --rank 32 --output model-r32.safetensors
        rankcollapse compress model.safetensors --rank 8 -o r8.safetensors \\
            --data /usr/share/datasets/fashion-mnist --fine-tune-epochs 1
      """,
    version: "0.1.0",
    subcommands: [Demo.self, Analyze.self, Collapse.self, Compress.self, Diff.self, Evolution.self]
  )
}
