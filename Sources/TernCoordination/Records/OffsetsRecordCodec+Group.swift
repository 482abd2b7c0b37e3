import NIOCore
import TernModel
import TernWire

/// `GroupMetadataValue`, versions 0 to 4 (Kafka's message definition):
///
/// ```
/// protocolType            string           v0+
/// generation              int32            v0+
/// protocol                nullable string  v0+
/// leader                  nullable string  v0+
/// currentStateTimestamp   int64            v2+   (-1 when absent)
/// members                 array            v0+
///   memberId              string           v0+
///   groupInstanceId       nullable string  v3+
///   clientId              string           v0+
///   clientHost            string           v0+
///   rebalanceTimeout      int32            v1+
///   sessionTimeout        int32            v0+
///   subscription          bytes            v0+
///   assignment            bytes            v0+
///   tagged fields                          v4+
/// tagged fields                            v4+   (none defined; skipped)
/// ```
/// Version 4 is flexible: compact strings, bytes and arrays, and a tagged-field block after
/// each member and after the whole value.
extension OffsetsRecordCodec {
    /// The newest group metadata value version Kafka defines.
    static let groupMetadataValueVersionMax: Int16 = 4

    /// Encodes `value` in `version` (0...4); fields the version lacks are left out.
    static func encodeValue(_ value: GroupMetadataValue, version: Int16) -> ByteBuffer {
        precondition(version >= 0 && version <= groupMetadataValueVersionMax, "group metadata value version")
        let flexible = version >= 4
        var writer = WireWriter()
        writer.writeInteger(version)
        writer.writeString(value.protocolType, compact: flexible)
        writer.writeInteger(value.generation)
        writer.writeNullableString(value.protocolName, compact: flexible, nullable: true)
        writer.writeNullableString(value.leader, compact: flexible, nullable: true)
        if version >= 2 {
            writer.writeInteger(value.currentStateTimestamp.rawValue)
        }
        writer.writeArray(value.members, compact: flexible) { writer, member in
            writeMember(member, version: version, to: &writer)
        }
        if flexible {
            writer.writeTaggedFields(known: [], unknown: [])
        }
        return writer.buffer
    }

    private static func writeMember(_ member: StoredMember, version: Int16, to writer: inout WireWriter) {
        let flexible = version >= 4
        writer.writeString(member.memberID, compact: flexible)
        if version >= 3 {
            writer.writeNullableString(member.groupInstanceID, compact: flexible, nullable: true)
        }
        writer.writeString(member.clientID, compact: flexible)
        writer.writeString(member.clientHost, compact: flexible)
        if version >= 1 {
            writer.writeInteger(member.rebalanceTimeoutMs)
        }
        writer.writeInteger(member.sessionTimeoutMs)
        writer.writeBytes(ByteBuffer(bytes: member.subscription), compact: flexible)
        writer.writeBytes(ByteBuffer(bytes: member.assignment), compact: flexible)
        if flexible {
            writer.writeTaggedFields(known: [], unknown: [])
        }
    }

    static func decodeGroupMetadataValue(_ buffer: ByteBuffer) throws(WireDecodingError) -> GroupMetadataValue {
        var reader = WireReader(buffer: buffer)
        let version = try readValueVersion(
            &reader, max: groupMetadataValueVersionMax, field: "GroupMetadataValue.version")
        let flexible = version >= 4
        let protocolType = try reader.readString(compact: flexible, field: "GroupMetadataValue.protocolType")
        let generation = try reader.readInteger(as: Int32.self, field: "GroupMetadataValue.generation")
        let protocolName = try reader.readNullableString(
            compact: flexible, nullable: true, field: "GroupMetadataValue.protocol")
        let leader = try reader.readNullableString(
            compact: flexible, nullable: true, field: "GroupMetadataValue.leader")
        var currentStateTimestamp = TimestampMs.none
        if version >= 2 {
            currentStateTimestamp = TimestampMs(
                try reader.readInteger(as: Int64.self, field: "GroupMetadataValue.currentStateTimestamp"))
        }
        let members = try reader.readArray(
            compact: flexible, minElementBytes: memberBytesMin(version: version), field: "GroupMetadataValue.members"
        ) { (reader: inout WireReader) throws(WireDecodingError) -> StoredMember in
            try readMember(&reader, version: version)
        }
        if flexible {
            _ = try reader.readUnknownTaggedFields(field: "GroupMetadataValue.taggedFields")
        }
        try reader.expectEnd(field: "GroupMetadataValue")
        return GroupMetadataValue(
            protocolType: protocolType, generation: generation, protocolName: protocolName, leader: leader,
            currentStateTimestamp: currentStateTimestamp, members: members)
    }

    private static func readMember(
        _ reader: inout WireReader, version: Int16
    ) throws(WireDecodingError) -> StoredMember {
        let flexible = version >= 4
        let memberID = try reader.readString(compact: flexible, field: "MemberMetadata.memberId")
        var groupInstanceID: String?
        if version >= 3 {
            groupInstanceID = try reader.readNullableString(
                compact: flexible, nullable: true, field: "MemberMetadata.groupInstanceId")
        }
        let clientID = try reader.readString(compact: flexible, field: "MemberMetadata.clientId")
        let clientHost = try reader.readString(compact: flexible, field: "MemberMetadata.clientHost")
        var rebalanceTimeoutMs: Int32?
        if version >= 1 {
            rebalanceTimeoutMs = try reader.readInteger(as: Int32.self, field: "MemberMetadata.rebalanceTimeout")
        }
        let sessionTimeoutMs = try reader.readInteger(as: Int32.self, field: "MemberMetadata.sessionTimeout")
        let subscription = try reader.readBytes(compact: flexible, field: "MemberMetadata.subscription")
        let assignment = try reader.readBytes(compact: flexible, field: "MemberMetadata.assignment")
        if flexible {
            _ = try reader.readUnknownTaggedFields(field: "MemberMetadata.taggedFields")
        }
        return StoredMember(
            memberID: memberID, groupInstanceID: groupInstanceID, clientID: clientID, clientHost: clientHost,
            // v0 has no rebalance timeout: Kafka's loader used the session timeout (a rebalance
            // timeout of 0 would end every rebalance of the loaded group at once).
            rebalanceTimeoutMs: rebalanceTimeoutMs ?? sessionTimeoutMs, sessionTimeoutMs: sessionTimeoutMs,
            subscription: Array(subscription.readableBytesView), assignment: Array(assignment.readableBytesView))
    }

    /// The fewest bytes one member takes in `version`: its strings empty (a length each), its
    /// integers, its bytes empty. Bounds a claimed member count by the bytes left before
    /// anything is allocated for it.
    static func memberBytesMin(version: Int16) -> Int {
        switch version {
        case 0: 3 * 2 + 4 + 2 * 4
        case 1, 2: 3 * 2 + 2 * 4 + 2 * 4
        case 3: 4 * 2 + 2 * 4 + 2 * 4
        default: 4 * 1 + 2 * 4 + 2 * 1 + 1
        }
    }
}
