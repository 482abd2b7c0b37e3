public import NIOCore
import TernWire

/// One response ready for the socket: size prefix and response header in `head`, the body
/// untouched in `body` (written as a second buffer, so a large body is never copied).
public struct ResponseFrame: Sendable {
    /// `int32 size` followed by the response header.
    public var head: ByteBuffer
    /// The encoded response body.
    public var body: ByteBuffer
    /// Pieces that follow `body` (file ranges sent zero-copy); usually empty.
    public var parts: [ResponsePart] = []

    /// Bytes this frame puts on the wire.
    public var byteCount: Int { head.readableBytes + body.readableBytes + parts.reduce(0) { $0 + $1.byteCount } }

    /// Frames `body` as the answer to `correlationID` with response header `headerVersion`
    /// (0, or 1 for flexible versions).
    public init(correlationID: Int32, headerVersion: Int16, body: ByteBuffer) {
        var writer = WireWriter(buffer: ByteBuffer())
        writer.writeInteger(Int32(0))
        ResponseHeader(correlationID: correlationID).encode(into: &writer, headerVersion: headerVersion)
        var head = writer.buffer
        let size = head.readableBytes - 4 + body.readableBytes
        precondition(size <= Int(Int32.max), "a response frame cannot exceed 2 GiB")
        head.setInteger(Int32(size), at: head.readerIndex, endianness: .big)
        self.head = head
        self.body = body
    }

    /// Frames a body made of `parts` (bytes and file ranges, in order).
    public init(correlationID: Int32, headerVersion: Int16, parts: [ResponsePart]) {
        var frame = ResponseFrame(correlationID: correlationID, headerVersion: headerVersion, body: ByteBuffer())
        let size = frame.head.readableBytes - 4 + parts.reduce(0) { $0 + $1.byteCount }
        precondition(size <= Int(Int32.max), "a response frame cannot exceed 2 GiB")
        frame.head.setInteger(Int32(size), at: frame.head.readerIndex, endianness: .big)
        frame.parts = parts
        self = frame
    }
}
