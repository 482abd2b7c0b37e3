internal import TernModel

/// The byte ranges of a segment whose batches this process has checked (CRC, lengths, offsets)
/// since it opened the log: appended bytes (checked before writing), recovery's scans, and
/// reads. A read serves file regions without touching the bytes (zero copy), so it first
/// checks whatever part of its range is not in here: no byte is served unchecked.
struct VerifiedRanges: Sendable, Equatable {
    /// Disjoint, sorted, non-touching `[start, end)` ranges.
    private(set) var ranges: [Range<Int>] = []

    /// True if every byte of `range` is verified.
    func contains(_ range: Range<Int>) -> Bool {
        guard !range.isEmpty else { return true }
        // Few ranges in practice (reads are sequential); a linear search keeps this simple.
        return ranges.contains { $0.lowerBound <= range.lowerBound && range.upperBound <= $0.upperBound }
    }

    /// Marks `range` verified, merging with neighbours. Past `Limits.logVerifiedRangesMax`
    /// ranges a new disjoint range is forgotten (it is just checked again next time).
    mutating func insert(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        var merged = range
        var kept: [Range<Int>] = []
        kept.reserveCapacity(ranges.count + 1)
        for existing in ranges {
            if existing.upperBound < merged.lowerBound || merged.upperBound < existing.lowerBound {
                kept.append(existing)
            } else {
                merged = min(existing.lowerBound, merged.lowerBound)..<max(existing.upperBound, merged.upperBound)
            }
        }
        guard kept.count < Limits.logVerifiedRangesMax else { return }
        let index = kept.firstIndex { $0.lowerBound > merged.lowerBound } ?? kept.endIndex
        kept.insert(merged, at: index)
        ranges = kept
    }

    /// Forgets everything at or past `position` (the file was cut there).
    mutating func cut(at position: Int) {
        ranges = ranges.compactMap { range in
            if range.lowerBound >= position { return nil }
            return range.lowerBound..<min(range.upperBound, position)
        }
    }
}
