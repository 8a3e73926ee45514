import RankCollapseExperiments
import Testing

@Suite struct ExperimentsModuleTests {
  @Test func namespaceExists() {
    #expect(String(describing: Experiments.self) == "Experiments")
  }
}
