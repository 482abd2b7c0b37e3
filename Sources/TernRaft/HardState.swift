public import TernModel

/// The state a Raft node must keep across restarts: current term, the vote cast in it, and the
/// commit index (commit is an optimisation: losing it only delays re-applying).
public struct HardState: Hashable, Sendable, CustomStringConvertible {
    /// The latest term this node has seen.
    public var term: Term
    /// The candidate this node voted for in `term`, if any.
    public var vote: NodeID?
    /// The highest index known committed.
    public var commit: Offset

    /// Creates a hard state.
    public init(term: Term, vote: NodeID?, commit: Offset) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }

    /// A fresh node's hard state: term 0, no vote, nothing committed.
    public static let initial = HardState(term: .zero, vote: nil, commit: Offset(-1))

    public var description: String { "term=\(term) vote=\(vote.map { "\($0)" } ?? "-") commit=\(commit)" }
}
