import RankCollapseTensor

/// A regularisation term R(Θ) added to the data loss: L_λ(Θ) = L_0(Θ) + R(Θ) (paper equation 3 has
/// R(Θ) = λ‖Θ‖²).
///
/// The network module only defines this protocol; `RankCollapseRegularization` provides weight
/// decay, per-layer and decoupled variants (dependency inversion: the trainer does not depend on
/// any particular penalty).
///
/// A penalty has two parts, either of which may be empty:
/// - a *coupled* part whose gradient ``addGradient(of:to:)`` adds to ∇L_0 before the optimizer
///   sees it (classic weight decay, L2 regularisation);
/// - a *decoupled* part the optimizer applies after its own update, θ ← θ − η·r·θ with the rate
///   r of ``decoupledRate(layer:isBias:)`` (AdamW-style, Loshchilov & Hutter 2019). For the
///   objective's value and the stopping criterion it counts as the term (r/2)‖θ‖², whose
///   gradient is r·θ.
public protocol Penalty<Scalar>: Sendable {
  /// The scalar type of the networks it applies to.
  associatedtype Scalar: MatrixScalar

  /// R(Θ), the penalty's value, in `Double`.
  ///
  /// - Parameter network: The parameters Θ.
  /// - Returns: The value of the term added to the objective.
  func value(of network: Network<Scalar>) -> Double

  /// Adds the gradient of the coupled part to `gradients` (∇L_0 → ∇L_0 + ∇R_coupled).
  ///
  /// - Parameters:
  ///   - network: The parameters Θ.
  ///   - gradients: Gradients to add to.
  func addGradient(of network: Network<Scalar>, to gradients: inout Gradients<Scalar>)

  /// Adds the coupled gradient to `gradients` and returns R(Θ), in one pass where the penalty
  /// can fuse the two (the trainer calls this once per step).
  ///
  /// - Parameters:
  ///   - network: The parameters Θ.
  ///   - gradients: Gradients to add to.
  /// - Returns: R(Θ).
  func valueAddingGradient(of network: Network<Scalar>, to gradients: inout Gradients<Scalar>)
    -> Double

  /// The decoupled decay rate r of layer `layer`'s weight (or bias): the optimizer shrinks the
  /// parameter by η·r·θ after its update. Zero for coupled penalties.
  ///
  /// - Parameters:
  ///   - layer: l ∈ 1…L.
  ///   - isBias: Whether the parameter is b_l rather than W_l.
  /// - Returns: r ≥ 0.
  func decoupledRate(layer: Int, isBias: Bool) -> Scalar

  /// The same penalty for `Double` parameters, so that a `Float` run can be continued in
  /// `Double` (``OptimizerChoice/train(_:inputs:targets:configuration:penalty:)``); `nil` (the
  /// default) when there is none.
  ///
  /// - Returns: The penalty in `Double`, or `nil`.
  func inDoublePrecision() -> (any Penalty<Double>)?
}

extension Penalty {
  /// No `Double` version: a `Float` run with this penalty cannot be continued in `Double`.
  ///
  /// - Returns: `nil`.
  public func inDoublePrecision() -> (any Penalty<Double>)? { nil }

  /// ``value(of:)`` followed by ``addGradient(of:to:)``.
  ///
  /// - Parameters:
  ///   - network: The parameters Θ.
  ///   - gradients: Gradients to add to.
  /// - Returns: R(Θ).
  @inlinable
  public func valueAddingGradient(
    of network: Network<Scalar>, to gradients: inout Gradients<Scalar>
  ) -> Double {
    let result = value(of: network)
    addGradient(of: network, to: &gradients)
    return result
  }
}

/// No regularisation: R(Θ) = 0.
public struct NoPenalty<Scalar: MatrixScalar>: Penalty {
  /// `NoPenalty<Double>`.
  ///
  /// - Returns: No penalty in `Double`.
  public func inDoublePrecision() -> (any Penalty<Double>)? { NoPenalty<Double>() }

  /// No regularisation.
  public init() {}

  /// Zero.
  ///
  /// - Parameter network: Ignored.
  /// - Returns: 0.
  public func value(of network: Network<Scalar>) -> Double { 0 }

  /// Adds nothing.
  ///
  /// - Parameters:
  ///   - network: Ignored.
  ///   - gradients: Left unchanged.
  @inlinable
  public func addGradient(of network: Network<Scalar>, to gradients: inout Gradients<Scalar>) {}

  /// Zero.
  ///
  /// - Parameters:
  ///   - layer: Ignored.
  ///   - isBias: Ignored.
  /// - Returns: 0.
  @inlinable
  public func decoupledRate(layer: Int, isBias: Bool) -> Scalar { 0 }
}
