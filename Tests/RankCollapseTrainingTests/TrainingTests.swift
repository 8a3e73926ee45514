import RankCollapseTraining
import Testing

@Suite struct TrainingModuleTests {
  @Test func namespaceExists() {
    #expect(String(describing: TrainingStrategies.self) == "TrainingStrategies")
  }
}
