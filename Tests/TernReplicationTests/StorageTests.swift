// Goal: PartitionRaftLog's own persistence rules: the hard state is durable after persist and
// comes back on reopen; a commit-only change is not worth an fsync; a snapshot install records
// the compaction point durably and restarts the TernLog after it; the codecs refuse malformed
// state. Method: Ready values built by hand and persisted on the fault-injecting file system,
// with crashes (unsynced writes lost) between steps.
import NIOCore
import Testing
import TernLog
import TernModel
import TernRaft
import TernReplication

@Suite struct StorageTests {
    let voters = [NodeID(1), NodeID(2), NodeID(3)]

    func dataEntry(first: Offset, records: Int, term: Term, tag: Int) -> Entry {
        let batch = TestBatches.data(records: records, tag: tag)
        return Entry(
            first: first, last: first.advanced(by: Int64(records - 1)), term: term, kind: .normal,
            payload: Array(batch.readableBytesView))
    }

    func persist(_ storage: PartitionRaftLog, _ ready: Ready) throws {
        try storage.persist(ready, batches: try storage.encode(ready.entries, now: TimestampMs(1)), now: TimestampMs(1))
    }

    @Test func hardStateSurvivesCrashAndCommitOnlyChangesWaitForAVotingChange() throws {
        let disk = ReplicaDisk(id: NodeID(2), bootstrap: ClusterConfiguration(voters: voters), seed: 3)
        let storage = try disk.openStorage()
        #expect(storage.hardState == .initial)
        let voted = HardState(term: Term(4), vote: NodeID(3), commit: Offset(-1))
        try persist(storage, Ready(hardState: voted, entries: [dataEntry(first: .zero, records: 3, term: Term(4), tag: 1)], mustSync: true))
        try persist(storage, Ready(hardState: HardState(term: Term(4), vote: NodeID(3), commit: Offset(2))))
        #expect(storage.hardState == voted)  // commit only, no sync: not written
        disk.fileSystem.crash(.lost)
        let reopened = try disk.openStorage()
        #expect(reopened.hardState == voted)
        #expect(reopened.lastIndex == Offset(2))
        #expect(try reopened.term(at: Offset(2)) == Term(4))
        // A sync alone does not write a commit-only change either (group commit stays one fsync)...
        let committed = HardState(term: Term(4), vote: NodeID(3), commit: Offset(4))
        try persist(reopened, Ready(hardState: committed, entries: [dataEntry(first: Offset(3), records: 2, term: Term(4), tag: 2)], mustSync: true))
        disk.fileSystem.crash(.lost)
        let again = try disk.openStorage()
        #expect(again.hardState == voted)
        #expect(again.lastIndex == Offset(4))
        // ...but the commit rides along with the next term or vote change.
        let newTerm = HardState(term: Term(5), vote: nil, commit: Offset(4))
        try persist(again, Ready(hardState: newTerm))
        disk.fileSystem.crash(.lost)
        #expect(try disk.openStorage().hardState == newTerm)
    }

    @Test func snapshotInstallRestartsTheLogAfterThePoint() throws {
        let disk = ReplicaDisk(id: NodeID(2), bootstrap: ClusterConfiguration(voters: voters), seed: 4)
        let storage = try disk.openStorage()
        try persist(storage, Ready(entries: [dataEntry(first: .zero, records: 4, term: Term(1), tag: 1)], mustSync: true))
        let point = SnapshotMetadata(
            last: EntryID(index: Offset(99), term: Term(3)),
            configuration: ClusterConfiguration(voters: voters, learners: [NodeID(4)]))
        try persist(storage, Ready(snapshot: Snapshot(metadata: point), mustSync: true))
        #expect(storage.lastIndex == Offset(99))
        #expect(storage.logStart == Offset(100))
        #expect(storage.log.logEndOffset == Offset(100))
        #expect(try storage.entryID(atOrBefore: Offset(150), termAtMost: Term(9)) == point.last)
        #expect(throws: RaftStorageError.self) { try storage.entryID(atOrBefore: Offset(50), termAtMost: Term(9)) }
        try persist(storage, Ready(entries: [dataEntry(first: Offset(100), records: 2, term: Term(3), tag: 2)], mustSync: true))
        disk.fileSystem.crash(.lost)
        let reopened = try disk.openStorage()
        #expect(reopened.snapshotMetadata == point)
        #expect(reopened.lastIndex == Offset(101))
        #expect(try reopened.entryID(atOrBefore: Offset(101), termAtMost: Term(3)) == EntryID(index: Offset(101), term: Term(3)))
        #expect(try reopened.entries(after: Offset(99), countMax: 10, bytesMax: 1 << 20).map(\.id) == [EntryID(index: Offset(101), term: Term(3))])
    }

    @Test func configurationValuesRoundTripAndMalformedOnesAreRefused() {
        let configuration = ClusterConfiguration(voters: voters, learners: [NodeID(7)])
        let encoded = EntryBatchCodec.encodeConfiguration(configuration)
        #expect(EntryBatchCodec.decodeConfiguration(encoded) == configuration)
        let bytes = Array(encoded.readableBytesView)
        // Every truncation, and a trailing byte, is refused (nil), never a trap.
        for length in 0..<bytes.count {
            #expect(EntryBatchCodec.decodeConfiguration(ByteBuffer(bytes: Array(bytes.prefix(length)))) == nil)
        }
        #expect(EntryBatchCodec.decodeConfiguration(ByteBuffer(bytes: bytes + [0])) == nil)
        var duplicate = ByteBuffer()
        duplicate.writeInteger(Int16(0))
        duplicate.writeInteger(Int32(2))
        duplicate.writeInteger(Int32(1))
        duplicate.writeInteger(Int32(1))
        duplicate.writeInteger(Int32(0))
        #expect(EntryBatchCodec.decodeConfiguration(duplicate) == nil)
        var huge = ByteBuffer()
        huge.writeInteger(Int16(0))
        huge.writeInteger(Int32.max)
        #expect(EntryBatchCodec.decodeConfiguration(huge) == nil)
    }
}
