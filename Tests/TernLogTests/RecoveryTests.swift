// Goal: what survives a restart is exactly what should. A clean reopen changes nothing; a
// torn last write, cut at EVERY byte of the last batch, recovers to the batch before it with
// nothing valid lost (on the simulated file system and on a real directory); a crash loses only
// writes that were never fsynced, whatever random prefix of them survives and wherever the first
// lost write is torn. Method: append, crash or cut, reopen, and compare the log with the list
// of batches that were appended (and, for the fsync property, acknowledged as durable).
import NIOCore
import Testing
import TernModel
import TernWire

@testable import TernLog

@Suite struct RecoveryTests {
    let configuration = LogConfiguration(segmentBytes: 3_000, indexIntervalBytes: 250)

    func reopen(_ fs: any LogFileSystem, directory: String = LogFixture.directory) throws -> SegmentedLog {
        try SegmentedLog.open(directory: directory, fileSystem: fs, configuration: configuration, now: TimestampMs(0))
    }

    @Test func cleanReopenKeepsEverythingAndReportsNothing() throws {
        let fs = FaultInjectingFileSystem()
        let appended = try LogFixture.appendBatches(try reopen(fs), count: 90, records: 2, payload: 55)
        let log = try reopen(fs)
        #expect(log.recoveryReport.isClean)
        #expect(log.recoveryReport.segmentsOpened == log.segmentBaseOffsets.count)
        #expect(log.logEndOffset == Offset(180))
        #expect(try LogFixture.readAll(log) == appended)
        // Appending continues where it stopped, with the same rules.
        let more = try LogFixture.appendBatches(log, count: 5, records: 2)
        #expect(try LogFixture.readAll(try reopen(fs)) == appended + more)
    }

    /// Cuts the last batch of the active segment at every byte and checks each recovery.
    func tornLastBatchAtEveryByte(_ fs: any LogFileSystem, directory: String, cut: (String, Int) -> Void) throws {
        let appended = try LogFixture.appendBatches(try reopen(fs, directory: directory), count: 40, payload: 77)
        let active = try reopen(fs, directory: directory).segmentBaseOffsets.last!
        let path = directory + "/" + SegmentFileName.name(baseOffset: active, kind: .log)
        let kept = appended.dropLast()
        let lastStart = kept.filter { $0.baseOffset >= active.rawValue }.reduce(0) { $0 + $1.bytes.count }
        let lastSize = appended.last!.bytes.count
        for length in 0..<lastSize {
            cut(path, lastStart + length)
            let log = try reopen(fs, directory: directory)
            #expect(log.recoveryReport.truncatedBytes == length, "cut at \(length)")
            #expect(log.recoveryReport.corruption == nil)
            #expect(log.logEndOffset == Offset(appended.last!.baseOffset))
            #expect(try LogFixture.readAll(log) == Array(kept), "cut at \(length)")
            // The recovered log takes the lost batch again.
            try log.append(ByteBuffer(bytes: appended.last!.bytes), now: TimestampMs(0))
        }
        #expect(try LogFixture.readAll(try reopen(fs, directory: directory)) == appended)
    }

    @Test func tornWriteAtEveryByteOfTheLastBatchSimulated() throws {
        let fs = FaultInjectingFileSystem()
        try tornLastBatchAtEveryByte(fs, directory: LogFixture.directory) { path, size in
            fs.damageTruncate(file: path, to: size)
        }
    }

    @Test func tornWriteAtEveryByteOfTheLastBatchOnRealFiles() throws {
        let temporary = TemporaryDirectory("torn")
        defer { temporary.remove() }
        let fs = PosixFileSystem()
        try tornLastBatchAtEveryByte(fs, directory: temporary.path + "/log") { path, size in
            let file = try! fs.openFile(path, mode: .existing)
            try! file.truncate(to: size)
        }
    }

    @Test func garbageAfterTheLastBatchIsCutAway() throws {
        let fs = FaultInjectingFileSystem()
        let appended = try LogFixture.appendBatches(try reopen(fs), count: 10)
        let path = LogFixture.directory + "/00000000000000000000.log"
        var bytes = fs.contents(of: path)!
        var random = SplitMix64(seed: 7)
        bytes += (0..<4_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        fs.replaceContents(file: path, with: bytes)
        let log = try reopen(fs)
        #expect(log.recoveryReport.truncatedBytes == 4_000)
        #expect(log.recoveryReport.corruption == nil)
        #expect(try LogFixture.readAll(log) == appended)
    }

    @Test func crashLosesOnlyWhatWasNeverFsynced() throws {
        var random = SplitMix64(seed: 42)
        let fates: [FaultInjectingFileSystem.UnsyncedFate] = [.lost, .randomPrefix, .randomPrefixTearingLast]
        for round in 0..<60 {
            let fs = FaultInjectingFileSystem(seed: UInt64(round))
            var log = try reopen(fs)
            var acknowledged: [StoredBatch] = []  // durable: returned after an fsync covered them
            var written: [StoredBatch] = []
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let durable = try LogFixture.appendBatches(log, count: Int.random(in: 0...25, using: &random), payload: 90)
                acknowledged += durable
                written += durable
                written += try LogFixture.appendBatches(
                    log, count: Int.random(in: 0...25, using: &random), payload: 90, sync: false)
                if Bool.random(using: &random) {
                    try log.sync()
                    acknowledged = written
                }
            }
            fs.crash(fates[round % fates.count])
            // The dead process's handles are stale: its log can do nothing more.
            let late = BatchFactory().batch(baseOffset: log.logEndOffset.rawValue)
            #expect { try log.append(late, now: TimestampMs(0)) } throws: { ($0 as? LogError)?.kind == .failed }
            log = try reopen(fs)
            let recovered = try LogFixture.readAll(log)
            #expect(log.recoveryReport.corruption == nil, "round \(round)")
            // Everything acknowledged survived, and what survived is a prefix of what was written.
            #expect(recovered.count >= acknowledged.count, "round \(round)")
            #expect(Array(written.prefix(recovered.count)) == recovered, "round \(round)")
            #expect(log.logEndOffset.rawValue == (recovered.last?.lastOffset ?? -1) + 1)
        }
    }

    @Test func recoveryMakesTheKeptTailDurable() throws {
        let fs = FaultInjectingFileSystem()
        let log = try reopen(fs)
        let appended = try LogFixture.appendBatches(log, count: 5, sync: false)
        // A process crash (not a machine crash): unsynced bytes are still in the page cache.
        let reopened = try reopen(fs)
        #expect(try LogFixture.readAll(reopened) == appended)
        fs.crash(.lost)
        #expect(try LogFixture.readAll(try reopen(fs)) == appended)
    }
}
