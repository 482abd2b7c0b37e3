// Goal: the durable state file (Raft term and vote) is all-or-nothing. It round-trips any
// payload, reports every kind of damage as a typed error (never a wrong value), and an atomic
// replace interrupted by a crash at EVERY step (open temp, write, fsync, rename, directory
// fsync), with every fate of the unsynced changes, reads back as the old value or the new one.
// Method: the fault-injecting file system fails the n-th mutating operation, then crashes.
import NIOCore
import Testing
import TernModel

@testable import TernLog

@Suite struct DurableStateFileTests {
    func stateFile(_ fs: any LogFileSystem) -> DurableStateFile {
        DurableStateFile(fileSystem: fs, directory: LogFixture.directory, name: "raft.state")
    }

    @Test func payloadsRoundTripAndAMissingFileIsNil() throws {
        let fs = FaultInjectingFileSystem()
        try fs.createDirectory(LogFixture.directory)
        let file = stateFile(fs)
        #expect(try file.read() == nil)
        for payload in [[], [1], Array(0..<255), [UInt8](repeating: 7, count: 10_000)] as [[UInt8]] {
            try file.write(payload)
            #expect(try file.read() == payload)
        }
        #expect { try file.write([UInt8](repeating: 0, count: Limits.durableStatePayloadBytesMax + 1)) } throws: {
            ($0 as? DurableStateError)?.kind == .payloadTooLarge
        }
    }

    @Test func everyDamageIsATypedError() throws {
        let fs = FaultInjectingFileSystem()
        try fs.createDirectory(LogFixture.directory)
        let file = stateFile(fs)
        try file.write(Array("term=7 vote=3".utf8))
        let path = LogFixture.directory + "/raft.state"
        let good = fs.contents(of: path)!
        // Every single-bit flip is caught (CRC-32C detects all 1-bit errors).
        for byte in 0..<good.count {
            for bit in [0, 5] {
                fs.replaceContents(file: path, with: good)
                fs.flipBit(file: path, atByte: byte, bit: bit)
                #expect(throws: DurableStateError.self) { try file.read() }
            }
        }
        // Every cut length is caught too.
        for length in 0..<good.count {
            fs.replaceContents(file: path, with: Array(good.prefix(length)))
            #expect(throws: DurableStateError.self) { try file.read() }
        }
        fs.replaceContents(file: path, with: Array("not a state file at all".utf8))
        #expect { try file.read() } throws: { ($0 as? DurableStateError)?.kind == .badMagic }
        fs.replaceContents(file: path, with: Array(good.prefix(10)))
        #expect { try file.read() } throws: { ($0 as? DurableStateError)?.kind == .tooShort }
        fs.replaceContents(file: path, with: [UInt8](repeating: 1, count: Limits.durableStatePayloadBytesMax + 100))
        #expect { try file.read() } throws: { ($0 as? DurableStateError)?.kind == .payloadTooLarge }
    }

    @Test func aCrashAtEveryStepLeavesTheOldOrTheNewValue() throws {
        let old = Array("term=4 vote=2".utf8)
        let new = Array("term=5 vote=1 and a longer payload".utf8)
        let fates: [FaultInjectingFileSystem.UnsyncedFate] = [.lost, .randomPrefix, .randomPrefixTearingLast]
        var sawOld = false
        var sawNew = false
        for step in 0..<6 {
            for seed in 0..<30 {
                let fs = FaultInjectingFileSystem(seed: UInt64(seed))
                try fs.createDirectory(LogFixture.directory)
                try stateFile(fs).write(old)
                // The step-th mutating operation of the replace fails; then the machine dies.
                fs.inject(InjectedFault(
                    operations: InjectedFault.mutatingOperations, skip: step, errno: SystemErrno.io,
                    partialWriteBytes: seed % 9))
                let completed = (try? stateFile(fs).write(new)) != nil
                fs.clearFaults()
                fs.crash(fates[seed % fates.count])
                let value = try stateFile(fs).read()
                #expect(value == old || value == new, "step \(step) seed \(seed)")
                if completed { #expect(value == new, "step \(step): a completed write is durable") }
                sawOld = sawOld || value == old
                sawNew = sawNew || value == new
            }
        }
        #expect(sawOld)
        #expect(sawNew)
    }
}
