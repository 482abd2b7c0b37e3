internal import NIOCore
internal import TernModel
internal import TernRaft

/// Payloads of the two small durable files next to a partition's segments (each wrapped by
/// TernLog's `DurableStateFile`: magic, version, CRC-32C, atomic replace):
///
/// - `raft.state` (hard state), big-endian: `term int64 | vote int32 (-1 = none) | commit int64`;
/// - `raft.snapshot` (compaction point), big-endian: `lastIndex int64 | lastTerm int64 |`
///   followed by the configuration value of `EntryBatchCodec.encodeConfiguration`.
enum RaftStateCodec {
    static func encode(_ state: HardState) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(state.term.rawValue, endianness: .big)
        buffer.writeInteger(state.vote?.rawValue ?? -1, endianness: .big)
        buffer.writeInteger(state.commit.rawValue, endianness: .big)
        return Array(buffer.readableBytesView)
    }

    static func decodeHardState(_ bytes: [UInt8]) -> HardState? {
        var buffer = ByteBuffer(bytes: bytes)
        guard let term = buffer.readInteger(endianness: .big, as: Int64.self),
            let vote = buffer.readInteger(endianness: .big, as: Int32.self),
            let commit = buffer.readInteger(endianness: .big, as: Int64.self), buffer.readableBytes == 0
        else { return nil }
        guard term >= 0, vote >= -1, commit >= -1 else { return nil }
        return HardState(term: Term(term), vote: vote == -1 ? nil : NodeID(vote), commit: Offset(commit))
    }

    static func encode(_ metadata: SnapshotMetadata) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(metadata.last.index.rawValue, endianness: .big)
        buffer.writeInteger(metadata.last.term.rawValue, endianness: .big)
        var configuration = EntryBatchCodec.encodeConfiguration(metadata.configuration)
        buffer.writeBuffer(&configuration)
        return Array(buffer.readableBytesView)
    }

    static func decodeSnapshotMetadata(_ bytes: [UInt8]) -> SnapshotMetadata? {
        var buffer = ByteBuffer(bytes: bytes)
        guard let index = buffer.readInteger(endianness: .big, as: Int64.self),
            let term = buffer.readInteger(endianness: .big, as: Int64.self)
        else { return nil }
        guard index >= -1, term >= 0 else { return nil }
        guard let configuration = EntryBatchCodec.decodeConfiguration(buffer) else { return nil }
        return SnapshotMetadata(last: EntryID(index: Offset(index), term: Term(term)), configuration: configuration)
    }
}
