public import NIOCore
public import TernModel

/// The type in a control record's key (Kafka `ControlRecordType`).
public struct ControlRecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The int16 on the wire.
    public var rawValue: Int16
    /// Wraps a wire value (unknown types are kept, not refused: newer Kafka versions add some).
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// Transaction abort marker.
    public static let abort = ControlRecordType(rawValue: 0)
    /// Transaction commit marker.
    public static let commit = ControlRecordType(rawValue: 1)
    /// A new Raft leader's first entry (KIP-595); Tern's leader no-op (PROTOCOL.md §2.3).
    public static let leaderChange = ControlRecordType(rawValue: 2)

    /// The type's Kafka name.
    public var description: String {
        switch self {
        case .abort: return "ABORT"
        case .commit: return "COMMIT"
        case .leaderChange: return "LEADER_CHANGE"
        default: return "UNKNOWN(\(rawValue))"
        }
    }
}

/// The key of every control record: `int16 version, int16 type` (version 0).
public struct ControlRecordKey: Sendable, Equatable {
    /// Key schema version; Kafka writes 0.
    public var version: Int16
    /// What the record means.
    public var type: ControlRecordType

    /// Creates a key.
    public init(version: Int16 = 0, type: ControlRecordType) {
        self.version = version
        self.type = type
    }

    /// The key's four bytes.
    public var encoded: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(version, endianness: .big)
        buffer.writeInteger(type.rawValue, endianness: .big)
        return buffer
    }

    /// Parses a control record key (at least four bytes; Kafka allows later versions to append).
    public init(parsing key: ByteBuffer?) throws(RecordBatchError) {
        guard let key, key.readableBytes >= 4 else {
            throw RecordBatchError(.malformedControlRecord, "control record key needs 4 bytes")
        }
        let version = key.getInteger(at: key.readerIndex, endianness: .big, as: Int16.self)!
        let type = key.getInteger(at: key.readerIndex + 2, endianness: .big, as: Int16.self)!
        guard version >= 0 else {
            throw RecordBatchError(.malformedControlRecord, "control record key version \(version)")
        }
        self.init(version: version, type: ControlRecordType(rawValue: type))
    }
}

extension RecordBatch {
    /// The LEADER_CHANGE control batch a new Raft leader appends as its first entry of `term`
    /// (ARCHITECTURE.md decision 2; KIP-595): one control record, key (0, 2), value the
    /// `LeaderChangeMessage`; not idempotent, not transactional, uncompressed, with
    /// `partitionLeaderEpoch` = the term, as Kafka's `MemoryRecords.withLeaderChangeMessage`
    /// writes it.
    public static func leaderChange(
        baseOffset: Offset, term: Term, timestamp: TimestampMs, message: LeaderChangeMessage
    ) -> RecordBatch {
        let record = Record(
            offsetDelta: 0, key: ControlRecordKey(type: .leaderChange).encoded, value: message.encoded)
        return RecordBatch(
            baseOffset: baseOffset, partitionLeaderEpoch: term.leaderEpoch, baseTimestamp: timestamp,
            isControlBatch: true, records: [record])
    }

    /// The control record types in this batch, in order; empty for a data batch.
    public func controlRecordTypes() throws(RecordBatchError) -> [ControlRecordType] {
        guard header.attributes.isControlBatch else { return [] }
        var types: [ControlRecordType] = []
        for record in records {
            types.append(try ControlRecordKey(parsing: record.key).type)
        }
        return types
    }

    /// The leader-change message if this is a LEADER_CHANGE control batch, else nil.
    public func leaderChangeMessage() throws(RecordBatchError) -> LeaderChangeMessage? {
        guard header.attributes.isControlBatch, let first = records.first else { return nil }
        guard try ControlRecordKey(parsing: first.key).type == .leaderChange else { return nil }
        guard let value = first.value else {
            throw RecordBatchError(.malformedControlRecord, "LEADER_CHANGE record without a value")
        }
        return try LeaderChangeMessage(decoding: value)
    }
}
