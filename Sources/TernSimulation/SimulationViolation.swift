/// A broken invariant: which one, what was seen, and (filled in by the simulator) the seed and
/// the trace tail that led there.
public struct SimulationViolation: Error, Sendable, CustomStringConvertible {
    /// The invariant's short name (as listed in README.md), e.g. "election safety".
    public var invariant: String
    /// What was observed.
    public var detail: String

    /// A violation of `invariant`, with what was seen.
    public init(_ invariant: String, _ detail: String) {
        self.invariant = invariant
        self.detail = detail
    }

    /// Invariant and detail on one line.
    public var description: String { "\(invariant): \(detail)" }
}
