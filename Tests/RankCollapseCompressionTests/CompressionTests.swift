import RankCollapseCompression
import Testing

@Suite struct CompressionModuleTests {
  @Test func namespaceExists() {
    #expect(String(describing: Compression.self) == "Compression")
  }
}
