/// Why a local command (propose, configuration change, campaign, leadership transfer) was
/// refused. These are operating conditions, never bugs: the caller redirects or retries.
public struct RaftError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case notLeader, transferInProgress, configurationChangePending, invalidConfigurationChange
        case removingLeader, unstableLogFull, invalidRecordCount, notVoter, alreadyLeader
        case unknownTarget, targetIsSelf, payloadTooLarge, leaderTermNotCommitted
    }

    private let code: Code
    private init(_ code: Code) { self.code = code }

    /// Only the leader accepts proposals and transfers; ask `status.leader`.
    public static let notLeader = RaftError(.notLeader)
    /// A leadership transfer is under way; proposals wait until it ends (§3.10).
    public static let transferInProgress = RaftError(.transferInProgress)
    /// A configuration change is not yet committed; only one may be pending at a time.
    public static let configurationChangePending = RaftError(.configurationChangePending)
    /// The change makes no sense for the current configuration (add an existing voter, remove a
    /// non-member, promote a non-learner, remove the last voter, exceed `raftMembersMax`).
    public static let invalidConfigurationChange = RaftError(.invalidConfigurationChange)
    /// The leader does not remove itself; transfer leadership first.
    public static let removingLeader = RaftError(.removingLeader)
    /// Too many entries are waiting to be persisted (`Limits.raftUnstableEntriesMax`): backpressure.
    public static let unstableLogFull = RaftError(.unstableLogFull)
    /// A batch covers between 1 and `Limits.recordsPerBatchMax` records.
    public static let invalidRecordCount = RaftError(.invalidRecordCount)
    /// The leader has not yet committed an entry of its own term (its no-op). A configuration
    /// change waits for it: otherwise it could conflict with an uncommitted change of an earlier
    /// leader and two configurations without a common majority could both take effect (the
    /// single-server membership bug Ongaro described in 2015; the fix is this wait).
    public static let leaderTermNotCommitted = RaftError(.leaderTermNotCommitted)
    /// The payload exceeds `Limits.batchBytesMax`.
    public static let payloadTooLarge = RaftError(.payloadTooLarge)
    /// Learners and removed nodes do not campaign or receive leadership.
    public static let notVoter = RaftError(.notVoter)
    /// The node already leads.
    public static let alreadyLeader = RaftError(.alreadyLeader)
    /// The transfer target is not a voter of the group.
    public static let unknownTarget = RaftError(.unknownTarget)
    /// The leader is already the transfer target.
    public static let targetIsSelf = RaftError(.targetIsSelf)

    public var description: String { "RaftError.\(code)" }
}

/// Why `step` dropped a message. Dropping is always safe (the network may lose any message);
/// the error tells the caller why, for metrics and traces. The node's state is unchanged except
/// for responses it may have queued (e.g. telling a stale leader about the newer term).
public struct RaftStepError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case wrongRecipient, staleTerm, unknownSender, leaderLease, unexpected, malformed
        case unstableLogFull, contradictsCommitted
    }

    private let code: Code
    private init(_ code: Code) { self.code = code }

    /// The message is addressed to another node.
    public static let wrongRecipient = RaftStepError(.wrongRecipient)
    /// The message carries an older term than this node's.
    public static let staleTerm = RaftStepError(.staleTerm)
    /// A response from a node this leader does not track (not a member).
    public static let unknownSender = RaftStepError(.unknownSender)
    /// A (pre-)vote request arrived while this node heard from a live leader recently.
    public static let leaderLease = RaftStepError(.leaderLease)
    /// The message makes no sense in this node's current role (e.g. a vote response to a
    /// follower, a response to a request this node never sent).
    public static let unexpected = RaftStepError(.unexpected)
    /// An AppendEntries whose entries are not contiguous after `prev` (or too many).
    public static let malformed = RaftStepError(.malformed)
    /// The follower holds `Limits.raftUnstableEntriesMax` unpersisted entries: the caller is
    /// not keeping up with `Ready`; the leader will resend.
    public static let unstableLogFull = RaftStepError(.unstableLogFull)
    /// The message would overwrite or contradict an entry this node knows is committed. That
    /// is a Raft safety violation somewhere in the group (a bug, a lost vote or a planted test
    /// fault); the node refuses it rather than corrupting its committed log. Log it loudly.
    public static let contradictsCommitted = RaftStepError(.contradictsCommitted)

    public var description: String { "RaftStepError.\(code)" }
}

/// Errors a `RaftLogStorage` may report. Both are expected and handled by the core; any other
/// storage failure (I/O) must be handled inside the storage (e.g. by stopping the replica),
/// as in etcd/raft where a storage error makes the node inoperable.
public struct RaftStorageError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable { case compacted, unavailable }
    private let code: Code
    private init(_ code: Code) { self.code = code }

    /// The requested position is before the log start (removed by compaction or retention).
    public static let compacted = RaftStorageError(.compacted)
    /// The requested position is after the last entry.
    public static let unavailable = RaftStorageError(.unavailable)

    public var description: String { "RaftStorageError.\(code)" }
}
