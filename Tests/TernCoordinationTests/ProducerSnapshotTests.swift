// Goal: a producer-state snapshot restores exactly the table it was taken of, the same state
// always gives the same bytes (the format `ProducerStateTable+Snapshot` documents), and
// truncated, damaged or ill-formed bytes throw `ProducerStateError`, never trap. Method: round
// trips of tables built by `record` and `apply`; a snapshot laid out by hand byte for byte;
// every truncation; hand-built snapshots each wrong in one field next to a control that
// restores; seeded random mutations (SplitMix64) of a real snapshot and random bodies.
import TernCoordination
import TernModel
import TernWire
import Testing

@Suite struct ProducerSnapshotTests {
    typealias F = ProducerFixtures

    /// A table with producers of 1, 2, 5 and 5-of-7 batches, epochs 0 to Int16.max, a bumped
    /// epoch, a wrapping sequence, the extreme ids; applied (appliedOffset set) or recorded (nil).
    static func rich(applied: Bool, producersMax: Int = Limits.producerStatesPerPartitionMax) -> ProducerStateTable {
        var table = ProducerStateTable(producersMax: producersMax)
        var offset: Int64 = 10
        func write(_ append: ProducerAppend) {
            if applied { F.apply(&table, append, at: offset) } else { F.record(&table, append, at: offset) }
            offset += Int64(append.recordCount) + 1
        }
        if applied { table.apply(nil, firstOffset: Offset(0), lastOffset: Offset(9)) }
        for index in 0..<7 { write(F.append(1, seq: Int32(3 * index), count: 3, at: 1_000 + Int64(index))) }
        write(F.append(Int64.max, epoch: Int16.max, seq: Int32.max - 1, count: 4, at: 5))
        for index in 0..<3 { write(F.append(42, epoch: 1, seq: Int32(index), at: 2_000)) }
        for index in 0..<2 { write(F.append(42, epoch: 4, seq: Int32(index), at: 2_100 + Int64(index))) }
        for index in 0..<5 { write(F.append(0, epoch: 2, seq: Int32(index * 10), count: 10, at: -1)) }
        write(F.append(7, seq: 123, at: Int64.max))
        return table
    }

    @Test("the rich table is what it claims to be")
    func richShape() {
        let table = Self.rich(applied: true)
        let counts = table.producers.mapValues(\.batches.count)
        #expect(counts == [ProducerID(0): 5, ProducerID(1): 5, ProducerID(7): 1, ProducerID(42): 2, ProducerID(.max): 1])
        #expect(table.producers[ProducerID(42)]?.epoch == ProducerEpoch(4))
        #expect(table.producers[ProducerID(.max)]?.lastSequence == Sequence(1))  // max-1, max, 0, 1
        #expect(table.appliedOffset != nil)
        #expect(Self.rich(applied: false).appliedOffset == nil)
    }

    @Test("an empty table is the bare header and round-trips")
    func emptyRoundTrip() throws {
        let bytes = ProducerStateTable().snapshot()
        #expect(bytes == F.header(applied: -1, count: 0))
        #expect(try ProducerStateTable(snapshot: bytes) == ProducerStateTable())
    }

    @Test("the bytes are the documented layout: header, then producers by id, batches oldest first")
    func layout() throws {
        var table = ProducerStateTable()
        table.apply(nil, firstOffset: Offset(0), lastOffset: Offset(9))
        F.apply(&table, F.append(7, epoch: 2, seq: 0, count: 3, at: 100), at: 10)  // 10...12
        F.apply(&table, F.append(3, epoch: 0, seq: 5, at: 200), at: 13)
        F.apply(&table, F.append(7, epoch: 2, seq: 3, count: 2, at: 300), at: 14)  // 14...15
        let expected =
            F.header(applied: 15, count: 2)
            + F.producer(3, epoch: 0, [F.raw(5, 5, at: 13, 13, time: 200)])
            + F.producer(7, epoch: 2, [F.raw(0, 2, at: 10, 12, time: 100), F.raw(3, 4, at: 14, 15, time: 300)])
        #expect(table.snapshot() == expected)
        #expect(try ProducerStateTable(snapshot: expected) == table)
    }

    @Test("a table round-trips to an equal table, which writes the same bytes again")
    func roundTrip() throws {
        let tables = [
            Self.rich(applied: true), Self.rich(applied: false), Self.rich(applied: true, producersMax: 8),
        ]
        for table in tables {
            let bytes = table.snapshot()
            let restored = try ProducerStateTable(snapshot: bytes, producersMax: table.producersMax)
            #expect(restored == table)
            #expect(restored.appliedOffset == table.appliedOffset)
            #expect(restored.snapshot() == bytes)
            // And it decides the next batches as the original does.
            for (id, entry) in table.producers {
                let probes = [
                    ProducerAppend(
                        producerID: id, epoch: entry.epoch, firstSequence: entry.lastSequence.advanced(by: 1),
                        recordCount: 1, timestamp: TimestampMs(0)),
                    ProducerAppend(
                        producerID: id, epoch: entry.epoch, firstSequence: entry.batches[0].firstSequence,
                        recordCount: 1, timestamp: TimestampMs(0)),
                ]
                for probe in probes { #expect(restored.check(probe) == table.check(probe)) }
            }
        }
    }

    @Test("the same state gives the same bytes, whatever order built it")
    func deterministic() {
        // (append, first offset), each producer's batches in order.
        let writes: [(ProducerAppend, Int64)] = [
            (F.append(5, seq: 0, count: 2, at: 1), 0), (F.append(2, epoch: 3, seq: 9, at: 2), 2),
            (F.append(5, seq: 2, at: 3), 3), (F.append(9, seq: 0, at: 4), 4), (F.append(2, epoch: 3, seq: 10, at: 5), 5),
            (F.append(1, seq: 0, at: 6), 6), (F.append(5, seq: 3, at: 7), 7), (F.append(8, seq: 0, at: 8), 8),
        ]
        var forward = ProducerStateTable()
        for (append, offset) in writes { F.record(&forward, append, at: offset) }
        // Producer by producer, the highest id first.
        var byProducer = ProducerStateTable()
        let ids = Set(writes.map { $0.0.producerID }).sorted().reversed()
        for id in ids {
            for (append, offset) in writes where append.producerID == id { F.record(&byProducer, append, at: offset) }
        }
        forward.apply(nil, firstOffset: Offset(9), lastOffset: Offset(9))
        byProducer.apply(nil, firstOffset: Offset(9), lastOffset: Offset(9))
        #expect(forward == byProducer)
        #expect(forward.snapshot() == byProducer.snapshot())
    }

    @Test("every truncation of a snapshot, and a byte added to it, throw ProducerStateError")
    func truncations() {
        for table in [Self.rich(applied: true), Self.rich(applied: false)] {
            let bytes = table.snapshot()
            for length in 0..<bytes.count {
                #expect(throws: ProducerStateError.self, "length \(length)") {
                    try ProducerStateTable(snapshot: Array(bytes.prefix(length)))
                }
            }
            #expect(throws: ProducerStateError.self) { try ProducerStateTable(snapshot: bytes + [0]) }
        }
    }

    @Test("ill-formed content throws, where the same builders make a snapshot that restores")
    func badContent() throws {
        let one = F.raw(0, 1, at: 10, 11, time: 5)
        let two = F.raw(2, 2, at: 12, 12, time: 6)
        let good = F.producer(1, epoch: 0, [one, two])
        let other = F.producer(2, epoch: 3, [F.raw(0, 0, at: 13, 13)])
        let six = (0..<6).map { F.raw(Int32($0), Int32($0), at: Int64($0), Int64($0)) }
        let cases: [(String, [UInt8])] = [
            ("magic", F.header(magic: "TPSX", count: 1) + good),
            ("magic case", F.header(magic: "tpst", count: 1) + good),
            ("offsets magic", F.header(magic: "TOFS", count: 1) + good),
            ("format version 0", F.header(format: 0, count: 1) + good),
            ("format version 2", F.header(format: 2, count: 1) + good),
            ("format version 0xFFFF", F.header(format: 0xFFFF, count: 1) + good),
            ("applied offset -2", F.header(applied: -2, count: 1) + good),
            ("applied offset Int64.min", F.header(applied: .min, count: 1) + good),
            ("count past the limit", F.header(count: UInt32(Limits.producerStatesPerPartitionMax + 1))),
            ("count past the bytes", F.header(count: 3) + good + other),
            ("count UInt32.max", F.header(count: .max) + good + other),
            ("count below the producers", F.header(count: 1) + good + other),
            ("trailing byte", F.header(count: 2) + good + other + [0]),
            ("repeated producer id", F.header(count: 2) + good + good),
            ("negative producer id", F.header(count: 1) + F.producer(-1, [one])),
            ("Int64.min producer id", F.header(count: 1) + F.producer(.min, [one])),
            // Two producers' worth of bytes, so the batch count itself is what is wrong.
            ("batch count 0", F.header(count: 2) + F.producer(1, batchCount: 0, []) + F.producer(2, [one, two])),
            ("batch count 6", F.header(count: 1) + F.producer(1, six)),
            ("batch count 255", F.header(count: 1) + F.producer(1, batchCount: 255, six)),
            ("batch count above the batches", F.header(count: 1) + F.producer(1, batchCount: 3, [one, two])),
            ("negative epoch", F.header(count: 1) + F.producer(1, epoch: -1, [one])),
            ("Int16.min epoch", F.header(count: 1) + F.producer(1, epoch: .min, [one])),
            ("negative first sequence", F.header(count: 1) + F.producer(1, [F.raw(-1, 1, at: 10, 11)])),
            ("negative last sequence", F.header(count: 1) + F.producer(1, [F.raw(0, -1, at: 10, 11)])),
            ("negative first offset", F.header(count: 1) + F.producer(1, [F.raw(0, 1, at: -1, 11)])),
            ("first offset after last", F.header(count: 1) + F.producer(1, [F.raw(0, 1, at: 11, 10)])),
            ("batches overlapping", F.header(count: 1) + F.producer(1, [one, F.raw(2, 2, at: 11, 12)])),
            ("batches descending", F.header(count: 1) + F.producer(1, [two, one])),
        ]
        for (name, bytes) in cases {
            #expect(throws: ProducerStateError.self, "\(name)") { try ProducerStateTable(snapshot: bytes) }
        }

        // Controls: the same pieces, well put together, restore.
        let restored = try ProducerStateTable(snapshot: F.header(applied: 20, count: 2) + good + other)
        #expect(restored.appliedOffset == Offset(20))
        #expect(restored.producers[ProducerID(1)]?.batches.map(\.lastOffset) == [Offset(11), Offset(12)])
        #expect(restored.producers[ProducerID(2)]?.epoch == ProducerEpoch(3))
        let five = try ProducerStateTable(snapshot: F.header(count: 1) + F.producer(1, Array(six.prefix(5))))
        #expect(five.producers[ProducerID(1)]?.batches.count == 5)
        #expect(five.appliedOffset == nil)
        let edges = try ProducerStateTable(
            snapshot: F.header(applied: .max, count: 1)
                + F.producer(.max, epoch: .max, [F.raw(.max, 0, at: 0, 0, time: .min), F.raw(1, 1, at: 1, .max)]))
        #expect(edges.appliedOffset == Offset(.max))
        #expect(edges.producers[ProducerID(.max)]?.lastSequence == Sequence(1))
    }

    @Test("the producer limit is the one restoring is given")
    func producerLimit() throws {
        let bytes = F.header(count: 3)
            + F.producer(1, [F.raw(0, 0, at: 0, 0)]) + F.producer(2, [F.raw(0, 0, at: 1, 1)])
            + F.producer(3, [F.raw(0, 0, at: 2, 2)])
        #expect(throws: ProducerStateError.self) { try ProducerStateTable(snapshot: bytes, producersMax: 2) }
        let restored = try ProducerStateTable(snapshot: bytes, producersMax: 3)
        #expect(restored.producers.count == 3)
        #expect(restored.producersMax == 3)
        #expect(try ProducerStateTable(snapshot: bytes).producersMax == Limits.producerStatesPerPartitionMax)
    }

    @Test("seeded random damage to a snapshot throws or restores a well-formed table, never traps")
    func randomMutations() throws {
        var random = SplitMix64(seed: 0x7E54_0DEC_0DE5_1A7E)
        let original = Self.rich(applied: true).snapshot()
        var restoredCount = 0
        var refusedCount = 0
        for _ in 0..<4_000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<max(bytes.count, 1), using: &random)
                switch random.next() % 5 {
                case 0 where !bytes.isEmpty: bytes[index] ^= UInt8(1 << (random.next() % 8))
                case 1 where !bytes.isEmpty: bytes[index] = UInt8.random(in: 0...255, using: &random)
                case 2: bytes = Array(bytes.prefix(index))
                case 3: bytes.insert(UInt8.random(in: 0...255, using: &random), at: min(index, bytes.count))
                default: if !bytes.isEmpty { bytes.remove(at: index) }
                }
            }
            let table: ProducerStateTable
            do {
                table = try ProducerStateTable(snapshot: bytes)
            } catch {
                refusedCount += 1
                continue
            }
            restoredCount += 1
            try Self.expectWellFormed(table)
        }
        // Both paths ran: many mutations hit timestamps, sequences or offsets and stay valid.
        #expect(restoredCount > 0)
        #expect(refusedCount > 0)

        // Random bodies behind a correct magic and format version.
        for _ in 0..<4_000 {
            let length = Int.random(in: 0...200, using: &random)
            let body = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            if let table = try? ProducerStateTable(snapshot: Array("TPST".utf8) + [0, 1] + body) {
                try Self.expectWellFormed(table)
            }
        }
    }

    /// What a restored table must be: entries of 1...5 batches with non-negative epochs and
    /// sequences and increasing offsets, which write and restore to themselves and can be checked.
    static func expectWellFormed(_ table: ProducerStateTable) throws {
        for (id, entry) in table.producers {
            #expect(id.rawValue >= 0)
            #expect(entry.epoch.rawValue >= 0)
            #expect((1...ProducerEntry.batchesRetained).contains(entry.batches.count))
            for (previous, batch) in zip(entry.batches, entry.batches.dropFirst()) {
                #expect(previous.lastOffset < batch.firstOffset)
            }
            for batch in entry.batches {
                #expect(batch.firstSequence.rawValue >= 0 && batch.lastSequence.rawValue >= 0)
                #expect(batch.firstOffset >= .zero && batch.firstOffset <= batch.lastOffset)
            }
            let next = ProducerAppend(
                producerID: id, epoch: entry.epoch, firstSequence: entry.lastSequence.advanced(by: 1), recordCount: 1,
                timestamp: TimestampMs(0))
            #expect(F.code(table.check(next)) == nil)
        }
        #expect(try ProducerStateTable(snapshot: table.snapshot()) == table)
    }
}
