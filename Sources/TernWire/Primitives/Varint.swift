public import NIOCore

/// Variable-length integers as Kafka uses them.
///
/// - *Unsigned varint* (LEB128): 7 bits per byte, least significant group first, high bit set on
///   every byte but the last. Used for compact lengths (`n + 1`), tagged-field tags and sizes.
///   A 32-bit value takes at most 5 bytes.
/// - *Zigzag varint / varlong*: a signed value mapped to unsigned with `(n << 1) ^ (n >> 31)`
///   (or `>> 63`) so that small magnitudes of either sign are short, then written as LEB128. Used
///   inside RecordBatch records (length, timestamp delta, offset delta, key/value lengths,
///   header counts). A varlong takes at most 10 bytes.
///
/// Decoding rejects encodings longer than the maximum width and final bytes that set bits beyond
/// the integer's width ("overlong"), so a corrupt stream cannot silently wrap. Non-minimal
/// encodings inside the width (`0x80 0x00` for 0) are accepted, as Kafka's `ByteUtils` does.
///
/// RecordBatch code should use these (`WireReader.readVarint`, `WireWriter.writeVarlong`,
/// `Varint.size(...)`) rather than its own copies.
public enum Varint {
    /// Most bytes an unsigned 32-bit varint (or zigzag varint) may use.
    public static let maxBytes32 = 5
    /// Most bytes a 64-bit varlong may use.
    public static let maxBytes64 = 10

    /// Zigzag-maps a signed 32-bit value: 0→0, -1→1, 1→2, -2→3, …, Int32.min→UInt32.max.
    @inlinable
    public static func zigzag(_ value: Int32) -> UInt32 {
        UInt32(bitPattern: (value << 1) ^ (value >> 31))
    }

    /// Inverse of `zigzag(_: Int32)`.
    @inlinable
    public static func unzigzag(_ value: UInt32) -> Int32 {
        Int32(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }

    /// Zigzag-maps a signed 64-bit value.
    @inlinable
    public static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    /// Inverse of `zigzag(_: Int64)`.
    @inlinable
    public static func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }

    /// Bytes the unsigned LEB128 encoding of `value` takes (1...10).
    @inlinable
    public static func size(unsigned value: UInt64) -> Int {
        // One byte per started group of 7 significant bits; zero still takes one byte.
        let bits = 64 - value.leadingZeroBitCount
        return max(1, (bits + 6) / 7)
    }

    /// Bytes the unsigned varint encoding of `value` takes (1...5).
    @inlinable
    public static func size(unsigned value: UInt32) -> Int {
        size(unsigned: UInt64(value))
    }

    /// Bytes the zigzag varint encoding of `value` takes (1...5).
    @inlinable
    public static func size(varint value: Int32) -> Int {
        size(unsigned: UInt64(zigzag(value)))
    }

    /// Bytes the zigzag varlong encoding of `value` takes (1...10).
    @inlinable
    public static func size(varlong value: Int64) -> Int {
        size(unsigned: zigzag(value))
    }
}

extension WireWriter {
    /// Writes `value` as an unsigned LEB128 varint (1–5 bytes).
    @inlinable
    public mutating func writeUnsignedVarint(_ value: UInt32) {
        writeUnsignedVarlong(UInt64(value))
    }

    /// Writes `value` as an unsigned LEB128 varint of up to 10 bytes.
    @inlinable
    public mutating func writeUnsignedVarlong(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        buffer.writeInteger(UInt8(truncatingIfNeeded: rest))
    }

    /// Writes `value` as a zigzag varint (1–5 bytes).
    @inlinable
    public mutating func writeVarint(_ value: Int32) {
        writeUnsignedVarlong(UInt64(Varint.zigzag(value)))
    }

    /// Writes `value` as a zigzag varlong (1–10 bytes).
    @inlinable
    public mutating func writeVarlong(_ value: Int64) {
        writeUnsignedVarlong(Varint.zigzag(value))
    }
}

extension WireReader {
    /// Reads an unsigned LEB128 varint of at most 5 bytes whose value fits in 32 bits.
    @inlinable
    public mutating func readUnsignedVarint(field: StaticString) throws(WireDecodingError) -> UInt32 {
        let wide = try readUnsignedLEB128(maxBytes: Varint.maxBytes32, field: field)
        guard wide <= UInt64(UInt32.max) else {
            throw WireDecodingError(.malformedVarint, field: "\(field)")
        }
        return UInt32(wide)
    }

    /// Reads an unsigned LEB128 varint of at most 10 bytes.
    @inlinable
    public mutating func readUnsignedVarlong(field: StaticString) throws(WireDecodingError) -> UInt64 {
        try readUnsignedLEB128(maxBytes: Varint.maxBytes64, field: field)
    }

    /// Reads a zigzag varint (at most 5 bytes).
    @inlinable
    public mutating func readVarint(field: StaticString) throws(WireDecodingError) -> Int32 {
        Varint.unzigzag(try readUnsignedVarint(field: field))
    }

    /// Reads a zigzag varlong (at most 10 bytes).
    @inlinable
    public mutating func readVarlong(field: StaticString) throws(WireDecodingError) -> Int64 {
        Varint.unzigzag(try readUnsignedVarlong(field: field))
    }

    /// LEB128 core: stops after `maxBytes` bytes and rejects a last byte whose payload bits
    /// would shift past bit 63.
    @usableFromInline
    mutating func readUnsignedLEB128(maxBytes: Int, field: StaticString) throws(WireDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for _ in 0..<maxBytes {
            guard let byte = buffer.readInteger(as: UInt8.self) else {
                throw WireDecodingError(.truncated(needed: 1, available: 0), field: "\(field)")
            }
            let payload = UInt64(byte & 0x7F)
            // Bits that would fall off the top of a UInt64 make the encoding overlong.
            guard shift == 0 || payload >> (64 - shift) == 0 else {
                throw WireDecodingError(.malformedVarint, field: "\(field)")
            }
            result |= payload << shift
            if byte & 0x80 == 0 {
                return result
            }
            shift += 7
        }
        throw WireDecodingError(.malformedVarint, field: "\(field)")
    }
}
