public import NIOCore
import TernWire

/// One response ready for the socket: size prefix and response header in `head`, the body
/// untouched in `body` (written as a second buffer, so a large body is never copied).
public struct ResponseFrame: Sendable {
    /// `int32 size` followed by the response header.
    public var head: ByteBuffer
    /// The encoded response body.
    public var body: ByteBuffer

    /// Bytes this frame puts on the wire.
    public var byteCount: Int { head.readableBytes + body.readableBytes }

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
}
