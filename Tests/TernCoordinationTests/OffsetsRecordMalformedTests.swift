// Goal: no byte sequence makes the `__consumer_offsets` decoder trap or allocate without bound;
// bad input throws `OffsetsRecordError`. Method: every proper prefix of every golden vector
// must throw; hand-made damage (huge, negative and null lengths and counts, bad UTF-8, unknown
// value versions, overlong varints, bytes left over) must throw; then every byte of every
// vector is overwritten with a few values and seeded random bytes are decoded, where only "no
// crash" is asserted, since a mutation may still be a valid record.
import NIOCore
import TernCoordination
import TernModel
import Testing

@Suite struct OffsetsRecordMalformedTests {
    typealias Golden = OffsetsRecordGoldenTests

    /// Every key with every value it can carry.
    static let pairs: [(key: [UInt8], value: [UInt8])] = [
        (Golden.commitKey, Golden.commitValueV3), (Golden.commitKey, Golden.commitValueV1),
        (Golden.commitKey, Golden.commitValueV4), (Golden.groupKey, Golden.groupValueV3),
        (Golden.groupKey, Golden.groupValueV4),
    ]

    static func decode(_ key: [UInt8], _ value: [UInt8]?) throws(OffsetsRecordError) -> OffsetsRecord? {
        try OffsetsRecordCodec.decode(key: ByteBuffer(bytes: key), value: value.map { ByteBuffer(bytes: $0) })
    }

    @Test("every proper prefix of a key or a value throws")
    func prefixes() {
        for (key, value) in Self.pairs {
            for length in 0..<key.count {
                #expect(throws: OffsetsRecordError.self) { try Self.decode(Array(key.prefix(length)), value) }
                #expect(throws: OffsetsRecordError.self) { try Self.decode(Array(key.prefix(length)), nil) }
            }
            for length in 0..<value.count {
                #expect(throws: OffsetsRecordError.self) { try Self.decode(key, Array(value.prefix(length))) }
            }
        }
    }

    @Test("bytes after a key or a value throw")
    func trailingBytes() {
        for (key, value) in Self.pairs {
            #expect(throws: OffsetsRecordError.self) { try Self.decode(key + [0], value) }
            #expect(throws: OffsetsRecordError.self) { try Self.decode(key, value + [0]) }
        }
    }

    @Test("bad key strings throw: too long, negative, null, not UTF-8", arguments: [
        [0x00, 0x01, 0x7F, 0xFF, 0x67] as [UInt8],  // group claims 32767 bytes, has 1
        [0x00, 0x01, 0xFF, 0xFE, 0x00, 0x01, 0x74, 0, 0, 0, 0],  // group length -2
        [0x00, 0x01, 0xFF, 0xFF, 0x00, 0x01, 0x74, 0, 0, 0, 0],  // group null: not nullable
        [0x00, 0x01, 0x00, 0x01, 0xFF, 0x00, 0x01, 0x74, 0, 0, 0, 0],  // group 0xFF: not UTF-8
        [0x00, 0x02, 0x80, 0x00],  // group metadata key, length -32768
        [0x00, 0x02, 0x00, 0x02, 0xC3],  // group metadata key, truncated two-byte character
    ])
    func badKeyStrings(key: [UInt8]) {
        #expect(throws: OffsetsRecordError.self) { try Self.decode(key, nil) }
    }

    @Test("unknown or missing value versions throw", arguments: [
        [0x00, 0x05] as [UInt8], [0xFF, 0xFF], [0x7F, 0xFF], [0x80, 0x00], [0x00], [],
    ])
    func badValueVersions(prefix: [UInt8]) {
        // A v3 body behind the bad version: only the version is wrong.
        #expect(throws: OffsetsRecordError.self) {
            try Self.decode(Golden.commitKey, prefix + Golden.commitValueV3.dropFirst(2))
        }
        #expect(throws: OffsetsRecordError.self) {
            try Self.decode(Golden.groupKey, prefix + Golden.groupValueV3.dropFirst(2))
        }
    }

    @Test("hostile member counts and byte lengths throw before anything is allocated")
    func hostileCounts() throws {
        // Classic (v3): the members count sits after the fixed header at byte 35.
        let v3Header = Array(Golden.groupValueV3.prefix(35))
        try #require(Golden.groupValueV3[35..<39] == [0, 0, 0, 2])
        // Two billion, -1 (null: not nullable), -5, and one more than there are.
        let counts: [[UInt8]] = [
            [0x7F, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0xFB], [0, 0, 0, 3],
        ]
        for count in counts {
            #expect(throws: OffsetsRecordError.self) {
                try Self.decode(Golden.groupKey, v3Header + count + Golden.groupValueV3.dropFirst(39))
            }
        }
        // The first member's subscription length (int32 at byte 60): huge and negative.
        try #require(Golden.groupValueV3[60..<64] == [0, 0, 0, 2])
        for length in [[0x7F, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0xFF], [0x80, 0, 0, 0]] as [[UInt8]] {
            var damaged = Golden.groupValueV3
            damaged.replaceSubrange(60..<64, with: length)
            #expect(throws: OffsetsRecordError.self) { try Self.decode(Golden.groupKey, damaged) }
        }
        // Flexible (v4): the compact members count at byte 32.
        let v4Header = Array(Golden.groupValueV4.prefix(32))
        try #require(Golden.groupValueV4[32] == 3)
        let v4Members = Array(Golden.groupValueV4.dropFirst(33))
        for count in [
            [0xFF, 0xFF, 0xFF, 0xFF, 0x0F],  // UInt32.max - 1 members
            [0x80, 0x80, 0x80, 0x80, 0x80, 0x01],  // a varint longer than 5 bytes
            [0xFF, 0xFF, 0xFF, 0xFF, 0x7F],  // bits past 32
            [0x00],  // null: not nullable
            [0x80, 0x80, 0x04],  // 65535 members in ~60 bytes
        ] as [[UInt8]] {
            #expect(throws: OffsetsRecordError.self) { try Self.decode(Golden.groupKey, v4Header + count + v4Members) }
        }
    }

    @Test("bad tagged-field blocks in flexible values throw")
    func badTaggedFields() {
        let body = Array(Golden.commitValueV4.dropLast(4))  // everything before the tag block
        for block in [
            [0x02, 0x05, 0x00, 0x05, 0x00],  // tags 5 then 5: not ascending
            [0x01, 0x00, 0x05, 0xFF],  // size 5, one byte
            [0xFF, 0xFF, 0xFF, 0xFF, 0x0F],  // four billion fields
            [0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F],  // a 4 GiB field
        ] as [[UInt8]] {
            #expect(throws: OffsetsRecordError.self) { try Self.decode(Golden.commitKey, body + block) }
        }
    }

    @Test("overwriting any byte of a vector never crashes the decoder")
    func byteMutations() {
        var outcomes = (decoded: 0, thrown: 0)
        for (key, value) in Self.pairs {
            for replacement in [0x00, 0xFF, 0x7F, 0x80, 0x01] as [UInt8] {
                for index in key.indices {
                    var damaged = key
                    damaged[index] = replacement
                    tally(&outcomes) { () throws(OffsetsRecordError) in try Self.decode(damaged, value) }
                }
                for index in value.indices {
                    var damaged = value
                    damaged[index] = replacement
                    tally(&outcomes) { () throws(OffsetsRecordError) in try Self.decode(key, damaged) }
                }
            }
        }
        #expect(outcomes.thrown > 0)
        #expect(outcomes.decoded > 0)
    }

    @Test("random bytes never crash the decoder")
    func randomBytes() {
        var random = SplitMix64(seed: 0x7E_4E_0FF5)
        var outcomes = (decoded: 0, thrown: 0)
        for _ in 0..<5_000 {
            // A known key version half of the time, so the value decoders are reached.
            var key = (0..<Int(random.next() % 24)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if random.next() % 2 == 0, key.count >= 2 { key[0] = 0; key[1] = UInt8(random.next() % 3) }
            var value = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if value.count >= 2 { value[0] = 0; value[1] = UInt8(random.next() % 5) }
            tally(&outcomes) { () throws(OffsetsRecordError) in try Self.decode(key, value) }
        }
        #expect(outcomes.thrown > 0)
    }

    private func tally(
        _ outcomes: inout (decoded: Int, thrown: Int), _ body: () throws(OffsetsRecordError) -> OffsetsRecord?
    ) {
        do {
            _ = try body()
            outcomes.decoded += 1
        } catch {
            outcomes.thrown += 1
        }
    }
}
