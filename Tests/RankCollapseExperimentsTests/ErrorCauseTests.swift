import RankCollapse
import RankCollapseExperiments
import RankCollapseSweep
import Testing

@Suite("Errors: one parameter-error type, causes kept")
struct ErrorCauseTests {
  /// The shared parameter error of whatever threw, or nil.
  private func parameter(of error: any Error) -> ParameterError? {
    switch error {
    case GaussianMixtureError.invalidParameter(let parameter): parameter
    case ClusteringError.invalidParameter(let parameter): parameter
    case ExperimentError.invalidParameter(let parameter): parameter
    case SweepError.invalidParameter(let parameter): parameter
    default: nil
    }
  }

  @Test(
    "Three modules (Data, Clustering, Experiments) report a bad parameter with the same ParameterError value"
  )
  func sharedParameterError() throws {
    var generator = SeededGenerator(seed: 1)
    var errors: [any Error] = []
    do {
      _ = try GaussianMixture<Double>(
        components: 0, dimension: 2, standardDeviation: 0.1, using: &generator)
    } catch { errors.append(error) }
    do {
      _ = try GaussianMixtureBound.balancedIsotropic(
        dimension: 3, standardDeviation: .nan, components: 2, points: 10)
    } catch { errors.append(error) }
    var demo = Experiments.Demonstration.standard
    demo.sigma = -1
    do { try demo.validate() } catch { errors.append(error) }
    let parameters = errors.map { parameter(of: $0) }
    #expect(parameters.count == 3, "every call threw: \(errors)")
    #expect(parameters.allSatisfy { $0 != nil }, "\(errors)")
    let names = parameters.compactMap { $0?.name }
    #expect(names.contains("sigma"), "\(parameters)")
    for case let parameter? in parameters {
      #expect(!parameter.name.isEmpty && !parameter.requirement.isEmpty)
    }
  }

  @Test("An underlying error keeps its value and type; equality is by type and description")
  func underlyingErrorKeepsItsCause() throws {
    let cause = LinearAlgebraError.noConvergence(routine: "dgesdd", info: 3)
    let error = ExperimentError.analysis(stage: "SVD of W_1", cause: UnderlyingError(cause))
    guard case .analysis(_, let kept) = error else {
      Issue.record("not an analysis error: \(error)")
      return
    }
    #expect(kept.error as? LinearAlgebraError == cause)
    #expect(error.description.contains("dgesdd"))
    #expect(UnderlyingError(cause) == UnderlyingError(cause))
    #expect(
      UnderlyingError(cause) != UnderlyingError(LinearAlgebraError.singularMatrix(pivot: 1)))
    #expect(
      ClusteringError.eigenvalueFailure(cause).description.contains("dgesdd"),
      "the clustering error keeps the LAPACK failure typed")
  }

  @Test(
    "A ParameterError found by another check keeps that error as its cause; the message is the same, and errors with different causes differ"
  )
  func parameterErrorKeepsItsCause() throws {
    var generator = SeededGenerator(seed: 1)
    var networkError: (any Error)?
    do {
      _ = try Network<Float>(widths: [3], activation: .tanh, using: &generator)
    } catch { networkError = error }
    let cause = try #require(networkError)
    let plain = ParameterError(name: "widths", value: "[3]", requirement: "\(cause)")
    let kept = ParameterError(
      name: "widths", value: "[3]", requirement: "\(cause)", cause: UnderlyingError(cause))
    #expect(kept.description == plain.description)
    #expect(kept.cause?.error is NetworkError, "the original NetworkError, not its text")
    #expect(kept != plain)
    #expect(Set([kept, plain, kept]).count == 2, "Hashable agrees with ==")
  }
}
