// Goal: a snapshot restores exactly the state it was taken of, the same state always gives
// the same bytes, and damaged or ill-formed snapshot bytes are refused, never trusted and never
// a crash. Method: round trips of built states; every single-byte change and every truncation
// of a real snapshot; hand-built snapshots with a correct CRC-32C but bad content.
import NIOCore
import TernCoordination
import TernModel
import TernWire
import Testing

@Suite struct OffsetsSnapshotTests {
    typealias F = OffsetsFixtures

    static let log: [OffsetsRecord] = [
        .groupMetadata(group: "g1", F.group),
        .offsetCommit(F.key, F.value),
        .offsetCommit(F.commit("g1", "t", 0), F.offset(1, at: 5, expiring: 99)),
        .offsetCommit(F.commit("simple", "ü", 2), F.offset(-1, at: 0)),
        .groupMetadata(group: "empty", F.emptyGroup(since: 7)),
        .groupMetadata(group: "old", F.emptyGroup(since: -1, protocolType: "")),
    ]

    static func state(_ records: [OffsetsRecord], from offset: Int64 = 0) -> OffsetsState {
        var state = OffsetsState()
        for (index, record) in records.enumerated() {
            state.apply(record, at: Offset(offset + Int64(index)))
        }
        return state
    }

    /// A snapshot with the given body and its correct checksum.
    static func sealed(_ body: [UInt8]) -> [UInt8] {
        var bytes = body
        let crc = CRC32C.checksum(body)
        bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: crc >> $0) }
        return bytes
    }

    /// The snapshot header: magic, format, applied offset, count.
    static func header(applied: Int64 = 3, count: UInt32, format: UInt16 = 1) -> [UInt8] {
        Array("TOFS".utf8) + [UInt8(format >> 8), UInt8(truncatingIfNeeded: format)]
            + (0..<8).reversed().map { UInt8(truncatingIfNeeded: applied >> (8 * $0)) }
            + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: count >> $0) }
    }

    /// One snapshot record: int32 key length, key, int32 value length, value.
    static func entry(_ record: OffsetsRecord) -> [UInt8] {
        let (key, value) = OffsetsRecordCodec.encode(record)
        let valueBytes = value.map { length($0.readableBytes) + $0.bytes } ?? [0xFF, 0xFF, 0xFF, 0xFF]
        return length(key.readableBytes) + key.bytes + valueBytes
    }

    static func length(_ count: Int) -> [UInt8] {
        [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: count >> $0) }
    }

    @Test("an empty state round-trips: no applied offset, no records")
    func emptyRoundTrip() throws {
        let bytes = OffsetsState().snapshot()
        #expect(bytes == Self.sealed(Self.header(applied: -1, count: 0)))
        #expect(try OffsetsState(snapshot: bytes) == OffsetsState())
    }

    @Test("a state round-trips through its snapshot, and keeps applying after it")
    func roundTrip() throws {
        let state = Self.state(Self.log, from: 40)
        let restored = try OffsetsState(snapshot: state.snapshot())
        #expect(restored == state)
        #expect(restored.appliedOffset == Offset(45))
        #expect(restored.offsetCount == 3)
        #expect(restored.groupIDs == ["empty", "g1", "old", "simple"])
        var replayed = restored
        replayed.apply(.offsetCommit(F.key, nil), at: Offset(45))
        #expect(replayed == state)
        replayed.apply(.offsetCommit(F.key, nil), at: Offset(46))
        #expect(replayed.committed(F.key) == nil)
    }

    @Test("the same state gives the same bytes, whatever order built it")
    func deterministic() {
        var forward = OffsetsState()
        var backward = OffsetsState()
        for (index, record) in Self.log.enumerated() {
            forward.apply(record, at: Offset(Int64(index)))
        }
        for (index, record) in Self.log.reversed().enumerated() {
            backward.apply(record, at: Offset(Int64(index)))
        }
        #expect(forward.snapshot() == backward.snapshot())
        // Group metadata first, then the group's offsets by topic and partition.
        #expect(forward.snapshot() == Self.sealed(
            Self.header(applied: 5, count: 6)
                + Self.entry(.groupMetadata(group: "empty", F.emptyGroup(since: 7)))
                + Self.entry(.groupMetadata(group: "g1", F.group))
                + Self.entry(.offsetCommit(F.commit("g1", "t", 0), F.offset(1, at: 5, expiring: 99)))
                + Self.entry(.offsetCommit(F.key, F.value))
                + Self.entry(.groupMetadata(group: "old", F.emptyGroup(since: -1, protocolType: "")))
                + Self.entry(.offsetCommit(F.commit("simple", "ü", 2), F.offset(-1, at: 0)))))
    }

    @Test("changing any byte of a snapshot is detected")
    func everyByteChecked() {
        let bytes = Self.state(Self.log).snapshot()
        for index in bytes.indices {
            for change in [0x01, 0x80, 0xFF] as [UInt8] {
                var damaged = bytes
                damaged[index] ^= change
                #expect(throws: OffsetsRecordError.self) { try OffsetsState(snapshot: damaged) }
            }
        }
    }

    @Test("every truncation of a snapshot, and bytes added to it, are detected")
    func truncations() {
        let bytes = Self.state(Self.log).snapshot()
        for length in 0..<bytes.count {
            #expect(throws: OffsetsRecordError.self) { try OffsetsState(snapshot: Array(bytes.prefix(length))) }
        }
        #expect(throws: OffsetsRecordError.self) { try OffsetsState(snapshot: bytes + [0]) }
    }

    @Test("ill-formed content behind a correct checksum is refused")
    func badContent() throws {
        let commit = Self.entry(.offsetCommit(F.key, F.value))
        let cases: [(String, [UInt8])] = [
            ("magic", Array("TOFX".utf8) + Self.header(count: 0).dropFirst(4)),
            ("format version", Self.header(count: 0, format: 2)),
            ("applied offset below -1", Self.header(applied: -2, count: 0)),
            ("count past the limit", Self.header(count: UInt32(Limits.offsetsSnapshotRecordsMax + 1))),
            ("count past the bytes", Self.header(count: 3) + commit),
            ("count below the records", Self.header(count: 0) + commit),
            ("tombstone", Self.header(count: 1) + Self.entry(.offsetCommit(F.key, nil))),
            ("duplicate offset", Self.header(count: 2) + commit + commit),
            ("duplicate group", Self.header(count: 2)
                + Self.entry(.groupMetadata(group: "g", F.group)) + Self.entry(.groupMetadata(group: "g", F.group))),
            ("unknown record type", Self.header(count: 1) + Self.length(2) + [0, 9] + Self.length(2) + [0, 0]),
            ("key length past the bytes", Self.header(count: 1) + Self.length(1_000) + [0, 1]),
            ("negative key length", Self.header(count: 1) + [0x80, 0, 0, 0] + Self.length(0)),
            ("record that does not decode",
             Self.header(count: 1) + Self.length(3) + [0, 1, 0] + Self.length(2) + [0, 3]),
        ]
        for (name, body) in cases {
            #expect(throws: OffsetsRecordError.self, "\(name)") { try OffsetsState(snapshot: Self.sealed(body)) }
        }
        // The same builders make an acceptable snapshot, so the refusals above are the damage.
        let good = try OffsetsState(snapshot: Self.sealed(Self.header(count: 1) + commit))
        #expect(good.committed(F.key) == F.value)
        #expect(good.appliedOffset == Offset(3))
    }
}
