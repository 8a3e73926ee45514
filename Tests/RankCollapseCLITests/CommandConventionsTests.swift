import Foundation
import Testing

/// What every `rankcollapse` command promises: help with examples, `--threads`, `--seed` where
/// randomness exists, usage errors (status 64) that name the bad argument.
@Suite("rankcollapse conventions")
struct CommandConventionsTests {
  /// The commands, and whether each makes random choices (and so takes `--seed`; analyze
  /// shuffles entries for its noise baseline and draws the top-k range finder's test matrices).
  static let commands: [(name: String, random: Bool)] = [
    ("demo", true), ("analyze", true), ("collapse", true), ("compress", true),
  ]

  @Test("--help shows examples, --threads, and --seed where the command is random")
  func help() throws {
    for command in Self.commands {
      let result = try runTool([command.name, "--help"])
      #expect(result.status == 0, "\(command.name)")
      #expect(result.output.contains("Examples:"), "\(command.name)")
      #expect(result.output.contains("rankcollapse \(command.name) "), "\(command.name)")
      #expect(result.output.contains("--threads"), "\(command.name)")
      #expect(result.output.contains("--seed") == command.random, "\(command.name)")
    }
    let top = try runTool(["--help"])
    #expect(top.status == 0)
    for command in Self.commands { #expect(top.output.contains(command.name)) }
  }

  @Test("--threads 0 is a usage error naming --threads, before any file is read")
  func threads() throws {
    for command in Self.commands {
      let required = command.name == "compress" ? ["--rank", "2", "-o", "out.st"] : ["-k", "2"]
      let result = try runTool([command.name, "--threads", "0", "/no/such/file.npy"] + required)
      #expect(result.status == 64, "\(command.name): \(result.error)")
      #expect(result.error.contains("--threads"), "\(command.name)")
      #expect(result.output.isEmpty, "\(command.name)")
    }
  }

  @Test("An unknown option or subcommand is a usage error")
  func unknown() throws {
    let option = try runTool(["analyze", "--no-such-option", "x.npy"])
    #expect(option.status == 64)
    #expect(option.error.contains("--no-such-option"))
    let subcommand = try runTool(["no-such-command"])
    #expect(subcommand.status == 64)
  }
}
