public import NIOCore

// Booleans, doubles and UUIDs: the fixed-width Kafka types that are not plain integers.
// Integers themselves use `WireReader.readInteger` / `WireWriter.writeInteger` (big-endian).

extension WireReader {
    /// Reads a Kafka `bool` (one byte). Any non-zero byte is `true`, as Kafka's
    /// `ByteBuffer.get() != 0` reads it, so a peer's odd encoding is not a decode failure.
    @inlinable
    public mutating func readBool(field: StaticString) throws(WireDecodingError) -> Bool {
        try readInteger(as: UInt8.self, field: field) != 0
    }

    /// Reads a Kafka `float64` (IEEE 754 binary64, big-endian bit pattern).
    @inlinable
    public mutating func readFloat64(field: StaticString) throws(WireDecodingError) -> Double {
        Double(bitPattern: try readInteger(as: UInt64.self, field: field))
    }

    /// Reads a 16-byte Kafka `uuid`.
    @inlinable
    public mutating func readUUID(field: StaticString) throws(WireDecodingError) -> KafkaUUID {
        try require(16, field: field)
        let high = try readInteger(as: UInt64.self, field: field)
        let low = try readInteger(as: UInt64.self, field: field)
        return KafkaUUID(high: high, low: low)
    }
}

extension WireWriter {
    /// Writes a Kafka `bool` as 0 or 1.
    @inlinable
    public mutating func writeBool(_ value: Bool) {
        buffer.writeInteger(UInt8(value ? 1 : 0))
    }

    /// Writes a Kafka `float64`.
    @inlinable
    public mutating func writeFloat64(_ value: Double) {
        buffer.writeInteger(value.bitPattern, endianness: .big)
    }

    /// Writes a 16-byte Kafka `uuid`.
    @inlinable
    public mutating func writeUUID(_ value: KafkaUUID) {
        buffer.writeInteger(value.high, endianness: .big)
        buffer.writeInteger(value.low, endianness: .big)
    }
}
