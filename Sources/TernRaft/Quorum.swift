import TernModel

/// Pure majority-quorum computations (etcd's `quorum/majority.go`).
enum Quorum {
    /// The highest index stored by a majority of `matches` (one per voter): sort descending and
    /// take the value at position `quorum - 1`.
    static func committedIndex(_ matches: [Offset]) -> Offset {
        precondition(!matches.isEmpty, "a configuration has at least one voter")
        precondition(matches.count <= Limits.raftMembersMax, "too many voters")
        let sorted = matches.sorted(by: >)
        return sorted[matches.count / 2]
    }

    /// Outcome of an election.
    enum VoteResult: Equatable { case won, lost, pending }

    /// Whether `granted` grants and `rejected` rejections out of `voterCount` decide an election.
    static func voteResult(granted: Int, rejected: Int, voterCount: Int) -> VoteResult {
        precondition(granted + rejected <= voterCount, "more votes than voters")
        let quorum = voterCount / 2 + 1
        if granted >= quorum { return .won }
        if rejected > voterCount - quorum { return .lost }
        return .pending
    }
}
