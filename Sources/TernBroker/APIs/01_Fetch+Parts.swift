public import NIOCore
public import TernTransport
import TernWire

/// The records of one Fetch partition: bytes in memory, or ranges of segment files that the
/// transport sends with `sendfile` (zero-copy: stored batches go from the page cache to the
/// socket without passing through the broker's memory).
public enum FetchRecords: Sendable {
    /// Bytes read into memory (a simulated file system, or a file without a descriptor).
    case bytes(ByteBuffer)
    /// File ranges, in order.
    case files([ResponsePart])

    /// The number of record bytes.
    public var byteCount: Int {
        switch self {
        case .bytes(let buffer): buffer.readableBytes
        case .files(let parts): parts.reduce(0) { $0 + $1.byteCount }
        }
    }

    /// The records as response parts.
    var parts: [ResponsePart] {
        switch self {
        case .bytes(let buffer): [.bytes(buffer)]
        case .files(let parts): parts
        }
    }
}

/// One partition of a Fetch answer: every field but the records, and the records apart.
struct FetchAnswerPartition: Sendable {
    /// The partition's fields; `records` stays nil here.
    var data: FetchResponse.PartitionData
    /// The records (nil: none, sent as an empty record set).
    var records: FetchRecords?
}

/// Encodes a Fetch response whose record sets are file ranges, as response parts: the generated
/// encoder writes every other field (so the layout per version has one source), and the record
/// sets are spliced in where their length prefix goes.
///
/// `Records` is the last field of a partition's data, followed only by its tagged fields in v12,
/// and `Responses` / `Partitions` end their structs (before the tagged fields). So each struct is
/// encoded with an empty array or a null record set, that tail is cut off (its exact bytes are
/// checked: any other tail means tagged fields are set, and the caller then sends a plain
/// encoding), and the real counts, record sets and tags are written after it.
enum FetchResponseParts {
    /// The parts of the response, or nil when a struct has tagged fields set (encode plainly).
    static func encode(
        topics: [(name: String, partitions: [FetchAnswerPartition])], version: Int16
    ) -> [ResponsePart]? {
        let compact = version >= 12
        var parts: [ResponsePart] = []
        var writer = WireWriter()
        let top = FetchResponse(throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [])
        guard append(top, version: version, cutting: emptyArrayTail(compact), to: &writer) else { return nil }
        writer.writeArrayCount(topics.count, compact: compact)
        for topic in topics {
            let head = FetchResponse.FetchableTopicResponse(topic: topic.name, partitions: [])
            guard append(head, version: version, cutting: emptyArrayTail(compact), to: &writer) else { return nil }
            writer.writeArrayCount(topic.partitions.count, compact: compact)
            for partition in topic.partitions {
                var data = partition.data
                data.records = nil
                guard append(data, version: version, cutting: nullBytesTail(compact), to: &writer) else { return nil }
                let records = partition.records?.parts ?? []
                writer.writeArrayCount(records.reduce(0) { $0 + $1.byteCount }, compact: compact)
                parts.append(.bytes(writer.buffer))
                parts += records
                writer = WireWriter()
                if compact { writer.writeUnsignedVarint(0) }  // the partition's (empty) tagged fields
            }
            if compact { writer.writeUnsignedVarint(0) }  // the topic's tagged fields
        }
        if compact { writer.writeUnsignedVarint(0) }  // the response's tagged fields
        parts.append(.bytes(writer.buffer))
        return parts
    }

    /// An empty array as the last field, then (flexible) an empty tagged-field block.
    private static func emptyArrayTail(_ compact: Bool) -> [UInt8] { compact ? [1, 0] : [0, 0, 0, 0] }

    /// A null byte field as the last field, then (flexible) an empty tagged-field block.
    private static func nullBytesTail(_ compact: Bool) -> [UInt8] { compact ? [0, 0] : [0xFF, 0xFF, 0xFF, 0xFF] }

    /// Encodes `value` and appends it without `tail`; false if it does not end with `tail`.
    private static func append(
        _ value: some KafkaStruct, version: Int16, cutting tail: [UInt8], to writer: inout WireWriter
    ) -> Bool {
        var encoded = WireWriter()
        value.encode(into: &encoded, version: version)
        let buffer = encoded.buffer
        guard buffer.readableBytes >= tail.count,
            let end = buffer.getBytes(at: buffer.readerIndex + buffer.readableBytes - tail.count, length: tail.count),
            end == tail,
            let kept = buffer.getSlice(at: buffer.readerIndex, length: buffer.readableBytes - tail.count)
        else { return false }
        writer.writeRaw(kept)
        return true
    }
}
