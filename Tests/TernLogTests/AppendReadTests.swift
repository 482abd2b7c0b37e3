// Goal: the basic contract of SegmentedLog on the in-memory file system: appended batches
// read back byte for byte from any offset, segments roll by size and by age, reads honour the
// byte limit (and KIP-74's at-least-one-batch), the upper bound and segment boundaries, index
// and timestamp lookups land on the right batch, and invalid appends are refused before any
// byte is written. Method: build logs with small segments and index intervals so that every
// path (many segments, many index points) is exercised with a few hundred batches.
import NIOCore
import Testing
import TernModel
import TernWire

@testable import TernLog

@Suite struct AppendReadTests {
    let small = LogConfiguration(segmentBytes: 2_000, indexIntervalBytes: 200)

    func openLog(_ fs: FaultInjectingFileSystem, _ configuration: LogConfiguration? = nil) throws -> SegmentedLog {
        try SegmentedLog.open(
            directory: LogFixture.directory, fileSystem: fs, configuration: configuration ?? small, now: TimestampMs(0))
    }

    @Test func appendedBatchesReadBackFromEveryOffset() throws {
        let fs = FaultInjectingFileSystem()
        let log = try openLog(fs)
        #expect(log.recoveryReport.createdEmptyLog)
        let appended = try LogFixture.appendBatches(log, count: 120, records: 3, payload: 37)
        #expect(log.logStartOffset == Offset(0))
        #expect(log.logEndOffset == Offset(360))
        #expect(log.durableEndOffset == log.logEndOffset)
        #expect(log.segmentBaseOffsets.count == 120 / (2_000 / 98))  // 98-byte batches, 20 per segment
        #expect(try LogFixture.readAll(log) == appended)
        // Every offset, including ones inside a batch, starts the read at its batch.
        for offset in stride(from: Int64(0), to: 360, by: 1) {
            let first = LogFixture.split(try log.readBytes(from: Offset(offset), maxBytes: 1)).first
            #expect(first == appended[Int(offset / 3)])
        }
        #expect(try log.read(from: log.logEndOffset, maxBytes: 1_000).isEmpty)
    }

    @Test func segmentsRollBySizeAndNeverExceedIt() throws {
        let fs = FaultInjectingFileSystem()
        let log = try openLog(fs)
        let appended = try LogFixture.appendBatches(log, count: 100, payload: 139)
        let bases = log.segmentBaseOffsets
        #expect(bases.first == Offset(0))
        for (index, base) in bases.enumerated() {
            let name = LogFixture.directory + "/" + SegmentFileName.name(baseOffset: base, kind: .log)
            let size = fs.contents(of: name)?.count ?? -1
            #expect(size > 0)
            #expect(size <= 2_000)
            // Each segment starts at a batch's base offset and the next segment's start is its end.
            #expect(appended.contains { $0.baseOffset == base.rawValue })
            if index > 0 { #expect(base > bases[index - 1]) }
        }
        #expect(bases.count == 100 / (2_000 / 200))
    }

    @Test func segmentsRollByAgeOnTheCallersClock() throws {
        let fs = FaultInjectingFileSystem()
        let configuration = LogConfiguration(segmentBytes: 1_000_000, segmentMs: 1_000, indexIntervalBytes: 200)
        let log = try openLog(fs, configuration)
        let factory = BatchFactory()
        try log.append(factory.batch(baseOffset: 0), now: TimestampMs(10_000))
        try log.append(factory.batch(baseOffset: 1), now: TimestampMs(10_999))
        #expect(log.segmentBaseOffsets == [Offset(0)])
        try log.append(factory.batch(baseOffset: 2), now: TimestampMs(11_000))
        #expect(log.segmentBaseOffsets == [Offset(0), Offset(2)])
        try log.append(factory.batch(baseOffset: 3), now: TimestampMs(11_500))
        #expect(log.segmentBaseOffsets == [Offset(0), Offset(2)])
    }

    @Test func readsHonourByteLimitUpperBoundAndKIP74() throws {
        let fs = FaultInjectingFileSystem()
        let log = try openLog(fs)
        let appended = try LogFixture.appendBatches(log, count: 30, payload: 139)  // 200 bytes each
        let two = try log.read(from: Offset(0), maxBytes: 450)
        #expect(two.byteCount == 400)
        #expect(two.nextOffset == Offset(2))
        // A limit smaller than one batch still returns that whole batch, and only it.
        let one = try log.read(from: Offset(5), maxBytes: 10)
        #expect(LogFixture.split(try one.readBytes()) == [appended[5]])
        // The upper bound is exclusive and applies to whole batches.
        let bounded = try log.read(from: Offset(3), maxBytes: 100_000, maxOffset: Offset(7))
        #expect(LogFixture.split(try bounded.readBytes()) == Array(appended[3..<7]))
        #expect(try log.read(from: Offset(7), maxBytes: 100, maxOffset: Offset(7)).isEmpty)
        // A big read crosses segments, one region per segment.
        let all = try log.read(from: Offset(0), maxBytes: 1_000_000)
        #expect(all.regions.count == log.segmentBaseOffsets.count)
        #expect(LogFixture.split(try all.readBytes()) == appended)
        #expect(all.regions.allSatisfy { $0.file.descriptor == nil })
    }

    @Test func outOfRangeOffsetsAreTypedErrors() throws {
        let fs = FaultInjectingFileSystem()
        let log = try openLog(fs)
        try LogFixture.appendBatches(log, count: 3)
        #expect { try log.read(from: Offset(4), maxBytes: 100) } throws: { ($0 as? LogError)?.kind == .offsetOutOfRange }
        #expect { try log.read(from: Offset(-1), maxBytes: 100) } throws: { ($0 as? LogError)?.kind == .offsetOutOfRange }
    }

    @Test func timestampLookupFindsTheFirstBatchAtOrAfter() throws {
        let fs = FaultInjectingFileSystem()
        let log = try openLog(fs)
        let factory = BatchFactory()
        // Timestamps rise by 10 per batch with a dip, so the running max and the index matter.
        var timestamps: [Int64] = []
        for index in 0..<80 {
            let timestamp = index == 40 ? 5 : Int64(100 + index * 10)
            timestamps.append(timestamp)
            try log.append(factory.batch(baseOffset: Int64(index), payload: 100, timestamp: timestamp), now: TimestampMs(0))
        }
        for target in stride(from: Int64(0), through: 1_000, by: 7) {
            let expected = timestamps.firstIndex { $0 >= target }
            let found = try log.batch(atOrAfterTimestamp: TimestampMs(target))
            #expect(found?.baseOffset.rawValue == expected.map(Int64.init), "target \(target)")
            if let found, let expected { #expect(found.maxTimestamp.rawValue == timestamps[expected]) }
        }
    }

    @Test func invalidAppendsAreRefusedAndWriteNothing() throws {
        let fs = FaultInjectingFileSystem()
        let log = try openLog(fs)
        try LogFixture.appendBatches(log, count: 2)
        let factory = BatchFactory()
        func kind(_ body: () throws -> Void) -> (LogError.Kind?, BatchDefect?) {
            do {
                try body()
                return (nil, nil)
            } catch let error as LogError {
                return (error.kind, error.defect)
            } catch {
                return (nil, nil)
            }
        }
        #expect(kind { try log.append(factory.batch(baseOffset: 5), now: TimestampMs(0)) } == (.invalidBatch, .offsetDiscontinuity))
        var corrupt = factory.batch(baseOffset: 2)
        corrupt.setInteger(UInt8(0xFF), at: 70)
        #expect(kind { try log.append(corrupt, now: TimestampMs(0)) } == (.invalidBatch, .crcMismatch))
        let older = BatchFactory(epoch: 0).batch(baseOffset: 2)
        #expect(kind { try log.append(older, now: TimestampMs(0)) } == (.invalidBatch, .epochRegression))
        var two = factory.batch(baseOffset: 2)
        var extra = factory.batch(baseOffset: 3)
        two.writeBuffer(&extra)
        #expect(kind { try log.append(two, now: TimestampMs(0)) } == (.invalidBatch, .badLength))
        var cut = factory.batch(baseOffset: 2)
        cut.moveWriterIndex(to: 30)
        #expect(kind { try log.append(cut, now: TimestampMs(0)) } == (.invalidBatch, .truncated))
        #expect(kind { try log.append(factory.batch(baseOffset: 2, payload: 3_000), now: TimestampMs(0)) }.0 == .batchTooLarge)
        #expect(log.logEndOffset == Offset(2))
        #expect(fs.contents(of: LogFixture.directory + "/00000000000000000000.log")?.count == 2 * 101)
    }

    @Test func groupCommitSharesOneFsync() throws {
        let fs = FaultInjectingFileSystem()
        let log = try openLog(fs)
        let factory = BatchFactory()
        let before = fs.statistics.syncs
        let infos = try log.append(contentsOf: (0..<5).map { factory.batch(baseOffset: Int64($0)) }, now: TimestampMs(0))
        #expect(fs.statistics.syncs == before + 1)
        #expect(infos.allSatisfy { $0.isDurable })
        try log.appendUnsynced(factory.batch(baseOffset: 5), now: TimestampMs(0))
        #expect(log.durableEndOffset == Offset(5))
        try log.sync()
        #expect(log.durableEndOffset == Offset(6))
        let single = try log.append(factory.batch(baseOffset: 6), now: TimestampMs(0))
        #expect(single.isDurable)
        #expect(fs.statistics.syncs == before + 3)
    }

    @Test func intervalPolicySyncsByBytesOrAgeOnTheCallersClock() throws {
        let fs = FaultInjectingFileSystem()
        let configuration = LogConfiguration(
            segmentBytes: 100_000, indexIntervalBytes: 200, fsyncPolicy: .interval(milliseconds: 100, bytes: 1_000))
        let log = try openLog(fs, configuration)
        let factory = BatchFactory()
        let before = fs.statistics.syncs
        for offset in 0..<9 {  // 9 x 101 bytes: under the byte bound
            let info = try log.append(factory.batch(baseOffset: Int64(offset)), now: TimestampMs(1_000))
            #expect(!info.isDurable)
        }
        #expect(fs.statistics.syncs == before)
        #expect(try log.syncIfDue(now: TimestampMs(1_099)) == false)
        #expect(try log.syncIfDue(now: TimestampMs(1_100)))
        #expect(fs.statistics.syncs == before + 1)
        #expect(log.durableEndOffset == Offset(9))
        for offset in 9..<19 { try log.append(factory.batch(baseOffset: Int64(offset)), now: TimestampMs(2_000)) }
        #expect(fs.statistics.syncs == before + 2)  // the 10th batch passed 1,000 bytes
        #expect(log.durableEndOffset == Offset(19))
    }
}
