import TernModel

/// Entries (and possibly a snapshot) the core holds that the caller has not yet persisted.
///
/// Invariants: `entries` are contiguous; if `snapshot` is set, `entries` start right after it;
/// entries here override stored entries from `entries[0].first` on (the caller truncates the
/// stored log there when it persists them).
struct UnstableLog {
    /// A snapshot received from the leader, to be installed by the caller.
    var snapshot: Snapshot?
    /// Entries not yet persisted.
    var entries: [Entry] = []

    /// First offset overridden by this unstable part, if any.
    var firstOffset: Offset? { entries.first?.first }

    /// The entry with the greatest index at or below `offset` and term at most `termAtMost`.
    func entryID(atOrBefore offset: Offset, termAtMost: Term) -> EntryID? {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            let entry = entries[middle]
            if entry.last <= offset && entry.term <= termAtMost { low = middle + 1 } else { high = middle }
        }
        return low > 0 ? entries[low - 1].id : nil
    }

    /// Position in `entries` of the first entry starting at or after `offset`.
    func position(ofFirstAtOrAfter offset: Offset) -> Int {
        entries.position(ofFirstAtOrAfter: offset)
    }

    /// Appends `newEntries`, dropping the unstable entries they replace. Returns false when they
    /// start before the unstable part (the caller then replaces the whole unstable part).
    mutating func truncateAndAppend(_ newEntries: [Entry]) {
        guard let first = newEntries.first else { return }
        if let start = firstOffset, first.first > start {
            let keep = position(ofFirstAtOrAfter: first.first)
            precondition(entries[keep - 1].last == first.first.previous, "unstable append splits an entry")
            entries.removeSubrange(keep...)
            entries.append(contentsOf: newEntries)
        } else {
            entries = newEntries
        }
    }

    /// The caller persisted entries up to `id`: drop them, if they are still the ones held.
    mutating func stableTo(_ id: EntryID) {
        let count = position(ofFirstAtOrAfter: id.index.next)
        guard count > 0 else { return }
        let entry = entries[count - 1]
        guard entry.id == id else { return }
        entries.removeFirst(count)
    }
}
