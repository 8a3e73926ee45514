import RankCollapseData
import RankCollapseTensor
import Testing

@Suite("Labelled data: the one data set type")
struct LabelledDataTests {
  private let inputs = Matrix<Float>(rows: 4, columns: 2, elements: [0, 1, 2, 3, 4, 5, 6, 7])

  @Test("Counts, classes, prefixes and precision conversion")
  func basics() throws {
    let data = try LabelledData(inputs: inputs, labels: [0, 2, 1, 2])
    #expect(data.count == 4 && data.classCount == 3)
    let first = data.prefix(2)
    #expect(first.count == 2 && first.labels == [0, 2])
    #expect(first.inputs.elements == [0, 1, 2, 3])
    #expect(data.prefix(10) == data && data.prefix(-1).count == 0)
    let double = data.converted(to: Double.self)
    #expect(double.inputs.elements == inputs.elements.map(Double.init))
    #expect(double.labels == data.labels)
  }

  @Test("Mismatched counts and negative labels are parameter errors, not crashes")
  func invalid() {
    #expect(throws: ParameterError.self) { try LabelledData(inputs: inputs, labels: [0, 1, 2]) }
    #expect {
      try LabelledData(inputs: inputs, labels: [0, 1, -3, 2])
    } throws: { error in
      (error as? ParameterError)?.value.contains("-3") == true
    }
  }
}
