public import NIOCore
import TernModel

// Kafka bytes (and `records`, which are bytes holding RecordBatches). Classic: int32 length
// (-1 = null). Compact: unsigned varint `length + 1` (0 = null). Decoded values are slices of
// the frame (no copy), bounded by `Limits.bytesFieldBytesMax`.

extension WireReader {
    /// Reads bytes that may be null in this version; throws on null when `nullable` is false.
    public mutating func readNullableBytes(
        compact: Bool, nullable: Bool, field: StaticString
    ) throws(WireDecodingError) -> ByteBuffer? {
        let length = try readLengthPrefix(compact: compact, classic: Int32.self, field: field)
        if length == -1 && nullable {
            return nil
        }
        try WireDecodingError.checkLength(length, limit: Limits.bytesFieldBytesMax, field: field)
        return try readSlice(count: Int(length), field: field)
    }

    /// Reads non-nullable bytes; a null on the wire is an error.
    public mutating func readBytes(compact: Bool, field: StaticString) throws(WireDecodingError) -> ByteBuffer {
        try readNullableBytes(compact: compact, nullable: false, field: field) ?? ByteBuffer()
    }
}

extension WireWriter {
    /// Writes bytes, or null (a programmer error where the field is not nullable).
    @inlinable
    public mutating func writeNullableBytes(_ value: ByteBuffer?, compact: Bool, nullable: Bool) {
        guard let value else {
            precondition(nullable, "null written to a non-nullable bytes field")
            writeLengthPrefix(nil, compact: compact, classic: Int32.self, what: "bytes")
            return
        }
        writeBytes(value, compact: compact)
    }

    /// Writes non-null bytes (the readable bytes of `value`).
    @inlinable
    public mutating func writeBytes(_ value: ByteBuffer, compact: Bool) {
        writeLengthPrefix(value.readableBytes, compact: compact, classic: Int32.self, what: "bytes")
        writeRaw(value)
    }
}
