public import NIOCore
import TernModel

// Kafka strings. Classic: int16 length then UTF-8 bytes (-1 = null). Compact (flexible
// versions): unsigned varint `length + 1` then the bytes (0 = null). Every decoded string is
// bounded by `Limits.stringBytesMax` and must be valid UTF-8.

extension WireReader {
    /// Reads a string that may be null in this version; throws on null when `nullable` is false.
    public mutating func readNullableString(
        compact: Bool, nullable: Bool, field: StaticString
    ) throws(WireDecodingError) -> String? {
        let length = try readLengthPrefix(compact: compact, classic: Int16.self, field: field)
        if length == -1 && nullable {
            return nil
        }
        try WireDecodingError.checkLength(length, limit: Limits.stringBytesMax, field: field)
        let slice = try readSlice(count: Int(length), field: field)
        guard let text = String(validating: slice.readableBytesView, as: UTF8.self) else {
            throw WireDecodingError(.invalidUTF8, field: "\(field)")
        }
        return text
    }

    /// Reads a non-nullable string; a null on the wire is an error.
    public mutating func readString(compact: Bool, field: StaticString) throws(WireDecodingError) -> String {
        // `nullable: false` makes -1 fail the length check, so the result is never nil.
        try readNullableString(compact: compact, nullable: false, field: field) ?? ""
    }
}

extension WireWriter {
    /// Writes a string, or null. Null in a version where the field is not nullable, or a string
    /// longer than its length prefix can say, is a programmer error.
    @inlinable
    public mutating func writeNullableString(_ value: String?, compact: Bool, nullable: Bool) {
        guard let value else {
            precondition(nullable, "null written to a non-nullable string field")
            writeLengthPrefix(nil, compact: compact, classic: Int16.self, what: "string")
            return
        }
        writeString(value, compact: compact)
    }

    /// Writes a non-null string.
    @inlinable
    public mutating func writeString(_ value: String, compact: Bool) {
        writeLengthPrefix(value.utf8.count, compact: compact, classic: Int16.self, what: "string")
        buffer.writeString(value)
    }
}
