public import NIOCore
import TernModel

/// One record inside a RecordBatch v2 records region (PROTOCOL.md §2.2).
///
/// ```
/// length varint | attributes int8 | timestampDelta varlong | offsetDelta varint
/// keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value
/// headersCount varint | headers: keyLength varint, key (UTF-8), valueLength varint (-1 = null), value
/// ```
/// All varints are zigzag. Decoded keys and values are slices sharing storage with the batch
/// (no copy); the record's absolute offset is `baseOffset + offsetDelta` and its timestamp
/// `baseTimestamp + timestampDelta`.
public struct Record: Sendable, Equatable {
    /// Unused by Kafka (always 0), kept so a decode/encode round trip is byte-exact.
    public var attributes: Int8
    /// Milliseconds after the batch's `baseTimestamp`.
    public var timestampDelta: Int64
    /// Position after the batch's `baseOffset`.
    public var offsetDelta: Int32
    /// The key, or nil (distinct from empty).
    public var key: ByteBuffer?
    /// The value, or nil: a tombstone (distinct from empty).
    public var value: ByteBuffer?
    /// Headers in wire order (keys may repeat).
    public var headers: [RecordHeader]

    /// Creates a record.
    public init(
        attributes: Int8 = 0, timestampDelta: Int64 = 0, offsetDelta: Int32, key: ByteBuffer?,
        value: ByteBuffer?, headers: [RecordHeader] = []
    ) {
        self.attributes = attributes
        self.timestampDelta = timestampDelta
        self.offsetDelta = offsetDelta
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The smallest encoded record: a one-byte length and six one-byte fields. Used to refuse a
    /// record count that the bytes could not possibly hold before allocating for it.
    public static let encodedSizeMin = 7
}

/// A record header: a UTF-8 key and a nullable value.
public struct RecordHeader: Sendable, Equatable {
    /// The header name (UTF-8 on the wire; never null).
    public var key: String
    /// The header value, or nil.
    public var value: ByteBuffer?

    /// Creates a header.
    public init(key: String, value: ByteBuffer?) {
        self.key = key
        self.value = value
    }
}

extension Record {
    /// Bytes of the record after its length prefix.
    var bodySize: Int {
        var size = 1 + Varint.size(varlong: timestampDelta) + Varint.size(varint: offsetDelta)
        size += Self.nullableSize(key) + Self.nullableSize(value)
        size += Varint.size(varint: Int32(headers.count))
        for header in headers {
            let keyBytes = header.key.utf8.count
            size += Varint.size(varint: Int32(keyBytes)) + keyBytes + Self.nullableSize(header.value)
        }
        return size
    }

    /// Bytes of the whole record, length prefix included.
    public var encodedSize: Int {
        let body = bodySize
        return Varint.size(varint: Int32(body)) + body
    }

    private static func nullableSize(_ bytes: ByteBuffer?) -> Int {
        guard let bytes else { return 1 }
        return Varint.size(varint: Int32(bytes.readableBytes)) + bytes.readableBytes
    }

    /// Appends the record (length prefix included).
    ///
    /// - Precondition: lengths fit an int32 and the header count is within
    ///   `Limits.headersPerRecordMax` (we only encode records we built or decoded).
    public func write(to writer: inout WireWriter) {
        precondition(headers.count <= Limits.headersPerRecordMax, "too many headers to encode")
        let body = bodySize
        precondition(body <= Int(Int32.max), "record too large to encode")
        writer.writeVarint(Int32(body))
        let start = writer.count
        writer.writeInteger(attributes)
        writer.writeVarlong(timestampDelta)
        writer.writeVarint(offsetDelta)
        Self.writeNullable(key, to: &writer)
        Self.writeNullable(value, to: &writer)
        writer.writeVarint(Int32(headers.count))
        for header in headers {
            writer.writeVarint(Int32(header.key.utf8.count))
            writer.writeRaw(header.key.utf8)
            Self.writeNullable(header.value, to: &writer)
        }
        precondition(writer.count - start == body, "record body size mismatch")
    }

    private static func writeNullable(_ bytes: ByteBuffer?, to writer: inout WireWriter) {
        guard let bytes else {
            writer.writeVarint(-1)
            return
        }
        writer.writeVarint(Int32(bytes.readableBytes))
        writer.writeRaw(bytes)
    }
}

extension Record {
    /// Reads one record from `reader`, consuming exactly its bytes.
    ///
    /// - Throws: `.malformedRecord` for bad varints, lengths, or a length prefix that disagrees
    ///   with the fields; `.tooManyHeaders` and `.invalidHeaderKey` as named.
    public static func read(from reader: inout WireReader) throws(RecordBatchError) -> Record {
        let length = try wire { () throws(WireDecodingError) in try reader.readVarint(field: "Record.length") }
        guard length >= 0, Int(length) <= reader.remaining else {
            throw RecordBatchError(.malformedRecord, "record length \(length) with \(reader.remaining) bytes left")
        }
        let slice = try wire { () throws(WireDecodingError) in
            try reader.readSlice(count: Int(length), field: "Record")
        }
        var body = WireReader(buffer: slice)
        let record = try readBody(&body)
        guard body.remaining == 0 else {
            throw RecordBatchError(.malformedRecord, "\(body.remaining) bytes left inside a record")
        }
        return record
    }

    private static func readBody(_ body: inout WireReader) throws(RecordBatchError) -> Record {
        let (attributes, timestampDelta, offsetDelta, key, value, count) = try wire {
            () throws(WireDecodingError) in
            (
                try body.readInteger(as: Int8.self, field: "Record.attributes"),
                try body.readVarlong(field: "Record.timestampDelta"),
                try body.readVarint(field: "Record.offsetDelta"),
                try readNullable(&body, field: "Record.key"),
                try readNullable(&body, field: "Record.value"),
                try body.readVarint(field: "Record.headersCount")
            )
        }
        guard count >= 0 else {
            throw RecordBatchError(.malformedRecord, "negative header count \(count)")
        }
        guard count <= Limits.headersPerRecordMax else {
            throw RecordBatchError(.tooManyHeaders, "\(count) headers, limit \(Limits.headersPerRecordMax)")
        }
        // A header takes at least two bytes (two one-byte lengths): refuse before allocating.
        guard Int(count) * 2 <= body.remaining else {
            throw RecordBatchError(.malformedRecord, "\(count) headers in \(body.remaining) bytes")
        }
        var headers: [RecordHeader] = []
        headers.reserveCapacity(Int(count))
        for _ in 0..<count {
            headers.append(try readHeader(&body))
        }
        return Record(
            attributes: attributes, timestampDelta: timestampDelta, offsetDelta: offsetDelta,
            key: key, value: value, headers: headers)
    }

    private static func readHeader(_ body: inout WireReader) throws(RecordBatchError) -> RecordHeader {
        let keyLength = try wire { () throws(WireDecodingError) in
            try body.readVarint(field: "Record.header.keyLength")
        }
        guard keyLength >= 0 else {
            throw RecordBatchError(.malformedRecord, "header key length \(keyLength)")
        }
        let keyBytes = try wire { () throws(WireDecodingError) in
            try body.readSlice(count: Int(keyLength), field: "Record.header.key")
        }
        guard let key = String(validating: keyBytes.readableBytesView, as: UTF8.self) else {
            throw RecordBatchError(.invalidHeaderKey, "header key is not valid UTF-8")
        }
        let value = try wire { () throws(WireDecodingError) in try readNullable(&body, field: "Record.header.value") }
        return RecordHeader(key: key, value: value)
    }

    private static func readNullable(
        _ body: inout WireReader, field: StaticString
    ) throws(WireDecodingError) -> ByteBuffer? {
        let length = try body.readVarint(field: field)
        if length == -1 { return nil }
        guard length >= 0 else { throw WireDecodingError(.negativeLength(Int64(length)), field: "\(field)") }
        return try body.readSlice(count: Int(length), field: field)
    }
}

/// Runs a primitive read and reports its failure as a malformed record.
@inline(__always)
func wire<T>(_ read: () throws(WireDecodingError) -> T) throws(RecordBatchError) -> T {
    do {
        return try read()
    } catch {
        throw RecordBatchError(.malformedRecord, error.description)
    }
}
