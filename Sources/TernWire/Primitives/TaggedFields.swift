public import NIOCore
import TernModel

/// One entry of a tagged-field block (KIP-482) kept as raw bytes.
///
/// Decoders put every tag they do not know (a newer peer's field, or a field this version does
/// not define) into the struct's `unknownTaggedFields`, so re-encoding a decoded value writes
/// the same bytes back and a proxy or tool never silently drops a peer's data.
public struct TaggedField: Sendable, Equatable {
    /// The tag number.
    public var tag: UInt32
    /// The field's encoded value (without the size prefix).
    public var data: ByteBuffer

    /// A tagged field with raw `data`.
    public init(tag: UInt32, data: ByteBuffer) {
        self.tag = tag
        self.data = data
    }
}

extension WireReader {
    /// Reads the field count that opens a tagged-field block, bounded by `Limits.taggedFieldsMax`.
    public mutating func readTaggedFieldCount(field: StaticString) throws(WireDecodingError) -> Int {
        let count = Int(try readUnsignedVarint(field: field))
        guard count <= Limits.taggedFieldsMax else {
            throw WireDecodingError(.tooManyTaggedFields(count), field: "\(field)")
        }
        // Every tagged field takes at least 2 bytes (tag and size).
        guard count * 2 <= remaining else {
            throw WireDecodingError(
                .countExceedsRemainingBytes(count: Int64(count), remaining: remaining), field: "\(field)")
        }
        return count
    }

    /// Reads one tagged field's tag and value. `previousTag` carries the last tag of this block:
    /// tags must be strictly ascending, as every Kafka writer emits them; a repeat would make
    /// "which value wins" ambiguous.
    ///
    /// The value comes back as its own reader over exactly `size` bytes, so a bad value cannot
    /// read past its declared end.
    public mutating func readTaggedField(
        previousTag: inout UInt32?, field: StaticString
    ) throws(WireDecodingError) -> (tag: UInt32, value: WireReader) {
        let tag = try readUnsignedVarint(field: field)
        if let previous = previousTag, tag <= previous {
            throw WireDecodingError(.tagsNotAscending(previous: previous, next: tag), field: "\(field)")
        }
        previousTag = tag
        let size = Int(try readUnsignedVarint(field: field))
        try WireDecodingError.checkLength(Int64(size), limit: Limits.bytesFieldBytesMax, field: field)
        let slice = try readSlice(count: size, field: field)
        return (tag, WireReader(buffer: slice))
    }

    /// Reads a whole tagged-field block whose tags are all unknown to the caller (headers, or
    /// structs that define no tagged fields).
    public mutating func readUnknownTaggedFields(field: StaticString) throws(WireDecodingError) -> [TaggedField] {
        let count = try readTaggedFieldCount(field: field)
        var fields: [TaggedField] = []
        fields.reserveCapacity(count)
        var previousTag: UInt32?
        for _ in 0..<count {
            let (tag, value) = try readTaggedField(previousTag: &previousTag, field: field)
            fields.append(TaggedField(tag: tag, data: value.buffer))
        }
        return fields
    }
}

extension WireWriter {
    /// Writes a tagged-field block holding `known` (fields the struct defines, already encoded,
    /// in ascending tag order) and `unknown` (kept from decoding) merged in ascending tag order.
    /// Two entries with the same tag are a programmer error.
    @inlinable
    public mutating func writeTaggedFields(known: [TaggedField], unknown: [TaggedField]) {
        var all = known + unknown
        if !unknown.isEmpty {
            all.sort { $0.tag < $1.tag }
        }
        writeUnsignedVarint(UInt32(all.count))
        var previous: UInt32?
        for field in all {
            if let previous {
                precondition(field.tag > previous, "duplicate or unordered tagged field")
            }
            previous = field.tag
            writeUnsignedVarint(field.tag)
            writeUnsignedVarint(UInt32(field.data.readableBytes))
            writeRaw(field.data)
        }
    }

    /// Encodes one known tagged field's value into its own buffer, ready for `writeTaggedFields`.
    @inlinable
    public static func taggedField(tag: UInt32, encode: (inout WireWriter) -> Void) -> TaggedField {
        var writer = WireWriter()
        encode(&writer)
        return TaggedField(tag: tag, data: writer.buffer)
    }
}
