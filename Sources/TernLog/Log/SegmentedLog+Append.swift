public import NIOCore
public import TernModel
internal import TernWire

extension SegmentedLog {
    /// Appends one batch and, under `FsyncPolicy.always`, fsyncs before returning.
    ///
    /// `batch` holds exactly one RecordBatch v2 with its offsets assigned: `baseOffset` must be
    /// `logEndOffset`. The batch is checked first (length, magic, CRC, offsets, epoch not below
    /// the previous batch's) and refused with `invalidBatch` if anything is wrong; nothing is
    /// written then. Rolls to a new segment first when the active one is full or old.
    @discardableResult
    public func append(_ batch: ByteBuffer, now: TimestampMs) throws(LogError) -> LogAppendInfo {
        var info = try appendUnsynced(batch, now: now)
        info.isDurable = try syncPerPolicy(now: now)
        return info
    }

    /// Appends several batches with one fsync for all of them (group commit) under `always`.
    @discardableResult
    public func append(contentsOf batches: [ByteBuffer], now: TimestampMs) throws(LogError) -> [LogAppendInfo] {
        var infos: [LogAppendInfo] = []
        infos.reserveCapacity(batches.count)
        for batch in batches { infos.append(try appendUnsynced(batch, now: now)) }
        let durable = try syncPerPolicy(now: now)
        for index in infos.indices { infos[index].isDurable = durable }
        return infos
    }

    /// Appends one batch without any fsync, whatever the policy: the caller batches several
    /// appends and then calls `sync()` once (group commit). Until then the batch is readable but
    /// not durable (`durableEndOffset` has not moved).
    @discardableResult
    public func appendUnsynced(_ batch: ByteBuffer, now: TimestampMs) throws(LogError) -> LogAppendInfo {
        try checkUsable()
        if let corruption {
            throw LogError(.corrupted, "appends refused until the damage is truncated: \(corruption)", corruption: corruption)
        }
        let header = try validateForAppend(batch)
        if try shouldRoll(for: header, now: now) { try roll(to: Offset(header.baseOffset)) }
        let segment = activeSegment
        let position = segment.size
        do throws(LogFileError) {
            try segment.logFile.write(batch, at: position)
        } catch {
            try rollBack(segment, to: position, after: error)
        }
        segment.account(BatchInspector.summary(header, position: position), indexIntervalBytes: configuration.indexIntervalBytes)
        segment.verified.insert(position..<segment.size)
        if segment.firstAppendTime == nil { segment.firstAppendTime = now }
        if firstUnsyncedAppend == nil { firstUnsyncedAppend = now }
        unsyncedBytes += header.totalSize
        return LogAppendInfo(firstOffset: header.firstOffset, lastOffset: Offset(header.lastOffset), isDurable: false)
    }

    /// Makes everything appended so far durable: flushes index entries, fsyncs the active
    /// segment. A failed fsync puts the log in the failed state (the page cache may have
    /// dropped the dirty pages; retrying would prove nothing).
    public func sync() throws(LogError) {
        try checkUsable()
        guard unsyncedBytes > 0 || durableEndOffset != logEndOffset else { return }
        let segment = activeSegment
        do throws(LogFileError) {
            try segment.flushIndex(allocator: allocator)
            try segment.logFile.sync()
        } catch {
            throw fail(error)
        }
        unsyncedBytes = 0
        firstUnsyncedAppend = nil
        durableEndOffset = logEndOffset
    }

    /// Under the `interval` policy, syncs if the unsynced bytes or their age passed the bound;
    /// call it from the owner's timer. Returns true if everything is durable afterwards.
    @discardableResult
    public func syncIfDue(now: TimestampMs) throws(LogError) -> Bool {
        guard case .interval(let milliseconds, let bytes) = configuration.fsyncPolicy else {
            try sync()
            return true
        }
        guard unsyncedBytes > 0 else { return true }
        let age = firstUnsyncedAppend.map { now.rawValue - $0.rawValue } ?? 0
        guard unsyncedBytes >= bytes || age >= milliseconds else { return false }
        try sync()
        return true
    }

    private func syncPerPolicy(now: TimestampMs) throws(LogError) -> Bool {
        switch configuration.fsyncPolicy {
        case .always:
            try sync()
            return true
        case .interval:
            return try syncIfDue(now: now)
        }
    }

    /// The append-side checks (the same `BatchInspector` rules recovery applies after reading).
    private func validateForAppend(_ batch: ByteBuffer) throws(LogError) -> RecordBatchHeader {
        func refuse(_ defect: BatchDefect, _ detail: String) -> LogError {
            LogError(.invalidBatch, detail, defect: defect)
        }
        let total: Int
        switch BatchInspector.totalSize(prefix: batch, available: batch.readableBytes) {
        case .failure(let defect): throw refuse(defect, "batch length: \(defect)")
        case .success(let size): total = size
        }
        guard total == batch.readableBytes else {
            throw refuse(.badLength, "buffer holds \(batch.readableBytes) bytes, the batch \(total)")
        }
        guard total <= configuration.segmentBytes else {
            throw LogError(.batchTooLarge, "batch of \(total) bytes exceeds segment size \(configuration.segmentBytes)")
        }
        let header: RecordBatchHeader
        switch BatchInspector.header(batch) {
        case .failure(let defect): throw refuse(defect, "batch header: \(defect)")
        case .success(let parsed): header = parsed
        }
        if let defect = BatchInspector.checksum(batch, header: header) { throw refuse(defect, "batch CRC mismatch") }
        if let defect = BatchInspector.placement(header, expected: logEndOffset, previousEpoch: activeSegment.lastEpoch) {
            throw refuse(defect, "batch at \(header.baseOffset) (epoch \(header.partitionLeaderEpoch)) after log end \(logEndOffset)")
        }
        return header
    }

    /// True when the batch must go to a new segment: the active one would pass `segmentBytes`,
    /// is older than `segmentMs`, or cannot index the batch's offset in 32 bits.
    private func shouldRoll(for header: RecordBatchHeader, now: TimestampMs) throws(LogError) -> Bool {
        let segment = activeSegment
        guard !segment.isEmpty else { return false }
        if segment.size + header.totalSize > configuration.segmentBytes { return true }
        if segment.relativeOffset(Offset(header.lastOffset)) == nil { return true }
        if let segmentMs = configuration.segmentMs, let first = segment.firstAppendTime,
            now.rawValue - first.rawValue >= segmentMs
        {
            return true
        }
        return false
    }

    /// Seals the active segment (its log and indexes fsynced, so only the last segment can
    /// ever hold a torn tail) and starts a new one at `baseOffset`, its name made durable.
    func roll(to baseOffset: Offset) throws(LogError) {
        precondition(baseOffset == logEndOffset, "a new segment starts at the log end")
        let sealed = activeSegment
        do throws(LogFileError) {
            try sealed.syncAll(allocator: allocator)
        } catch {
            throw fail(error)
        }
        durableEndOffset = logEndOffset
        unsyncedBytes = 0
        firstUnsyncedAppend = nil
        let loader = SegmentLoader(
            fileSystem: fileSystem, directory: directory, configuration: configuration, allocator: allocator)
        do throws(LogFileError) {
            let segment = try loader.createSegment(baseOffset: baseOffset)
            segment.lastEpoch = sealed.lastEpoch
            segments.append(segment)
        } catch {
            // A half-created segment at the log end is harmless to recovery (an empty last
            // segment), but appending on to the sealed one would make it overlap: stop here.
            throw fail(error)
        }
    }

    /// After a failed write, cuts the file back to where the batch began, so no partial batch
    /// stays behind; if even that fails, the log enters the failed state.
    private func rollBack(_ segment: Segment, to position: Int, after error: LogFileError) throws(LogError) -> Never {
        do throws(LogFileError) {
            try segment.logFile.truncate(to: position)
        } catch {
            throw fail(error)
        }
        throw .io(error)
    }
}
