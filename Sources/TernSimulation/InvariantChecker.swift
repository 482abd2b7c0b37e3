public import TernModel
public import TernRaft

/// The safety invariants of RELIABILITY.md 5.1, checked after every simulated step.
///
/// Each check is a small function that throws the first violation it sees. The checker keeps
/// the reference committed history (`DecidedLog`), the leader seen in each term, a fingerprint
/// of every entry ever written anywhere (log matching), the acknowledgements given to clients,
/// and a `NodeWatch` per node for monotonicity.
public struct InvariantChecker: Sendable {
    /// What any node ever wrote at one (index, term): the rest of the entry and its predecessor.
    struct Fingerprint: Sendable {
        var first: Offset
        var digest: UInt64
        var previousTerm: Term
    }

    /// The reference committed history.
    public internal(set) var decided = DecidedLog()
    /// The configuration of the latest committed configuration entry (or the bootstrap one).
    public internal(set) var committedConfiguration: ClusterConfiguration
    /// Acknowledged proposals: id → the span the client was told.
    public internal(set) var acknowledged: [UInt64: (first: Offset, last: Offset)] = [:]
    var leaderOfTerm: [Term: NodeID] = [:]
    var fingerprints: [EntryID: Fingerprint] = [:]
    var watches: [NodeWatch]
    /// Times a leader's commit index landed on an entry of an earlier term (the Figure 8
    /// situation; only a core that commits by counting old-term replicas produces it).
    public internal(set) var previousTermCommits = 0

    /// A checker for `nodeCount` processes of a group bootstrapped with `configuration`.
    public init(nodeCount: Int, configuration: ClusterConfiguration) {
        self.watches = Array(repeating: NodeWatch(), count: nodeCount)
        self.committedConfiguration = configuration
    }

    // MARK: Votes and durable state

    /// A vote (a granted vote response, or a vote request carrying the candidate's own vote)
    /// may leave a node only once the vote is durable there.
    public func checkSend(_ message: Message, durable: HardState) throws(SimulationViolation) {
        switch message.kind {
        case .voteResponse(granted: true):
            guard durable.term == message.term, durable.vote == message.to else {
                throw SimulationViolation(
                    "vote only sent once durable",
                    "\(message) sent while the durable state is \(durable)")
            }
        case .voteRequest:
            guard durable.term == message.term, durable.vote == message.from else {
                throw SimulationViolation(
                    "vote only sent once durable",
                    "\(message) (the candidate's own vote) sent while the durable state is \(durable)")
            }
        default:
            return
        }
    }

    /// The durable term never decreases, a durable vote never changes within its term, and the
    /// durable commit never decreases.
    public mutating func checkDurable(node: NodeIndex, durable: HardState) throws(SimulationViolation) {
        let previous = watches[node].durable
        guard durable.term >= previous.term else {
            throw SimulationViolation("term never goes backwards", "n\(node) durable \(previous) became \(durable)")
        }
        if durable.term == previous.term, let vote = previous.vote {
            guard durable.vote == vote else {
                throw SimulationViolation(
                    "vote never goes backwards", "n\(node) durable \(previous) became \(durable)")
            }
        }
        guard durable.commit >= previous.commit else {
            throw SimulationViolation(
                "commit never decreases", "n\(node) durable \(previous) became \(durable)")
        }
        watches[node].durable = durable
    }

    /// A restarted node starts from its last durable term and vote, never from older ones.
    public mutating func checkRestart(node: NodeIndex, status: RaftStatus) throws(SimulationViolation) {
        let durable = watches[node].durable
        guard status.term >= durable.term else {
            throw SimulationViolation(
                "term never goes backwards", "n\(node) restarted at term \(status.term), durable was \(durable)")
        }
        if status.term == durable.term, let vote = durable.vote {
            guard status.vote == vote else {
                throw SimulationViolation(
                    "vote never goes backwards",
                    "n\(node) restarted with vote \(status.vote.map { "\($0)" } ?? "none") in term \(status.term), "
                        + "but had durably voted for \(vote)")
            }
        }
        watches[node].incarnation += 1
        watches[node].term = status.term
        watches[node].commit = status.commit
        watches[node].applied = status.applied
    }

    // MARK: Writes

    /// Checks entries a node is about to append: a leader never rewrites its log, nobody
    /// truncates below its commit index, and (log matching) an (index, term) always names the
    /// same entry with the same predecessor.
    public mutating func checkWrite(
        node: NodeIndex, role: RaftRole, commit: Offset, entries: [Entry], log: MemoryRaftLog
    ) throws(SimulationViolation) {
        guard let head = entries.first else { return }
        if head.first <= log.lastIndex {
            guard role != .leader else {
                throw SimulationViolation(
                    "leader append-only",
                    "leader n\(node) overwrites its log from \(head.first) (last \(log.lastIndex))")
            }
            guard head.first > commit else {
                throw SimulationViolation(
                    "committed entries never truncated",
                    "n\(node) with commit \(commit) truncates its log from \(head.first)")
            }
        }
        guard let previousTerm = try? log.term(at: head.first.previous) else {
            throw SimulationViolation("log matching", "n\(node) appends \(head) with no entry before it")
        }
        var previous = previousTerm
        for entry in entries {
            let print = Fingerprint(first: entry.first, digest: EntryDigest.of(entry), previousTerm: previous)
            if let known = fingerprints[entry.id] {
                guard known.first == print.first, known.digest == print.digest else {
                    throw SimulationViolation(
                        "log matching", "n\(node) writes \(entry), which differs from an earlier \(entry.id)")
                }
                guard known.previousTerm == print.previousTerm else {
                    throw SimulationViolation(
                        "log matching",
                        "n\(node) writes \(entry) after term \(previous), elsewhere it follows term \(known.previousTerm)"
                    )
                }
            } else {
                fingerprints[entry.id] = print
            }
            previous = entry.term
        }
    }

    /// A snapshot is only ever of committed state, and its data is the committed state there.
    public func checkSnapshot(node: NodeIndex, role: RaftRole, snapshot: Snapshot) throws(SimulationViolation)
        -> SnapshotState
    {
        guard role != .leader else {
            throw SimulationViolation("leader append-only", "leader n\(node) installs \(snapshot)")
        }
        let point = snapshot.metadata.last
        guard let record = decided.record(at: point.index), record.id == point else {
            throw SimulationViolation("snapshot of committed state", "n\(node) installs \(snapshot), not committed")
        }
        guard let state = SnapshotState(bytes: snapshot.data), state.index == point.index,
            state.digest == record.stateAfter
        else {
            throw SimulationViolation(
                "snapshot equivalence", "n\(node) installs \(snapshot) whose state differs from the committed one")
        }
        return state
    }
}
