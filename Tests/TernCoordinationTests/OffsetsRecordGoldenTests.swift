// Goal: Tern writes and reads `__consumer_offsets` records byte for byte as Kafka does.
// Method: every vector below was written by hand from Kafka's message definitions
// (OffsetCommitKey, OffsetCommitValue, GroupMetadataKey, GroupMetadataValue: field order, types,
// versions), one commented line per field, not produced by the code under test; the encoder
// must produce exactly these bytes and the decoder must read them back. The flexible v4 values
// are decode-only (Tern writes v3 / v1) and carry unknown tagged fields that must be skipped.
import NIOCore
import TernCoordination
import TernModel
import Testing

@Suite struct OffsetsRecordGoldenTests {
    /// Offset commit key version 1: "g1", "t", partition 3.
    static let commitKey: [UInt8] = [
        0x00, 0x01,  // key version 1: offset commit
        0x00, 0x02, 0x67, 0x31,  // group: int16 length 2, "g1"
        0x00, 0x01, 0x74,  // topic: int16 length 1, "t"
        0x00, 0x00, 0x00, 0x03,  // partition: int32 3
    ]

    /// Offset commit value version 3: offset 42, leader epoch 7, metadata "m", committed at 1000.
    static let commitValueV3: [UInt8] = [
        0x00, 0x03,  // value version 3
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A,  // offset: int64 42
        0x00, 0x00, 0x00, 0x07,  // leaderEpoch: int32 7 (v3+)
        0x00, 0x01, 0x6D,  // metadata: int16 length 1, "m"
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xE8,  // commitTimestamp: int64 1000
    ]

    /// Offset commit value version 1: as v3 without leader epoch, expiring at 5000.
    static let commitValueV1: [UInt8] = [
        0x00, 0x01,  // value version 1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A,  // offset: int64 42
        0x00, 0x01, 0x6D,  // metadata: "m"
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xE8,  // commitTimestamp: int64 1000
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x13, 0x88,  // expireTimestamp: int64 5000 (v1 only)
    ]

    /// Offset commit value version 4 (flexible): compact metadata and a tagged-field block.
    static let commitValueV4: [UInt8] = [
        0x00, 0x04,  // value version 4
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A,  // offset: int64 42
        0x00, 0x00, 0x00, 0x07,  // leaderEpoch: int32 7
        0x02, 0x6D,  // metadata: compact string, uvarint length+1 = 2, "m"
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xE8,  // commitTimestamp: int64 1000
        0x01,  // tagged fields: 1
        0x00, 0x01, 0xFF,  // tag 0 (unknown to Tern), size 1, one byte: skipped
    ]

    /// Group metadata key version 2: "g1".
    static let groupKey: [UInt8] = [
        0x00, 0x02,  // key version 2: group metadata
        0x00, 0x02, 0x67, 0x31,  // group: "g1"
    ]

    /// Group metadata value version 3 of `OffsetsFixtures.group`.
    static let groupValueV3: [UInt8] = [
        0x00, 0x03,  // value version 3
        0x00, 0x08, 0x63, 0x6F, 0x6E, 0x73, 0x75, 0x6D, 0x65, 0x72,  // protocolType: "consumer"
        0x00, 0x00, 0x00, 0x05,  // generation: int32 5
        0x00, 0x05, 0x72, 0x61, 0x6E, 0x67, 0x65,  // protocol: nullable string "range"
        0x00, 0x02, 0x6D, 0x31,  // leader: nullable string "m1"
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0xD0,  // currentStateTimestamp: int64 2000 (v2+)
        0x00, 0x00, 0x00, 0x02,  // members: int32 count 2
        // member 1
        0x00, 0x02, 0x6D, 0x31,  // memberId: "m1"
        0xFF, 0xFF,  // groupInstanceId: null (int16 -1, v3+)
        0x00, 0x01, 0x63,  // clientId: "c"
        0x00, 0x02, 0x2F, 0x68,  // clientHost: "/h"
        0x00, 0x04, 0x93, 0xE0,  // rebalanceTimeout: int32 300000 (v1+)
        0x00, 0x00, 0x27, 0x10,  // sessionTimeout: int32 10000
        0x00, 0x00, 0x00, 0x02, 0x01, 0x02,  // subscription: int32 length 2, [1, 2]
        0x00, 0x00, 0x00, 0x00,  // assignment: int32 length 0
        // member 2
        0x00, 0x02, 0x6D, 0x32,  // memberId: "m2"
        0x00, 0x01, 0x69,  // groupInstanceId: "i"
        0x00, 0x01, 0x63,  // clientId: "c"
        0x00, 0x02, 0x2F, 0x68,  // clientHost: "/h"
        0x00, 0x04, 0x93, 0xE0,  // rebalanceTimeout: 300000
        0x00, 0x00, 0x27, 0x10,  // sessionTimeout: 10000
        0x00, 0x00, 0x00, 0x00,  // subscription: length 0
        0x00, 0x00, 0x00, 0x01, 0x09,  // assignment: length 1, [9]
    ]

    /// Group metadata value version 4 (flexible) of the same group.
    static let groupValueV4: [UInt8] = [
        0x00, 0x04,  // value version 4
        0x09, 0x63, 0x6F, 0x6E, 0x73, 0x75, 0x6D, 0x65, 0x72,  // protocolType: compact, 8+1, "consumer"
        0x00, 0x00, 0x00, 0x05,  // generation: 5
        0x06, 0x72, 0x61, 0x6E, 0x67, 0x65,  // protocol: compact nullable, 5+1, "range"
        0x03, 0x6D, 0x31,  // leader: compact nullable, "m1"
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0xD0,  // currentStateTimestamp: 2000
        0x03,  // members: compact array, 2+1
        // member 1
        0x03, 0x6D, 0x31,  // memberId: compact "m1"
        0x00,  // groupInstanceId: compact null
        0x02, 0x63,  // clientId: "c"
        0x03, 0x2F, 0x68,  // clientHost: "/h"
        0x00, 0x04, 0x93, 0xE0,  // rebalanceTimeout: 300000
        0x00, 0x00, 0x27, 0x10,  // sessionTimeout: 10000
        0x03, 0x01, 0x02,  // subscription: compact bytes, 2+1, [1, 2]
        0x01,  // assignment: compact bytes, empty
        0x01, 0x05, 0x02, 0xAB, 0xCD,  // member tagged fields: 1; tag 5 (unknown), size 2: skipped
        // member 2
        0x03, 0x6D, 0x32,  // memberId: "m2"
        0x02, 0x69,  // groupInstanceId: "i"
        0x02, 0x63,  // clientId: "c"
        0x03, 0x2F, 0x68,  // clientHost: "/h"
        0x00, 0x04, 0x93, 0xE0,  // rebalanceTimeout: 300000
        0x00, 0x00, 0x27, 0x10,  // sessionTimeout: 10000
        0x01,  // subscription: empty
        0x02, 0x09,  // assignment: [9]
        0x00,  // member tagged fields: none
        0x00,  // value tagged fields: none
    ]

    static let fixtureCommit = OffsetsRecord.offsetCommit(OffsetsFixtures.key, OffsetsFixtures.value)

    static func decode(_ key: [UInt8], _ value: [UInt8]?) throws -> OffsetsRecord? {
        try OffsetsRecordCodec.decode(key: ByteBuffer(bytes: key), value: value.map { ByteBuffer(bytes: $0) })
    }

    @Test("an offset commit is written as key v1 and value v3")
    func offsetCommitV3() throws {
        let (key, value) = OffsetsRecordCodec.encode(.offsetCommit(OffsetsFixtures.key, OffsetsFixtures.value))
        #expect(key.bytes == Self.commitKey)
        #expect(value?.bytes == Self.commitValueV3)
        #expect(try Self.decode(Self.commitKey, Self.commitValueV3) == Self.fixtureCommit)
    }

    @Test("an offset with an explicit expiry is written as value v1, without its leader epoch")
    func offsetCommitV1() throws {
        var expiring = OffsetsFixtures.value
        expiring.expireTimestamp = TimestampMs(5000)
        let (_, value) = OffsetsRecordCodec.encode(.offsetCommit(OffsetsFixtures.key, expiring))
        #expect(value?.bytes == Self.commitValueV1)
        expiring.leaderEpoch = -1
        #expect(try Self.decode(Self.commitKey, Self.commitValueV1) == .offsetCommit(OffsetsFixtures.key, expiring))
    }

    @Test("offset commit value v4 (flexible) decodes, its unknown tagged field skipped")
    func offsetCommitV4() throws {
        #expect(try Self.decode(Self.commitKey, Self.commitValueV4) == Self.fixtureCommit)
    }

    @Test("key version 0 is the same offset commit key")
    func legacyKey() throws {
        let legacy = [0x00, 0x00] + Self.commitKey.dropFirst(2)
        #expect(try Self.decode(legacy, Self.commitValueV3) == Self.fixtureCommit)
    }

    @Test("group metadata is written as key v2 and value v3")
    func groupMetadataV3() throws {
        let record = OffsetsRecord.groupMetadata(group: "g1", OffsetsFixtures.group)
        let (key, value) = OffsetsRecordCodec.encode(record)
        #expect(key.bytes == Self.groupKey)
        #expect(value?.bytes == Self.groupValueV3)
        #expect(try Self.decode(Self.groupKey, Self.groupValueV3) == record)
    }

    @Test("group metadata value v4 (flexible) decodes, tagged fields skipped")
    func groupMetadataV4() throws {
        #expect(try Self.decode(Self.groupKey, Self.groupValueV4) == .groupMetadata(group: "g1", OffsetsFixtures.group))
    }

    @Test("tombstones are a key with no value, both ways")
    func tombstones() throws {
        let commit = OffsetsRecordCodec.encode(.offsetCommit(OffsetsFixtures.key, nil))
        #expect(commit.key.bytes == Self.commitKey)
        #expect(commit.value == nil)
        let group = OffsetsRecordCodec.encode(.groupMetadata(group: "g1", nil))
        #expect(group.key.bytes == Self.groupKey)
        #expect(group.value == nil)
        #expect(try Self.decode(Self.commitKey, nil) == .offsetCommit(OffsetsFixtures.key, nil))
        #expect(try Self.decode(Self.groupKey, nil) == .groupMetadata(group: "g1", nil))
    }
}
