// Goal: I/O failures surface as typed errors and leave the log consistent. Disk full on a write
// rolls the partial batch back and the log keeps working; a failed fsync puts the log in the
// failed state (fsyncgate: never trust a retried fsync) and a reopen recovers what is on disk;
// a failed roll or directory sync also fails the log; the POSIX file system maps errno values to
// the same kinds. Method: inject faults into the simulated file system at chosen operations.
import NIOCore
import Testing
import TernModel
import TernWire

@testable import TernLog

@Suite struct FaultTests {
    let configuration = LogConfiguration(segmentBytes: 1_000, indexIntervalBytes: 100)

    func reopen(_ fs: FaultInjectingFileSystem) throws -> SegmentedLog {
        try SegmentedLog.open(directory: LogFixture.directory, fileSystem: fs, configuration: configuration, now: TimestampMs(0))
    }

    @Test func diskFullOnWriteRollsBackAndTheLogGoesOn() throws {
        let fs = FaultInjectingFileSystem()
        let log = try reopen(fs)
        let appended = try LogFixture.appendBatches(log, count: 3)
        fs.inject(.diskFull(pathContains: ".log", partialWriteBytes: 50))
        let batch = BatchFactory().batch(baseOffset: 3)
        #expect { try log.append(batch, now: TimestampMs(0)) } throws: { error in
            let error = error as? LogError
            return error?.kind == .io && error?.fileError?.kind == .noSpace && error?.fileError?.operation == .write
        }
        #expect(log.logEndOffset == Offset(3))
        #expect(fs.contents(of: LogFixture.directory + "/00000000000000000000.log")?.count == 3 * 101)
        try log.append(batch, now: TimestampMs(0))
        let expected = appended + [StoredBatch(baseOffset: 3, lastOffset: 3, bytes: Array(batch.readableBytesView))]
        #expect(try LogFixture.readAll(log) == expected)
        #expect(try LogFixture.readAll(try reopen(fs)) == expected)
    }

    @Test func failedFsyncFailsTheLogUntilReopened() throws {
        let fs = FaultInjectingFileSystem()
        let log = try reopen(fs)
        let appended = try LogFixture.appendBatches(log, count: 3)
        fs.inject(.syncFailure(pathContains: ".log"))
        #expect { try log.append(BatchFactory().batch(baseOffset: 3), now: TimestampMs(0)) } throws: { error in
            let error = error as? LogError
            return error?.kind == .failed && error?.fileError?.kind == .io && error?.fileError?.operation == .sync
        }
        #expect(log.durableEndOffset == Offset(3))
        // Everything is refused now, reads included: the page cache cannot be trusted.
        #expect { try log.read(from: Offset(0), maxBytes: 100) } throws: { ($0 as? LogError)?.kind == .failed }
        #expect { try log.sync() } throws: { ($0 as? LogError)?.kind == .failed }
        #expect { try log.truncate(after: Offset(0)) } throws: { ($0 as? LogError)?.kind == .failed }
        // The machine dies; what was acknowledged is there after the reopen.
        fs.crash(.lost)
        let reopened = try reopen(fs)
        #expect(try LogFixture.readAll(reopened) == appended)
    }

    @Test func failuresWhileRollingFailTheLogAndRecoveryCopes() throws {
        for operation in [LogFileError.Operation.open, .syncDirectory, .sync] {
            let fs = FaultInjectingFileSystem()
            let log = try reopen(fs)
            let appended = try LogFixture.appendBatches(log, count: 9, payload: 50)  // 999 bytes: full
            let path: String? = operation == .sync ? ".index" : nil
            fs.inject(InjectedFault(operations: [operation], pathContains: path, errno: SystemErrno.io))
            #expect { try log.append(BatchFactory().batch(baseOffset: 9), now: TimestampMs(0)) } throws: {
                ($0 as? LogError)?.kind == .failed
            }
            fs.clearFaults()
            fs.crash(.randomPrefixTearingLast)
            let reopened = try reopen(fs)
            #expect(reopened.recoveryReport.corruption == nil, "\(operation)")
            #expect(try LogFixture.readAll(reopened) == appended, "\(operation)")
            try LogFixture.appendBatches(reopened, count: 3)
            #expect(reopened.logEndOffset == Offset(12))
        }
    }

    @Test func openErrorsAreTyped() throws {
        let fs = FaultInjectingFileSystem()
        try LogFixture.appendBatches(try reopen(fs), count: 3)
        fs.inject(InjectedFault(operations: [.listDirectory], errno: SystemErrno.io))
        #expect { try reopen(fs) } throws: { ($0 as? LogError)?.fileError?.kind == .io }
        fs.inject(InjectedFault(operations: [.read], pathContains: ".log", errno: SystemErrno.io))
        #expect { try reopen(fs) } throws: { ($0 as? LogError)?.fileError?.operation == .read }
        #expect(try LogFixture.readAll(try reopen(fs)).count == 3)
        var bad = configuration
        bad.segmentBytes = 10
        #expect { try SegmentedLog.open(directory: "/x", fileSystem: fs, configuration: bad, now: TimestampMs(0)) } throws: {
            ($0 as? LogError)?.kind == .invalidConfiguration
        }
    }

    @Test func posixErrorsMapToTheSameKinds() throws {
        let temporary = TemporaryDirectory("errno")
        defer { temporary.remove() }
        let fs = PosixFileSystem()
        #expect { try fs.openFile(temporary.path + "/missing", mode: .existing) } throws: {
            ($0 as? LogFileError)?.kind == .notFound
        }
        #expect { try fs.removeFile(temporary.path + "/missing") } throws: { ($0 as? LogFileError)?.kind == .notFound }
        #expect { try fs.listDirectory(temporary.path + "/missing") } throws: { ($0 as? LogFileError)?.kind == .notFound }
        let file = try fs.openFile(temporary.path + "/a", mode: .create)
        try file.write(ByteBuffer(bytes: [1, 2, 3, 4, 5]), at: 10)
        #expect(try file.size() == 15)
        var buffer = ByteBuffer()
        #expect(try file.read(at: 8, count: 100, into: &buffer) == 7)
        #expect(Array(buffer.readableBytesView) == [0, 0, 1, 2, 3, 4, 5])
        try file.truncate(to: 11)
        try file.sync()
        try fs.rename(temporary.path + "/a", to: temporary.path + "/b")
        try fs.syncDirectory(temporary.path)
        #expect(try fs.listDirectory(temporary.path) == ["b"])
        #expect(try file.size() == 11)  // the handle follows the file across the rename
        let state = DurableStateFile(fileSystem: fs, directory: temporary.path, name: "raft.state")
        try state.write([9, 9, 9])
        #expect(try state.read() == [9, 9, 9])
    }
}

/// Relationships between the log's limits (Swift has no static assertions).
@Suite struct LogLimitsTests {
    @Test func limitsNest() {
        // One batch always fits a read and a segment; positions fit the index's 32 bits.
        #expect(Limits.batchBytesMax <= Limits.logReadBytesMax)
        #expect(Limits.batchBytesMax <= Limits.logSegmentBytesMax)
        #expect(Limits.logSegmentBytesMax <= Int(UInt32.max))
        // A directory listing can hold every segment's three files.
        #expect(3 * Limits.logSegmentsMax <= Limits.logDirectoryEntriesMax)
        // The resync budget covers a whole default-sized (1 GiB) segment's worth of candidates
        // only partly, by design; it must at least cover one largest batch.
        #expect(Limits.batchBytesMax <= Limits.logRecoveryResyncBytesMax)
        #expect(LogConfiguration().segmentBytes <= Limits.logSegmentBytesMax)
    }
}
