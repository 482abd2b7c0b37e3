public import TernModel

/// A message between two members of one Raft group. The runtime adds the group id when it
/// puts messages on the wire; the core never sees other groups.
public struct Message: Hashable, Sendable, CustomStringConvertible {
    /// Sender.
    public var from: NodeID
    /// Recipient.
    public var to: NodeID
    /// The sender's term (for a pre-vote request: the term the sender would campaign in).
    public var term: Term
    /// What the message says.
    public var kind: MessageKind

    /// Creates a message.
    public init(from: NodeID, to: NodeID, term: Term, kind: MessageKind) {
        self.from = from
        self.to = to
        self.term = term
        self.kind = kind
    }

    public var description: String { "\(from)->\(to) t\(term) \(kind)" }
}

/// The message kinds. Heartbeats are their own kind so the runtime can coalesce all groups'
/// heartbeats toward one peer into one RPC per tick (ARCHITECTURE.md decision 6).
public enum MessageKind: Hashable, Sendable, CustomStringConvertible {
    /// "Would you vote for me in term `message.term`?" Changes no state on either side (§9.6).
    case preVoteRequest(lastLog: EntryID)
    /// Answer to a pre-vote request; `message.term` echoes the request's term when granted.
    case preVoteResponse(granted: Bool)
    /// RequestVote. `transfer` is set when the campaign follows TimeoutNow, which lets the
    /// candidate past the recipients' leader lease.
    case voteRequest(lastLog: EntryID, transfer: Bool)
    /// Answer to RequestVote. Sent only after the vote is durable.
    case voteResponse(granted: Bool)
    /// AppendEntries.
    case append(AppendRequest)
    /// Answer to AppendEntries (and to InstallSnapshot).
    case appendResponse(AppendResponse)
    /// Leader liveness beacon with the commit index the recipient may adopt.
    case heartbeat(commit: Offset)
    /// Answer to a heartbeat (feeds check-quorum and resumes replication to the sender).
    case heartbeatResponse
    /// InstallSnapshot: the recipient is behind the leader's log start.
    case installSnapshot(Snapshot)
    /// Leadership transfer: "campaign now, ignoring your election timer" (§3.10).
    case timeoutNow

    public var description: String {
        switch self {
        case .preVoteRequest(let last): "PreVote last=\(last)"
        case .preVoteResponse(let granted): granted ? "PreVoteResp granted" : "PreVoteResp rejected"
        case .voteRequest(let last, let transfer): "Vote last=\(last)\(transfer ? " transfer" : "")"
        case .voteResponse(let granted): granted ? "VoteResp granted" : "VoteResp rejected"
        case .append(let request): "\(request)"
        case .appendResponse(let response): "\(response)"
        case .heartbeat(let commit): "Heartbeat commit=\(commit)"
        case .heartbeatResponse: "HeartbeatResp"
        case .installSnapshot(let snapshot): "InstallSnapshot \(snapshot)"
        case .timeoutNow: "TimeoutNow"
        }
    }
}

/// AppendEntries arguments.
public struct AppendRequest: Hashable, Sendable, CustomStringConvertible {
    /// The entry just before `entries` in the leader's log (`prev.index + 1 == entries[0].first`).
    public var prev: EntryID
    /// Consecutive entries (each starts one offset after the previous one's last).
    public var entries: [Entry]
    /// The leader's commit index.
    public var commit: Offset

    /// Creates an AppendEntries request. It does not trap on malformed input (a decoder may
    /// build one from hostile bytes); `RaftNode.step` drops requests that are not `isWellFormed`.
    public init(prev: EntryID, entries: [Entry], commit: Offset) {
        self.prev = prev
        self.entries = entries
        self.commit = commit
    }

    /// Whether the entries follow `prev` contiguously with non-decreasing terms, and there are
    /// at most `Limits.raftEntriesPerMessageMax` of them.
    public var isWellFormed: Bool {
        guard entries.count <= Limits.raftEntriesPerMessageMax else { return false }
        var expectedFirst = prev.index.next
        var previousTerm = prev.term
        for entry in entries {
            guard entry.first == expectedFirst, entry.term >= previousTerm else { return false }
            expectedFirst = entry.last.next
            previousTerm = entry.term
        }
        return true
    }

    public var description: String {
        "App prev=\(prev) commit=\(commit) entries=[\(entries.map(\.description).joined(separator: ", "))]"
    }
}

/// AppendEntries answer.
public enum AppendResponse: Hashable, Sendable, CustomStringConvertible {
    /// The follower's log now matches the leader's up to `match` (an entry index).
    case accepted(match: Offset)
    /// The follower's log does not hold the leader's `prev`. `hint` is the follower's last
    /// entry at or before `rejectedPrev` whose term is at most the leader's `prev.term`, so the
    /// leader can skip every entry that cannot match in one round trip.
    case rejected(rejectedPrev: Offset, hint: EntryID)

    public var description: String {
        switch self {
        case .accepted(let match): "AppResp match=\(match)"
        case .rejected(let rejectedPrev, let hint): "AppResp reject prev=\(rejectedPrev) hint=\(hint)"
        }
    }
}
