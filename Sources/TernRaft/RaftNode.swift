public import TernModel

/// One member of one Raft group: a pure, synchronous state machine (etcd's `RawNode`).
///
/// The caller feeds it time (`tick`), messages (`step`) and commands (`propose`, `campaign`,
/// `transferLeadership`, `proposeConfigurationChange`), and carries out what `ready()` returns,
/// then calls `advance`. The node never does I/O, reads no clock and draws randomness only from
/// the injected `RaftRandomSource`; the log lives in the caller's `RaftLogStorage`, shared by
/// reference. Not thread-safe: one owner drives it (ARCHITECTURE.md decision 6).
public struct RaftNode {
    /// Settings, fixed for the node's life.
    let options: RaftOptions
    /// Election jitter source.
    var random: any RaftRandomSource
    /// The log: stable storage, unstable tail, commit and apply positions.
    var log: RaftLog
    /// Current term.
    var term: Term
    /// Vote cast in `term`.
    var vote: NodeID?
    /// Leader of `term`, if known.
    var leader: NodeID?
    /// Current role; `stepRole`/`tickRole` dispatch on it.
    var role: RaftRole = .follower
    /// Ticks since the last election reset (follower: since hearing the leader; leader: since
    /// the last check-quorum window started).
    var electionElapsed = 0
    /// Set by `reportLeaderLost` until the next role or term change: a follower that then
    /// refuses a pre-vote because the asker's log is behind its own campaigns itself at once,
    /// instead of waiting for its fallback timer (the chosen node could not win).
    var campaignIfAheadOfAsker = false
    /// The last pre-vote request refused by the leader lease. If the leader turns out to be
    /// dead (`reportLeaderLost`) it is answered then: the asker usually heard of the death a
    /// moment before we did, and would otherwise wait out a whole election timeout.
    var preVoteRefusedByLease: Message?
    /// Ticks since the leader's last heartbeat round.
    var heartbeatElapsed = 0
    /// This term's election timeout, drawn in [electionTicks, 2*electionTicks).
    var randomizedElectionTimeout: Int
    /// Configurations found in the log.
    var configurations: ConfigurationHistory
    /// Leader only: one entry per member (the leader included), sorted by id.
    var progress: [Progress] = []
    /// Candidate and pre-candidate only: the votes received, one per voter, in arrival order.
    var votes: [(voter: NodeID, granted: Bool)] = []
    /// Leader only: the target of a leadership transfer under way.
    var transferTarget: NodeID?
    /// Leader only: ticks since the transfer started (aborted after an election timeout).
    var transferElapsed = 0
    /// Messages that may leave before the next Ready is persisted.
    var outboxBeforePersistence: [Message] = []
    /// Messages that may leave only after the next Ready is persisted.
    var outbox: [Message] = []
    /// The hard state the caller was last asked to persist.
    var handedHardState: HardState
    /// Whether a Ready was handed out and not yet advanced.
    var readyOutstanding = false

    /// Starts (or restarts) a node from the state in `storage`.
    /// - Parameters:
    ///   - options: settings; checked with preconditions.
    ///   - storage: the stable log, shared with the caller who writes it.
    ///   - random: the seeded jitter source.
    ///   - applied: the highest index the application has already applied (its own durable
    ///     state); nil means the snapshot point (everything after it is handed out again).
    public init(
        options: RaftOptions, storage: any RaftLogStorage, random: any RaftRandomSource, applied: Offset? = nil
    ) {
        options.validate()
        let hardState = storage.hardState
        let snapshotMetadata = storage.snapshotMetadata
        // The stored commit is a hint: clamp it to the stored log (a crash may lose the tail of an
        // unsynced write), and raise it to what the application says it applied (only committed
        // entries are applied).
        let appliedIndex = max(applied ?? snapshotMetadata.last.index, snapshotMetadata.last.index)
        precondition(appliedIndex <= storage.lastIndex, "applied beyond the stored log")
        let commit = max(min(hardState.commit, storage.lastIndex), snapshotMetadata.last.index, appliedIndex)
        self.options = options
        self.random = random
        self.log = RaftLog(storage: storage, committed: commit, applied: appliedIndex)
        self.term = hardState.term
        self.vote = hardState.vote
        let later: [ConfigurationPoint]
        do {
            later = try storage.configurations(after: snapshotMetadata.last.index)
        } catch {
            preconditionFailure("storage cannot list configurations after its own snapshot point: \(error)")
        }
        self.configurations = ConfigurationHistory(
            base: ConfigurationPoint(id: snapshotMetadata.last, configuration: snapshotMetadata.configuration),
            later: later)
        self.configurations.compact(committed: commit)
        self.handedHardState = HardState(term: hardState.term, vote: hardState.vote, commit: commit)
        self.randomizedElectionTimeout = options.electionTicks
        resetRandomizedElectionTimeout()
    }

    // MARK: Queries

    /// This node's id.
    public var id: NodeID { options.id }
    /// Current role.
    public var currentRole: RaftRole { role }
    /// Current term.
    public var currentTerm: Term { term }
    /// Leader of the current term, if known.
    public var currentLeader: NodeID? { leader }
    /// Commit index.
    public var commitIndex: Offset { log.committed }
    /// Applied index (as confirmed through `advance`).
    public var appliedIndex: Offset { log.applied }
    /// Last index of the log, unpersisted entries included: where the next proposal starts.
    /// Cheaper than `status.lastIndex`, which builds the whole status on every call.
    public var lastIndex: Offset { log.lastIndex }
    /// The configuration in force (the latest in the log).
    public var configuration: ClusterConfiguration { configurations.current }

    /// A full status report (allocates; for tests, metrics and admin requests).
    public var status: RaftStatus {
        RaftStatus(
            id: id, role: role, term: term, vote: vote, leader: leader, commit: log.committed,
            applied: log.applied, logStart: log.logStart, lastIndex: log.lastIndex,
            configuration: configurations.current, transferTarget: transferTarget,
            progress: progress.map { $0.status(isLearner: configurations.current.isLearner($0.id)) })
    }

    /// The peers the leader sends heartbeats to on each heartbeat round, sorted (empty unless
    /// leader). The runtime may use it to size coalesced heartbeat RPCs per peer.
    public var heartbeatTargets: [NodeID] {
        role == .leader ? progress.map(\.id).filter { $0 != id } : []
    }

    // MARK: Inputs

    /// Advances logical time by one tick: followers and candidates count toward an election,
    /// leaders toward a heartbeat round and a check-quorum window.
    public mutating func tick() {
        switch role {
        case .leader: tickHeartbeat()
        case .follower, .preCandidate, .candidate: tickElection()
        }
    }

    /// Starts an election now (with a pre-vote first when enabled), as if the election timer
    /// had fired.
    /// - Throws: `.alreadyLeader`; `.notVoter` for learners and non-members.
    public mutating func campaign() throws(RaftError) {
        guard role != .leader else { throw .alreadyLeader }
        guard configurations.current.isVoter(id) else { throw .notVoter }
        startElection(transfer: false)
    }

    /// Proposes a normal entry of `recordCount` records (one RecordBatch). The leader assigns
    /// offsets: the entry covers `[lastIndex + 1, lastIndex + recordCount]`.
    /// - Returns: the entry's id (its index is the last offset it covers). The entry is
    ///   committed once `commitIndex` reaches that index *and* the entry at that index still
    ///   has this term.
    /// - Throws: `.notLeader`, `.transferInProgress`, `.unstableLogFull`, `.invalidRecordCount`,
    ///   `.payloadTooLarge`.
    public mutating func propose(recordCount: Int64, payload: [UInt8]) throws(RaftError) -> EntryID {
        guard recordCount > 0 && recordCount <= Int64(Limits.recordsPerBatchMax) else { throw .invalidRecordCount }
        guard payload.count <= Limits.batchBytesMax else { throw .payloadTooLarge }
        return try proposeEntry(recordCount: recordCount, kind: .normal, payload: payload)
    }

    /// Proposes a single-server membership change. It takes effect on every member as soon as
    /// the entry is appended to its log, and only one may be uncommitted at a time.
    /// - Throws: `.notLeader`, `.transferInProgress`, `.configurationChangePending`,
    ///   `.leaderTermNotCommitted` (the new leader's no-op is not committed yet),
    ///   `.invalidConfigurationChange`, `.removingLeader`, `.unstableLogFull`.
    public mutating func proposeConfigurationChange(_ change: ConfigurationChange) throws(RaftError) -> EntryID {
        guard role == .leader else { throw .notLeader }
        guard transferTarget == nil else { throw .transferInProgress }
        guard configurations.latestIndex <= log.committed else { throw .configurationChangePending }
        // Dissertation errata (Ongaro, raft-dev 2015): until an entry of this term commits, an
        // earlier leader's uncommitted configuration entry may still win; changing now could
        // create two configurations whose majorities do not intersect (found by the simulator:
        // seeds 3621 and 58878 of the first 100,000-seed run).
        guard (try? log.term(at: log.committed)) == term else { throw .leaderTermNotCommitted }
        if case .remove(let removed) = change, removed == id { throw .removingLeader }
        let next = try configurations.current.applying(change).get()
        return try proposeEntry(recordCount: 1, kind: .configuration(next), payload: [])
    }

    /// Hands leadership to `target` (§3.10): the leader stops accepting proposals, brings the
    /// target up to date, then sends it TimeoutNow. If the target does not catch up within an
    /// election timeout the transfer is aborted and proposals resume.
    /// - Throws: `.notLeader`, `.targetIsSelf`, `.unknownTarget` (not a voter),
    ///   `.transferInProgress` (to another target).
    public mutating func transferLeadership(to target: NodeID) throws(RaftError) {
        guard role == .leader else { throw .notLeader }
        guard target != id else { throw .targetIsSelf }
        guard configurations.current.isVoter(target) else { throw .unknownTarget }
        if let current = transferTarget {
            guard current == target else { throw .transferInProgress }
            return
        }
        startTransfer(to: target)
    }

    /// Tells the leader that the last message to `peer` could not be delivered: replication to
    /// it falls back to probing.
    public mutating func reportUnreachable(_ peer: NodeID) {
        guard role == .leader, let position = progressPosition(peer) else { return }
        if progress[position].state == .replicate { progress[position].becomeProbe() }
    }

    /// Tells a follower that the process of `peer` is gone (its kernel refused or reset our
    /// connection: the leader died, it is not merely slow). If `peer` is our leader we forget it
    /// and let the leader lease lapse, so this node grants (pre-)votes at once instead of
    /// waiting out an election timeout; with `campaign` it also starts a pre-vote now. Without
    /// `campaign` the election timer fires after `leaderLostFallbackTicks` (plus up to two ticks
    /// of jitter), in case the node chosen to campaign cannot win (its log is behind ours, or it
    /// died too). Safety does not depend on this: it only shortens liveness waits.
    public mutating func reportLeaderLost(_ peer: NodeID, campaign: Bool) {
        guard role == .follower, leader == peer, peer != id else { return }
        leader = nil
        campaignIfAheadOfAsker = true
        if !campaign, let refused = preVoteRefusedByLease, refused.term > term, refused.from != peer {
            preVoteRefusedByLease = nil
            try? step(refused)
            if role != .follower || leader != nil { return }
        }
        let fallback = min(options.leaderLostFallbackTicks + random.next(below: 2), options.electionTicks)
        electionElapsed = max(electionElapsed, randomizedElectionTimeout - fallback)
        if campaign, configurations.current.isVoter(id) {
            electionElapsed = 0
            startElection(transfer: false)
        }
    }

    /// Tells the leader how sending the snapshot to `peer` ended. On success the follower is
    /// probed from after the snapshot; on failure the leader retries later.
    public mutating func reportSnapshot(to peer: NodeID, succeeded: Bool) {
        guard role == .leader, let position = progressPosition(peer) else { return }
        guard progress[position].state == .snapshot else { return }
        if !succeeded { progress[position].pendingSnapshot = Offset(-1) }
        progress[position].becomeProbe()
        progress[position].probeSent = true
    }

    /// Tells the node that the caller compacted its storage (Kafka retention moved the log
    /// start). Followers whose next entry is now gone get an InstallSnapshot on the next send.
    /// - Precondition: only applied entries were compacted.
    public mutating func logStartDidMove() {
        let point = log.storage.snapshotMetadata.last.index
        precondition(point <= log.applied, "compacted entries that were not applied")
        precondition(point <= log.committed, "compacted uncommitted entries")
    }
}
