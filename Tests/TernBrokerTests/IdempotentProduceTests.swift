// Goal: idempotent producers (issue 7) on one broker: InitProducerId hands out distinct ids from
// controller-allocated blocks and bumps epochs; the partition leader answers a retried batch with
// its original offset without writing it again, and refuses gaps, fenced epochs and new epochs
// that do not start at 0 with Kafka's codes; the state survives a restart, from the snapshot and
// from the log alone.
// Method: requests through `Broker.handle` on a fresh broker; batches are TestBatch records with
// the producer fields set and the CRC resealed.
import Foundation
import NIOCore
import TernBroker
import TernModel
import TernWire
import Testing

@Suite struct IdempotentProduceTests {
    /// `count` records of producer `producer`, epoch `epoch`, first sequence `sequence`.
    static func batch(producer: Int64, epoch: Int16, sequence: Int32, count: Int = 3, tag: String = "i") -> ByteBuffer {
        TestBatch.resealed(TestBatch.records(count, tag: tag)) { buffer, start in
            buffer.setInteger(producer, at: start + 43)
            buffer.setInteger(epoch, at: start + 51)
            buffer.setInteger(sequence, at: start + 53)
        }
    }

    static func initProducer(
        _ broker: TestBroker, version: Int16 = 4, producer: Int64 = -1, epoch: Int16 = -1, transactional: String? = nil
    ) async throws -> InitProducerIdResponse {
        var request = InitProducerIdRequest()
        request.transactionalId = transactional
        request.transactionTimeoutMs = 60_000
        request.producerId = producer
        request.producerEpoch = epoch
        return try await broker.call(request, version: version)
    }

    @Test("InitProducerId: distinct ids with epoch 0, epoch bumps for a known id, Kafka's refusals")
    func initProducerId() async throws {
        try await withBroker { broker in
            var ids: [Int64] = []
            for version: Int16 in 0...4 {
                let answer = try await Self.initProducer(broker, version: version)
                #expect(answer.errorCode == 0 && answer.producerEpoch == 0, "v\(version): \(answer)")
                ids.append(answer.producerId)
            }
            #expect(Set(ids).count == ids.count && ids.allSatisfy { $0 >= 0 }, "ids \(ids)")
            let bumped = try await Self.initProducer(broker, producer: ids[0], epoch: 0)
            #expect(bumped.errorCode == 0 && bumped.producerId == ids[0] && bumped.producerEpoch == 1)
            let last = try await Self.initProducer(broker, producer: ids[0], epoch: Int16.max - 1)
            #expect(last.errorCode == 0 && last.producerEpoch == 0 && !ids.contains(last.producerId), "\(last)")
            let unknown = try await Self.initProducer(broker, producer: 1 << 40, epoch: 0)
            #expect(unknown.errorCode == ErrorCode.invalidProducerIdMapping.rawValue)
            let noEpoch = try await Self.initProducer(broker, producer: ids[0], epoch: -1)
            #expect(noEpoch.errorCode == ErrorCode.invalidRequest.rawValue)
            let transactional = try await Self.initProducer(broker, transactional: "tx")
            #expect(transactional.errorCode == ErrorCode.transactionalIdAuthorizationFailed.rawValue)
        }
    }

    @Test("a retried batch gets its original offset and is not written again; gaps, fenced and new epochs are refused")
    func duplicatesAndSequences() async throws {
        try await withBroker { broker in
            try await broker.createTopic("idem")
            let producer = try await Self.initProducer(broker).producerId
            let first = Self.batch(producer: producer, epoch: 0, sequence: 0)
            // The leader's LEADER_CHANGE control batch comes first in the log.
            let base = try await broker.produceOK("idem", records: first)
            #expect(try await broker.produceOK("idem", records: first) == base, "the retry gets the original offset")
            #expect(try await broker.highWatermark("idem") == base + 3, "and is not written again")
            #expect(try await broker.produceOK("idem", records: Self.batch(producer: producer, epoch: 0, sequence: 3)) == base + 3)
            // Still within the last five batches.
            #expect(try await broker.produceOK("idem", records: first) == base)
            let gap = try await broker.produce("idem", records: Self.batch(producer: producer, epoch: 0, sequence: 10))
            #expect(gap.errorCode == ErrorCode.outOfOrderSequenceNumber.rawValue)
            let bumped = try await Self.initProducer(broker, producer: producer, epoch: 0)
            #expect(bumped.producerEpoch == 1)
            let notZero = try await broker.produce("idem", records: Self.batch(producer: producer, epoch: 1, sequence: 6))
            #expect(notZero.errorCode == ErrorCode.outOfOrderSequenceNumber.rawValue, "a new epoch starts at 0")
            #expect(try await broker.produceOK("idem", records: Self.batch(producer: producer, epoch: 1, sequence: 0)) == base + 6)
            let fenced = try await broker.produce("idem", records: Self.batch(producer: producer, epoch: 0, sequence: 6))
            #expect(fenced.errorCode == ErrorCode.invalidProducerEpoch.rawValue)
            // A producer with no state here may start at any sequence.
            let other = try await Self.initProducer(broker).producerId
            #expect(try await broker.produceOK("idem", records: Self.batch(producer: other, epoch: 0, sequence: 17)) == base + 9)
            #expect(try await broker.highWatermark("idem") == base + 12)
            // Sequences wrap from Int32.max to 0.
            let wrapping = try await Self.initProducer(broker).producerId
            let high = Int32.max - 1
            #expect(try await broker.produceOK("idem", records: Self.batch(producer: wrapping, epoch: 0, sequence: high)) == base + 12)
            #expect(try await broker.produceOK("idem", records: Self.batch(producer: wrapping, epoch: 0, sequence: 1)) == base + 15)
            // Every record is in the log once.
            let values = try TestBatch.values(try await broker.fetchAll("idem").batches)
            #expect(values.map(\.offset) == Array(base..<(base + 18)))
        }
    }

    @Test("a producer idle longer than producer.id.expiration.ms is forgotten: it may then start at any sequence")
    func idleProducersExpire() async throws {
        let clock = TestClock()
        try await withBroker(clock: clock, { $0.producerIDExpirationMs = 60_000 }) { broker in
            try await broker.createTopic("expiring")
            let producer = try await Self.initProducer(broker).producerId
            let written = systemMilliseconds()
            try await broker.produceOK("expiring", records: Self.batch(producer: producer, epoch: 0, sequence: 0))
            let gap = Self.batch(producer: producer, epoch: 0, sequence: 40)
            #expect(try await broker.produce("expiring", records: gap).errorCode == ErrorCode.outOfOrderSequenceNumber.rawValue)
            // Two minutes later by the broker's clock: the next expiry pass (every minute) drops
            // the producer, whose last batch is older than the setting.
            clock.set(written + 120_000)
            let forgotten = try await eventually {
                try await broker.produce("expiring", records: gap).errorCode == 0
            }
            #expect(forgotten, "after the expiry the gap is accepted")
        }
    }

    @Test("producer state survives a restart: from its snapshot, and replayed from the log without one")
    func stateSurvivesRestart() async throws {
        let directory = try makeTemporaryDirectory("tern-idempotence-restart")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = TestBroker.configuration(directory: directory)
        let (producer, first, second, base) = try await withLifetime(configuration) { broker in
            try await broker.createTopic("durable")
            let producer = try await Self.initProducer(broker).producerId
            let first = Self.batch(producer: producer, epoch: 0, sequence: 0, tag: "a")
            let second = Self.batch(producer: producer, epoch: 0, sequence: 3, tag: "b")
            let base = try await broker.produceOK("durable", records: first)
            #expect(try await broker.produceOK("durable", records: second) == base + 3)
            return (producer, first, second, base)
        }
        let snapshots = try FileManager.default.subpathsOfDirectory(atPath: directory).filter {
            $0.hasSuffix("durable-0/producers.state")
        }
        #expect(snapshots.count == 1, "a clean shutdown snapshots the producer state")
        try await withLifetime(configuration) { broker in
            #expect(try await eventually { (try? await broker.highWatermark("durable")).map { $0 > base + 6 } == true })
            #expect(try await broker.produceOK("durable", records: first) == base)
            #expect(try await broker.produceOK("durable", records: second) == base + 3)
            let ids = try await Self.initProducer(broker).producerId
            #expect(ids > producer, "a restarted broker never hands out an id again")
        }
        for snapshot in snapshots { try FileManager.default.removeItem(atPath: directory + "/" + snapshot) }
        try await withLifetime(configuration) { broker in
            #expect(try await eventually { (try? await broker.highWatermark("durable")).map { $0 > base + 6 } == true })
            #expect(try await broker.produceOK("durable", records: second) == base + 3, "replayed from the log")
            let gap = try await broker.produce("durable", records: Self.batch(producer: producer, epoch: 0, sequence: 9))
            #expect(gap.errorCode == ErrorCode.outOfOrderSequenceNumber.rawValue)
            let next = try await broker.produceOK("durable", records: Self.batch(producer: producer, epoch: 0, sequence: 6))
            #expect(next > base + 6, "appended after the restarts' LEADER_CHANGE batches")
        }
    }
}
