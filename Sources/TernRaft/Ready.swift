public import TernModel

/// Everything a `RaftNode` asks its caller to do, collected since the last `advance`.
///
/// The caller's loop, for every `Ready` (one at a time: call `advance` before the next `ready`):
/// 1. send `messagesBeforePersistence` (any time, even before step 2 completes);
/// 2. persist `snapshot`, then `entries`, then `hardState`, and fsync if `mustSync`;
/// 3. only then send `messages`;
/// 4. apply `committedEntries` in order;
/// 5. call `advance(ready)` with this same value.
public struct Ready: Sendable {
    /// The term, vote and commit to persist, or nil if unchanged since the last `Ready`.
    /// Obligation: durable (when `mustSync`) before any message of `messages` is sent, because
    /// a vote or a term in those messages must survive a crash of this node.
    public var hardState: HardState?

    /// A snapshot to install (a leader sent InstallSnapshot). Obligation: replace the whole log
    /// with it (every stored entry goes; the log restarts after `snapshot.metadata.last`),
    /// restore the application state from `data`, and persist it before `entries`.
    public var snapshot: Snapshot?

    /// Entries to append to stable storage, in order and contiguous. Obligation: first drop every
    /// stored entry whose index is at or above `entries[0].first` (they conflict with the
    /// leader's log: `truncationOffset`), then append, then (if `mustSync`) fsync, all before
    /// sending `messages`.
    public var entries: [Entry]

    /// Messages that may be sent at once, before this Ready is persisted: the leader's
    /// AppendEntries, heartbeats, InstallSnapshot and TimeoutNow (Raft §10.2.1: the leader
    /// may write its own log in parallel with replicating it; it counts itself toward a commit
    /// quorum only after its own write is durable). Obligation: none beyond sending them.
    public var messagesBeforePersistence: [Message]

    /// Messages that may be sent only after `hardState`, `snapshot` and `entries` are durable:
    /// vote requests and responses (a vote must never be granted twice in one term, even across
    /// a crash) and AppendEntries responses (an acknowledged entry counts toward commit).
    public var messages: [Message]

    /// Committed entries to apply, in log order, all already in stable storage. Obligation:
    /// apply them (in Tern: advance the high watermark, answer acks=all produces), then report
    /// through `advance` that they were applied.
    public var committedEntries: [Entry]

    /// Whether step 2 needs an fsync: true when the term, the vote, entries or a snapshot
    /// changed; false when only the commit index moved (losing it costs only re-applying).
    public var mustSync: Bool

    /// Where conflicting stored entries start (`entries[0].first`), or nil if there is nothing
    /// to append. Convenience for the obligation on `entries`.
    public var truncationOffset: Offset? { entries.first?.first }

    /// Whether the Ready asks for nothing at all.
    public var isEmpty: Bool {
        hardState == nil && snapshot == nil && entries.isEmpty && messagesBeforePersistence.isEmpty
            && messages.isEmpty && committedEntries.isEmpty
    }

    /// Creates a Ready; the core builds them, tests may build them to drive storage directly.
    public init(
        hardState: HardState? = nil, snapshot: Snapshot? = nil, entries: [Entry] = [],
        messagesBeforePersistence: [Message] = [], messages: [Message] = [], committedEntries: [Entry] = [],
        mustSync: Bool = false
    ) {
        self.hardState = hardState
        self.snapshot = snapshot
        self.entries = entries
        self.messagesBeforePersistence = messagesBeforePersistence
        self.messages = messages
        self.committedEntries = committedEntries
        self.mustSync = mustSync
    }
}
