import NIOCore
import TernModel
import TernWire

/// Snapshots of an `OffsetsState`, so a replica restarts (or a follower that fell behind the
/// log's compaction catches up) without replaying the whole partition:
///
/// ```
/// magic           4 bytes   "TOFS"
/// format version  uint16    1
/// appliedOffset   int64     -1 for none
/// record count    uint32
/// records         per record: key int32 length + bytes, value int32 length + bytes, in
///                 OffsetsRecordCodec's format; never tombstones; each group's metadata, then
///                 its offsets by topic and partition; groups sorted
/// crc32c          uint32    CRC-32C of every byte before it
/// ```
/// Big-endian throughout. The order is fixed so that replicas holding the same state write
/// the same bytes.
extension OffsetsState {
    static let snapshotMagic: [UInt8] = Array("TOFS".utf8)
    static let snapshotFormatVersion: UInt16 = 1
    /// Magic, format version, applied offset and record count.
    static let snapshotHeaderBytes = 4 + 2 + 8 + 4
    static let snapshotChecksumBytes = 4
    /// The fewest bytes one record takes: two int32 lengths.
    static let snapshotRecordBytesMin = 4 + 4

    /// The state as snapshot bytes (format above).
    public func snapshot() -> [UInt8] {
        let records = snapshotRecords()
        var writer = WireWriter()
        writer.writeRaw(Self.snapshotMagic)
        writer.writeInteger(Self.snapshotFormatVersion)
        writer.writeInteger(appliedOffset?.rawValue ?? Offset.none.rawValue)
        writer.writeInteger(UInt32(records.count))
        for record in records {
            let (key, value) = OffsetsRecordCodec.encode(record)
            precondition(value != nil, "a snapshot holds no tombstones")
            writer.writeBytes(key, compact: false)
            writer.writeNullableBytes(value, compact: false, nullable: false)
        }
        writer.writeInteger(CRC32C.checksum(writer.buffer))
        return Array(writer.buffer.readableBytesView)
    }

    /// Restores the state a `snapshot()` wrote.
    ///
    /// - Throws: `OffsetsRecordError` for damaged bytes (checksum mismatch, found before
    ///   anything else is read), an unknown magic or format version, a record count past
    ///   `Limits.offsetsSnapshotRecordsMax` or the bytes present, records that do not decode,
    ///   tombstones, duplicate keys, or bytes left over.
    public init(snapshot bytes: [UInt8]) throws(OffsetsRecordError) {
        guard bytes.count >= Self.snapshotHeaderBytes + Self.snapshotChecksumBytes else {
            throw OffsetsRecordError("offsets snapshot: \(bytes.count) bytes, too short for its header")
        }
        var buffer = ByteBuffer(bytes: bytes)
        guard
            let body = buffer.readSlice(length: bytes.count - Self.snapshotChecksumBytes),
            let stored = buffer.readInteger(endianness: .big, as: UInt32.self)
        else {
            preconditionFailure("the length was checked")
        }
        let computed = CRC32C.checksum(body)
        guard computed == stored else {
            throw OffsetsRecordError("offsets snapshot: checksum \(computed) does not match the stored \(stored)")
        }
        do throws(WireDecodingError) {
            var reader = WireReader(buffer: body)
            self = try Self.readSnapshot(&reader)
        } catch {
            throw OffsetsRecordError(error, in: "offsets snapshot")
        }
    }

    /// Every record of the state in snapshot order.
    func snapshotRecords() -> [OffsetsRecord] {
        var records: [OffsetsRecord] = []
        records.reserveCapacity(groups.count + offsetCount)
        for group in groupIDs {
            if let metadata = groups[group] {
                records.append(.groupMetadata(group: group, metadata))
            }
            let offsets = offsets(of: group)
            for key in offsets.keys.sorted() {
                records.append(.offsetCommit(key, offsets[key]))
            }
        }
        return records
    }

    /// Reads a checksummed snapshot body (everything before the CRC).
    private static func readSnapshot(_ reader: inout WireReader) throws(WireDecodingError) -> OffsetsState {
        let magic = try reader.readSlice(count: snapshotMagic.count, field: "OffsetsSnapshot.magic")
        guard Array(magic.readableBytesView) == snapshotMagic else {
            throw WireDecodingError(.invalidValue("not an offsets snapshot"), field: "OffsetsSnapshot.magic")
        }
        let format = try reader.readInteger(as: UInt16.self, field: "OffsetsSnapshot.formatVersion")
        guard format == snapshotFormatVersion else {
            throw WireDecodingError(.invalidValue("format version \(format)"), field: "OffsetsSnapshot.formatVersion")
        }
        var state = OffsetsState()
        let applied = try reader.readInteger(as: Int64.self, field: "OffsetsSnapshot.appliedOffset")
        guard applied >= Offset.none.rawValue else {
            throw WireDecodingError(.invalidValue("applied offset \(applied)"), field: "OffsetsSnapshot.appliedOffset")
        }
        state.setAppliedOffset(applied == Offset.none.rawValue ? nil : Offset(applied))
        let count = try readRecordCount(&reader)
        for _ in 0..<count {
            try state.insertSnapshotRecord(try readSnapshotRecord(&reader))
        }
        try reader.expectEnd(field: "OffsetsSnapshot")
        return state
    }

    /// The record count, bounded by the limit and by the bytes left before the loop runs.
    private static func readRecordCount(_ reader: inout WireReader) throws(WireDecodingError) -> Int {
        let count = Int(try reader.readInteger(as: UInt32.self, field: "OffsetsSnapshot.recordCount"))
        guard count <= Limits.offsetsSnapshotRecordsMax else {
            throw WireDecodingError(
                .lengthExceedsLimit(length: Int64(count), limit: Limits.offsetsSnapshotRecordsMax),
                field: "OffsetsSnapshot.recordCount")
        }
        guard count * snapshotRecordBytesMin <= reader.remaining else {
            throw WireDecodingError(
                .countExceedsRemainingBytes(count: Int64(count), remaining: reader.remaining),
                field: "OffsetsSnapshot.recordCount")
        }
        return count
    }

    private static func readSnapshotRecord(_ reader: inout WireReader) throws(WireDecodingError) -> OffsetsRecord {
        let key = try reader.readBytes(compact: false, field: "OffsetsSnapshot.key")
        let value = try reader.readBytes(compact: false, field: "OffsetsSnapshot.value")
        guard let record = try OffsetsRecordCodec.decodeRecord(key: key, value: value) else {
            throw WireDecodingError(.invalidValue("a record of an unknown key version"), field: "OffsetsSnapshot.key")
        }
        return record
    }

    /// Inserts one snapshot record; a second record for the same offset or group means the
    /// writer was broken, since `snapshot()` writes each once.
    private mutating func insertSnapshotRecord(_ record: OffsetsRecord) throws(WireDecodingError) {
        let duplicate =
            switch record {
            case .offsetCommit(let key, _): committed(key) != nil
            case .groupMetadata(let group, _): groups[group] != nil
            }
        guard !duplicate else {
            throw WireDecodingError(
                .invalidValue("a second record for one key of group \(record.group)"), field: "OffsetsSnapshot.records")
        }
        insert(record)
    }
}
