// Goal: Produce stores exactly what the client sent (PROTOCOL.md §2.3: only baseOffset and the
// partition leader epoch are stamped; LZ4 stays compressed), assigns dense increasing offsets
// after the leader's LEADER_CHANGE batch at offset 0, acknowledges per acks, refuses bad input
// with Kafka's codes, stamps LogAppendTime, and shares fsyncs among concurrent acks=-1 writes
// without losing or duplicating offsets.
// Method: Produce and Fetch through `Broker.handle`; fetched batches are compared byte for byte.
import NIOCore
import TernBroker
import TernModel
import TernTransport
import TernWire
import Testing

@Suite struct ProduceTests {
    @Test("acks=1 and acks=-1 give increasing base offsets from 1; fetched batches are the sent bytes")
    func roundTrip() async throws {
        try await withBroker { broker in
            try await broker.createTopic("roundtrip")
            let sent = [
                TestBatch.records(3, tag: "a"), TestBatch.records(1, tag: "b"), TestBatch.records(7, tag: "c", valueBytes: 300),
                TestBatch.records(2, tag: "d"),
            ]
            var expectedBase: Int64 = 1
            for (index, batch) in sent.enumerated() {
                let acks: Int16 = index.isMultiple(of: 2) ? 1 : -1
                let version: Int16 = [3, 7, 9, 10][index]
                let answer = try await broker.produce("roundtrip", records: batch, acks: acks, version: version)
                #expect(answer.errorCode == 0, "batch \(index)")
                #expect(answer.baseOffset == expectedBase, "batch \(index) acks \(acks) v\(version)")
                #expect(answer.logAppendTimeMs == -1)
                if version >= 5 { #expect(answer.logStartOffset == 0) }
                let header = try RecordBatchHeader(parsing: batch)
                expectedBase += Int64(header.lastOffsetDelta) + 1
            }
            // Last offset 13 (1 + 3 + 1 + 7 + 2 - 1), so the high watermark is 14 once committed.
            #expect(try await eventually { try await broker.highWatermark("roundtrip") == 14 })
            let all = try await broker.fetchAll("roundtrip")
            #expect(all.highWatermark == 14)
            #expect(all.batches.count == sent.count + 1)
            let epoch = try await broker.leaderEpoch("roundtrip")
            // Offset 0: the leader's LEADER_CHANGE control batch.
            let control = try RecordBatchHeader(parsing: try #require(all.batches.first))
            #expect(control.baseOffset == 0)
            #expect(control.attributes.isControlBatch)
            let data = try TestBatch.dataBatches(all.batches)
            #expect(data.count == sent.count)
            var offset: Int64 = 1
            for (stored, original) in zip(data, sent) {
                #expect(TestBatch.unstamped(stored) == TestBatch.unstamped(original))
                let header = try RecordBatchHeader.verifyCRC(of: stored)
                #expect(header.baseOffset == offset)
                #expect(header.partitionLeaderEpoch == epoch)
                offset = header.nextOffset.rawValue
            }
            #expect(offset == all.highWatermark)
            let values = try TestBatch.values(all.batches)
            #expect(values.map(\.offset) == Array(1...13))
            #expect(values.first?.value == "value-a-0")
            #expect(values.last?.value == "value-d-1")
        }
    }

    @Test("an LZ4 batch is stored as received: codec 3, same bytes, records decode")
    func lz4StoredAsReceived() async throws {
        try await withBroker { broker in
            try await broker.createTopic("lz4")
            let batch = TestBatch.batch(50, tag: "lz", valueBytes: 200, compression: .lz4)
            let bytes = batch.encoded()
            #expect(try RecordBatchHeader(parsing: bytes).attributes.codecNumber == 3)
            #expect(try await broker.produceOK("lz4", records: bytes) == 1)
            let all = try await broker.fetchAll("lz4")
            let stored = try #require(try TestBatch.dataBatches(all.batches).first)
            let header = try RecordBatchHeader.verifyCRC(of: stored)
            #expect(header.attributes.codecNumber == 3)
            #expect(TestBatch.unstamped(stored) == TestBatch.unstamped(bytes))
            let decoded = try RecordBatch.decode(stored)
            #expect(decoded.records == batch.records)
            #expect(all.highWatermark == 51)
        }
    }

    @Test("acks=0 gets no response, and the batch is written")
    func acksZero() async throws {
        try await withBroker { broker in
            try await broker.createTopic("fire-and-forget")
            let request = TestBroker.produceRequest("fire-and-forget", records: TestBatch.records(4, tag: "z"), acks: 0)
            for version: Int16 in [3, 9] {
                guard case .noResponse = await broker.action(request, version: version) else {
                    Issue.record("acks=0 v\(version) was answered")
                    return
                }
            }
            #expect(try await eventually { try await broker.highWatermark("fire-and-forget") == 9 })
            let values = try TestBatch.values(try await broker.fetchAll("fire-and-forget").batches)
            #expect(values.map(\.offset) == Array(1...8))
        }
    }

    @Test("acks=0 to an unknown partition closes the connection (the client's only way to learn of it)")
    func acksZeroFailureCloses() async throws {
        try await withBroker { broker in
            let request = TestBroker.produceRequest("nowhere", records: TestBatch.records(1), acks: 0)
            guard case .closeConnection = await broker.action(request, version: 9) else {
                Issue.record("a failed acks=0 produce did not close the connection")
                return
            }
        }
    }

    @Test("produce refusals: acks=2 → 21, bad CRC → 2, two batches → 87, too large → 10, unknown partition → 3")
    func refusals() async throws {
        try await withBroker { broker in
            try await broker.createTopic("strict", configs: ["max.message.bytes": "2000"])
            let good = TestBatch.records(2, tag: "ok")

            for acks: Int16 in [2, -2, 5] {
                let answer = try await broker.produce("strict", records: good, acks: acks)
                #expect(answer.errorCode == 21, "acks \(acks)")
                #expect(answer.baseOffset == -1)
            }

            // One flipped bit in a record value: the CRC no longer matches.
            var corrupt = good
            let position = corrupt.readerIndex + corrupt.readableBytes - 3
            corrupt.setInteger(corrupt.getInteger(at: position, as: UInt8.self)! ^ 0x01, at: position)
            let crc = try await broker.produce("strict", records: corrupt, version: 9)
            #expect(crc.errorCode == 2)
            #expect(crc.errorMessage != nil)

            var twoBatches = TestBatch.records(1, tag: "one")
            var second = TestBatch.records(1, tag: "two")
            twoBatches.writeBuffer(&second)
            #expect(try await broker.produce("strict", records: twoBatches).errorCode == 87)

            let large = TestBatch.records(1, tag: "big", valueBytes: 3000)
            let tooLarge = try await broker.produce("strict", records: large, version: 8)
            #expect(tooLarge.errorCode == 10)
            #expect(tooLarge.errorMessage != nil)
            #expect(try await broker.produce("strict", records: nil).errorCode == 87)
            #expect(try await broker.produce("strict", records: ByteBuffer()).errorCode == 87)

            #expect(try await broker.produce("strict", partition: 1, records: good).errorCode == 3)
            #expect(try await broker.produce("strict", partition: -1, records: good).errorCode == 3)
            #expect(try await broker.produce("no-such-topic", records: good).errorCode == 3)

            // Nothing refused was written: the next good batch follows the LEADER_CHANGE batch.
            #expect(try await broker.produceOK("strict", records: good) == 1)
            // A batch just under the limit is accepted.
            #expect(try await broker.produceOK("strict", records: TestBatch.records(1, tag: "fits", valueBytes: 1800)) == 3)
        }
    }

    @Test("batch refusals with a correct CRC: codec, count, deltas, control, producer ids, transactions")
    func malformedBatches() async throws {
        try await withBroker { broker in
            try await broker.createTopic("checked")
            let plain = TestBatch.records(3, tag: "m")
            let lz4 = TestBatch.records(3, tag: "m", compression: .lz4)
            let cases: [(String, ByteBuffer, Int16)] = [
                // gzip (1), snappy (2), zstd (4): not supported.
                ("gzip", TestBatch.resealed(plain) { $0.setInteger(Int16(1), at: $1 + 21) }, 76),
                ("zstd", TestBatch.resealed(plain) { $0.setInteger(Int16(4), at: $1 + 21) }, 76),
                // Undefined codec 7.
                ("codec 7", TestBatch.resealed(plain) { $0.setInteger(Int16(7), at: $1 + 21) }, 2),
                // The LZ4 frame's magic broken: the records do not decompress.
                ("broken lz4", TestBatch.resealed(lz4) { $0.setInteger(UInt8(0), at: $1 + 61) }, 2),
                // recordsCount (and lastOffsetDelta, to keep the header consistent) say 4, the
                // region holds 3.
                ("record count", TestBatch.resealed(plain) { buffer, start in
                    buffer.setInteger(Int32(3), at: start + 23)
                    buffer.setInteger(Int32(4), at: start + 57)
                }, 2),
                // lastOffsetDelta must be recordCount - 1.
                ("last offset delta", TestBatch.resealed(plain) { $0.setInteger(Int32(5), at: $1 + 23) }, 87),
                // A control batch from a client.
                ("control", TestBatch.resealed(plain) { $0.setInteger(Int16(0x20), at: $1 + 21) }, 87),
                // A producer id with a negative sequence (or epoch): nothing to check it against.
                ("producer id, sequence -1", TestBatch.resealed(plain) { buffer, start in
                    buffer.setInteger(Int64(1000), at: start + 43)
                    buffer.setInteger(Int16(0), at: start + 51)
                    buffer.setInteger(Int32(-1), at: start + 53)
                }, 87),
                ("producer id, epoch -1", TestBatch.resealed(plain) { buffer, start in
                    buffer.setInteger(Int64(1000), at: start + 43)
                    buffer.setInteger(Int16(-1), at: start + 51)
                    buffer.setInteger(Int32(0), at: start + 53)
                }, 87),
                // A transactional batch: Tern has no transactions.
                ("transactional", TestBatch.resealed(plain) { buffer, start in
                    buffer.setInteger(Int16(0x10), at: start + 21)
                    buffer.setInteger(Int64(1000), at: start + 43)
                    buffer.setInteger(Int16(0), at: start + 51)
                    buffer.setInteger(Int32(0), at: start + 53)
                }, 87),
                // batchLength longer than the bytes sent.
                ("batch length", TestBatch.resealed(plain) { buffer, start in
                    buffer.setInteger(Int32(buffer.readableBytes), at: start + 8)
                }, 2),
            ]
            for (name, batch, code) in cases {
                let answer = try await broker.produce("checked", records: batch, version: 9)
                #expect(answer.errorCode == code, "\(name): \(answer.errorMessage ?? "")")
                #expect(answer.baseOffset == -1, "\(name)")
            }
            // A transactional produce request.
            var transactional = TestBroker.produceRequest("checked", records: plain, acks: -1)
            transactional.transactionalId = "tx-1"
            let response = try await broker.call(transactional, version: 9)
            #expect(response.responses.first?.partitionResponses.first?.errorCode == 53)
            // Nothing was written.
            #expect(try await broker.highWatermark("checked") == 1)
            #expect(try await broker.produceOK("checked", records: plain) == 1)
        }
    }

    @Test("a batch of magic 1 → INVALID_RECORD (87), as Kafka answers Produce v3+")
    func oldMagicIsInvalidRecord() async throws {
        try await withBroker { broker in
            try await broker.createTopic("magic")
            // Kafka's ProduceRequest.validateRecords (called per partition by KafkaApis) refuses a
            // batch whose magic is not 2 with InvalidRecordException: INVALID_RECORD, not
            // CORRUPT_MESSAGE. The magic byte sits at offset 16 in every message format.
            let batch = TestBatch.resealed(TestBatch.records(2)) { $0.setInteger(Int8(1), at: $1 + 16) }
            let answer = try await broker.produce("magic", records: batch, version: 9)
            #expect(answer.errorCode == 87, "\(answer.errorMessage ?? "")")
            #expect(answer.baseOffset == -1)
            #expect(try await broker.highWatermark("magic") == 1)
        }
    }

    @Test("the broker overwrites the client's baseOffset and partitionLeaderEpoch")
    func stampsOffsetAndEpoch() async throws {
        try await withBroker { broker in
            try await broker.createTopic("stamped")
            var batch = TestBatch.records(2, tag: "s")
            RecordBatchHeader.rewrite(baseOffset: Offset(123_456), partitionLeaderEpoch: 99, in: &batch)
            #expect(try await broker.produceOK("stamped", records: batch) == 1)
            let epoch = try await broker.leaderEpoch("stamped")
            let all = try await broker.fetchAll("stamped")
            // The LEADER_CHANGE batch is a valid control batch of the current epoch.
            let control = try RecordBatchHeader.verifyCRC(of: try #require(all.batches.first))
            #expect(control.attributes.isControlBatch)
            #expect(control.partitionLeaderEpoch == epoch)
            let stored = try #require(try TestBatch.dataBatches(all.batches).first)
            let header = try RecordBatchHeader.verifyCRC(of: stored)
            #expect(header.baseOffset == 1)
            #expect(header.partitionLeaderEpoch == epoch)
            #expect(TestBatch.unstamped(stored) == TestBatch.unstamped(batch))
        }
    }

    @Test("one request to several partitions: each gets its own offsets, answers in request order")
    func severalPartitions() async throws {
        try await withBroker { broker in
            try await broker.createTopic("multi", partitions: 3)
            try await broker.createTopic("other", partitions: 1)
            try await broker.produceOK("multi", partition: 1, records: TestBatch.records(4))
            let request = ProduceRequest(
                acks: -1, timeoutMs: 30_000,
                topicData: [
                    ProduceRequest.TopicProduceData(
                        name: "multi",
                        partitionData: [2, 0, 1, 7].map {
                            ProduceRequest.PartitionProduceData(index: $0, records: TestBatch.records(2, tag: "p\($0)"))
                        }),
                    ProduceRequest.TopicProduceData(
                        name: "other",
                        partitionData: [ProduceRequest.PartitionProduceData(index: 0, records: TestBatch.records(1))]),
                ])
            let response = try await broker.call(request, version: 10)
            #expect(response.responses.map(\.name) == ["multi", "other"])
            let multi = try #require(response.responses.first?.partitionResponses)
            #expect(multi.map(\.index) == [2, 0, 1, 7])
            #expect(multi.map(\.errorCode) == [0, 0, 0, 3])
            #expect(multi.map(\.baseOffset) == [1, 1, 5, -1])
            #expect(response.responses.last?.partitionResponses.map(\.baseOffset) == [1])
            for partition: Int32 in 0...2 {
                let values = try TestBatch.values(try await broker.fetchAll("multi", partition: partition).batches)
                #expect(values.suffix(2).map(\.value) == ["value-p\(partition)-0", "value-p\(partition)-1"])
            }
        }
    }

    @Test("the same partition twice in one request: INVALID_RECORD (87) for both, nothing written")
    func partitionNamedTwice() async throws {
        try await withBroker { broker in
            try await broker.createTopic("twice")
            let request = ProduceRequest(
                acks: -1, timeoutMs: 30_000,
                topicData: [
                    ProduceRequest.TopicProduceData(
                        name: "twice",
                        partitionData: [
                            ProduceRequest.PartitionProduceData(index: 0, records: TestBatch.records(1, tag: "x")),
                            ProduceRequest.PartitionProduceData(index: 0, records: TestBatch.records(1, tag: "y")),
                        ])
                ])
            let response = try await broker.call(request, version: 9)
            #expect(response.responses.first?.partitionResponses.map(\.errorCode) == [87, 87])
            #expect(try await broker.highWatermark("twice") == 1)
        }
    }

    @Test("LogAppendTime topics answer logAppendTimeMs and store the broker's time in the batch")
    func logAppendTime() async throws {
        let clock = TestClock(frozenAt: 1_800_000_000_000)
        try await withBroker(clock: clock) { broker in
            try await broker.createTopic("appended", configs: ["message.timestamp.type": "LogAppendTime"])
            try await broker.createTopic("created")
            let sent = TestBatch.records(3, tag: "lat", baseTimestamp: 1_600_000_000_000)
            let answer = try await broker.produce("appended", records: sent, version: 9)
            #expect(answer.errorCode == 0)
            #expect(answer.logAppendTimeMs == 1_800_000_000_000)
            clock.set(1_800_000_000_500)
            #expect(try await broker.produce("appended", records: sent).logAppendTimeMs == 1_800_000_000_500)

            let batches = try TestBatch.dataBatches(try await broker.fetchAll("appended").batches)
            #expect(batches.count == 2)
            for (stored, time) in zip(batches, [Int64(1_800_000_000_000), 1_800_000_000_500]) {
                let header = try RecordBatchHeader.verifyCRC(of: stored)
                #expect(header.attributes.timestampType == .logAppendTime)
                #expect(header.maxTimestamp == time)
                let batch = try RecordBatch.decode(stored)
                #expect(batch.records.allSatisfy { batch.timestamp(of: $0).rawValue == time })
            }
            // A CreateTime topic keeps the producer's timestamps and answers -1.
            let created = try await broker.produce("created", records: sent)
            #expect(created.logAppendTimeMs == -1)
            let stored = try #require(try TestBatch.dataBatches(try await broker.fetchAll("created").batches).first)
            #expect(TestBatch.unstamped(stored) == TestBatch.unstamped(sent))
        }
    }

    @Test("200 concurrent acks=-1 produces to one partition all succeed with distinct, dense offsets")
    func groupCommit() async throws {
        try await withBroker { broker in
            try await broker.createTopic("group-commit")
            let count = 200
            let answers = try await withThrowingTaskGroup(of: (Int, Int64, Int16).self) { group in
                for index in 0..<count {
                    group.addTask {
                        let records = index % 3 + 1
                        let answer = try await broker.produce(
                            "group-commit", records: TestBatch.records(records, tag: "g\(index)"), acks: -1)
                        return (records, answer.baseOffset, answer.errorCode)
                    }
                }
                var collected: [(Int, Int64, Int16)] = []
                for try await answer in group { collected.append(answer) }
                return collected
            }
            #expect(answers.count == count)
            #expect(answers.allSatisfy { $0.2 == 0 }, "errors: \(answers.filter { $0.2 != 0 }.map(\.2))")
            // The batches tile [1, 1 + total) without gaps or overlaps.
            let total = answers.reduce(0) { $0 + $1.0 }
            var next: Int64 = 1
            for (records, base, _) in answers.sorted(by: { $0.1 < $1.1 }) {
                #expect(base == next)
                next = base + Int64(records)
            }
            #expect(next == 1 + Int64(total))
            #expect(try await broker.highWatermark("group-commit") == 1 + Int64(total))
            let values = try TestBatch.values(try await broker.fetchAll("group-commit").batches)
            #expect(values.map(\.offset) == Array(1...Int64(total)))
            #expect(Set(values.map(\.value)).count == total)
        }
    }
}
