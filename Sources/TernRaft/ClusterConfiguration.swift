public import TernModel

/// The members of a Raft group: voters (count in elections and commit quorums) and learners
/// (receive the log, never vote). Both lists are kept sorted and disjoint so that iterating
/// them is deterministic.
public struct ClusterConfiguration: Hashable, Sendable, CustomStringConvertible {
    /// Voting members, sorted ascending.
    public private(set) var voters: [NodeID]
    /// Non-voting members, sorted ascending.
    public private(set) var learners: [NodeID]

    /// Creates a configuration.
    /// - Precondition: no id in both lists, no duplicates, at most `Limits.raftMembersMax`.
    public init(voters: [NodeID], learners: [NodeID] = []) {
        let sortedVoters = voters.sorted()
        let sortedLearners = learners.sorted()
        precondition(Set(sortedVoters).count == sortedVoters.count, "duplicate voter")
        precondition(Set(sortedLearners).count == sortedLearners.count, "duplicate learner")
        precondition(Set(sortedVoters).isDisjoint(with: sortedLearners), "a node is voter or learner")
        precondition(sortedVoters.count + sortedLearners.count <= Limits.raftMembersMax, "too many members")
        self.voters = sortedVoters
        self.learners = sortedLearners
    }

    /// A configuration built from untrusted input (a decoder): nil instead of a trap when ids
    /// repeat, a node is both voter and learner, there is no voter, or there are too many members.
    public static func validated(voters: [NodeID], learners: [NodeID]) -> ClusterConfiguration? {
        let voterSet = Set(voters)
        let learnerSet = Set(learners)
        guard !voters.isEmpty, voterSet.count == voters.count, learnerSet.count == learners.count else { return nil }
        guard voterSet.isDisjoint(with: learnerSet), voters.count + learners.count <= Limits.raftMembersMax else {
            return nil
        }
        return ClusterConfiguration(voters: voters, learners: learners)
    }

    /// Whether `id` is a voter.
    public func isVoter(_ id: NodeID) -> Bool { voters.contains(id) }
    /// Whether `id` is a learner.
    public func isLearner(_ id: NodeID) -> Bool { learners.contains(id) }
    /// Whether `id` is a voter or a learner.
    public func isMember(_ id: NodeID) -> Bool { isVoter(id) || isLearner(id) }
    /// Voters and learners, sorted ascending.
    public var members: [NodeID] { (voters + learners).sorted() }
    /// Votes needed for a majority of the voters.
    public var quorum: Int { voters.count / 2 + 1 }

    /// The configuration after `change`, or why the change is invalid here.
    public func applying(_ change: ConfigurationChange) -> Result<ClusterConfiguration, RaftError> {
        switch change {
        case .addVoter(let id):
            guard !isVoter(id) else { return .failure(.invalidConfigurationChange) }
            guard voters.count + learners.count < Limits.raftMembersMax || isLearner(id) else {
                return .failure(.invalidConfigurationChange)
            }
            return .success(ClusterConfiguration(voters: voters + [id], learners: learners.filter { $0 != id }))
        case .addLearner(let id):
            guard !isMember(id) else { return .failure(.invalidConfigurationChange) }
            guard voters.count + learners.count < Limits.raftMembersMax else {
                return .failure(.invalidConfigurationChange)
            }
            return .success(ClusterConfiguration(voters: voters, learners: learners + [id]))
        case .promoteLearner(let id):
            guard isLearner(id) else { return .failure(.invalidConfigurationChange) }
            return .success(ClusterConfiguration(voters: voters + [id], learners: learners.filter { $0 != id }))
        case .remove(let id):
            guard isMember(id) else { return .failure(.invalidConfigurationChange) }
            guard !(isVoter(id) && voters.count == 1) else { return .failure(.invalidConfigurationChange) }
            return .success(
                ClusterConfiguration(voters: voters.filter { $0 != id }, learners: learners.filter { $0 != id }))
        }
    }

    public var description: String {
        let voterText = voters.map(String.init(describing:)).joined(separator: ",")
        if learners.isEmpty { return "(\(voterText))" }
        return "(\(voterText) learners=\(learners.map(String.init(describing:)).joined(separator: ",")))"
    }
}

/// One single-server membership change (Raft dissertation §4.1): at most one is uncommitted
/// at any time, so any two consecutive configurations have overlapping majorities.
public enum ConfigurationChange: Hashable, Sendable {
    /// Add a new voter (or turn a learner into a voter).
    case addVoter(NodeID)
    /// Add a non-voting member that receives the log.
    case addLearner(NodeID)
    /// Turn a caught-up learner into a voter.
    case promoteLearner(NodeID)
    /// Remove a voter or learner. The leader refuses to remove itself: transfer leadership first.
    case remove(NodeID)
}
