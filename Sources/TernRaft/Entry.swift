public import TernModel

/// The position of a Raft entry: its index (the Kafka offset of its last record) and the term
/// of the leader that created it. Two logs holding the same `EntryID` hold the same entry and
/// agree on everything before it (log matching).
public struct EntryID: Hashable, Sendable, CustomStringConvertible {
    /// The entry's Raft index: the last offset the entry covers.
    public var index: Offset
    /// The term in which a leader created the entry.
    public var term: Term

    /// Creates an entry id.
    public init(index: Offset, term: Term) {
        self.index = index
        self.term = term
    }

    /// The position before the first entry of an empty log (offset -1, term 0): a fresh log's
    /// snapshot point, so the first entry (offset 0) has a well-defined previous entry.
    public static let origin = EntryID(index: Offset(-1), term: .zero)

    public var description: String { "\(term)/\(index)" }
}

/// What an entry is for. The core looks at the kind only to elect (no-op) and to change
/// membership; normal payloads are opaque.
public enum EntryKind: Hashable, Sendable {
    /// A client batch: opaque payload, one or more offsets.
    case normal
    /// The no-op a new leader appends at the start of its term (Tern writes it as a Kafka
    /// LEADER_CHANGE control batch). It covers one offset and lets the leader commit earlier
    /// entries (Raft §5.4.2: only entries of the current term are committed by counting).
    case leaderChange
    /// A membership change; the entry holds the whole new configuration (one offset). It takes
    /// effect as soon as it is appended to a log, and is undone if that entry is truncated.
    case configuration(ClusterConfiguration)
}

/// One Raft log entry: one Kafka RecordBatch covering the offsets `first...last`.
public struct Entry: Hashable, Sendable, CustomStringConvertible {
    /// Offset of the entry's first record.
    public var first: Offset
    /// Offset of the entry's last record; this is the entry's Raft index.
    public var last: Offset
    /// The term in which a leader created the entry (Kafka's `partitionLeaderEpoch`).
    public var term: Term
    /// What the entry is for.
    public var kind: EntryKind
    /// Opaque bytes (a RecordBatch for Tern partitions); the core only counts them.
    public var payload: [UInt8]

    /// Creates an entry.
    /// - Precondition: `first <= last` (an entry covers at least one offset) and `first >= 0`.
    public init(first: Offset, last: Offset, term: Term, kind: EntryKind, payload: [UInt8]) {
        precondition(first <= last, "an entry covers at least one offset")
        precondition(first >= .zero, "offsets start at 0")
        self.first = first
        self.last = last
        self.term = term
        self.kind = kind
        self.payload = payload
    }

    /// An entry built from untrusted input (a decoder): nil instead of a trap when the span is
    /// empty or negative or covers more than `Limits.recordsPerBatchMax` records.
    public static func validated(
        first: Offset, last: Offset, term: Term, kind: EntryKind, payload: [UInt8]
    ) -> Entry? {
        guard first >= .zero, first <= last, last - first < Int64(Limits.recordsPerBatchMax) else { return nil }
        guard term >= .zero else { return nil }
        return Entry(first: first, last: last, term: term, kind: kind, payload: payload)
    }

    /// The entry's Raft index (its last offset).
    @inlinable public var index: Offset { last }
    /// The entry's (index, term).
    public var id: EntryID { EntryID(index: last, term: term) }
    /// Number of offsets (records) the entry covers.
    public var recordCount: Int64 { last - first + 1 }
    /// Bytes counted against message and in-flight budgets (payload plus a fixed header cost,
    /// so that empty entries still count).
    public var sizeBytes: Int { payload.count + 64 }

    public var description: String {
        let kindText: String
        switch kind {
        case .normal: kindText = "\(payload.count)B"
        case .leaderChange: kindText = "noop"
        case .configuration(let configuration): kindText = "conf\(configuration)"
        }
        return "\(term)/[\(first),\(last)] \(kindText)"
    }
}

extension [Entry] {
    /// Number of entries whose first offset is below `offset` (binary search; the entries are
    /// in log order). Shared by the unstable tail and the in-memory stable log.
    func position(ofFirstAtOrAfter offset: Offset) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle].first < offset { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
