public import NIOCore

/// A cursor over received Kafka bytes that never traps.
///
/// Every read checks the remaining length first and throws `WireDecodingError` (typed throws) on
/// truncation, so hostile input can only ever produce an error. Reads consume bytes from the
/// front of `buffer`; a failed read may leave the cursor anywhere, and the caller is expected to
/// drop the whole frame.
///
/// The `field` argument on each read is a static label used only in the error.
public struct WireReader: Sendable {
    /// The unread bytes (reader index = current position).
    public var buffer: ByteBuffer
    /// Starts reading at `buffer`'s reader index.
    public init(buffer: ByteBuffer) {
        self.buffer = buffer
    }

    /// Starts reading a copy of `bytes` (tests and tools; the broker reads frames in place).
    public init(bytes: some Sequence<UInt8>) {
        self.buffer = ByteBuffer(bytes: bytes)
    }

    /// Bytes not yet consumed.
    @inlinable
    public var remaining: Int { buffer.readableBytes }

    /// Throws `.truncated` unless at least `count` bytes remain.
    @inlinable
    public func require(_ count: Int, field: StaticString) throws(WireDecodingError) {
        guard count <= buffer.readableBytes else {
            throw WireDecodingError(
                .truncated(needed: count, available: buffer.readableBytes), field: "\(field)")
        }
    }

    /// Reads a fixed-width big-endian integer.
    @inlinable
    public mutating func readInteger<T: FixedWidthInteger & Sendable>(
        as: T.Type = T.self, field: StaticString
    ) throws(WireDecodingError) -> T {
        guard let value = buffer.readInteger(endianness: .big, as: T.self) else {
            throw WireDecodingError(
                .truncated(needed: MemoryLayout<T>.size, available: buffer.readableBytes),
                field: "\(field)")
        }
        return value
    }

    /// Reads exactly `count` bytes as a slice sharing storage with the frame (no copy).
    @inlinable
    public mutating func readSlice(count: Int, field: StaticString) throws(WireDecodingError) -> ByteBuffer {
        guard count >= 0 else {
            throw WireDecodingError(.negativeLength(Int64(count)), field: "\(field)")
        }
        guard let slice = buffer.readSlice(length: count) else {
            throw WireDecodingError(
                .truncated(needed: count, available: buffer.readableBytes), field: "\(field)")
        }
        return slice
    }

    /// Throws unless every byte was consumed: used where a length prefix fixes a value's size
    /// (tagged-field values) so a value that is shorter than declared is not silently accepted.
    public func expectEnd(field: StaticString) throws(WireDecodingError) {
        guard buffer.readableBytes == 0 else {
            throw WireDecodingError(.invalidValue("\(buffer.readableBytes) unread bytes"), field: "\(field)")
        }
    }

    /// Skips `count` bytes.
    public mutating func skip(_ count: Int, field: StaticString) throws(WireDecodingError) {
        _ = try readSlice(count: count, field: field)
    }
}

extension WireDecodingError {
    /// Throws unless `length` lies in `0...limit` (negative values are reported as such).
    @usableFromInline
    static func checkLength(_ length: Int64, limit: Int, field: StaticString) throws(WireDecodingError) {
        guard length >= 0 else {
            throw WireDecodingError(.negativeLength(length), field: "\(field)")
        }
        guard length <= Int64(limit) else {
            throw WireDecodingError(.lengthExceedsLimit(length: length, limit: limit), field: "\(field)")
        }
    }
}
