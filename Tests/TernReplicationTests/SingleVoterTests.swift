// Goal: a one-voter partition group (a broker that is a cluster of one) elects itself, writes its
// LEADER_CHANGE control batch first, commits proposals and moves the high watermark, stores the
// client's batches byte for byte apart from the stamped offset and epoch, and after a crash that
// loses unsynced writes recovers exactly its durable hard state and log and leads again in a
// higher term. Method: one ReplicaDriver over PartitionRaftLog on TernLog's fault-injecting file
// system, driven by hand; assertions decode the stored batches with TernWire.
import NIOCore
import Testing
import TernLog
import TernModel
import TernRaft
import TernReplication
import TernWire

@Suite struct SingleVoterTests {
    let one = NodeID(1)

    func becomeLeader(_ driver: ReplicaDriver, now: TimestampMs) throws {
        // Bounded: a single voter wins its first election within two timeouts.
        for _ in 0..<40 where driver.node.currentRole != .leader {
            driver.tick()
            _ = try driver.process(now: now)
        }
    }

    @Test func leaderWritesLeaderChangeThenCommitsProposals() throws {
        let disk = ReplicaDisk(id: one, bootstrap: ClusterConfiguration(voters: [one]), seed: 7)
        let driver = try disk.openDriver(seed: 11)
        try becomeLeader(driver, now: TimestampMs(5_000))
        #expect(driver.node.currentRole == .leader)
        let term = driver.node.currentTerm
        #expect(term >= Term(1))

        // The first batch is a real Kafka LEADER_CHANGE control batch of this term.
        let first = try TestBatches.batches(of: driver.storage.log)
        #expect(first.count == 1)
        let control = try RecordBatch.decode(first[0])
        #expect(control.header.attributes.isControlBatch)
        #expect(control.header.baseOffset == 0)
        #expect(control.header.partitionLeaderEpoch == term.leaderEpoch)
        #expect(try control.controlRecordTypes() == [.leaderChange])
        let message = try #require(try control.leaderChangeMessage())
        #expect(message.leaderId == one)
        #expect(message.voters == [one])
        #expect(driver.highWatermark == Offset(1))

        var sent: [ByteBuffer] = []
        var proposals: [ProposedBatch] = []
        for (tag, records) in [3, 1, 7, 2, 5].enumerated() {
            let batch = TestBatches.data(records: records, tag: tag)
            sent.append(batch)
            proposals.append(try driver.propose(batch))
        }
        let output = try driver.process(now: TimestampMs(6_000))
        #expect(output.committed == proposals.map(\.id))
        #expect(proposals.map(\.baseOffset) == [1, 4, 5, 12, 14].map { Offset($0) })
        #expect(output.highWatermark == Offset(19))
        #expect(driver.highWatermark == Offset(19))

        let stored = try TestBatches.batches(of: driver.storage.log)
        #expect(stored.count == 6)
        for (index, batch) in stored.dropFirst().enumerated() {
            let header = try RecordBatchHeader.verifyCRC(of: batch)
            #expect(header.firstOffset == proposals[index].baseOffset)
            #expect(header.partitionLeaderEpoch == term.leaderEpoch)
            #expect(TestBatches.unstamped(batch) == TestBatches.unstamped(sent[index]))
            _ = try RecordBatch.decode(batch)
        }
    }

    @Test func crashLosingUnsyncedWritesRecoversDurableStateAndLeadsAgain() throws {
        let disk = ReplicaDisk(id: one, bootstrap: ClusterConfiguration(voters: [one]), seed: 8)
        var driver = try disk.openDriver(seed: 12)
        try becomeLeader(driver, now: TimestampMs(5_000))
        for tag in 0..<20 { _ = try driver.propose(TestBatches.data(records: 1 + tag % 4, tag: tag)) }
        _ = try driver.process(now: TimestampMs(6_000))
        let durableLog = try TestBatches.batches(of: driver.storage.log).map { Array($0.readableBytesView) }
        let durableState = driver.storage.hardState
        let oldTerm = driver.node.currentTerm
        let oldHighWatermark = driver.highWatermark
        #expect(driver.storage.log.segmentBaseOffsets.count > 1)

        // A write that never reached an fsync (the crash hits between append and sync).
        var extra = TestBatches.data(records: 2, tag: 99)
        RecordBatchHeader.rewrite(baseOffset: driver.storage.log.logEndOffset, partitionLeaderEpoch: oldTerm.leaderEpoch, in: &extra)
        try driver.storage.log.appendUnsynced(extra, now: TimestampMs(7_000))
        disk.fileSystem.crash(.lost)

        let storage = try disk.openStorage()
        #expect(storage.hardState == durableState)
        #expect(try TestBatches.batches(of: storage.log).map { Array($0.readableBytesView) } == durableLog)
        #expect(storage.lastIndex == oldHighWatermark.previous)

        driver = ReplicaDriver(options: RaftOptions(id: one), storage: storage, seed: 13)
        try becomeLeader(driver, now: TimestampMs(8_000))
        #expect(driver.node.currentRole == .leader)
        #expect(driver.node.currentTerm > oldTerm)
        // The new term's LEADER_CHANGE follows the old log and commits it all.
        let stored = try TestBatches.batches(of: driver.storage.log)
        let last = try RecordBatch.decode(stored[stored.count - 1])
        #expect(last.header.firstOffset == oldHighWatermark)
        #expect(last.header.partitionLeaderEpoch == driver.node.currentTerm.leaderEpoch)
        #expect(try last.leaderChangeMessage()?.leaderId == one)
        #expect(driver.highWatermark == oldHighWatermark.next)
    }
}
