import NIOCore
public import TernModel
import TernLog
import TernRaft
import TernReplication
import TernTransport
public import TernWire

/// What a Fetch read of one partition returned.
public struct PartitionRead: Sendable {
    /// 0, or why nothing was read.
    public var error: ErrorCode
    /// The high watermark (Raft commit index + 1) at the time of the read.
    public var highWatermark: Offset
    /// The log start offset.
    public var logStartOffset: Offset
    /// Whole batches (the first may start below the fetch offset), or nil.
    public var records: FetchRecords?

    static func failed(_ error: ErrorCode) -> PartitionRead {
        PartitionRead(error: error, highWatermark: .none, logStartOffset: .none, records: nil)
    }
}

/// An offset with its timestamp and leader epoch (ListOffsets).
public struct OffsetAnswer: Sendable, Equatable {
    /// 0 or an error.
    public var error: ErrorCode
    /// The offset, -1 when no record matches.
    public var offset: Offset
    /// The record timestamp, -1 for logical offsets (earliest, latest) or no match.
    public var timestamp: TimestampMs
    /// The leader epoch of the batch holding the offset (or the current epoch).
    public var leaderEpoch: Int32
}

extension PartitionReplica {
    /// Reads committed batches from `offset`: at most `maxBytes`, and, when `minOneBatch` (the
    /// first partition of the response that has data), the first batch whole even if larger
    /// (KIP-74). Never returns data at or above the high watermark.
    func read(from offset: Offset, maxBytes: Int, minOneBatch: Bool, currentLeaderEpoch: Int32) -> PartitionRead {
        guard let driver = servingLeader else { return .failed(notServingError) }
        if let fenced = epochCheck(currentLeaderEpoch) { return .failed(fenced) }
        let log = driver.storage.log
        let highWatermark = driver.highWatermark
        var result = PartitionRead(
            error: .noError, highWatermark: highWatermark, logStartOffset: log.logStartOffset, records: nil)
        guard offset >= log.logStartOffset, offset <= highWatermark else {
            result.error = .offsetOutOfRange
            return result
        }
        guard offset < highWatermark, maxBytes > 0 || minOneBatch else { return result }
        do throws(LogError) {
            let regions = try log.read(from: offset, maxBytes: max(maxBytes, 1), maxOffset: highWatermark)
            if !minOneBatch, regions.byteCount > maxBytes { return result }
            guard !regions.isEmpty else { return result }
            result.records = Self.records(of: regions)
            if result.records == nil { result.error = .kafkaStorageError }
        } catch {
            result.error = error.kind == .offsetOutOfRange ? .offsetOutOfRange : .kafkaStorageError
        }
        return result
    }

    /// The regions as file ranges for `sendfile` when every file has a descriptor (the real
    /// file system), else read into memory. Every byte was verified by the log before it
    /// returned the region, and the duplicated descriptors keep the files readable until sent.
    private static func records(of regions: LogReadResult) -> FetchRecords? {
        var parts: [ResponsePart] = []
        for region in regions.regions {
            guard let descriptor = region.file.descriptor, let file = ResponseFile(duplicating: descriptor) else {
                parts = []
                break
            }
            parts.append(.file(file, offset: region.position, length: region.length))
        }
        if !parts.isEmpty { return .files(parts) }
        do throws(LogFileError) {
            return .bytes(try regions.readBytes())
        } catch {
            return nil
        }
    }

    /// The high watermark if this replica leads and serves, for long-poll bookkeeping.
    func servedHighWatermark() -> Offset? { servingLeader?.highWatermark }

    /// Holds `wakeup` until the high watermark moves past `seen` (fires at once if it already
    /// has, or if this replica stopped leading).
    func register(_ wakeup: FetchWakeup, seen: Offset) {
        // Wakeups of fetches that ended by their timeout (or were woken by another partition)
        // stay here until the high watermark moves; drop them before they fill the bound, or
        // an idle partition would answer every later long poll at once.
        if fetchWakeups.count >= Self.fetchWakeupsPruneThreshold { fetchWakeups.removeAll { $0.hasFired } }
        guard let driver = servingLeader, driver.highWatermark == seen,
            fetchWakeups.count < Limits.partitionFetchWakeupsMax
        else {
            wakeup.fire()
            return
        }
        fetchWakeups.append(wakeup)
    }

    /// Held wakeups above which fired ones are pruned on the next registration.
    static let fetchWakeupsPruneThreshold = 64

    /// Fires every held fetch wakeup if the high watermark moved (or leadership went).
    func wakeFetches() {
        guard !fetchWakeups.isEmpty else { return }
        let current = servingLeader?.highWatermark
        guard current != lastWokenHighWatermark || current == nil else { return }
        lastWokenHighWatermark = current
        let wakeups = fetchWakeups
        fetchWakeups = []
        for wakeup in wakeups { wakeup.fire() }
    }

    /// ListOffsets for one partition: -2 earliest (log start), -1 latest (high watermark), -3 the
    /// record with the largest timestamp, or the first record whose timestamp is at least `time`.
    /// Only committed records (below the high watermark) are answered.
    func offset(forTimestamp time: Int64, currentLeaderEpoch: Int32) -> OffsetAnswer {
        guard let driver = servingLeader else { return Self.noOffset(notServingError) }
        if let fenced = epochCheck(currentLeaderEpoch) { return Self.noOffset(fenced) }
        let log = driver.storage.log
        let epoch = leaderEpoch
        let highWatermark = driver.highWatermark
        switch time {
        case -2:
            return OffsetAnswer(
                error: .noError, offset: log.logStartOffset, timestamp: .none,
                leaderEpoch: driver.storage.epochCache.term(at: log.logStartOffset)?.leaderEpoch ?? epoch)
        case -1:
            return OffsetAnswer(error: .noError, offset: highWatermark, timestamp: .none, leaderEpoch: epoch)
        case ..<(-3):
            return Self.noOffset(.invalidRequest)
        default:
            return recordOffset(forTimestamp: time, driver: driver, below: highWatermark)
        }
    }

    /// The first record at or after `time` (or, for -3, the one with the largest timestamp),
    /// decoded from its batch, so the answer is a record offset and not a batch start.
    private func recordOffset(forTimestamp time: Int64, driver: ReplicaDriver, below highWatermark: Offset)
        -> OffsetAnswer
    {
        let log = driver.storage.log
        let location: BatchLocation?
        do throws(LogError) {
            location = time == -3 ? try log.batchWithMaxTimestamp() : try log.batch(atOrAfterTimestamp: TimestampMs(time))
        } catch {
            return Self.noOffset(.kafkaStorageError)
        }
        guard let location, location.baseOffset < highWatermark else {
            return OffsetAnswer(error: .noError, offset: .none, timestamp: .none, leaderEpoch: -1)
        }
        let batch: RecordBatch
        do {
            let bytes = try log.readBytes(from: location.baseOffset, maxBytes: 1, maxOffset: highWatermark)
            batch = try RecordBatch.decode(bytes)
        } catch {
            return Self.noOffset(.kafkaStorageError)
        }
        let target = time == -3 ? location.maxTimestamp.rawValue : time
        let epoch = batch.header.partitionLeaderEpoch
        for record in batch.records where batch.timestamp(of: record).rawValue >= target {
            return OffsetAnswer(
                error: .noError, offset: batch.offset(of: record), timestamp: batch.timestamp(of: record),
                leaderEpoch: epoch)
        }
        // LogAppendTime batches carry the time in maxTimestamp only.
        return OffsetAnswer(
            error: .noError, offset: batch.header.firstOffset, timestamp: location.maxTimestamp, leaderEpoch: epoch)
    }

    private static func noOffset(_ error: ErrorCode) -> OffsetAnswer {
        OffsetAnswer(error: error, offset: .none, timestamp: .none, leaderEpoch: -1)
    }

    /// OffsetForLeaderEpoch: the largest epoch at most `epoch` this leader's log holds, and the
    /// offset where it ended (the start of the next epoch, or the log end for the current one).
    /// A follower truncates to it; a consumer checks its position against it (KIP-320).
    func endOffset(forEpoch epoch: Int32, currentLeaderEpoch: Int32) -> (ErrorCode, epoch: Int32, endOffset: Offset) {
        guard let driver = servingLeader else { return (notServingError, -1, .none) }
        if let fenced = epochCheck(currentLeaderEpoch) { return (fenced, -1, .none) }
        let runs = driver.storage.epochCache.runs
        guard let position = runs.lastIndex(where: { $0.term <= Term(Int64(epoch)) }) else {
            return (.noError, -1, .none)
        }
        let end = position + 1 < runs.count ? runs[position + 1].start : driver.storage.log.logEndOffset
        return (.noError, runs[position].term.leaderEpoch, end)
    }

    /// Log start, high watermark, end and size, for DescribeLogDirs and tooling.
    func summary() -> PartitionSummary? {
        guard let driver else { return nil }
        let log = driver.storage.log
        return PartitionSummary(
            logStartOffset: log.logStartOffset, highWatermark: driver.highWatermark, logEndOffset: log.logEndOffset,
            sizeInBytes: log.sizeInBytes)
    }
}

/// Sizes and offsets of one local replica.
public struct PartitionSummary: Sendable, Equatable {
    /// First offset still in the log.
    public var logStartOffset: Offset
    /// One past the last committed offset.
    public var highWatermark: Offset
    /// One past the last offset in the local log.
    public var logEndOffset: Offset
    /// Bytes of the segment files.
    public var sizeInBytes: Int
}
