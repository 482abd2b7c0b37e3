public import NIOCore
import TernModel
import TernWire

/// Kafka's `__consumer_offsets` record format (PROTOCOL.md §3.3, Kafka's `OffsetCommitKey`,
/// `OffsetCommitValue`, `GroupMetadataKey` and `GroupMetadataValue` message definitions), byte
/// for byte, so that Kafka tools (`kcat -C -t __consumer_offsets`, `OffsetsMessageFormatter`)
/// read Tern's offsets partitions and Tern could load a partition Kafka wrote.
///
/// ```
/// key    int16 version   0, 1  offset commit   group string, topic string, partition int32
///                        2     group metadata  group string
///                        3+    KIP-848 consumer groups, share groups, … (not Tern's: skipped)
/// value  int16 version   then the struct of that version (OffsetsRecordCodec+Offset/+Group);
///                        a null value is a tombstone
/// ```
/// All integers are big-endian; strings have an int16 length, bytes and arrays an int32 one,
/// except in the flexible versions (value v4), which use compact lengths and tagged fields.
///
/// The key "version" is really the record type: Kafka's newer coordinator names it the
/// record's api key, and the struct behind versions 0 and 1 is the same.
public enum OffsetsRecordCodec {
    /// Key versions (record types) this codec reads.
    enum KeyVersion {
        /// Written by Kafka before 0.10's group metadata; read, never written.
        static let legacyOffsetCommit: Int16 = 0
        /// What Kafka and Tern write for a committed offset.
        static let offsetCommit: Int16 = 1
        static let groupMetadata: Int16 = 2
    }

    /// Encodes `record` as Kafka writes it today.
    ///
    /// Key: offset commit key version 1, group metadata key version 2. Value: offset commit value
    /// version 3 (leader epoch) — or version 1 when `expireTimestamp` is set, the only version
    /// that has one (it has no leader epoch, so that is lost, as in Kafka); group metadata value
    /// version 3 (group instance ids). A tombstone has a nil value.
    ///
    /// - Precondition: every string fits an int16 length (32,767 UTF-8 bytes), as every string
    ///   Tern decoded from a request does.
    public static func encode(_ record: OffsetsRecord) -> (key: ByteBuffer, value: ByteBuffer?) {
        switch record {
        case .offsetCommit(let key, let value):
            let encodedValue = value.map { value in
                encodeValue(value, version: value.expireTimestamp == nil ? 3 : 1)
            }
            return (encodeKey(key, version: KeyVersion.offsetCommit), encodedValue)
        case .groupMetadata(let group, let value):
            return (encodeGroupKey(group), value.map { encodeValue($0, version: 3) })
        }
    }

    /// Decodes one record of a `__consumer_offsets` partition.
    ///
    /// - Returns: the record, a tombstone when `value` is nil, or nil for key versions that are
    ///   not offset commits or group metadata (KIP-848 and share-group records a newer Kafka
    ///   writes): skipped, not an error, as Kafka's own loader skips record types it does not know.
    /// - Throws: `OffsetsRecordError` for truncated bytes, bytes left over, lengths past their
    ///   bounds, invalid UTF-8, or a value version this codec does not know.
    public static func decode(key: ByteBuffer, value: ByteBuffer?) throws(OffsetsRecordError) -> OffsetsRecord? {
        do throws(WireDecodingError) {
            return try decodeRecord(key: key, value: value)
        } catch {
            throw OffsetsRecordError(error)
        }
    }

    /// The record as every replica holds it once it went through the log: what `decode` makes
    /// of what `encode` writes, so the coordinator that appended the record and a follower that
    /// decoded it agree on its state. Only an offset with an explicit expiry changes: it is
    /// written as value v1, which has no leader epoch, and Kafka reads an expiry of -1 as none.
    static func stored(_ record: OffsetsRecord) -> OffsetsRecord {
        guard case .offsetCommit(let key, var value?) = record, let expireTimestamp = value.expireTimestamp else {
            return record
        }
        value.leaderEpoch = -1
        if expireTimestamp == TimestampMs.none {
            value.expireTimestamp = nil
        }
        return .offsetCommit(key, value)
    }

    static func decodeRecord(key: ByteBuffer, value: ByteBuffer?) throws(WireDecodingError) -> OffsetsRecord? {
        var reader = WireReader(buffer: key)
        let version = try reader.readInteger(as: Int16.self, field: "OffsetsRecord.keyVersion")
        switch version {
        case KeyVersion.legacyOffsetCommit, KeyVersion.offsetCommit:
            let commitKey = try readKey(&reader)
            try reader.expectEnd(field: "OffsetCommitKey")
            guard let value else { return .offsetCommit(commitKey, nil) }
            return .offsetCommit(commitKey, try decodeOffsetCommitValue(value))
        case KeyVersion.groupMetadata:
            let group = try reader.readString(compact: false, field: "GroupMetadataKey.group")
            try reader.expectEnd(field: "GroupMetadataKey")
            guard let value else { return .groupMetadata(group: group, nil) }
            return .groupMetadata(group: group, try decodeGroupMetadataValue(value))
        default:
            return nil
        }
    }

    /// Reads the int16 version that opens a value and checks it against `0...max`.
    static func readValueVersion(
        _ reader: inout WireReader, max: Int16, field: StaticString
    ) throws(WireDecodingError) -> Int16 {
        let version = try reader.readInteger(as: Int16.self, field: field)
        guard version >= 0, version <= max else {
            throw WireDecodingError(.invalidValue("value version \(version), known 0...\(max)"), field: "\(field)")
        }
        return version
    }
}

// MARK: Keys

extension OffsetsRecordCodec {
    /// An offset commit key (`version` 0 or 1: the same struct).
    static func encodeKey(_ key: OffsetCommitKey, version: Int16) -> ByteBuffer {
        precondition(version == KeyVersion.legacyOffsetCommit || version == KeyVersion.offsetCommit, "key version")
        var writer = WireWriter()
        writer.writeInteger(version)
        writer.writeString(key.group, compact: false)
        writer.writeString(key.topic, compact: false)
        writer.writeInteger(key.partition)
        return writer.buffer
    }

    /// A group metadata key (version 2).
    static func encodeGroupKey(_ group: String) -> ByteBuffer {
        var writer = WireWriter()
        writer.writeInteger(KeyVersion.groupMetadata)
        writer.writeString(group, compact: false)
        return writer.buffer
    }

    static func readKey(_ reader: inout WireReader) throws(WireDecodingError) -> OffsetCommitKey {
        let group = try reader.readString(compact: false, field: "OffsetCommitKey.group")
        let topic = try reader.readString(compact: false, field: "OffsetCommitKey.topic")
        let partition = try reader.readInteger(as: Int32.self, field: "OffsetCommitKey.partition")
        return OffsetCommitKey(group: group, topic: topic, partition: partition)
    }
}
