internal import TernModel

extension SegmentedLog {
    /// What one segment contributes to a read.
    struct Collected {
        var region: LogFileRegion?
        /// True when the read must not continue into the next segment (budget, bound or damage).
        var stoppedEarly: Bool
    }

    /// The run of whole batches in `segment` from the one holding `offset`, within `budget`
    /// bytes (at least one batch if `mustTakeOne`) and below `upper`, checked before it is
    /// returned. An index point that does not name the batch at its position is rebuilt once.
    func collect(
        in segment: Segment, from offset: Offset, upper: Offset, budget: Int, mustTakeOne: Bool
    ) throws(LogError) -> Collected {
        var rebuilt = false
        // Bounded: the second pass runs on a freshly rebuilt index and returns.
        while true {
            let entry = segment.index.floorEntry(for: offset)
            let start = entry.map { Int($0.position) } ?? 0
            var range: (start: Int, end: Int, first: Offset, last: Offset)?
            var stoppedEarly = false
            let outcome: (stop: BatchWalker.Stop, position: Int, expected: Offset?)
            do throws(LogFileError) {
                outcome = try BatchWalker.walk(
                    file: segment.logFile, from: start, to: segment.size,
                    expected: entry.map { segment.index.offset(of: $0) } ?? segment.baseOffset,
                    limit: segment.nextOffset, previousEpoch: nil, verify: false
                ) { batch in
                    if batch.lastOffset < offset.rawValue { return .include }
                    let taken = range.map { $0.end - $0.start } ?? 0
                    let fits = taken + batch.size <= budget || (range == nil && mustTakeOne)
                    guard batch.nextOffset <= upper.rawValue, fits else {
                        stoppedEarly = true
                        return .stopBefore
                    }
                    let first = range?.first ?? Offset(batch.baseOffset)
                    range = (range?.start ?? batch.position, batch.position + batch.size, first, Offset(batch.lastOffset))
                    return .include
                }
            } catch {
                throw .io(error)
            }
            if case .defect(let defect) = outcome.stop {
                if !rebuilt, entry != nil, outcome.position == start {
                    rebuilt = true
                    try rebuildIndex(of: segment)
                    continue
                }
                record(LogCorruption(
                    offset: outcome.expected ?? segment.baseOffset, segmentBaseOffset: segment.baseOffset,
                    position: outcome.position, defect: defect))
                stoppedEarly = true
            }
            guard let found = range else { return Collected(region: nil, stoppedEarly: stoppedEarly) }
            let checked = try verify(segment, from: found.start, to: found.end, expected: found.first, last: found.last)
            guard let last = checked.lastOffset else { return Collected(region: nil, stoppedEarly: true) }
            let region = LogFileRegion(
                file: segment.logFile, position: found.start, length: checked.end - found.start,
                firstOffset: found.first, lastOffset: last)
            return Collected(region: region, stoppedEarly: stoppedEarly || checked.end < found.end)
        }
    }

    /// Checks the batches in `[start, end)` unless already verified; returns where the valid
    /// run ends and its last offset (nil if the first batch is bad). Damage is recorded.
    private func verify(
        _ segment: Segment, from start: Int, to end: Int, expected: Offset, last: Offset
    ) throws(LogError) -> (end: Int, lastOffset: Offset?) {
        // Already checked (appended, or read before): served as is, zero copy.
        if segment.verified.contains(start..<end) { return (end, last) }
        var lastOffset: Offset?
        let outcome = try walk(segment, from: start, to: end, expected: expected, verify: true) {
            lastOffset = Offset($0.lastOffset)
        }
        segment.verified.insert(start..<outcome.position)
        if case .defect(let defect) = outcome.stop {
            record(LogCorruption(
                offset: outcome.expected ?? expected, segmentBaseOffset: segment.baseOffset,
                position: outcome.position, defect: defect))
        }
        return (outcome.position, lastOffset)
    }

    private func walk(
        _ segment: Segment, from start: Int, to end: Int, expected: Offset, verify: Bool,
        _ visit: (BatchSummary) -> Void
    ) throws(LogError) -> (stop: BatchWalker.Stop, position: Int, expected: Offset?) {
        do throws(LogFileError) {
            return try BatchWalker.walk(
                file: segment.logFile, from: start, to: end, expected: expected, previousEpoch: nil, verify: verify
            ) { batch in
                visit(batch)
                return .include
            }
        } catch {
            throw .io(error)
        }
    }

    /// Rebuilds a segment's index from a checked walk of the whole segment (its index named
    /// bytes that are not the batch it claims). Damage found on the way is recorded; the
    /// segment's extent is left as it was.
    func rebuildIndex(of segment: Segment) throws(LogError) {
        let saved = (segment.size, segment.nextOffset, segment.maxTimestamp, segment.lastEpoch, segment.bytesSinceIndexEntry)
        let end = segment.size
        segment.resume(at: nil)
        let outcome: (stop: BatchWalker.Stop, position: Int, expected: Offset?)
        do throws(LogFileError) {
            outcome = try BatchWalker.walk(
                file: segment.logFile, from: 0, to: end, expected: segment.baseOffset, previousEpoch: nil, verify: true
            ) { batch in
                segment.account(batch, indexIntervalBytes: configuration.indexIntervalBytes)
                return .include
            }
            segment.index.persistedCount = 0
            try segment.rewriteIndexFiles(allocator: allocator)
        } catch {
            throw .io(error)
        }
        segment.verified.insert(0..<outcome.position)
        if case .defect(let defect) = outcome.stop {
            record(LogCorruption(
                offset: outcome.expected ?? segment.baseOffset, segmentBaseOffset: segment.baseOffset,
                position: outcome.position, defect: defect))
        }
        (segment.size, segment.nextOffset, segment.maxTimestamp, segment.lastEpoch, segment.bytesSinceIndexEntry) = saved
    }
}
