// Goal: every key and value version Kafka defines decodes to what was written, the record
// types Tern does not store are skipped, and what the coordinator applies equals what a
// follower decodes. Method: the codec's per-version encoders (internal, reached through
// @testable) write each version of a value holding exactly the fields that version has, and
// `decode` must give it back; the public path is checked on a spread of records.
import NIOCore
@testable import TernCoordination
import TernModel
import Testing

@Suite struct OffsetsRecordVersionTests {
    /// The fixture offset reduced to what value `version` stores.
    static func commitValue(version: Int16) -> OffsetCommitValue {
        var value = OffsetsFixtures.value
        if version < 3 { value.leaderEpoch = -1 }
        if version == 1 { value.expireTimestamp = TimestampMs(9_999) }
        return value
    }

    /// The fixture group reduced to what value `version` stores (v0: no rebalance timeout, read
    /// back as the session timeout; v0, v1: no state timestamp; before v3: no instance ids).
    static func groupValue(version: Int16) -> GroupMetadataValue {
        var group = OffsetsFixtures.group
        if version < 2 { group.currentStateTimestamp = .none }
        for index in group.members.indices {
            if version < 3 { group.members[index].groupInstanceID = nil }
            if version < 1 { group.members[index].rebalanceTimeoutMs = group.members[index].sessionTimeoutMs }
        }
        return group
    }

    @Test("offset commit keys v0 and v1 round-trip", arguments: [Int16(0), 1])
    func commitKeys(version: Int16) throws {
        let key = OffsetsRecordCodec.encodeKey(OffsetsFixtures.key, version: version)
        #expect(key.bytes.prefix(2) == [0, UInt8(version)])
        let decoded = try OffsetsRecordCodec.decode(key: key, value: nil)
        #expect(decoded == .offsetCommit(OffsetsFixtures.key, nil))
    }

    @Test("offset commit values v0 to v4 round-trip", arguments: Int16(0)...4)
    func commitValues(version: Int16) throws {
        let value = Self.commitValue(version: version)
        let encoded = OffsetsRecordCodec.encodeValue(value, version: version)
        #expect(encoded.bytes.prefix(2) == [0, UInt8(version)])
        let key = OffsetsRecordCodec.encodeKey(OffsetsFixtures.key, version: 1)
        #expect(try OffsetsRecordCodec.decode(key: key, value: encoded) == .offsetCommit(OffsetsFixtures.key, value))
    }

    @Test("group metadata values v0 to v4 round-trip", arguments: Int16(0)...4)
    func groupValues(version: Int16) throws {
        let value = Self.groupValue(version: version)
        let encoded = OffsetsRecordCodec.encodeValue(value, version: version)
        #expect(encoded.bytes.prefix(2) == [0, UInt8(version)])
        let key = OffsetsRecordCodec.encodeGroupKey("g1")
        #expect(try OffsetsRecordCodec.decode(key: key, value: encoded) == .groupMetadata(group: "g1", value))
    }

    @Test("an empty group (no protocol, no leader, no members) round-trips in every version", arguments: Int16(0)...4)
    func emptyGroup(version: Int16) throws {
        var value = OffsetsFixtures.emptyGroup(since: 77)
        if version < 2 { value.currentStateTimestamp = .none }
        let encoded = OffsetsRecordCodec.encodeValue(value, version: version)
        let decoded = try OffsetsRecordCodec.decode(key: OffsetsRecordCodec.encodeGroupKey("g"), value: encoded)
        #expect(decoded == .groupMetadata(group: "g", value))
    }

    @Test("key versions that are not offsets or group metadata are skipped, value or not", arguments: [
        Int16(3), 4, 5, 8, 11, 100, Int16.max, -1, Int16.min,
    ])
    func unknownKeyVersions(version: Int16) throws {
        let versionBytes = [UInt8(truncatingIfNeeded: version >> 8), UInt8(truncatingIfNeeded: version)]
        let key = ByteBuffer(bytes: versionBytes + [0, 1, 0x67])
        #expect(try OffsetsRecordCodec.decode(key: key, value: nil) == nil)
        #expect(try OffsetsRecordCodec.decode(key: key, value: ByteBuffer(bytes: [0, 0, 1])) == nil)
    }

    @Test("the public encoder's records decode to what the state stores")
    func publicRoundTrip() throws {
        let records: [OffsetsRecord] = [
            .offsetCommit(OffsetsFixtures.key, OffsetsFixtures.value),
            .offsetCommit(OffsetsFixtures.commit("ü-group", "topic-é", Int32.max), OffsetsFixtures.offset(-1, at: 0)),
            .offsetCommit(OffsetsFixtures.key, OffsetsFixtures.offset(5, at: 10, expiring: 20)),
            .offsetCommit(OffsetsFixtures.key, nil),
            .groupMetadata(group: "g1", OffsetsFixtures.group),
            .groupMetadata(group: "", OffsetsFixtures.emptyGroup(since: 3, protocolType: "")),
            .groupMetadata(group: "g1", nil),
        ]
        for record in records {
            let (key, value) = OffsetsRecordCodec.encode(record)
            let decoded = try OffsetsRecordCodec.decode(key: key, value: value)
            #expect(decoded == OffsetsRecordCodec.stored(record))
            #expect(decoded == record)
        }
    }

    @Test("an expiring offset with a leader epoch is stored without it; -1 means no expiry")
    func storedForm() throws {
        func decodedForm(_ value: OffsetCommitValue) -> OffsetsRecord { .offsetCommit(OffsetsFixtures.key, value) }
        var value = OffsetsFixtures.value
        value.expireTimestamp = TimestampMs(5)
        let (key, encoded) = OffsetsRecordCodec.encode(.offsetCommit(OffsetsFixtures.key, value))
        var expected = value
        expected.leaderEpoch = -1
        #expect(try OffsetsRecordCodec.decode(key: key, value: encoded) == decodedForm(expected))
        #expect(OffsetsRecordCodec.stored(.offsetCommit(OffsetsFixtures.key, value)) == decodedForm(expected))

        value.expireTimestamp = TimestampMs.none
        let (_, minusOne) = OffsetsRecordCodec.encode(.offsetCommit(OffsetsFixtures.key, value))
        var unexpiring = value
        unexpiring.expireTimestamp = nil
        unexpiring.leaderEpoch = -1
        #expect(try OffsetsRecordCodec.decode(key: key, value: minusOne) == decodedForm(unexpiring))
        #expect(OffsetsRecordCodec.stored(.offsetCommit(OffsetsFixtures.key, value)) == decodedForm(unexpiring))
    }
}
