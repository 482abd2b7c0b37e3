public import NIOCore

/// Appends Kafka-encoded values to a `ByteBuffer`.
///
/// Writing cannot fail on bad input from outside: the values come from our own typed model. A
/// value that cannot be represented (a string longer than its int16 length prefix allows) is a
/// programmer error and traps with `precondition`, as STYLE.md asks for broken invariants.
public struct WireWriter: Sendable {
    /// The bytes written so far (writer index = end).
    public var buffer: ByteBuffer

    /// Appends to `buffer` from its writer index.
    public init(buffer: ByteBuffer = ByteBuffer()) {
        self.buffer = buffer
    }

    /// Bytes written into `buffer` so far (its readable bytes).
    public var count: Int { buffer.readableBytes }

    /// Writes a fixed-width big-endian integer.
    @inlinable
    public mutating func writeInteger<T: FixedWidthInteger>(_ value: T) {
        buffer.writeInteger(value, endianness: .big)
    }

    /// Writes raw bytes with no length prefix.
    @inlinable
    public mutating func writeRaw(_ bytes: ByteBuffer) {
        var copy = bytes
        buffer.writeBuffer(&copy)
    }

    /// Writes raw bytes with no length prefix.
    @inlinable
    public mutating func writeRaw(_ bytes: some Collection<UInt8>) {
        buffer.writeBytes(bytes)
    }
}
