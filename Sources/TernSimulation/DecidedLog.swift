public import TernModel
public import TernRaft

/// The reference committed history: every entry any node has reported committed, in index
/// order, with the state digest after it and the term in which it was (first seen) committed.
///
/// Why one global history: state-machine safety, leader completeness and "acknowledged means
/// committed exactly once" are all statements about *the* committed log; the first node that
/// commits an index defines it, and every later commit, apply or snapshot anywhere must agree.
public struct DecidedLog: Sendable {
    /// One committed entry.
    public struct Record: Sendable {
        /// The committed entry's index and term, and its first offset below.
        public var id: EntryID
        public var first: Offset
        public var digest: UInt64
        /// State digest after applying this entry.
        public var stateAfter: UInt64
        /// Highest term of a node that reported any commit up to here (monotone, so binary
        /// searchable); an over-approximation of the term the entry was committed in.
        public var commitTerm: Term
        /// The proposal id carried by a client entry.
        public var proposal: UInt64?
    }

    /// Committed entries in index order (contiguous offsets).
    public private(set) var records: [Record] = []
    /// Where each proposal id sits in the committed log.
    public private(set) var proposalIndex: [UInt64: Offset] = [:]

    /// An empty history: nothing committed yet.
    public init() {}

    /// The last committed index (-1 if nothing is committed).
    public var end: Offset { records.last?.id.index ?? Offset(-1) }

    /// The state digest after `index` (which must be a committed entry index or -1).
    public func state(after index: Offset) -> UInt64? {
        if index == Offset(-1) { return EntryDigest.emptyState }
        guard let position = position(of: index) else { return nil }
        return records[position].stateAfter
    }

    /// The record whose entry index is exactly `index`.
    public func record(at index: Offset) -> Record? {
        guard let position = position(of: index) else { return nil }
        return records[position]
    }

    /// Appends the next committed entry. Returns a description of the problem if the entry is
    /// not contiguous with the history or repeats a proposal already committed elsewhere.
    public mutating func append(_ entry: Entry, commitTerm: Term) -> String? {
        guard entry.first == end.next else {
            return "committed entry \(entry) does not follow the committed log end \(end)"
        }
        let digest = EntryDigest.of(entry)
        let previous = records.last?.stateAfter ?? EntryDigest.emptyState
        let term = max(commitTerm, records.last?.commitTerm ?? .zero)
        var proposal: UInt64? = nil
        if case .normal = entry.kind, let id = ProposalPayload.id(in: entry.payload) {
            if let earlier = proposalIndex[id] {
                return "proposal \(id) committed twice: at \(earlier) and in \(entry)"
            }
            proposalIndex[id] = entry.last
            proposal = id
        }
        records.append(
            Record(
                id: entry.id, first: entry.first, digest: digest,
                stateAfter: EntryDigest.fold(state: previous, entry: digest), commitTerm: term,
                proposal: proposal))
        return nil
    }

    /// The last record committed in a term below `term` (by `commitTerm`), if any.
    public func lastCommitted(before term: Term) -> Record? {
        var low = 0
        var high = records.count
        while low < high {
            let middle = (low + high) / 2
            if records[middle].commitTerm < term { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : records[low - 1]
    }

    private func position(of index: Offset) -> Int? {
        var low = 0
        var high = records.count
        while low < high {
            let middle = (low + high) / 2
            if records[middle].id.index < index { low = middle + 1 } else { high = middle }
        }
        guard low < records.count, records[low].id.index == index else { return nil }
        return low
    }
}
