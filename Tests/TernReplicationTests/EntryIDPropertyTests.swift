// Goal: PartitionRaftLog answers the Raft core's log questions exactly like a naive scan, on
// random logs with multi-offset batches, rising terms, tail truncations, segment rolls and
// reopen (which rebuilds the leader-epoch cache and configuration list from the batches).
// Method: seeded random histories persisted through `persist(_:batches:now:)` as a follower
// would, mirrored in a plain array of entries; every (offset, term) query is compared with a
// linear scan of that array, and entries(after:) / configurations(after:) with the array too.
import NIOCore
import Testing
import TernLog
import TernModel
import TernRaft
import TernReplication

@Suite struct EntryIDPropertyTests {
    let voters = [NodeID(1), NodeID(2), NodeID(3)]

    /// The naive answer: the last entry with index <= offset and term <= termAtMost.
    func naive(_ model: [Entry], offset: Offset, termAtMost: Term) -> EntryID {
        model.last { $0.last <= offset && $0.term <= termAtMost }?.id ?? .origin
    }

    /// A random entry at `first` in `term`: mostly data batches, some LEADER_CHANGE and
    /// configuration control batches.
    func randomEntry(first: Offset, term: Term, using random: inout SplitMix64) -> (Entry, ByteBuffer) {
        let roll = random.next() % 10
        if roll == 0 {
            let batch = EntryBatchCodec.leaderChangeBatch(
                offset: first, term: term, leaderID: voters[Int(random.next() % 3)], voters: voters, timestamp: TimestampMs(5))
            return (Entry(first: first, last: first, term: term, kind: .leaderChange, payload: Array(batch.readableBytesView)), batch)
        }
        if roll == 1 {
            let configuration = ClusterConfiguration(voters: voters, learners: [NodeID(Int32(4 + random.next() % 3))])
            let batch = EntryBatchCodec.configurationBatch(offset: first, term: term, configuration: configuration, timestamp: TimestampMs(5))
            let entry = Entry(
                first: first, last: first, term: term, kind: .configuration(configuration), payload: Array(batch.readableBytesView))
            return (entry, batch)
        }
        let records = 1 + Int(random.next() % 5)
        let batch = TestBatches.data(records: records, tag: Int(random.next() % 1000))
        let entry = Entry(
            first: first, last: first.advanced(by: Int64(records - 1)), term: term, kind: .normal,
            payload: Array(batch.readableBytesView))
        return (entry, batch)
    }

    func check(_ storage: PartitionRaftLog, against model: [Entry], using random: inout SplitMix64) throws {
        let lastIndex = model.last?.last ?? Offset(-1)
        #expect(storage.lastIndex == lastIndex)
        let maxTerm = model.last?.term.rawValue ?? 0
        for _ in 0..<300 {
            let offset = Offset(Int64(random.next() % UInt64(lastIndex.rawValue + 4)) - 1)
            let term = Term(Int64(random.next() % UInt64(maxTerm + 2)))
            #expect(try storage.entryID(atOrBefore: offset, termAtMost: term) == naive(model, offset: offset, termAtMost: term))
        }
        let expectedConfigurations = model.compactMap { entry -> ConfigurationPoint? in
            guard case .configuration(let configuration) = entry.kind else { return nil }
            return ConfigurationPoint(id: entry.id, configuration: configuration)
        }
        #expect(try storage.configurations(after: Offset(-1)) == expectedConfigurations)
        // entries(after:) from a random entry boundary returns the model's entries, bytes included.
        let start = model.isEmpty ? 0 : Int(random.next() % UInt64(model.count))
        let after = start == 0 ? Offset(-1) : model[start - 1].last
        let read = try storage.entries(after: after, countMax: 7, bytesMax: 1 << 20)
        let expected = Array(model[start...].prefix(7))
        #expect(read.map(\.id) == expected.map(\.id))
        #expect(read.map(\.kind) == expected.map(\.kind))
        #expect(read.map(\.first) == expected.map(\.first))
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func entryIDMatchesNaiveScan(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let disk = ReplicaDisk(id: NodeID(1), bootstrap: ClusterConfiguration(voters: voters), seed: seed)
        var storage = try disk.openStorage()
        var model: [Entry] = []
        var term = Term(1)
        for round in 0..<30 {
            // Sometimes a new leader overwrites a suffix (as a follower sees it), in a higher term.
            var keep = model.count
            if !model.isEmpty && random.next() % 3 == 0 {
                // Mostly short tails, as a follower's conflicting suffix usually is; sometimes everything.
                let span = random.next() % 5 == 0 ? model.count : min(model.count, 8)
                keep = model.count - Int(random.next() % UInt64(span + 1))
                term = Term(term.rawValue + 1 + Int64(random.next() % 2))
            } else if random.next() % 4 == 0 {
                term = term.next
            }
            model.removeSubrange(keep...)
            var next = model.last?.last.next ?? .zero
            var entries: [Entry] = []
            var batches: [ByteBuffer] = []
            for _ in 0..<(1 + Int(random.next() % 6)) {
                let (entry, batch) = randomEntry(first: next, term: term, using: &random)
                entries.append(entry)
                batches.append(batch)
                next = entry.last.next
            }
            let ready = Ready(entries: entries, mustSync: true)
            try storage.persist(ready, batches: try storage.encode(entries, now: TimestampMs(1)), now: TimestampMs(1))
            model += entries
            try check(storage, against: model, using: &random)
            if round % 8 == 7 {
                storage = try disk.openStorage()
                try check(storage, against: model, using: &random)
            }
        }
        #expect(storage.log.segmentBaseOffsets.count > 1)
    }
}
