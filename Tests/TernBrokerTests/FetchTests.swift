// Goal: Fetch honours the long poll (MinBytes / MaxWaitMs: woken by new data, empty after the
// wait), KIP-74 (the first batch whole even above PartitionMaxBytes; later partitions only within
// the response MaxBytes), OFFSET_OUT_OF_RANGE, and KIP-320 epoch fencing at v9+.
// Method: Fetch through `Broker.handle` while other tasks produce; elapsed times are measured
// with a monotonic clock and only bounded loosely (the machine may be loaded).
import Foundation
import NIOCore
import TernBroker
import TernModel
import TernTransport
import TernWire
import Testing

@Suite struct FetchTests {
    @Test("a long poll at the high watermark returns as soon as another task produces")
    func longPollWokenByProduce() async throws {
        try await withBroker { broker in
            try await broker.createTopic("poll")
            try await broker.produceOK("poll", records: TestBatch.records(2, tag: "before"))
            let highWatermark = try await broker.highWatermark("poll")
            #expect(highWatermark == 3)
            let clock = ContinuousClock()
            let started = clock.now
            async let fetched = broker.fetch(
                "poll", offset: highWatermark, maxWaitMs: 10_000, minBytes: 1, version: 11)
            try await broker.waitForParkedFetches("poll")
            let base = try await broker.produceOK("poll", records: TestBatch.records(3, tag: "after"))
            #expect(base == 3)
            let data = try await fetched
            let elapsed = clock.now - started
            #expect(elapsed < .seconds(8), "the fetch waited for its timeout (\(elapsed))")
            #expect(data.errorCode == 0)
            let batches = try TestBatch.split(try #require(data.records))
            #expect(!batches.isEmpty)
            #expect(try TestBatch.values(batches).map(\.value) == ["value-after-0", "value-after-1", "value-after-2"])
            #expect(data.highWatermark == 6)
        }
    }

    @Test("a long poll of several partitions is woken by a produce to any of them")
    func longPollAnyPartition() async throws {
        try await withBroker { broker in
            try await broker.createTopic("poll-many", partitions: 3)
            let request = FetchRequest(
                maxWaitMs: 10_000, minBytes: 1,
                topics: [
                    FetchRequest.FetchTopic(
                        topic: "poll-many",
                        partitions: (0..<3).map {
                            FetchRequest.FetchPartition(partition: $0, fetchOffset: 1, partitionMaxBytes: 1 << 20)
                        })
                ])
            let clock = ContinuousClock()
            let started = clock.now
            async let fetched = broker.call(request, version: 12)
            try await broker.waitForParkedFetches("poll-many", partition: 2)
            try await broker.produceOK("poll-many", partition: 2, records: TestBatch.records(1, tag: "p2"))
            let response = try await fetched
            #expect(clock.now - started < .seconds(8))
            let partitions = try #require(response.responses.first?.partitions)
            #expect(partitions.map(\.partitionIndex) == [0, 1, 2])
            #expect(partitions.map { $0.records?.readableBytes ?? -1 }.prefix(2) == [0, 0])
            #expect(try TestBatch.values(TestBatch.split(try #require(partitions[2].records))).map(\.value) == ["value-p2-0"])
        }
    }

    @Test("with nothing produced, MaxWaitMs=300 returns empty records (not null) after about the wait")
    func longPollTimesOut() async throws {
        try await withBroker { broker in
            try await broker.createTopic("quiet")
            let clock = ContinuousClock()
            for version: Int16 in [4, 12] {
                let started = clock.now
                let data = try await broker.fetch("quiet", offset: 1, maxWaitMs: 300, minBytes: 1, version: version)
                let elapsed = clock.now - started
                #expect(elapsed >= .milliseconds(250), "v\(version) returned after \(elapsed)")
                #expect(elapsed < .seconds(8), "v\(version) returned after \(elapsed)")
                #expect(data.errorCode == 0)
                let records = try #require(data.records, "v\(version) records are not null")
                #expect(records.readableBytes == 0)
                #expect(data.highWatermark == 1)
                #expect(data.lastStableOffset == 1)
                if version >= 5 { #expect(data.logStartOffset == 0) }
                if version >= 11 { #expect(data.preferredReadReplica == -1) }
            }
            // MinBytes=0 answers at once even with a long MaxWaitMs.
            let started = clock.now
            let immediate = try await broker.fetch("quiet", offset: 1, maxWaitMs: 10_000, minBytes: 0)
            #expect(clock.now - started < .seconds(8))
            #expect(immediate.records?.readableBytes == 0)
        }
    }

    @Test("KIP-74: a first batch above PartitionMaxBytes comes whole; a second partition gets nothing past MaxBytes")
    func minOneBatch() async throws {
        try await withBroker { broker in
            try await broker.createTopic("big", partitions: 2)
            let first = TestBatch.records(10, tag: "big0", valueBytes: 400)
            let second = TestBatch.records(10, tag: "big0b", valueBytes: 400)
            try await broker.produceOK("big", partition: 0, records: first)
            try await broker.produceOK("big", partition: 0, records: second)
            try await broker.produceOK("big", partition: 1, records: TestBatch.records(10, tag: "big1", valueBytes: 400))
            #expect(first.readableBytes > 4000)

            // One partition, PartitionMaxBytes far below the batch: exactly the first batch.
            let single = try await broker.fetch("big", offset: 1, partitionMaxBytes: 100)
            #expect(single.errorCode == 0)
            let singleBatches = try TestBatch.split(try #require(single.records))
            #expect(singleBatches.count == 1)
            #expect(singleBatches.map(TestBatch.unstamped) == [TestBatch.unstamped(first)])

            // Two partitions, response MaxBytes below the first batch: the first partition gets its
            // first batch whole, the second nothing.
            let request = FetchRequest(
                maxWaitMs: 0, minBytes: 1, maxBytes: 100,
                topics: [
                    FetchRequest.FetchTopic(
                        topic: "big",
                        partitions: [
                            FetchRequest.FetchPartition(partition: 0, fetchOffset: 1, partitionMaxBytes: 1 << 20),
                            FetchRequest.FetchPartition(partition: 1, fetchOffset: 1, partitionMaxBytes: 1 << 20),
                        ])
                ])
            for version: Int16 in [4, 12] {
                let response = try await broker.call(request, version: version)
                let partitions = try #require(response.responses.first?.partitions)
                #expect(partitions.count == 2)
                let zero = try TestBatch.split(try #require(partitions[0].records))
                #expect(zero.map(TestBatch.unstamped) == [TestBatch.unstamped(first)], "v\(version)")
                #expect(partitions[1].errorCode == 0)
                #expect(partitions[1].records?.readableBytes == 0, "v\(version)")
                #expect(partitions[1].highWatermark == 11)
            }

            // Within a generous budget both partitions are served, every batch whole.
            let both = try await broker.call(
                FetchRequest(
                    maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
                    topics: [
                        FetchRequest.FetchTopic(
                            topic: "big",
                            partitions: [
                                FetchRequest.FetchPartition(partition: 0, fetchOffset: 1, partitionMaxBytes: 1 << 20),
                                FetchRequest.FetchPartition(partition: 1, fetchOffset: 1, partitionMaxBytes: 1 << 20),
                            ])
                    ]),
                version: 12)
            let served = try #require(both.responses.first?.partitions)
            #expect(try TestBatch.split(try #require(served[0].records)).count == 2)
            #expect(try TestBatch.split(try #require(served[1].records)).count == 1)
        }
    }

    @Test("KIP-74: when the first partition has nothing, the next one's first batch comes whole")
    func minOneBatchSkipsEmptyPartitions() async throws {
        try await withBroker { broker in
            try await broker.createTopic("sparse", partitions: 2)
            let big = TestBatch.records(10, tag: "sparse", valueBytes: 400)
            try await broker.produceOK("sparse", partition: 1, records: big)
            let response = try await broker.call(
                FetchRequest(
                    maxWaitMs: 0, minBytes: 1, maxBytes: 100,
                    topics: [
                        FetchRequest.FetchTopic(
                            topic: "sparse",
                            partitions: [
                                FetchRequest.FetchPartition(partition: 0, fetchOffset: 1, partitionMaxBytes: 100),
                                FetchRequest.FetchPartition(partition: 1, fetchOffset: 1, partitionMaxBytes: 100),
                            ])
                    ]),
                version: 12)
            #expect(response.errorCode == 0)
            #expect(response.sessionId == 0)
            let partitions = try #require(response.responses.first?.partitions)
            #expect(partitions[0].records?.readableBytes == 0)
            let batches = try TestBatch.split(try #require(partitions[1].records))
            #expect(batches.map(TestBatch.unstamped) == [TestBatch.unstamped(big)])
        }
    }

    @Test("MinBytes above what is available: the fetch waits MaxWaitMs, then returns what there is")
    func minBytesNotReached() async throws {
        try await withBroker { broker in
            try await broker.createTopic("few")
            let batch = TestBatch.records(2, tag: "few")
            try await broker.produceOK("few", records: batch)
            let clock = ContinuousClock()
            let started = clock.now
            let data = try await broker.fetch("few", offset: 1, maxWaitMs: 400, minBytes: 1 << 20)
            let elapsed = clock.now - started
            #expect(elapsed >= .milliseconds(350), "returned after \(elapsed)")
            #expect(elapsed < .seconds(8))
            #expect(try TestBatch.split(try #require(data.records)).map(TestBatch.unstamped) == [TestBatch.unstamped(batch)])
        }
    }

    @Test("deleting a topic wakes a long poll parked on it, which then answers UNKNOWN_TOPIC_OR_PARTITION")
    func deleteWakesLongPoll() async throws {
        try await withBroker { broker in
            try await broker.createTopic("doomed")
            let clock = ContinuousClock()
            let started = clock.now
            async let fetched = broker.fetch("doomed", offset: 1, maxWaitMs: 20_000, minBytes: 1)
            try await broker.waitForParkedFetches("doomed")
            let deleted = try await broker.call(DeleteTopicsRequest(topicNames: ["doomed"], timeoutMs: 30_000), version: 4)
            #expect(deleted.responses.map(\.errorCode) == [0])
            let data = try await fetched
            #expect(clock.now - started < .seconds(15), "the fetch waited for its timeout")
            #expect(data.errorCode == 3)
        }
    }

    @Test("PartitionMaxBytes between one and two batches returns one whole batch, never a partial one")
    func wholeBatchesOnly() async throws {
        try await withBroker { broker in
            try await broker.createTopic("whole")
            let first = TestBatch.records(5, tag: "w1", valueBytes: 100)
            let second = TestBatch.records(5, tag: "w2", valueBytes: 100)
            try await broker.produceOK("whole", records: first)
            try await broker.produceOK("whole", records: second)
            let both = first.readableBytes + second.readableBytes
            for limit in [first.readableBytes, first.readableBytes + 1, both - 1] {
                let data = try await broker.fetch("whole", offset: 1, partitionMaxBytes: Int32(limit))
                let records = try #require(data.records)
                #expect(records.readableBytes == first.readableBytes, "limit \(limit)")
                #expect(try TestBatch.split(records).map(TestBatch.unstamped) == [TestBatch.unstamped(first)])
            }
            let data = try await broker.fetch("whole", offset: 1, partitionMaxBytes: Int32(both))
            #expect(try TestBatch.split(try #require(data.records)).count == 2)
        }
    }

    @Test("reads cross segment boundaries: every batch of a multi-segment log, from any offset, also after a restart")
    func acrossSegments() async throws {
        let directory = try makeTemporaryDirectory("tern-broker-segments")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = TestBroker.configuration(directory: directory)
        var broker = try await TestBroker.start(configuration)
        var sent: [ByteBuffer] = []
        do {
            // The smallest segment size Tern allows (1 MiB) and ~3.5 MiB of batches.
            try await broker.createTopic("segmented", configs: ["segment.bytes": "1048576"])
            for index in 0..<70 {
                let batch = TestBatch.records(10, tag: "s\(index)", valueBytes: 5_000)
                sent.append(batch)
                #expect(try await broker.produceOK("segmented", records: batch) == 1 + Int64(index) * 10)
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: directory + "/topics/segmented-0")
            #expect(files.filter { $0.hasSuffix(".log") }.count >= 3, "several segments: \(files.sorted())")
        } catch {
            await broker.shutdown()
            throw error
        }
        for lifetime in 0..<2 {
            do {
                let all = try await broker.fetchAll("segmented")
                #expect(all.highWatermark == 701 + Int64(lifetime), "lifetime \(lifetime)")
                let data = try TestBatch.dataBatches(all.batches)
                #expect(data.map(TestBatch.unstamped) == sent.map(TestBatch.unstamped), "lifetime \(lifetime)")
                // A fetch from the middle of any batch starts at that batch.
                for offset: Int64 in [5, 255, 349, 350, 351, 699] {
                    let part = try await broker.fetch("segmented", offset: offset, partitionMaxBytes: 1)
                    let records = try #require(part.records)
                    let first = try #require(try TestBatch.split(records).first)
                    let header = try RecordBatchHeader(parsing: first)
                    #expect(header.baseOffset <= offset && offset <= header.lastOffset, "offset \(offset)")
                    #expect(TestBatch.unstamped(first) == TestBatch.unstamped(sent[Int(offset - 1) / 10]))
                }
            } catch {
                await broker.shutdown()
                throw error
            }
            await broker.shutdown()
            if lifetime == 0 { broker = try await TestBroker.start(configuration) }
        }
    }

    @Test("a fetch offset inside a batch returns that whole batch")
    func offsetInsideBatch() async throws {
        try await withBroker { broker in
            try await broker.createTopic("inside")
            let batch = TestBatch.records(5, tag: "in")
            try await broker.produceOK("inside", records: batch)
            let data = try await broker.fetch("inside", offset: 3)
            let batches = try TestBatch.split(try #require(data.records))
            #expect(batches.map(TestBatch.unstamped) == [TestBatch.unstamped(batch)])
            #expect(try RecordBatchHeader(parsing: batches[0]).baseOffset == 1)
        }
    }

    @Test("offsets beyond the high watermark → OFFSET_OUT_OF_RANGE (1); at it → empty")
    func offsetOutOfRange() async throws {
        try await withBroker { broker in
            try await broker.createTopic("range")
            try await broker.produceOK("range", records: TestBatch.records(4))
            let atEnd = try await broker.fetch("range", offset: 5)
            #expect(atEnd.errorCode == 0)
            #expect(atEnd.records?.readableBytes == 0)
            for offset: Int64 in [6, 1000, Int64.max] {
                let beyond = try await broker.fetch("range", offset: offset, maxWaitMs: 5_000, minBytes: 1)
                #expect(beyond.errorCode == 1, "offset \(offset)")
                #expect(beyond.highWatermark == 5)
            }
            #expect(try await broker.fetch("range", offset: -1).errorCode == 1)
            #expect(try await broker.fetch("range", partition: 3, offset: 0).errorCode == 3)
            #expect(try await broker.fetch("unknown-topic", offset: 0).errorCode == 3)
        }
    }

    @Test("v9+ CurrentLeaderEpoch: older → FENCED_LEADER_EPOCH (74), newer → UNKNOWN_LEADER_EPOCH (75)")
    func leaderEpochFencing() async throws {
        try await withBroker { broker in
            try await broker.createTopic("epochs")
            try await broker.produceOK("epochs", records: TestBatch.records(2))
            let epoch = try await broker.leaderEpoch("epochs")
            #expect(epoch >= 1)
            for version: Int16 in [9, 12] {
                let current = try await broker.fetch("epochs", offset: 0, currentLeaderEpoch: epoch, version: version)
                #expect(current.errorCode == 0)
                #expect(try TestBatch.split(try #require(current.records)).count == 2)
                let unknown = try await broker.fetch("epochs", offset: 0, currentLeaderEpoch: -1, version: version)
                #expect(unknown.errorCode == 0)
                let older = try await broker.fetch("epochs", offset: 0, currentLeaderEpoch: epoch - 1, version: version)
                #expect(older.errorCode == 74, "v\(version)")
                let newer = try await broker.fetch("epochs", offset: 0, currentLeaderEpoch: epoch + 1, version: version)
                #expect(newer.errorCode == 75, "v\(version)")
                // An error answers at once, even for a long poll.
                let clock = ContinuousClock()
                let started = clock.now
                let fenced = try await broker.fetch(
                    "epochs", offset: 3, maxWaitMs: 10_000, minBytes: 1, currentLeaderEpoch: epoch + 1, version: version)
                #expect(fenced.errorCode == 75)
                #expect(clock.now - started < .seconds(8))
            }
            // Below v9 there is no CurrentLeaderEpoch on the wire, so nothing is fenced.
            let v8 = try await broker.fetch("epochs", offset: 0, currentLeaderEpoch: epoch + 1, version: 8)
            #expect(v8.errorCode == 0)
        }
    }
}
