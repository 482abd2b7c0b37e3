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
        let length: Int64
        if compact {
            length = Int64(try readUnsignedVarint(field: field)) - 1
        } else {
            length = Int64(try readInteger(as: Int32.self, field: field))
        }
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
            if compact {
                writeUnsignedVarint(0)
            } else {
                writeInteger(Int32(-1))
            }
            return
        }
        writeBytes(value, compact: compact)
    }

    /// Writes non-null bytes (the readable bytes of `value`).
    @inlinable
    public mutating func writeBytes(_ value: ByteBuffer, compact: Bool) {
        let length = value.readableBytes
        if compact {
            precondition(length < Int(UInt32.max), "compact bytes too long")
            writeUnsignedVarint(UInt32(length + 1))
        } else {
            precondition(length <= Int(Int32.max), "bytes longer than an int32 length allows")
            writeInteger(Int32(length))
        }
        writeRaw(value)
    }
}
