// Goal: indexes are a cache of the log, never a source of truth. Deleted, emptied, cut,
// garbage-filled or subtly shifted index files are detected (on open, or by the pair check on
// first use), rebuilt from the log, and every offset and timestamp lookup answers exactly as
// before the damage. Method: build a log with many index points, record the answers to every
// lookup, damage the index files of each segment in one of several ways, reopen, compare.
import NIOCore
import Testing
import TernModel
import TernWire

@testable import TernLog

@Suite struct IndexRebuildTests {
    let configuration = LogConfiguration(segmentBytes: 4_000, indexIntervalBytes: 150)

    func reopen(_ fs: FaultInjectingFileSystem) throws -> SegmentedLog {
        try SegmentedLog.open(directory: LogFixture.directory, fileSystem: fs, configuration: configuration, now: TimestampMs(0))
    }

    /// Every answer the log gives to offset and timestamp lookups.
    func lookups(_ log: SegmentedLog) throws -> [String] {
        var answers: [String] = []
        for offset in stride(from: log.logStartOffset.rawValue, to: log.logEndOffset.rawValue, by: 1) {
            let batches = LogFixture.split(try log.readBytes(from: Offset(offset), maxBytes: 500))
            answers.append("o\(offset):\(batches)")
        }
        for timestamp in stride(from: Int64(0), through: 2_200, by: 13) {
            let found = try log.batch(atOrAfterTimestamp: TimestampMs(timestamp))
            answers.append("t\(timestamp):\(found.map { "\($0.baseOffset)@\($0.position)" } ?? "none")")
        }
        return answers
    }

    func indexPaths(_ base: Offset) -> (String, String) {
        (LogFixture.directory + "/" + SegmentFileName.name(baseOffset: base, kind: .index),
         LogFixture.directory + "/" + SegmentFileName.name(baseOffset: base, kind: .timeindex))
    }

    @Test func damagedIndexesRebuildAndAnswerTheSame() throws {
        let damages = ["delete", "empty", "cut", "garbage", "shift", "swap", "beyond"]
        for damage in damages {
            let fs = FaultInjectingFileSystem()
            let log = try reopen(fs)
            let factory = BatchFactory()
            for index in 0..<200 {
                let timestamp = Int64(index * 10 + (index % 7 == 0 ? 300 : 0))
                try log.append(factory.batch(baseOffset: Int64(index), payload: 40 + index % 50, timestamp: timestamp), now: TimestampMs(0))
            }
            try log.sync()
            let expected = try lookups(log)
            #expect(try lookups(try reopen(fs)) == expected, "\(damage): clean reopen")
            for base in log.segmentBaseOffsets {
                let (offsetPath, timePath) = indexPaths(base)
                try damageIndex(fs, damage, offsetPath: offsetPath, timePath: timePath)
            }
            let reopened = try reopen(fs)
            #expect(reopened.recoveryReport.corruption == nil, "\(damage)")
            #expect(reopened.recoveryReport.truncatedBytes == 0, "\(damage)")
            #expect(try lookups(reopened) == expected, "\(damage)")
            #expect(reopened.corruption == nil, "\(damage)")
            // After the rebuild the files are whole again: a further reopen finds nothing wrong.
            _ = try lookups(reopened)
            #expect(try reopen(fs).recoveryReport.indexesRebuilt.isEmpty, "\(damage)")
        }
    }

    func damageIndex(_ fs: FaultInjectingFileSystem, _ damage: String, offsetPath: String, timePath: String) throws {
        let offsets = fs.contents(of: offsetPath)!
        switch damage {
        case "delete":
            try fs.removeFile(offsetPath)
            try fs.removeFile(timePath)
        case "empty":
            fs.replaceContents(file: offsetPath, with: [])
        case "cut":
            fs.damageTruncate(file: offsetPath, to: offsets.count / 2 + 3)
        case "garbage":
            var random = SplitMix64(seed: UInt64(offsets.count))
            fs.replaceContents(file: offsetPath, with: (0..<offsets.count).map { _ in UInt8.random(in: 0...255, using: &random) })
        case "shift":
            // Every position moved by 8 bytes: still increasing, but not batch boundaries.
            var shifted = offsets
            for entry in 0..<(offsets.count / 8) {
                let at = entry * 8 + 7
                shifted[at] = shifted[at] &+ 8
            }
            fs.replaceContents(file: offsetPath, with: shifted)
        case "swap":
            // Two entries exchanged: out of order.
            guard offsets.count >= 16 else { return }
            let swapped = Array(offsets[8..<16]) + Array(offsets[0..<8]) + Array(offsets[16...])
            fs.replaceContents(file: offsetPath, with: swapped)
        default:
            // An entry pointing past the end of the log, and a time index that disagrees.
            fs.replaceContents(file: offsetPath, with: offsets + [0, 0, 0x10, 0, 0x7F, 0, 0, 0])
            fs.replaceContents(file: timePath, with: Array(fs.contents(of: timePath)!.dropLast(5)))
        }
    }

    @Test func onlyTheFirstBadEntryOnUseTriggersARebuild() throws {
        let fs = FaultInjectingFileSystem()
        let log = try reopen(fs)
        let appended = try LogFixture.appendBatches(log, count: 25, payload: 89)  // one sealed segment + active
        let base = log.segmentBaseOffsets[0]
        let (offsetPath, _) = indexPaths(base)
        var bytes = fs.contents(of: offsetPath)!
        #expect(bytes.count >= 24)
        bytes[8 + 7] &+= 1  // second entry points one byte into its batch; still ordered
        fs.replaceContents(file: offsetPath, with: bytes)
        let reopened = try reopen(fs)
        #expect(reopened.recoveryReport.indexesRebuilt.isEmpty)  // open only checks the last entry
        #expect(try LogFixture.readAll(reopened, maxBytes: 100) == appended)
        #expect(reopened.corruption == nil)
        #expect(fs.contents(of: offsetPath)! != bytes)  // rewritten from the log
    }
}
