public import NIOCore
public import TernModel
internal import TernWire

extension SegmentedLog {
    /// Reads whole batches from the one holding `offset` (or the first after it), up to
    /// `maxBytes`, and always at least one whole batch even if larger (KIP-74), stopping before
    /// any batch that reaches `maxOffset` (exclusive; e.g. the high watermark).
    ///
    /// Returns file regions for zero-copy sends. Every byte returned was checked in this
    /// process (CRC, lengths, offsets): appended bytes when appended, others now. A damaged
    /// batch ends the read before it (and is recorded in `corruption`); a read that starts at
    /// or after damage throws `corrupted`. Offsets outside `[logStartOffset, logEndOffset]`
    /// throw `offsetOutOfRange`.
    public func read(from offset: Offset, maxBytes: Int, maxOffset: Offset? = nil) throws(LogError) -> LogReadResult {
        try checkUsable()
        guard offset >= logStartOffset, offset <= logEndOffset else {
            throw LogError(.offsetOutOfRange, "offset \(offset) outside [\(logStartOffset), \(logEndOffset)]")
        }
        if let corruption, offset >= corruption.offset { throw .corrupted(corruption) }
        let upper = min(logEndOffset, maxOffset ?? logEndOffset, corruption?.offset ?? logEndOffset)
        let budget = min(max(maxBytes, 0), Limits.logReadBytesMax)
        var result = LogReadResult(regions: [], nextOffset: offset)
        guard offset < upper, var number = segmentIndex(containing: offset) else { return result }
        // Bounded by the number of segments.
        while number < segments.count, result.nextOffset < upper {
            let spent = result.byteCount
            let collected = try collect(
                in: segments[number], from: result.nextOffset, upper: upper,
                budget: budget - spent, mustTakeOne: result.regions.isEmpty)
            guard let region = collected.region else {
                if result.regions.isEmpty, let corruption, result.nextOffset >= corruption.offset {
                    throw .corrupted(corruption)
                }
                break
            }
            result.regions.append(region)
            result.nextOffset = region.lastOffset.next
            if collected.stoppedEarly || result.byteCount >= budget { break }
            number += 1
        }
        if result.regions.isEmpty, let corruption, offset >= corruption.offset { throw .corrupted(corruption) }
        return result
    }

    /// Convenience for tests and small reads: the bytes `read` would return as regions.
    public func readBytes(from offset: Offset, maxBytes: Int, maxOffset: Offset? = nil) throws(LogError) -> ByteBuffer {
        let result = try read(from: offset, maxBytes: maxBytes, maxOffset: maxOffset)
        do throws(LogFileError) {
            return try result.readBytes(allocator: allocator)
        } catch {
            throw .io(error)
        }
    }

    /// The first batch whose max timestamp is at least `timestamp` (Kafka ListOffsets by time,
    /// at batch granularity), or nil if every batch is older.
    public func batch(atOrAfterTimestamp timestamp: TimestampMs) throws(LogError) -> BatchLocation? {
        try checkUsable()
        // Bounded by the number of segments.
        for segment in segments where segment.maxTimestamp >= timestamp.rawValue {
            let entry = segment.index.entry(before: timestamp.rawValue)
            var found: BatchSummary?
            let outcome: (stop: BatchWalker.Stop, position: Int, expected: Offset?)
            do throws(LogFileError) {
                outcome = try BatchWalker.walk(
                    file: segment.logFile, from: entry.map { Int($0.position) } ?? 0, to: segment.size,
                    expected: entry.map { segment.index.offset(of: $0) } ?? segment.baseOffset,
                    limit: segment.nextOffset, previousEpoch: nil, verify: false
                ) { batch in
                    guard batch.maxTimestamp >= timestamp.rawValue else { return .include }
                    found = batch
                    return .stopBefore
                }
            } catch {
                throw .io(error)
            }
            if let found {
                if let corruption, Offset(found.baseOffset) >= corruption.offset { throw .corrupted(corruption) }
                return BatchLocation(
                    baseOffset: Offset(found.baseOffset), lastOffset: Offset(found.lastOffset),
                    maxTimestamp: TimestampMs(found.maxTimestamp), segmentBaseOffset: segment.baseOffset,
                    position: found.position)
            }
            if case .defect(let defect) = outcome.stop {
                let damage = LogCorruption(
                    offset: outcome.expected ?? segment.baseOffset, segmentBaseOffset: segment.baseOffset,
                    position: outcome.position, defect: defect)
                record(damage)
                throw .corrupted(damage)
            }
        }
        return nil
    }
}

extension SegmentedLog {
    /// The first batch holding the largest timestamp in the log (Kafka ListOffsets -3,
    /// "max timestamp"), or nil if no batch carries a timestamp. Segments remember their largest
    /// timestamp, so only the segment holding it is walked.
    public func batchWithMaxTimestamp() throws(LogError) -> BatchLocation? {
        try checkUsable()
        guard let newest = segments.map(\.maxTimestamp).max(), newest >= 0 else { return nil }
        return try batch(atOrAfterTimestamp: TimestampMs(newest))
    }
}
