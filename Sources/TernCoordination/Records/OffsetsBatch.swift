public import NIOCore
public import TernModel
import TernWire

/// How `OffsetsRecord`s are stored in a `__consumer_offsets` partition: records of an ordinary
/// RecordBatch v2, key and value in Kafka's format (`OffsetsRecordCodec`), so the partition's
/// Raft log, Fetch and any Kafka tool see normal batches. One OffsetCommit (or one group
/// metadata update) is one batch, which Raft commits or loses as a whole.
public enum OffsetsBatch {
    /// One uncompressed batch holding `records` in order, offset deltas 0..<count (offsets and
    /// epoch are stamped by the Raft leader), every record at `timestamp`. A tombstone is a
    /// record with a null value.
    ///
    /// - Precondition: 1...`Limits.offsetsRecordsPerBatchMax` records.
    public static func batch(_ records: [OffsetsRecord], timestamp: TimestampMs) -> ByteBuffer {
        precondition(!records.isEmpty, "an offsets batch holds at least one record")
        precondition(records.count <= Limits.offsetsRecordsPerBatchMax, "too many offsets records for one batch")
        let encoded = records.enumerated().map { position, record in
            let (key, value) = OffsetsRecordCodec.encode(record)
            return Record(offsetDelta: Int32(position), key: key, value: value)
        }
        return RecordBatch(baseTimestamp: timestamp, records: encoded).encoded()
    }

    /// The records of one committed batch of a `__consumer_offsets` partition, with their
    /// offsets, in log order. Compressed (LZ4) batches are decoded like any other.
    ///
    /// Records whose key version is not an offset commit or group metadata (KIP-848 or share
    /// group records) are skipped; so is a control batch (transaction markers), whose records
    /// are not offsets records at all.
    ///
    /// - Throws: `RecordBatchError` for bytes that are not a valid batch, `OffsetsRecordError`
    ///   for a record without a key or with a key or value that does not decode.
    public static func records(in payload: [UInt8]) throws -> [(Offset, OffsetsRecord)] {
        let batch = try RecordBatch.decode(ByteBuffer(bytes: payload))
        if batch.header.attributes.isControlBatch {
            return []
        }
        var result: [(Offset, OffsetsRecord)] = []
        result.reserveCapacity(batch.records.count)
        for record in batch.records {
            guard let key = record.key else {
                let offset = batch.offset(of: record)
                throw OffsetsRecordError("__consumer_offsets record: no key at offset \(offset)")
            }
            if let decoded = try OffsetsRecordCodec.decode(key: key, value: record.value) {
                result.append((batch.offset(of: record), decoded))
            }
        }
        return result
    }
}
