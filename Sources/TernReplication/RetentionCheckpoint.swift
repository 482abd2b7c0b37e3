internal import NIOCore
internal import TernModel
internal import TernRaft

/// What `PartitionRaftLog` records (file `raft.retention`) just before TernLog's retention may
/// remove segments: for every segment base that could become the new log start, the term of the
/// entry before it, plus the configuration entries below the last such base. If a crash hits
/// after segments are gone but before the new snapshot point is recorded, `open` finishes the
/// job from this file (the removed batches can no longer tell their terms).
///
/// Payload, big-endian: `boundaryCount int32 | (base int64, termBefore int64) × boundaryCount |
/// configurationCount int32 | (index int64, term int64, valueLength int32, value) × count`, the
/// value as in `EntryBatchCodec.encodeConfiguration`.
struct RetentionCheckpoint: Equatable {
    /// A possible new log start and the term of the entry just before it.
    struct Boundary: Equatable {
        var base: Offset
        var termBefore: Term
    }

    var boundaries: [Boundary]
    var configurations: [ConfigurationPoint]

    func encoded() -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(boundaries.count), endianness: .big)
        for boundary in boundaries {
            buffer.writeInteger(boundary.base.rawValue, endianness: .big)
            buffer.writeInteger(boundary.termBefore.rawValue, endianness: .big)
        }
        buffer.writeInteger(Int32(configurations.count), endianness: .big)
        for point in configurations {
            buffer.writeInteger(point.id.index.rawValue, endianness: .big)
            buffer.writeInteger(point.id.term.rawValue, endianness: .big)
            var value = EntryBatchCodec.encodeConfiguration(point.configuration)
            buffer.writeInteger(Int32(value.readableBytes), endianness: .big)
            buffer.writeBuffer(&value)
        }
        return Array(buffer.readableBytesView)
    }

    /// Nil for anything malformed; never traps.
    static func decode(_ bytes: [UInt8]) -> RetentionCheckpoint? {
        var buffer = ByteBuffer(bytes: bytes)
        guard let count = buffer.readInteger(endianness: .big, as: Int32.self), count >= 0,
            buffer.readableBytes >= Int(count) * 16
        else { return nil }
        var boundaries: [Boundary] = []
        for _ in 0..<Int(count) {
            guard let base = buffer.readInteger(endianness: .big, as: Int64.self),
                let term = buffer.readInteger(endianness: .big, as: Int64.self), base >= 0, term >= 0
            else { return nil }
            boundaries.append(Boundary(base: Offset(base), termBefore: Term(term)))
        }
        guard let pointCount = buffer.readInteger(endianness: .big, as: Int32.self), pointCount >= 0,
            buffer.readableBytes >= Int(pointCount) * 20
        else { return nil }
        var points: [ConfigurationPoint] = []
        for _ in 0..<Int(pointCount) {
            guard let index = buffer.readInteger(endianness: .big, as: Int64.self),
                let term = buffer.readInteger(endianness: .big, as: Int64.self),
                let length = buffer.readInteger(endianness: .big, as: Int32.self), length >= 0,
                let value = buffer.readSlice(length: Int(length)),
                let configuration = EntryBatchCodec.decodeConfiguration(value), index >= 0, term >= 0
            else { return nil }
            points.append(ConfigurationPoint(id: EntryID(index: Offset(index), term: Term(term)), configuration: configuration))
        }
        guard buffer.readableBytes == 0 else { return nil }
        return RetentionCheckpoint(boundaries: boundaries, configurations: points)
    }
}
