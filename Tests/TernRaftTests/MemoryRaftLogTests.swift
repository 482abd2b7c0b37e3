// Goal: the reference storage behaves as the RaftLogStorage contract says: appends truncate
// conflicting tails, compaction moves the log start and keeps the configuration in force, and
// the term search agrees with a linear scan. Method: hand-built logs and a seeded random
// comparison against a naive search.
import TernModel
import Testing

@testable import TernRaft

@Suite struct MemoryRaftLogTests {
    static let configuration = ClusterConfiguration(voters: [NodeID(1), NodeID(2), NodeID(3)])

    static func entry(_ first: Int64, _ last: Int64, term: Int64, kind: EntryKind = .normal) -> Entry {
        Entry(first: Offset(first), last: Offset(last), term: Term(term), kind: kind, payload: [])
    }

    @Test func appendTruncatesTheConflictingTail() {
        let log = MemoryRaftLog(configuration: Self.configuration)
        log.append([Self.entry(0, 0, term: 1), Self.entry(1, 4, term: 1), Self.entry(5, 5, term: 1)])
        log.append([Self.entry(1, 2, term: 2)])
        #expect(
            log.storedEntries.map(\.id) == [
                EntryID(index: Offset(0), term: Term(1)), EntryID(index: Offset(2), term: Term(2)),
            ])
        #expect(log.lastIndex == Offset(2))
    }

    @Test func compactionKeepsTheConfigurationInForce() throws {
        let log = MemoryRaftLog(configuration: Self.configuration)
        let grown = ClusterConfiguration(voters: [NodeID(1), NodeID(2), NodeID(3)], learners: [NodeID(4)])
        log.append([
            Self.entry(0, 0, term: 1), Self.entry(1, 1, term: 1, kind: .configuration(grown)),
            Self.entry(2, 9, term: 1),
        ])
        log.compact(through: Offset(1))
        #expect(log.logStart == Offset(2))
        #expect(log.snapshotMetadata.configuration == grown)
        #expect(log.snapshotMetadata.last == EntryID(index: Offset(1), term: Term(1)))
        #expect(throws: RaftStorageError.compacted) { try log.entries(after: Offset(0), countMax: 10, bytesMax: 100) }
        #expect(try log.entries(after: Offset(1), countMax: 10, bytesMax: 100).map(\.last) == [Offset(9)])
        #expect(try log.configurations(after: Offset(1)).isEmpty)
    }

    @Test func entriesRespectCountAndBytesButReturnAtLeastOne() throws {
        let log = MemoryRaftLog(configuration: Self.configuration)
        let big = Entry(
            first: Offset(0), last: Offset(0), term: Term(1), kind: .normal, payload: [UInt8](repeating: 1, count: 500))
        log.append([big, Self.entry(1, 1, term: 1), Self.entry(2, 2, term: 1)])
        #expect(try log.entries(after: Offset(-1), countMax: 10, bytesMax: 10).count == 1)
        #expect(try log.entries(after: Offset(0), countMax: 1, bytesMax: 10_000).count == 1)
        #expect(try log.entries(after: Offset(0), countMax: 10, bytesMax: 10_000).count == 2)
        #expect(throws: RaftStorageError.unavailable) { try log.entries(after: Offset(3), countMax: 10, bytesMax: 100) }
    }

    @Test func termSearchMatchesLinearScan() throws {
        var random = SplitMix64(seed: 42)
        for _ in 0..<300 {
            let log = MemoryRaftLog(configuration: Self.configuration)
            var entries: [Entry] = []
            var next: Int64 = 0
            var term: Int64 = 1
            for _ in 0..<(1 + random.next() % 12) {
                term += Int64(random.next() % 2)
                let span = 1 + Int64(random.next() % 4)
                entries.append(Self.entry(next, next + span - 1, term: term))
                next += span
            }
            log.append(entries)
            for _ in 0..<20 {
                let offset = Offset(Int64(random.next() % UInt64(next + 3)) - 1)
                let termMax = Term(Int64(random.next() % UInt64(term + 2)))
                let naive = entries.last { $0.last <= offset && $0.term <= termMax }?.id ?? EntryID.origin
                #expect(try log.entryID(atOrBefore: offset, termAtMost: termMax) == naive)
            }
        }
    }
}
