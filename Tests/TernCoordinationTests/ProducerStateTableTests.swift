// Goal: `ProducerStateTable` decides idempotent batches as Kafka does (PROTOCOL.md §1.5,
// `UnifiedLog.analyzeAndValidateProducerState`, `ProducerAppendInfo.checkProducerEpoch` and
// `checkSequence`): duplicate of one of the last five batches first, then an older epoch, then a
// newer epoch starting at 0, then the same epoch continuing the sequence (wrapping at Int32.max);
// a producer without state starts anywhere. `record` and `apply` keep the state the checks read,
// `expire` and `producersMax` forget producers deterministically. Method: small scripted tables,
// each rule checked on both sides of its boundary, with the error code of every refusal.
import TernCoordination
import TernModel
import TernWire
import Testing

@Suite struct ProducerStateTableTests {
    typealias F = ProducerFixtures

    // MARK: checks

    @Test("a producer without state may start at any sequence, in any epoch")
    func newProducerAcceptsAnySequence() {
        var table = ProducerStateTable()
        let probes: [(Int16, Int32)] = [(0, 0), (0, 1), (3, 17), (Int16.max, Int32.max)]
        for (epoch, seq) in probes {
            #expect(table.check(F.append(9, epoch: epoch, seq: seq, count: 4)) == .accept)
        }
        // Another producer's state says nothing about this one.
        F.record(&table, F.append(1, epoch: 5, seq: 0, count: 3), at: 0)
        #expect(table.check(F.append(2, epoch: 0, seq: 500)) == .accept)
        #expect(table.check(F.append(2, epoch: 9, seq: 0)) == .accept)
        #expect(F.code(table.check(F.append(1, epoch: 5, seq: 500))) == .outOfOrderSequenceNumber)
    }

    @Test("the same epoch must continue at the last sequence plus one; a gap or a step back is OUT_OF_ORDER")
    func sameEpochContinues() {
        var table = ProducerStateTable()
        F.record(&table, F.append(seq: 10, count: 5), at: 0)  // 10...14
        #expect(table.check(F.append(seq: 15)) == .accept)
        #expect(table.check(F.append(seq: 15, count: 100)) == .accept)
        for seq: Int32 in [16, 17, 1_000, 14, 13, 10, 0, Int32.max] {
            #expect(F.code(table.check(F.append(seq: seq))) == .outOfOrderSequenceNumber, "seq \(seq)")
        }
        // Overlapping the last batch without matching it is no duplicate either.
        #expect(F.code(table.check(F.append(seq: 11, count: 4))) == .outOfOrderSequenceNumber)
        #expect(F.code(table.check(F.append(seq: 14, count: 2))) == .outOfOrderSequenceNumber)
    }

    @Test("each of the last five batches is a duplicate answered with its original offsets; older ones are OUT_OF_ORDER")
    func lastFiveAreDuplicates() {
        var table = ProducerStateTable()
        var written: [ProducerBatch] = []
        var offset: Int64 = 100
        for index in 0..<7 {  // batches of two records: 0...1, 2...3, ..., 12...13
            let append = F.append(seq: Int32(2 * index), count: 2, at: 1_000 + Int64(index))
            #expect(table.check(append) == .accept)
            written.append(F.record(&table, append, at: offset))
            offset += 3  // another producer's batch between each
        }
        #expect(table.producers[ProducerID(1)]?.batches == Array(written.suffix(5)))
        for original in written.suffix(5) {
            // A retry carries a new timestamp; the answer is the original batch, offsets included.
            let retry = F.append(seq: original.firstSequence.rawValue, count: 2, at: 9_999)
            #expect(table.check(retry) == .duplicate(original), "retry of \(original)")
        }
        #expect(table.check(F.append(seq: 12, count: 2)) == .duplicate(written[6]))
        #expect(written[2].firstOffset == Offset(106))
        // The sixth-oldest and seventh-oldest are no longer retained.
        for original in written.prefix(2) {
            let retry = F.append(seq: original.firstSequence.rawValue, count: 2)
            #expect(F.code(table.check(retry)) == .outOfOrderSequenceNumber, "retry of \(original)")
        }
        #expect(table.check(F.append(seq: 14)) == .accept)
    }

    @Test("a duplicate needs the same epoch and both the same first and last sequence")
    func duplicateNeedsEpochAndRange() {
        var table = ProducerStateTable()
        let original = F.record(&table, F.append(epoch: 2, seq: 0, count: 3, at: 7), at: 50)  // 0...2
        let second = F.record(&table, F.append(epoch: 2, seq: 3, count: 2, at: 8), at: 53)  // 3...4
        #expect(table.check(F.append(epoch: 2, seq: 0, count: 3)) == .duplicate(original))
        #expect(table.check(F.append(epoch: 2, seq: 3, count: 2)) == .duplicate(second))
        // Same first sequence, another last one; same last sequence, another first one.
        #expect(F.code(table.check(F.append(epoch: 2, seq: 0, count: 2))) == .outOfOrderSequenceNumber)
        #expect(F.code(table.check(F.append(epoch: 2, seq: 0, count: 4))) == .outOfOrderSequenceNumber)
        #expect(F.code(table.check(F.append(epoch: 2, seq: 1, count: 2))) == .outOfOrderSequenceNumber)
        #expect(F.code(table.check(F.append(epoch: 2, seq: 3, count: 1))) == .outOfOrderSequenceNumber)
        // Both sequences, an older epoch: fenced, not a duplicate.
        #expect(F.code(table.check(F.append(epoch: 1, seq: 0, count: 3))) == .invalidProducerEpoch)
        // Both sequences, a newer epoch: a new epoch's first batch, accepted.
        #expect(table.check(F.append(epoch: 3, seq: 0, count: 3)) == .accept)
    }

    @Test("an older epoch is INVALID_PRODUCER_EPOCH, even at the sequence that would come next")
    func olderEpochFenced() {
        var table = ProducerStateTable()
        F.record(&table, F.append(epoch: 5, seq: 0, count: 4), at: 0)  // 0...3
        #expect(table.check(F.append(epoch: 5, seq: 4)) == .accept)
        for (epoch, seq) in [(4, 4), (4, 0), (0, 0), (0, 77)] as [(Int16, Int32)] {
            #expect(F.code(table.check(F.append(epoch: epoch, seq: seq))) == .invalidProducerEpoch, "\(epoch) \(seq)")
        }
    }

    @Test("a newer epoch must start at sequence 0, and once recorded forgets the old epoch's batches")
    func epochBump() {
        var table = ProducerStateTable()
        let old = F.record(&table, F.append(epoch: 0, seq: 0, count: 2), at: 0)  // 0...1
        F.record(&table, F.append(epoch: 0, seq: 2, count: 2), at: 2)  // 2...3
        // Continuing the old epoch's sequence in a new epoch is not allowed.
        #expect(F.code(table.check(F.append(epoch: 1, seq: 4))) == .outOfOrderSequenceNumber)
        #expect(F.code(table.check(F.append(epoch: 1, seq: 1))) == .outOfOrderSequenceNumber)
        #expect(table.check(F.append(epoch: 1, seq: 0)) == .accept)
        #expect(table.check(F.append(epoch: 7, seq: 0, count: 9)) == .accept)
        #expect(table.check(F.append(epoch: 0, seq: 0, count: 2)) == .duplicate(old))

        let bumped = F.record(&table, F.append(epoch: 1, seq: 0, count: 1), at: 4)
        #expect(table.producers[ProducerID(1)]?.epoch == ProducerEpoch(1))
        #expect(table.producers[ProducerID(1)]?.batches == [bumped])
        // The old epoch is fenced now, its batches no longer duplicates.
        #expect(F.code(table.check(F.append(epoch: 0, seq: 0, count: 2))) == .invalidProducerEpoch)
        #expect(F.code(table.check(F.append(epoch: 0, seq: 4))) == .invalidProducerEpoch)
        #expect(table.check(F.append(epoch: 1, seq: 0)) == .duplicate(bumped))
        #expect(table.check(F.append(epoch: 1, seq: 1)) == .accept)
        #expect(F.code(table.check(F.append(epoch: 1, seq: 4))) == .outOfOrderSequenceNumber)
    }

    @Test("Sequence.advanced wraps at Int32.max to 0, like Kafka's incrementSequence")
    func sequenceArithmetic() {
        #expect(Sequence(5).advanced(by: 0) == Sequence(5))
        #expect(Sequence(5).advanced(by: 3) == Sequence(8))
        #expect(Sequence(Int32.max - 1).advanced(by: 1) == Sequence(Int32.max))
        #expect(Sequence(Int32.max).advanced(by: 1) == Sequence(0))
        #expect(Sequence(Int32.max - 1).advanced(by: 3) == Sequence(1))
        #expect(Sequence(0).advanced(by: Int32.max) == Sequence(Int32.max))
        #expect(Sequence(1).advanced(by: Int32.max) == Sequence(0))
        #expect(Sequence(Int32.max).advanced(by: Int32.max) == Sequence(Int32.max - 1))
    }

    @Test("sequences wrap from Int32.max to 0 inside one batch")
    func wrapInsideBatch() {
        var table = ProducerStateTable()
        let append = F.append(seq: Int32.max - 2, count: 5)  // max-2, max-1, max, 0, 1
        #expect(append.lastSequence == Sequence(1))
        #expect(table.check(append) == .accept)
        let original = F.record(&table, append, at: 0)
        #expect(original.lastSequence == Sequence(1))
        #expect(table.producers[ProducerID(1)]?.lastSequence == Sequence(1))
        #expect(table.check(F.append(seq: 2)) == .accept)
        #expect(table.check(F.append(seq: Int32.max - 2, count: 5)) == .duplicate(original))
        for seq: Int32 in [0, 1, 3, Int32.max, Int32.max - 2] {
            #expect(F.code(table.check(F.append(seq: seq))) == .outOfOrderSequenceNumber, "seq \(seq)")
        }
        // Same first sequence, ending at 0 instead of 1: no duplicate.
        #expect(F.code(table.check(F.append(seq: Int32.max - 2, count: 4))) == .outOfOrderSequenceNumber)
    }

    @Test("after a batch ending at Int32.max the next batch starts at 0")
    func wrapAcrossBatches() {
        var table = ProducerStateTable()
        let last = F.record(&table, F.append(seq: Int32.max - 1, count: 2), at: 0)  // ends at Int32.max
        #expect(last.lastSequence == Sequence(Int32.max))
        #expect(table.check(F.append(seq: 0)) == .accept)
        #expect(table.check(F.append(seq: 0, count: 10)) == .accept)
        for seq: Int32 in [1, Int32.max, Int32.max - 1] {
            #expect(F.code(table.check(F.append(seq: seq))) == .outOfOrderSequenceNumber, "seq \(seq)")
        }
        let first = F.record(&table, F.append(seq: 0, count: 3), at: 2)
        #expect(table.check(F.append(seq: 3)) == .accept)
        #expect(table.check(F.append(seq: Int32.max - 1, count: 2)) == .duplicate(last))
        #expect(table.check(F.append(seq: 0, count: 3)) == .duplicate(first))
    }

    @Test("a negative epoch or sequence is INVALID_RECORD, with or without state, before any other check")
    func negativeFieldsInvalid() {
        var table = ProducerStateTable()
        let bad: [(Int16, Int32)] = [(-1, 0), (0, -1), (-1, -1), (Int16.min, Int32.min), (3, -5)]
        for (epoch, seq) in bad {
            #expect(!F.append(epoch: epoch, seq: seq).isWellFormed)
            #expect(F.code(table.check(F.append(7, epoch: epoch, seq: seq))) == .invalidRecord, "no state \(epoch) \(seq)")
        }
        #expect(F.append(epoch: 0, seq: 0).isWellFormed)
        F.record(&table, F.append(7, epoch: 3, seq: 0), at: 0)
        for (epoch, seq) in bad {
            #expect(F.code(table.check(F.append(7, epoch: epoch, seq: seq))) == .invalidRecord, "state \(epoch) \(seq)")
        }
    }

    @Test("a batch header gives the producer fields; one without a producer id or records gives none")
    func appendFromHeader() {
        let header = RecordBatchHeader(
            lastOffsetDelta: 2, baseTimestamp: 5, maxTimestamp: 9, producerId: 42, producerEpoch: 3,
            baseSequence: Int32.max, recordCount: 3)
        let append = ProducerAppend(header: header)
        #expect(append == F.append(42, epoch: 3, seq: Int32.max, count: 3, at: 9))
        #expect(append?.lastSequence == Sequence(1))
        #expect(ProducerAppend(header: RecordBatchHeader(maxTimestamp: 9, recordCount: 3)) == nil)
        #expect(ProducerAppend(header: RecordBatchHeader(producerId: 42, producerEpoch: 3, baseSequence: 0)) == nil)
        // A producer id with a negative epoch still gives fields: the check refuses them.
        let unchecked = ProducerAppend(header: RecordBatchHeader(producerId: 1, recordCount: 1))
        #expect(unchecked?.isWellFormed == false)
    }

    // MARK: record and apply

    @Test("record keeps appliedOffset; apply moves it for every batch and ignores batches at or below it")
    func recordVersusApply() {
        var table = ProducerStateTable()
        #expect(table.appliedOffset == nil)
        F.record(&table, F.append(1, seq: 0), at: 0)
        #expect(table.appliedOffset == nil)
        #expect(table.producers.keys.map(\.rawValue) == [1])

        table.apply(nil, firstOffset: Offset(0), lastOffset: Offset(4))  // a batch without producer id
        #expect(table.appliedOffset == Offset(4))
        #expect(table.producers.count == 1)
        let applied = F.apply(&table, F.append(2, seq: 0, count: 2), at: 5)  // 5...6
        #expect(table.appliedOffset == Offset(6))
        #expect(table.producers[ProducerID(2)]?.batches == [applied])

        // A replay of what is already applied changes nothing.
        let before = table
        F.apply(&table, F.append(2, seq: 0, count: 2), at: 5)
        F.apply(&table, F.append(3, seq: 0), at: 6)  // ends at the applied offset
        F.apply(&table, F.append(3, seq: 0), at: 1)
        F.apply(&table, F.append(2, seq: 2), at: 3)
        table.apply(nil, firstOffset: Offset(0), lastOffset: Offset(6))
        table.apply(nil, firstOffset: Offset(2), lastOffset: Offset(3))
        #expect(table == before)

        // record below the applied offset still records, and leaves appliedOffset alone.
        let recorded = F.record(&table, F.append(4, seq: 0), at: 2)
        #expect(table.producers[ProducerID(4)]?.batches == [recorded])
        #expect(table.appliedOffset == Offset(6))
        // apply does not check: it holds what the log holds, even out of sequence.
        let gap = F.apply(&table, F.append(2, seq: 50), at: 7)
        #expect(table.producers[ProducerID(2)]?.batches == [applied, gap])
        #expect(table.appliedOffset == Offset(7))
        table.apply(nil, firstOffset: Offset(8), lastOffset: Offset(8))
        #expect(table.appliedOffset == Offset(8))
    }

    @Test("a leader's term table sees its in-flight batches; the applied table only what committed")
    func leaderTermTable() {
        var applied = ProducerStateTable()
        F.apply(&applied, F.append(1, seq: 0, count: 2), at: 0)  // 0...1
        applied.apply(nil, firstOffset: Offset(2), lastOffset: Offset(2))
        F.apply(&applied, F.append(2, epoch: 3, seq: 40), at: 3)

        var term = applied  // the leader's table for its term starts as the applied one
        let inFlight: [(ProducerAppend, Int64)] = [
            (F.append(1, seq: 2, count: 3, at: 10), 4),  // 2...4 at 4...6
            (F.append(1, seq: 5, at: 11), 7),
            (F.append(2, epoch: 4, seq: 0, at: 12), 8),  // an epoch bump
        ]
        var proposed: [ProducerBatch] = []
        for (append, offset) in inFlight {
            #expect(term.check(append) == .accept, "\(append)")
            proposed.append(F.record(&term, append, at: offset))
        }
        #expect(term.appliedOffset == Offset(3))
        #expect(applied.appliedOffset == Offset(3))

        // A retry of an in-flight batch is a duplicate for the leader, new to the applied table.
        #expect(term.check(F.append(1, seq: 2, count: 3)) == .duplicate(proposed[0]))
        #expect(applied.check(F.append(1, seq: 2, count: 3)) == .accept)
        // The next sequence follows the in-flight batches.
        #expect(term.check(F.append(1, seq: 6)) == .accept)
        #expect(F.code(applied.check(F.append(1, seq: 6))) == .outOfOrderSequenceNumber)
        #expect(F.code(term.check(F.append(1, seq: 2))) == .outOfOrderSequenceNumber)
        // The in-flight bump fences the old epoch for the leader only.
        #expect(F.code(term.check(F.append(2, epoch: 3, seq: 41))) == .invalidProducerEpoch)
        #expect(applied.check(F.append(2, epoch: 3, seq: 41)) == .accept)
        #expect(term.check(F.append(2, epoch: 4, seq: 1)) == .accept)

        // Once they commit, applying them at the same offsets gives the leader's producers.
        for (append, offset) in inFlight { F.apply(&applied, append, at: offset) }
        #expect(applied.producers == term.producers)
        #expect(applied.appliedOffset == Offset(8))
    }

    // MARK: forgetting producers

    @Test("a producer expires when its last batch is exactly expirationMs old, not a millisecond earlier")
    func expiryBoundary() {
        var table = ProducerStateTable()
        F.apply(&table, F.append(1, seq: 0, at: 1_000), at: 0)
        F.apply(&table, F.append(2, seq: 0, at: 1_001), at: 1)
        F.apply(&table, F.append(3, seq: 0, at: 0), at: 2)  // an old first batch,
        F.apply(&table, F.append(3, seq: 1, at: 1_500), at: 3)  // a recent last one

        var early = table
        #expect(early.expire(now: TimestampMs(1_999), expirationMs: 1_000) == 0)
        #expect(early == table)

        #expect(table.expire(now: TimestampMs(2_000), expirationMs: 1_000) == 1)
        #expect(Set(table.producers.keys.map(\.rawValue)) == [2, 3])
        #expect(table.appliedOffset == Offset(3))
        // Forgotten, producer 1 may start anywhere again (KIP-360).
        #expect(table.check(F.append(1, seq: 77)) == .accept)
        #expect(table.expire(now: TimestampMs(2_000), expirationMs: 1_000) == 0)
        #expect(table.expire(now: TimestampMs(2_001), expirationMs: 1_000) == 1)
        #expect(table.expire(now: TimestampMs(2_499), expirationMs: 1_000) == 0)
        #expect(table.producers.keys.map(\.rawValue) == [3])
        #expect(table.expire(now: TimestampMs(2_500), expirationMs: 1_000) == 1)
        #expect(table.producers.isEmpty)

        // Several at once are counted.
        var many = ProducerStateTable()
        for id in 1...4 { F.record(&many, F.append(Int64(id), seq: 0, at: Int64(id)), at: Int64(id)) }
        #expect(many.expire(now: TimestampMs(13), expirationMs: 10) == 3)
        #expect(many.producers.keys.map(\.rawValue) == [4])
    }

    @Test("expiry never traps, whatever timestamp a client's batch carried")
    func expiryExtremeTimestamps() async {
        // A CreateTime batch's maxTimestamp comes from the client unchecked, and a restored
        // snapshot holds any int64: `now - timestamp` must not overflow.
        await #expect(processExitsWith: .success) {
            var table = ProducerStateTable()
            for (id, time) in [(1, Int64.min), (2, Int64.min + 1), (3, -1), (4, Int64.max)] as [(Int64, Int64)] {
                let append = ProducerAppend(
                    producerID: ProducerID(id), epoch: ProducerEpoch(0), firstSequence: Sequence(0), recordCount: 1,
                    timestamp: TimestampMs(time))
                table.record(append, firstOffset: Offset(id), lastOffset: Offset(id))
            }
            _ = table.expire(now: TimestampMs(1_700_000_000_000), expirationMs: 86_400_000)
        }
    }

    @Test("at producersMax a new producer makes the idlest go: lowest last timestamp, then lowest id")
    func producersBound() {
        var table = ProducerStateTable(producersMax: 3)
        F.record(&table, F.append(5, seq: 0, at: 1), at: 0)  // idlest by its first batch only
        F.record(&table, F.append(7, seq: 0, at: 10), at: 1)
        F.record(&table, F.append(3, seq: 0, at: 10), at: 2)
        F.record(&table, F.append(5, seq: 1, at: 40), at: 3)  // a known producer takes no room
        #expect(Set(table.producers.keys.map(\.rawValue)) == [3, 5, 7])

        F.record(&table, F.append(9, seq: 0, at: 50), at: 4)  // 3 and 7 tie at 10: 3 goes
        #expect(Set(table.producers.keys.map(\.rawValue)) == [5, 7, 9])
        F.record(&table, F.append(2, seq: 0, at: 60), at: 5)  // 7 goes
        #expect(Set(table.producers.keys.map(\.rawValue)) == [2, 5, 9])
        // A forgotten producer starts anywhere; it comes back at the cost of the idlest (5, at 40).
        #expect(table.check(F.append(7, seq: 100)) == .accept)
        F.record(&table, F.append(7, seq: 100, at: 5), at: 6)
        #expect(Set(table.producers.keys.map(\.rawValue)) == [2, 7, 9])
        #expect(table.producers[ProducerID(7)]?.lastSequence == Sequence(100))
    }

    @Test("every replica forgets the same producer, whatever order it learnt them in")
    func boundDeterministic() {
        let writes: [(Int64, Int64)] = [(4, 10), (1, 10), (3, 10), (2, 10), (8, 30)]  // (id, timestamp)
        var forward = ProducerStateTable(producersMax: 5)
        var backward = ProducerStateTable(producersMax: 5)
        for (id, time) in writes { F.record(&forward, F.append(id, seq: 0, at: time), at: 0) }
        for (id, time) in writes.reversed() { F.record(&backward, F.append(id, seq: 0, at: time), at: 0) }
        #expect(forward == backward)
        for step in 0..<3 {
            F.record(&forward, F.append(20 + Int64(step), seq: 0, at: 99), at: 1)
            F.record(&backward, F.append(20 + Int64(step), seq: 0, at: 99), at: 1)
            #expect(forward == backward)
        }
        // The three tied at 10 with the lowest ids went: 1, 2, 3.
        #expect(Set(forward.producers.keys.map(\.rawValue)) == [4, 8, 20, 21, 22])
    }
}
