import NIOCore
import TernModel
import TernWire

/// `OffsetCommitValue`, versions 0 to 4 (Kafka's message definition):
///
/// ```
/// offset           int64   v0+
/// leaderEpoch      int32   v3+   (-1 when absent)
/// metadata         string  v0+   (compact from v4)
/// commitTimestamp  int64   v0+
/// expireTimestamp  int64   v1 only (-1: none)
/// tagged fields            v4+   (none defined; skipped)
/// ```
extension OffsetsRecordCodec {
    /// The newest offset commit value version Kafka defines.
    static let offsetCommitValueVersionMax: Int16 = 4

    /// Encodes `value` in `version` (0...4); fields the version lacks are left out.
    static func encodeValue(_ value: OffsetCommitValue, version: Int16) -> ByteBuffer {
        precondition(version >= 0 && version <= offsetCommitValueVersionMax, "offset commit value version")
        let flexible = version >= 4
        var writer = WireWriter()
        writer.writeInteger(version)
        writer.writeInteger(value.offset.rawValue)
        if version >= 3 {
            writer.writeInteger(value.leaderEpoch)
        }
        writer.writeString(value.metadata, compact: flexible)
        writer.writeInteger(value.commitTimestamp.rawValue)
        if version == 1 {
            writer.writeInteger((value.expireTimestamp ?? .none).rawValue)
        }
        if flexible {
            writer.writeTaggedFields(known: [], unknown: [])
        }
        return writer.buffer
    }

    static func decodeOffsetCommitValue(_ buffer: ByteBuffer) throws(WireDecodingError) -> OffsetCommitValue {
        var reader = WireReader(buffer: buffer)
        let version = try readValueVersion(
            &reader, max: offsetCommitValueVersionMax, field: "OffsetCommitValue.version")
        let flexible = version >= 4
        let offset = try reader.readInteger(as: Int64.self, field: "OffsetCommitValue.offset")
        var leaderEpoch: Int32 = -1
        if version >= 3 {
            leaderEpoch = try reader.readInteger(as: Int32.self, field: "OffsetCommitValue.leaderEpoch")
        }
        let metadata = try reader.readString(compact: flexible, field: "OffsetCommitValue.metadata")
        let commitTimestamp = try reader.readInteger(as: Int64.self, field: "OffsetCommitValue.commitTimestamp")
        var expireTimestamp: TimestampMs?
        if version == 1 {
            let raw = try reader.readInteger(as: Int64.self, field: "OffsetCommitValue.expireTimestamp")
            // Kafka reads -1 as "no explicit expiry" (`OffsetAndMetadata.fromRecord`).
            expireTimestamp = raw == TimestampMs.none.rawValue ? nil : TimestampMs(raw)
        }
        if flexible {
            _ = try reader.readUnknownTaggedFields(field: "OffsetCommitValue.taggedFields")
        }
        try reader.expectEnd(field: "OffsetCommitValue")
        return OffsetCommitValue(
            offset: Offset(offset), leaderEpoch: leaderEpoch, metadata: metadata,
            commitTimestamp: TimestampMs(commitTimestamp), expireTimestamp: expireTimestamp)
    }
}
