// Goal: Kafka retention on a Raft partition log removes only applied entries, moves the Raft
// snapshot point to the entry before the new log start (with its term and configuration), keeps
// the leader-epoch cache right, lets the group keep committing, and survives a crash that hits
// after segments were removed but before the new point was recorded. Method: a single-voter
// ReplicaDriver on the fault-injecting file system with small segments and retention.bytes; the
// crash is an injected failure on the snapshot-file write followed by a crash.
import NIOCore
import Testing
import TernLog
import TernModel
import TernRaft
import TernReplication

@Suite struct RetentionTests {
    let one = NodeID(1)

    func leader(_ disk: ReplicaDisk) throws -> ReplicaDriver {
        let driver = try disk.openDriver(seed: 5)
        for _ in 0..<40 where driver.node.currentRole != .leader {
            driver.tick()
            _ = try driver.process(now: TimestampMs(1_000))
        }
        try #require(driver.node.currentRole == .leader)
        for tag in 0..<60 { _ = try driver.propose(TestBatches.data(records: 1 + tag % 3, tag: tag)) }
        _ = try driver.process(now: TimestampMs(2_000))
        return driver
    }

    @Test func retentionMovesTheSnapshotPointAndTheGroupKeepsCommitting() throws {
        let disk = ReplicaDisk(id: one, bootstrap: ClusterConfiguration(voters: [one]), seed: 21, retentionBytes: 2048)
        let driver = try leader(disk)
        let storage = driver.storage
        let before = try storage.entries(after: Offset(-1), countMax: 10_000, bytesMax: 1 << 24)
        #expect(try driver.applyRetention(now: TimestampMs(3_000)))
        let start = storage.log.logStartOffset
        #expect(start > .zero)
        #expect(storage.logStart == start)
        let dropped = try #require(before.last { $0.last < start })
        #expect(storage.snapshotMetadata.last == dropped.id)
        #expect(storage.snapshotMetadata.configuration == ClusterConfiguration(voters: [one]))
        #expect(throws: RaftStorageError.self) { try storage.entryID(atOrBefore: start.previous.previous, termAtMost: Term(9)) }
        #expect(try storage.entryID(atOrBefore: storage.lastIndex, termAtMost: Term(99)) == before.last!.id)
        #expect(try storage.entries(after: start.previous, countMax: 1, bytesMax: 1).first?.first == start)
        #expect(storage.epochCache.runs.first?.start == start)

        let proposal = try driver.propose(TestBatches.data(records: 2, tag: 500))
        let output = try driver.process(now: TimestampMs(4_000))
        #expect(output.committed == [proposal.id])

        disk.fileSystem.crash(.lost)
        let reopened = try disk.openStorage()
        #expect(reopened.snapshotMetadata == storage.snapshotMetadata)
        #expect(reopened.lastIndex == proposal.id.index)
        #expect(reopened.epochCache == storage.epochCache)
    }

    @Test func crashBetweenSegmentRemovalAndTheNewPointIsFinishedOnOpen() throws {
        let disk = ReplicaDisk(id: one, bootstrap: ClusterConfiguration(voters: [one]), seed: 22, retentionBytes: 2048)
        let driver = try leader(disk)
        let lastID = try driver.storage.entryID(atOrBefore: driver.storage.lastIndex, termAtMost: Term(99))
        let before = try driver.storage.entries(after: Offset(-1), countMax: 10_000, bytesMax: 1 << 24)
        disk.fileSystem.inject(InjectedFault(operations: [.open], pathContains: PartitionRaftLog.snapshotFileName, errno: 5))
        #expect(throws: ReplicationError.self) { try driver.applyRetention(now: TimestampMs(3_000)) }
        disk.fileSystem.clearFaults()
        disk.fileSystem.crash(.lost)

        let reopened = try disk.openStorage()
        let start = reopened.log.logStartOffset
        #expect(start > .zero)
        #expect(reopened.snapshotMetadata.last == before.last { $0.last < start }!.id)
        #expect(try reopened.entryID(atOrBefore: reopened.lastIndex, termAtMost: Term(99)) == lastID)
        let restarted = ReplicaDriver(options: RaftOptions(id: one), storage: reopened, seed: 6)
        for _ in 0..<40 where restarted.node.currentRole != .leader {
            restarted.tick()
            _ = try restarted.process(now: TimestampMs(5_000))
        }
        #expect(restarted.node.currentRole == .leader)
        #expect(restarted.highWatermark == lastID.index.next.next)
    }
}
