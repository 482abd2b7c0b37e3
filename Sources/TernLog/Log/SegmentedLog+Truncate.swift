public import TernModel

extension SegmentedLog {
    /// Removes every batch with an offset above `offset` (Raft: a follower drops a conflicting
    /// suffix), across segments, and makes the cut durable before returning: later segments
    /// are removed newest first and the directory fsynced, then the file holding `offset` is cut
    /// and fsynced. A crash part-way leaves a shorter but still contiguous log.
    ///
    /// `offset` must be the last offset of a batch, or `logStartOffset - 1` to empty the log.
    /// Damage above the cut is gone with it, so `corruption` is cleared when it lay above.
    public func truncate(after offset: Offset) throws(LogError) {
        try checkUsable()
        guard offset >= logStartOffset.previous else {
            throw LogError(.truncationBelowLogStart, "cannot truncate after \(offset), log starts at \(logStartOffset)")
        }
        let cutNeeded = offset < logEndOffset.previous || corruption != nil
        guard cutNeeded else { return }
        let number = segmentIndex(containing: offset) ?? 0
        let target = segments[number]
        let position = try cutPosition(in: target, after: offset)
        do throws(LogFileError) {
            for doomed in segments[(number + 1)...].reversed() {
                for path in doomed.paths { try fileSystem.removeFile(path) }
            }
            if number + 1 < segments.count { try fileSystem.syncDirectory(directory) }
        } catch {
            throw fail(error)
        }
        segments.removeSubrange((number + 1)...)
        do throws(LogFileError) {
            try cut(target, at: position)
        } catch {
            throw fail(error)
        }
        if let damage = corruption, damage.offset >= logEndOffset { corruption = nil }
        unsyncedBytes = 0
        firstUnsyncedAppend = nil
        durableEndOffset = logEndOffset
    }

    /// Empties the log and starts it again at `offset` (Raft: installing a snapshot that is
    /// ahead of the log). Segments are removed newest first; a crash part-way leaves a prefix of
    /// the old log, or an empty directory that opens at `configuration.initialOffset`: the
    /// caller, which recorded the snapshot first, resets again.
    public func reset(startingAt offset: Offset) throws(LogError) {
        try checkUsable()
        precondition(offset.rawValue >= 0, "offsets are not negative")
        let loader = SegmentLoader(
            fileSystem: fileSystem, directory: directory, configuration: configuration, allocator: allocator)
        do throws(LogFileError) {
            for doomed in segments.reversed() {
                for path in doomed.paths { try fileSystem.removeFile(path) }
            }
            try fileSystem.syncDirectory(directory)
            segments = [try loader.createSegment(baseOffset: offset)]
        } catch {
            throw fail(error)
        }
        corruption = nil
        unsyncedBytes = 0
        firstUnsyncedAppend = nil
        durableEndOffset = offset
    }

    /// Position in `segment` of the first batch after `offset`; throws if `offset` is inside a batch.
    private func cutPosition(in segment: Segment, after offset: Offset) throws(LogError) -> Int {
        if offset < segment.baseOffset { return 0 }
        var position: Int?
        var inside = false
        let entry = segment.index.floorEntry(for: offset)
        do throws(LogFileError) {
            let outcome = try BatchWalker.walk(
                file: segment.logFile, from: entry.map { Int($0.position) } ?? 0, to: segment.size,
                expected: entry.map { segment.index.offset(of: $0) } ?? segment.baseOffset,
                limit: segment.nextOffset, previousEpoch: nil, verify: false
            ) { batch in
                if batch.lastOffset <= offset.rawValue { return .include }
                inside = batch.baseOffset <= offset.rawValue
                position = batch.position
                return .stopBefore
            }
            if position == nil, case .defect = outcome.stop { position = outcome.position }
        } catch {
            throw .io(error)
        }
        if inside { throw LogError(.notBatchBoundary, "offset \(offset) is inside a batch") }
        return position ?? segment.size
    }

    /// Cuts `segment`'s log file at `position` (durably), trims its index, and makes it active.
    private func cut(_ segment: Segment, at position: Int) throws(LogFileError) {
        try segment.logFile.truncate(to: position)
        try segment.logFile.sync()
        let entry = segment.index.entries.last { Int($0.position) < position }
        segment.index.removeEntries(atOrAfter: position)
        try segment.rewriteIndexFiles(allocator: allocator)
        segment.resume(at: entry)
        let start = segment.size
        let outcome = try BatchWalker.walk(
            file: segment.logFile, from: start, to: position, expected: segment.nextOffset, previousEpoch: nil, verify: false
        ) { batch in
            segment.account(batch, indexIntervalBytes: configuration.indexIntervalBytes)
            return .include
        }
        precondition(outcome.stop == .end || segment.size <= position, "a cut keeps only accounted batches")
        try segment.flushIndex(allocator: allocator)
        segment.verified.cut(at: segment.size)
        segment.firstAppendTime = nil
    }
}
