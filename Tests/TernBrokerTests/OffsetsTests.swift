// Goal: ListOffsets answers earliest (-2), latest (-1), max timestamp (-3, v7) and
// offsetsForTimes with the offset of the first *record* (not batch) whose timestamp is at least
// the asked one; OffsetForLeaderEpoch answers the end offset of the asked epoch (KIP-320).
// Method: batches with explicit record timestamps, produced with acks=-1, then ListOffsets v1–v7
// and OffsetForLeaderEpoch v2–v4 through `Broker.handle`. The clock is frozen below the record
// timestamps, so the leader's LEADER_CHANGE batch at offset 0 is older than every record.
import NIOCore
import TernBroker
import TernModel
import TernTransport
import TernWire
import Testing

@Suite struct OffsetsTests {
    static let clockTime: Int64 = 1_750_000_000_000
    static let base: Int64 = clockTime + 60_000

    /// Offsets 1–4: base+0, +10, +20, +30; 5–7: +100, +110, +120; 8–10: +200, +250, +220.
    static func produceTimedBatches(_ broker: TestBroker, topic: String) async throws {
        try await broker.createTopic(topic)
        let batches: [[Int64]] = [[0, 10, 20, 30], [100, 110, 120], [200, 250, 220]]
        var expectedBase: Int64 = 1
        for (index, deltas) in batches.enumerated() {
            let offset = try await broker.produceOK(
                topic, records: TestBatch.records(timestamps: deltas.map { base + $0 }, tag: "b\(index)"))
            #expect(offset == expectedBase)
            expectedBase += Int64(deltas.count)
        }
    }

    @Test("ListOffsets -2 → 0, -1 → high watermark, at every version")
    func earliestAndLatest() async throws {
        try await withBroker(clock: TestClock(frozenAt: Self.clockTime)) { broker in
            try await Self.produceTimedBatches(broker, topic: "ends")
            let epoch = try await broker.leaderEpoch("ends")
            for version: Int16 in 1...7 {
                let earliest = try await broker.listOffset("ends", timestamp: -2, version: version)
                #expect(earliest.errorCode == 0)
                #expect(earliest.offset == 0, "v\(version)")
                #expect(earliest.timestamp == -1)
                let latest = try await broker.listOffset("ends", timestamp: -1, version: version)
                #expect(latest.errorCode == 0)
                #expect(latest.offset == 11, "v\(version)")
                #expect(latest.timestamp == -1)
                if version >= 4 {
                    #expect(latest.leaderEpoch == epoch)
                    #expect(earliest.leaderEpoch == epoch)
                }
            }
            #expect(try await broker.listOffset("ends", partition: 1, timestamp: -1).errorCode == 3)
            #expect(try await broker.listOffset("absent", timestamp: -1).errorCode == 3)
            #expect(try await broker.listOffset("ends", timestamp: -4).errorCode == 42)
        }
    }

    @Test("ListOffsets by timestamp → the first record with ts >= t, also in the middle of a batch")
    func byTimestamp() async throws {
        try await withBroker(clock: TestClock(frozenAt: Self.clockTime)) { broker in
            try await Self.produceTimedBatches(broker, topic: "times")
            let epoch = try await broker.leaderEpoch("times")
            // (asked delta from base, expected offset, expected record delta)
            let cases: [(Int64, Int64, Int64)] = [
                (-30_000, 1, 0), (0, 1, 0), (5, 2, 10), (10, 2, 10), (15, 3, 20), (30, 4, 30), (31, 5, 100),
                (50, 5, 100), (115, 7, 120), (120, 7, 120), (121, 8, 200), (201, 9, 250), (230, 9, 250), (250, 9, 250),
            ]
            for version: Int16 in [1, 4, 7] {
                for (asked, offset, delta) in cases {
                    let answer = try await broker.listOffset("times", timestamp: Self.base + asked, version: version)
                    #expect(answer.errorCode == 0)
                    #expect(answer.offset == offset, "v\(version) t=base+\(asked)")
                    #expect(answer.timestamp == Self.base + delta, "v\(version) t=base+\(asked)")
                    if version >= 4 { #expect(answer.leaderEpoch == epoch) }
                }
                let after = try await broker.listOffset("times", timestamp: Self.base + 251, version: version)
                #expect(after.errorCode == 0)
                #expect(after.offset == -1, "v\(version) after every record")
                #expect(after.timestamp == -1)
            }
        }
    }

    @Test("ListOffsets v7 -3 → the record with the largest timestamp")
    func maxTimestamp() async throws {
        try await withBroker(clock: TestClock(frozenAt: Self.clockTime)) { broker in
            try await Self.produceTimedBatches(broker, topic: "max")
            let answer = try await broker.listOffset("max", timestamp: -3, version: 7)
            #expect(answer.errorCode == 0)
            #expect(answer.offset == 9)
            #expect(answer.timestamp == Self.base + 250)
            // A later batch with a smaller maximum does not change the answer.
            try await broker.produceOK("max", records: TestBatch.records(timestamps: [Self.base + 240, Self.base + 245]))
            let again = try await broker.listOffset("max", timestamp: -3, version: 7)
            #expect(again.offset == 9)
            #expect(again.timestamp == Self.base + 250)
            // A larger one does.
            try await broker.produceOK("max", records: TestBatch.records(timestamps: [Self.base + 300, Self.base + 400, Self.base + 350]))
            let newest = try await broker.listOffset("max", timestamp: -3, version: 7)
            #expect(newest.offset == 14)
            #expect(newest.timestamp == Self.base + 400)
        }
    }

    @Test("ListOffsets on a LogAppendTime topic answers by the broker's append times")
    func byLogAppendTime() async throws {
        let clock = TestClock(frozenAt: Self.clockTime)
        try await withBroker(clock: clock) { broker in
            try await broker.createTopic("appended", configs: ["message.timestamp.type": "LogAppendTime"])
            // Producer timestamps far in the past; only the append times count.
            clock.set(Self.clockTime + 1_000)
            try await broker.produceOK("appended", records: TestBatch.records(3, baseTimestamp: 1_000))
            clock.set(Self.clockTime + 2_000)
            try await broker.produceOK("appended", records: TestBatch.records(2, baseTimestamp: 900_000))
            let first = try await broker.listOffset("appended", timestamp: Self.clockTime + 500)
            #expect(first.offset == 1)
            #expect(first.timestamp == Self.clockTime + 1_000)
            let second = try await broker.listOffset("appended", timestamp: Self.clockTime + 1_001)
            #expect(second.offset == 4)
            #expect(second.timestamp == Self.clockTime + 2_000)
            #expect(try await broker.listOffset("appended", timestamp: Self.clockTime + 2_001).offset == -1)
            let newest = try await broker.listOffset("appended", timestamp: -3)
            #expect(newest.offset == 4)
            #expect(newest.timestamp == Self.clockTime + 2_000)
        }
    }

    @Test("ListOffsets v4+ CurrentLeaderEpoch fencing: older → 74, newer → 75")
    func listOffsetsFencing() async throws {
        try await withBroker { broker in
            try await broker.createTopic("fenced")
            let epoch = try await broker.leaderEpoch("fenced")
            #expect(try await broker.listOffset("fenced", timestamp: -1, currentLeaderEpoch: epoch, version: 4).errorCode == 0)
            #expect(try await broker.listOffset("fenced", timestamp: -1, currentLeaderEpoch: epoch - 1, version: 4).errorCode == 74)
            #expect(try await broker.listOffset("fenced", timestamp: -1, currentLeaderEpoch: epoch + 1, version: 7).errorCode == 75)
        }
    }

    static func endOffset(
        _ broker: TestBroker, _ topic: String, partition: Int32 = 0, epoch: Int32, current: Int32 = -1, version: Int16
    ) async throws -> OffsetForLeaderEpochResponse.EpochEndOffset {
        let request = OffsetForLeaderEpochRequest(
            topics: [
                OffsetForLeaderEpochRequest.OffsetForLeaderTopic(
                    topic: topic,
                    partitions: [
                        OffsetForLeaderEpochRequest.OffsetForLeaderPartition(
                            partition: partition, currentLeaderEpoch: current, leaderEpoch: epoch)
                    ])
            ])
        let response = try await broker.call(request, version: version)
        return try #require(response.topics.first?.partitions.first)
    }

    @Test("OffsetForLeaderEpoch v2–v4: the current epoch → log end offset; epoch 0 → -1/-1")
    func offsetForLeaderEpoch() async throws {
        try await withBroker { broker in
            try await broker.createTopic("epoch-ends")
            try await broker.produceOK("epoch-ends", records: TestBatch.records(6))
            let epoch = try await broker.leaderEpoch("epoch-ends")
            #expect(epoch >= 1)
            for version: Int16 in 2...4 {
                let current = try await Self.endOffset(broker, "epoch-ends", epoch: epoch, version: version)
                #expect(current.errorCode == 0)
                #expect(current.leaderEpoch == epoch, "v\(version)")
                #expect(current.endOffset == 7, "v\(version)")
                // A newer epoch than any in the log: the largest one at most it, i.e. the current one.
                let newer = try await Self.endOffset(broker, "epoch-ends", epoch: epoch + 5, version: version)
                #expect(newer.leaderEpoch == epoch)
                #expect(newer.endOffset == 7)
                let older = try await Self.endOffset(broker, "epoch-ends", epoch: 0, version: version)
                #expect(older.errorCode == 0)
                #expect(older.leaderEpoch == -1, "v\(version)")
                #expect(older.endOffset == -1, "v\(version)")
                let checked = try await Self.endOffset(broker, "epoch-ends", epoch: epoch, current: epoch, version: version)
                #expect(checked.errorCode == 0)
                #expect(try await Self.endOffset(broker, "epoch-ends", epoch: epoch, current: epoch - 1, version: version).errorCode == 74)
                #expect(try await Self.endOffset(broker, "epoch-ends", epoch: epoch, current: epoch + 1, version: version).errorCode == 75)
                #expect(try await Self.endOffset(broker, "no-such", epoch: epoch, version: version).errorCode == 3)
                #expect(try await Self.endOffset(broker, "epoch-ends", partition: 7, epoch: epoch, version: version).errorCode == 3)
            }
        }
    }
}
