public import TernModel

/// Term → first offset of that term in the log, like Kafka's leader-epoch-checkpoint. Terms never
/// decrease along a log, so the runs are sorted by both term and offset and every question the
/// Raft core asks ("last entry at or before X with term at most T", "term of offset X") is a
/// binary search here plus at most one batch lookup in the log.
///
/// Kept in memory only; `PartitionRaftLog` rebuilds it from the batch headers on open and keeps
/// it right on append, truncation, retention and snapshot install.
public struct LeaderEpochCache: Sendable, Equatable {
    /// One run of consecutive batches written in the same term.
    public struct Run: Sendable, Equatable {
        /// The term (leader epoch).
        public var term: Term
        /// The base offset of the first batch of the run.
        public var start: Offset
    }

    /// The runs, strictly increasing in term and start.
    public private(set) var runs: [Run] = []

    /// An empty cache.
    public init() {}

    /// Records a batch of `term` starting at `offset`, appended after every recorded one.
    /// - Precondition: terms do not decrease and offsets increase (the log checks both first).
    public mutating func record(term: Term, at offset: Offset) {
        if let last = runs.last {
            precondition(last.term <= term, "terms never decrease along a log")
            precondition(last.start < offset || last.term == term, "runs start at increasing offsets")
            if last.term == term { return }
        }
        runs.append(Run(term: term, start: offset))
    }

    /// Forgets every run that starts after `offset` (the log was truncated after `offset`).
    public mutating func truncate(after offset: Offset) {
        while let last = runs.last, last.start > offset { runs.removeLast() }
    }

    /// Forgets the runs wholly before `offset` and starts the run holding it there (retention
    /// moved the log start to `offset`).
    public mutating func trim(before offset: Offset) {
        let count = runsStarting(atOrBefore: offset)
        guard count > 0 else { return }
        runs.removeFirst(count - 1)
        runs[0].start = offset
    }

    /// Forgets everything (snapshot install).
    public mutating func removeAll() { runs.removeAll() }

    /// The term of the batch holding `offset`, nil if `offset` is before every run.
    public func term(at offset: Offset) -> Term? {
        let position = runsStarting(atOrBefore: offset)
        return position == 0 ? nil : runs[position - 1].term
    }

    /// The last offset that may hold an entry of term at most `term`: the offset before the first
    /// run of a greater term (before the first run at all when every run's term is greater), or
    /// nil when no run's term exceeds `term`.
    public func lastOffset(termAtMost term: Term) -> Offset? {
        var low = 0
        var high = runs.count
        while low < high {
            let middle = (low + high) / 2
            if runs[middle].term <= term { low = middle + 1 } else { high = middle }
        }
        return low == runs.count ? nil : runs[low].start.previous
    }

    /// Number of runs whose start is at or before `offset`.
    private func runsStarting(atOrBefore offset: Offset) -> Int {
        var low = 0
        var high = runs.count
        while low < high {
            let middle = (low + high) / 2
            if runs[middle].start <= offset { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
