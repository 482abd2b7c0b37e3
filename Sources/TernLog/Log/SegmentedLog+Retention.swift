public import TernModel

/// What one retention pass removed.
public struct RetentionResult: Sendable, Equatable {
    /// Base offsets of the removed segments.
    public var removedSegments: [Offset] = []
    /// Bytes of batches removed.
    public var removedBytes = 0
    /// The log start offset afterwards.
    public var logStartOffset: Offset
}

extension SegmentedLog {
    /// Removes whole segments from the oldest on, while either rule allows it: the log stays at
    /// least `retentionBytes` without the segment, or the segment's newest batch is older than
    /// `retentionMs` at `now`. Never removes the active segment, nor a segment holding offsets
    /// at or above `keepingFrom` (e.g. what Raft has not yet snapshotted or committed). The log
    /// start offset moves to the first remaining segment.
    ///
    /// Oldest segments go first, so a crash part-way leaves a contiguous log; the directory is
    /// fsynced at the end (a removal lost to a crash is simply done again by the next pass).
    @discardableResult
    public func applyRetention(now: TimestampMs, keepingFrom: Offset? = nil) throws(LogError) -> RetentionResult {
        try checkUsable()
        var total = sizeInBytes
        var count = 0
        // Bounded by the number of segments; the active segment is never a candidate.
        for segment in segments.dropLast() {
            if let keepingFrom, segment.nextOffset > keepingFrom { break }
            let bySize = configuration.retentionBytes.map { total - segment.size >= $0 } ?? false
            let byTime = configuration.retentionMs.map {
                segment.maxTimestamp != Int64.min && now.rawValue - segment.maxTimestamp > $0
            } ?? false
            guard bySize || byTime else { break }
            total -= segment.size
            count += 1
        }
        var result = RetentionResult(logStartOffset: logStartOffset)
        guard count > 0 else { return result }
        do throws(LogFileError) {
            for segment in segments.prefix(count) {
                for path in segment.paths { try fileSystem.removeFile(path) }
                result.removedSegments.append(segment.baseOffset)
                result.removedBytes += segment.size
            }
            try fileSystem.syncDirectory(directory)
        } catch {
            segments.removeFirst(result.removedSegments.count)
            throw fail(error)
        }
        segments.removeFirst(count)
        result.logStartOffset = logStartOffset
        if let damage = corruption, damage.offset < logStartOffset { corruption = nil }
        return result
    }
}
