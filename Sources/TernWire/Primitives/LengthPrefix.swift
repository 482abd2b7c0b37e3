// The length (or count) prefix shared by strings, bytes and arrays. Classic: a big-endian signed
// integer (int16 for strings, int32 for bytes and arrays), -1 = null. Compact (flexible
// versions): an unsigned varint holding `length + 1`, 0 = null. One copy here so the three
// kinds cannot drift apart in how they spell null or bound a length.

extension WireReader {
    /// Reads a length prefix; -1 means null. The caller checks the value against its limit.
    @usableFromInline
    mutating func readLengthPrefix<Classic: FixedWidthInteger & SignedInteger & Sendable>(
        compact: Bool, classic: Classic.Type, field: StaticString
    ) throws(WireDecodingError) -> Int64 {
        if compact {
            return Int64(try readUnsignedVarint(field: field)) - 1
        }
        return Int64(try readInteger(as: Classic.self, field: field))
    }
}

extension WireWriter {
    /// Writes a length prefix, or null (`nil`). A length the prefix cannot hold is a programmer
    /// error (`what` names the kind of value in the trap message).
    @inlinable
    mutating func writeLengthPrefix<Classic: FixedWidthInteger & SignedInteger>(
        _ length: Int?, compact: Bool, classic: Classic.Type, what: StaticString
    ) {
        guard let length else {
            if compact {
                writeUnsignedVarint(0)
            } else {
                writeInteger(Classic(-1))
            }
            return
        }
        if compact {
            precondition(length < Int(UInt32.max), "compact \(what) too long")
            writeUnsignedVarint(UInt32(length + 1))
        } else {
            precondition(length <= Int(Classic.max), "\(what) longer than its classic length prefix allows")
            writeInteger(Classic(length))
        }
    }
}
