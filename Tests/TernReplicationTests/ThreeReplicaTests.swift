// Goal: three partition replicas on Raft replicate client batches, survive the leader's crash
// and re-election, remove an old leader's uncommitted tail from its TernLog, and end with
// byte-identical logs up to the high watermark. Method: three ReplicaDrivers, each on its own
// fault-injecting disk, joined by TestCluster's deterministic FIFO queue; failures are isolation
// (messages dropped) and crashes (unsynced writes lost, process restarted from disk).
import NIOCore
import Testing
import TernLog
import TernModel
import TernRaft
import TernReplication
import TernWire

@Suite struct ThreeReplicaTests {
    func logBytes(_ driver: ReplicaDriver, upTo end: Offset) throws -> [[UInt8]] {
        try TestBatches.batches(of: driver.storage.log, upTo: end).map { Array($0.readableBytesView) }
    }

    @Test func replicatesThenTruncatesTheOldLeadersUncommittedTail() throws {
        let cluster = try TestCluster(size: 3)
        let first = try cluster.electLeader(among: cluster.ids)
        let leader = cluster.drivers[first]!
        var proposals: [ProposedBatch] = []
        for tag in 0..<6 { proposals.append(try leader.propose(TestBatches.data(records: 1 + tag % 3, tag: tag))) }
        try cluster.stabilize()
        try cluster.tickAll()  // a heartbeat carries the final commit index to the followers
        let committedHighWatermark = leader.highWatermark
        #expect(committedHighWatermark == proposals[proposals.count - 1].id.index.next)
        for id in cluster.ids {
            #expect(cluster.drivers[id]!.highWatermark == committedHighWatermark)
            #expect(try logBytes(cluster.drivers[id]!, upTo: committedHighWatermark) == logBytes(leader, upTo: committedHighWatermark))
        }
        // Every follower stored the leader's own LEADER_CHANGE batch (leader id, voters).
        let control = try RecordBatch.decode(try TestBatches.batches(of: cluster.drivers[cluster.ids[2]]!.storage.log)[0])
        #expect(try control.leaderChangeMessage()?.leaderId == first)
        #expect(try control.leaderChangeMessage()?.voters == cluster.ids)

        // The leader is cut off and accepts two more batches it can never commit; then it crashes.
        cluster.isolated = [first]
        let oldTerm = leader.node.currentTerm
        for tag in 10..<12 { _ = try leader.propose(TestBatches.data(records: 2, tag: tag)) }
        _ = try leader.process(now: cluster.now)
        let oldTailEnd = leader.storage.log.logEndOffset
        #expect(oldTailEnd > committedHighWatermark)
        #expect(leader.highWatermark == committedHighWatermark)
        cluster.crash(first)

        // The others elect a new leader in a higher term, which commits new batches.
        let others = cluster.ids.filter { $0 != first }
        let second = try cluster.electLeader(among: others, above: oldTerm)
        let newLeader = cluster.drivers[second]!
        for tag in 20..<25 { _ = try newLeader.propose(TestBatches.data(records: 1, tag: tag)) }
        try cluster.stabilize()
        try cluster.tickAll()
        let newHighWatermark = newLeader.highWatermark
        #expect(newHighWatermark > committedHighWatermark)

        // The old leader restarts with its uncommitted tail still on disk (it was fsynced)...
        try cluster.restart(first)
        let restarted = cluster.drivers[first]!
        #expect(restarted.storage.log.logEndOffset == oldTailEnd)
        #expect(restarted.storage.epochCache.runs.last?.term == oldTerm)
        // ...then rejoins: the new leader's log replaces its tail.
        cluster.isolated = []
        for _ in 0..<30 where restarted.highWatermark < newHighWatermark { try cluster.tickAll() }
        try cluster.tickAll()
        let finalHighWatermark = newLeader.highWatermark
        #expect(restarted.highWatermark == finalHighWatermark)
        let reference = try logBytes(newLeader, upTo: finalHighWatermark)
        for id in cluster.ids {
            let driver = cluster.drivers[id]!
            #expect(try logBytes(driver, upTo: finalHighWatermark) == reference)
            #expect(driver.storage.log.logEndOffset == newLeader.storage.log.logEndOffset)
        }
        // No batch of the old term remains past the old commit point on the old leader.
        for batch in try TestBatches.batches(of: restarted.storage.log) {
            let header = try RecordBatchHeader.verifyCRC(of: batch)
            if header.firstOffset >= committedHighWatermark {
                #expect(header.partitionLeaderEpoch > oldTerm.leaderEpoch)
            }
        }
        // The new term began with the new leader's LEADER_CHANGE at the old commit point.
        let marker = try RecordBatch.decode(try TestBatches.batches(of: restarted.storage.log)
            .first { try RecordBatchHeader(parsing: $0).firstOffset == committedHighWatermark }!)
        #expect(try marker.leaderChangeMessage()?.leaderId == second)
    }

    @Test func malformedEntriesAreDroppedBeforeTheCore() throws {
        let cluster = try TestCluster(size: 3)
        let leaderID = try cluster.electLeader(among: cluster.ids)
        let follower = cluster.drivers[cluster.ids.first { $0 != leaderID }!]!
        let term = cluster.drivers[leaderID]!.node.currentTerm
        let last = follower.storage.lastIndex
        let prevTerm = try #require(try follower.storage.term(at: last))
        var batch = TestBatches.data(records: 2, tag: 1)
        RecordBatchHeader.rewrite(baseOffset: last.next, partitionLeaderEpoch: term.leaderEpoch, in: &batch)
        var bytes = Array(batch.readableBytesView)
        bytes[bytes.count - 1] ^= 0x01  // breaks the CRC
        let entry = Entry(first: last.next, last: last.next.advanced(by: 1), term: term, kind: .normal, payload: bytes)
        let message = Message(
            from: leaderID, to: follower.node.id, term: term,
            kind: .append(AppendRequest(prev: EntryID(index: last, term: prevTerm), entries: [entry], commit: last)))
        #expect(throws: ReplicationError.self) { try follower.step(message) }
        #expect(follower.storage.lastIndex == last)
        // A leader-change entry without its batch is refused too.
        let bare = Entry(first: last.next, last: last.next, term: term, kind: .leaderChange, payload: [])
        var second = message
        second.kind = .append(AppendRequest(prev: EntryID(index: last, term: prevTerm), entries: [bare], commit: last))
        #expect(throws: ReplicationError.self) { try follower.step(second) }
    }

    @Test("a follower that fell behind the leader's log start catches up through a snapshot")
    func followerBehindLogStartCatchesUpBySnapshot() throws {
        let cluster = try TestCluster(size: 3, retentionBytes: 2048)
        let first = try cluster.electLeader(among: cluster.ids)
        let leader = cluster.drivers[first]!
        let lagging = cluster.ids.first { $0 != first }!
        for tag in 0..<3 { _ = try leader.propose(TestBatches.data(records: 1, tag: tag)) }
        try cluster.stabilize()
        let laggingEnd = cluster.drivers[lagging]!.storage.lastIndex

        // Cut off, the follower misses 60 batches; retention then removes what it would need.
        cluster.isolated = [lagging]
        for tag in 10..<70 { _ = try leader.propose(TestBatches.data(records: 1 + tag % 3, tag: tag)) }
        try cluster.stabilize()
        try cluster.tickAll()
        #expect(try leader.applyRetention(now: cluster.now))
        let logStart = leader.storage.log.logStartOffset
        #expect(logStart > laggingEnd.next, "retention must pass the follower's end for this test")

        cluster.isolated = []
        for _ in 0..<20 where cluster.drivers[lagging]!.highWatermark < leader.highWatermark { try cluster.tickAll() }
        let follower = cluster.drivers[lagging]!
        #expect(follower.highWatermark == leader.highWatermark)
        #expect(follower.storage.snapshotMetadata.last.index > laggingEnd, "the follower installed a snapshot")
        #expect(follower.storage.log.logStartOffset == logStart, "the follower's log starts where the leader's does")
        // Everything the follower holds matches the leader's bytes for the same offsets.
        let start = follower.storage.log.logStartOffset
        let mine = try TestBatches.batches(of: follower.storage.log, upTo: leader.highWatermark)
        let theirs = try TestBatches.batches(of: leader.storage.log, upTo: leader.highWatermark).filter {
            RecordBatchHeaderOffsets.base(of: $0) >= start
        }
        #expect(!mine.isEmpty)
        #expect(mine.map { Array($0.readableBytesView) } == theirs.map { Array($0.readableBytesView) })

        // And it keeps replicating after the snapshot.
        let next = try leader.propose(TestBatches.data(records: 2, tag: 99))
        try cluster.stabilize()
        try cluster.tickAll()
        #expect(cluster.drivers[lagging]!.highWatermark > next.id.index)
    }
}

/// The base offset of a stored batch (its first 8 bytes).
enum RecordBatchHeaderOffsets {
    static func base(of batch: ByteBuffer) -> Offset {
        Offset(batch.getInteger(at: batch.readerIndex, as: Int64.self) ?? -1)
    }
}
