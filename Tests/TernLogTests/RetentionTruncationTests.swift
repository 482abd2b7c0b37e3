// Goal: the log's ends move only as intended. Retention by size and by age removes whole
// segments from the oldest on, never the active one nor any at or past a caller's bound, and
// moves logStartOffset to the first remaining segment; truncation after an offset (Raft's
// conflict resolution) removes exactly the later batches across segment boundaries, survives a
// reopen and a crash, refuses cuts inside a batch; reset starts the log afresh at an offset.
import NIOCore
import Testing
import TernModel
import TernWire

@testable import TernLog

@Suite struct RetentionTruncationTests {
    func open(_ fs: any LogFileSystem, _ configuration: LogConfiguration, directory: String = LogFixture.directory) throws -> SegmentedLog {
        try SegmentedLog.open(directory: directory, fileSystem: fs, configuration: configuration, now: TimestampMs(0))
    }

    @Test func retentionBySizeDropsOldestSegmentsAndMovesTheStart() throws {
        let fs = FaultInjectingFileSystem()
        let configuration = LogConfiguration(segmentBytes: 1_000, indexIntervalBytes: 100, retentionBytes: 2_500, retentionMs: nil)
        let log = try open(fs, configuration)
        let appended = try LogFixture.appendBatches(log, count: 50, records: 2, payload: 139)  // 200 B, 5 per segment
        #expect(log.segmentBaseOffsets.count == 10)
        let result = try log.applyRetention(now: TimestampMs(0))
        // 10,000 bytes; keep at least 2,500: drop 7 segments (3,000 remain).
        #expect(result.removedSegments.count == 7)
        #expect(result.removedBytes == 7_000)
        #expect(log.sizeInBytes == 3_000)
        #expect(log.logStartOffset == Offset(70))
        #expect(result.logStartOffset == Offset(70))
        #expect(log.logEndOffset == Offset(100))
        #expect(try LogFixture.readAll(log) == Array(appended[35...]))
        #expect { try log.read(from: Offset(69), maxBytes: 100) } throws: { ($0 as? LogError)?.kind == .offsetOutOfRange }
        let reopened = try open(fs, configuration)
        #expect(reopened.logStartOffset == Offset(70))
        #expect(try LogFixture.readAll(reopened) == Array(appended[35...]))
        #expect(fs.contents(of: LogFixture.directory + "/00000000000000000000.index") == nil)
    }

    @Test func retentionByTimeUsesEachSegmentsNewestBatch() throws {
        let fs = FaultInjectingFileSystem()
        let configuration = LogConfiguration(segmentBytes: 1_000, indexIntervalBytes: 100, retentionMs: 1_000)
        let log = try open(fs, configuration)
        let factory = BatchFactory()
        for index in 0..<30 {  // 5 per segment; segment k's newest batch has time 100 * (5k + 4)
            try log.append(factory.batch(baseOffset: Int64(index), payload: 139, timestamp: Int64(index * 100)), now: TimestampMs(0))
        }
        #expect(try log.applyRetention(now: TimestampMs(1_400)).removedSegments.isEmpty)
        let result = try log.applyRetention(now: TimestampMs(1_401))
        #expect(result.removedSegments == [Offset(0)])
        #expect(log.logStartOffset == Offset(5))
        // Everything is old, but the active segment stays, and a bound holds back the rest.
        let bounded = try log.applyRetention(now: TimestampMs(1_000_000), keepingFrom: Offset(16))
        #expect(bounded.removedSegments == [Offset(5), Offset(10)])
        try log.applyRetention(now: TimestampMs(1_000_000))
        #expect(log.segmentBaseOffsets == [Offset(25)])
        #expect(log.logStartOffset == Offset(25))
        #expect(log.logEndOffset == Offset(30))
        try LogFixture.appendBatches(log, count: 1)
        #expect(log.logEndOffset == Offset(31))
    }

    @Test func truncationAcrossSegmentsKeepsExactlyThePrefix() throws {
        for after in [Int64(-1), 0, 4, 5, 13, 14, 29, 44, 58, 59] {
            let fs = FaultInjectingFileSystem()
            let configuration = LogConfiguration(segmentBytes: 1_000, indexIntervalBytes: 100)
            let log = try open(fs, configuration)
            let appended = try LogFixture.appendBatches(log, count: 30, records: 2, payload: 139)
            // Batches end at odd offsets: 1, 3, ..., 59.
            let boundary = after == -1 || after % 2 == 1
            if !boundary {
                #expect { try log.truncate(after: Offset(after)) } throws: { ($0 as? LogError)?.kind == .notBatchBoundary }
                continue
            }
            try log.truncate(after: Offset(after))
            let kept = appended.filter { $0.lastOffset <= after }
            #expect(log.logEndOffset == Offset(after + 1), "after \(after)")
            #expect(log.durableEndOffset == log.logEndOffset)
            #expect(try LogFixture.readAll(log) == kept, "after \(after)")
            // The cut is durable: a crash that loses everything unsynced keeps it.
            fs.crash(.lost)
            let reopened = try open(fs, configuration)
            #expect(reopened.recoveryReport.corruption == nil)
            #expect(try LogFixture.readAll(reopened) == kept, "after \(after)")
            // And the log grows again from there, with different batches (a new leader's).
            let newer = try LogFixture.appendBatches(reopened, count: 12, records: 2, payload: 77, factory: BatchFactory(epoch: 2))
            #expect(try LogFixture.readAll(try open(fs, configuration)) == kept + newer)
        }
    }

    @Test func truncationBelowTheStartIsRefusedAndResetStartsAfresh() throws {
        let fs = FaultInjectingFileSystem()
        let configuration = LogConfiguration(segmentBytes: 1_000, indexIntervalBytes: 100, retentionBytes: 1_000)
        let log = try open(fs, configuration)
        try LogFixture.appendBatches(log, count: 20, payload: 139)
        try log.applyRetention(now: TimestampMs(0))
        #expect(log.logStartOffset == Offset(15))
        #expect { try log.truncate(after: Offset(10)) } throws: { ($0 as? LogError)?.kind == .truncationBelowLogStart }
        try log.reset(startingAt: Offset(1_000))
        #expect(log.logStartOffset == Offset(1_000))
        #expect(log.logEndOffset == Offset(1_000))
        let appended = try LogFixture.appendBatches(log, count: 3)
        let reopened = try open(fs, configuration)
        #expect(reopened.segmentBaseOffsets == [Offset(1_000)])
        #expect(try LogFixture.readAll(reopened) == appended)
    }

    @Test func truncationAndRetentionOnRealFiles() throws {
        let temporary = TemporaryDirectory("trunc")
        defer { temporary.remove() }
        let fs = PosixFileSystem()
        let directory = temporary.path + "/p0"
        let configuration = LogConfiguration(segmentBytes: 1_000, indexIntervalBytes: 100, retentionBytes: 2_000)
        let log = try open(fs, configuration, directory: directory)
        let appended = try LogFixture.appendBatches(log, count: 40, payload: 139)
        let early = try #require(try log.read(from: Offset(0), maxBytes: 10).regions.first)
        #expect(early.file.descriptor != nil)
        try log.truncate(after: Offset(31))
        try log.applyRetention(now: TimestampMs(0))
        #expect(log.logStartOffset == Offset(20))
        // A region handed out before its segment was deleted still reads (zero-copy sends in
        // flight survive retention): it holds the file open.
        #expect(Array(try early.readBytes().readableBytesView) == appended[0].bytes)
        let reopened = try open(fs, configuration, directory: directory)
        #expect(reopened.recoveryReport.isClean)
        #expect(try LogFixture.readAll(reopened) == Array(appended[20...31]))
        let names = try fs.listDirectory(directory).sorted()
        #expect(names.first == "00000000000000000020.index")
        #expect(names.count == 3 * reopened.segmentBaseOffsets.count)
    }
}
