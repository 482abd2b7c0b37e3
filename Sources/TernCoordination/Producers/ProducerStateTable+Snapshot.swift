import NIOCore
public import TernModel
import TernWire

/// Snapshots of a `ProducerStateTable`, so a restarted replica replays only the log after them:
///
/// ```
/// magic           4 bytes   "TPST"
/// format version  uint16    1
/// appliedOffset   int64     -1 for none
/// producer count  uint32
/// producers       sorted by id: id int64, epoch int16, batch count uint8 (1...5), then per
///                 batch, oldest first: first and last sequence int32, first and last offset
///                 int64, timestamp int64
/// ```
/// Big-endian. The order is fixed, so replicas holding the same state write the same bytes.
/// The file holding it (TernLog's `DurableStateFile`) carries the checksum.
extension ProducerStateTable {
    static let snapshotMagic: [UInt8] = Array("TPST".utf8)
    static let snapshotFormatVersion: UInt16 = 1
    /// The fewest bytes one producer takes: id, epoch, count and one batch.
    static let snapshotProducerBytesMin = 8 + 2 + 1 + (4 + 4 + 8 + 8 + 8)

    /// The table as snapshot bytes (format above).
    public func snapshot() -> [UInt8] {
        var writer = WireWriter()
        writer.writeRaw(Self.snapshotMagic)
        writer.writeInteger(Self.snapshotFormatVersion)
        writer.writeInteger(appliedOffset?.rawValue ?? Offset.none.rawValue)
        writer.writeInteger(UInt32(producers.count))
        for producer in producers.keys.sorted() {
            guard let entry = producers[producer] else { continue }
            writer.writeInteger(producer.rawValue)
            writer.writeInteger(entry.epoch.rawValue)
            writer.writeInteger(UInt8(entry.batches.count))
            for batch in entry.batches {
                writer.writeInteger(batch.firstSequence.rawValue)
                writer.writeInteger(batch.lastSequence.rawValue)
                writer.writeInteger(batch.firstOffset.rawValue)
                writer.writeInteger(batch.lastOffset.rawValue)
                writer.writeInteger(batch.timestamp.rawValue)
            }
        }
        return Array(writer.buffer.readableBytesView)
    }

    /// Restores what `snapshot()` wrote.
    ///
    /// - Throws: `ProducerStateError` for truncated bytes, an unknown magic or format version, a
    ///   producer count past `producersMax` or the bytes present, a repeated or negative producer
    ///   id, a negative epoch or sequence, a batch count outside 1...5, offsets out of order, or
    ///   bytes left over.
    public init(snapshot bytes: [UInt8], producersMax: Int = Limits.producerStatesPerPartitionMax)
        throws(ProducerStateError)
    {
        do throws(WireDecodingError) {
            var reader = WireReader(buffer: ByteBuffer(bytes: bytes))
            self = try Self.readSnapshot(&reader, producersMax: producersMax)
        } catch {
            throw ProducerStateError(error)
        }
    }

    private static func readSnapshot(_ reader: inout WireReader, producersMax: Int) throws(WireDecodingError)
        -> ProducerStateTable
    {
        let magic = try reader.readSlice(count: snapshotMagic.count, field: "ProducerSnapshot.magic")
        guard Array(magic.readableBytesView) == snapshotMagic else {
            throw WireDecodingError(.invalidValue("not a producer state snapshot"), field: "ProducerSnapshot.magic")
        }
        let format = try reader.readInteger(as: UInt16.self, field: "ProducerSnapshot.formatVersion")
        guard format == snapshotFormatVersion else {
            throw WireDecodingError(.invalidValue("format version \(format)"), field: "ProducerSnapshot.formatVersion")
        }
        let applied = try reader.readInteger(as: Int64.self, field: "ProducerSnapshot.appliedOffset")
        guard applied >= Offset.none.rawValue else {
            throw WireDecodingError(.invalidValue("applied offset \(applied)"), field: "ProducerSnapshot.appliedOffset")
        }
        let count = Int(try reader.readInteger(as: UInt32.self, field: "ProducerSnapshot.producerCount"))
        guard count <= producersMax else {
            throw WireDecodingError(
                .lengthExceedsLimit(length: Int64(count), limit: producersMax), field: "ProducerSnapshot.producerCount")
        }
        guard count * snapshotProducerBytesMin <= reader.remaining else {
            throw WireDecodingError(
                .countExceedsRemainingBytes(count: Int64(count), remaining: reader.remaining),
                field: "ProducerSnapshot.producerCount")
        }
        var producers: [ProducerID: ProducerEntry] = [:]
        producers.reserveCapacity(count)
        for _ in 0..<count {
            let id = ProducerID(try reader.readInteger(as: Int64.self, field: "ProducerSnapshot.producerID"))
            guard id.rawValue >= 0, producers[id] == nil else {
                throw WireDecodingError(.invalidValue("producer id \(id) negative or repeated"), field: "ProducerSnapshot.producerID")
            }
            producers[id] = try readEntry(&reader)
        }
        try reader.expectEnd(field: "ProducerSnapshot")
        return ProducerStateTable(
            producers: producers, appliedOffset: applied == Offset.none.rawValue ? nil : Offset(applied),
            producersMax: producersMax)
    }

    private static func readEntry(_ reader: inout WireReader) throws(WireDecodingError) -> ProducerEntry {
        let epoch = ProducerEpoch(try reader.readInteger(as: Int16.self, field: "ProducerSnapshot.epoch"))
        guard epoch.rawValue >= 0 else {
            throw WireDecodingError(.invalidValue("epoch \(epoch)"), field: "ProducerSnapshot.epoch")
        }
        let batchCount = Int(try reader.readInteger(as: UInt8.self, field: "ProducerSnapshot.batchCount"))
        guard (1...ProducerEntry.batchesRetained).contains(batchCount) else {
            throw WireDecodingError(.invalidValue("\(batchCount) batches"), field: "ProducerSnapshot.batchCount")
        }
        var batches: [ProducerBatch] = []
        for _ in 0..<batchCount {
            let batch = ProducerBatch(
                firstSequence: Sequence(try reader.readInteger(as: Int32.self, field: "ProducerSnapshot.firstSequence")),
                lastSequence: Sequence(try reader.readInteger(as: Int32.self, field: "ProducerSnapshot.lastSequence")),
                firstOffset: Offset(try reader.readInteger(as: Int64.self, field: "ProducerSnapshot.firstOffset")),
                lastOffset: Offset(try reader.readInteger(as: Int64.self, field: "ProducerSnapshot.lastOffset")),
                timestamp: TimestampMs(try reader.readInteger(as: Int64.self, field: "ProducerSnapshot.timestamp")))
            let ordered = batch.firstOffset >= .zero && batch.firstOffset <= batch.lastOffset
                && (batches.last.map { $0.lastOffset < batch.firstOffset } ?? true)
            guard batch.firstSequence.rawValue >= 0, batch.lastSequence.rawValue >= 0, ordered else {
                throw WireDecodingError(.invalidValue("batch \(batch)"), field: "ProducerSnapshot.batch")
            }
            batches.append(batch)
        }
        return ProducerEntry(epoch: epoch, batches: batches)
    }
}
