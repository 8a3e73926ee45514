import Foundation
import RankCollapse
import Testing

@Suite("README")
struct ReadmeExampleTests {
  /// The README's Swift example, verbatim between the markers (the test below checks that).
  func readmeExample() throws -> Spectrum<Double> {
    // README-BEGIN
    var generator = SeededGenerator(seed: 7)
    let a = Matrix<Double>.randomNormal(rows: 400, columns: 10, using: &generator)
    let b = Matrix<Double>.randomNormal(rows: 10, columns: 784, using: &generator)
    let noise = Matrix<Double>.randomNormal(
      rows: 400, columns: 784, standardDeviation: 1e-3, using: &generator)
    let spectrum = try (a.matmul(b) + noise).spectrum()  // LAPACK gesdd, no vectors
    print(spectrum.relativeTail(afterRank: 10))  // τ_10: the noise's tiny share
    print(spectrum.softRank(epsilon: 0.1))  // rk(0.1): at most 10 values kept
    print(spectrum.numericalRank())  // 400: the noise is full rank
    // README-END
    return spectrum
  }

  @Test("The README's example compiles, runs, and its comments are true")
  func exampleRuns() throws {
    let spectrum = try readmeExample()
    // Rank 10 signal of size ~sqrt(10·784) per singular value vs noise 1e-3·(sqrt(400)+sqrt(784)).
    #expect(spectrum.relativeTail(afterRank: 10) < 1e-6)
    #expect(spectrum.softRank(epsilon: 0.1) <= 10)
    #expect(spectrum.numericalRank() == 400)
  }

  @Test("The README shows exactly the example this test runs")
  func readmeMatches() throws {
    let testFile = URL(fileURLWithPath: #filePath)
    let root = testFile.deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    let source = try String(contentsOf: testFile, encoding: .utf8)
    let lines = source.components(separatedBy: "\n")
    let begin = try #require(lines.firstIndex { $0.hasSuffix("// README-BEGIN") })
    let end = try #require(lines.firstIndex { $0.hasSuffix("// README-END") })
    let example = lines[(begin + 1)..<end].map { String($0.dropFirst(4)) }.joined(separator: "\n")
    #expect(readme.contains("import RankCollapse\n\n" + example + "\n```"))
  }
}
