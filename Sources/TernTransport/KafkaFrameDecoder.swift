public import NIOCore

/// Why a connection's byte stream is not a sequence of Kafka frames.
public enum KafkaFrameError: Error, Sendable, Equatable {
    /// The size prefix claims more than the configured maximum; nothing is allocated for it.
    case frameTooLarge(size: Int32, maximum: Int)
    /// The size prefix is zero or negative (no Kafka frame is empty: it holds at least a header).
    case nonPositiveSize(Int32)
    /// The peer closed the connection in the middle of a frame.
    case truncated(available: Int)
}

/// Splits a byte stream into Kafka frames: `int32 size` (big-endian, excluding itself) followed
/// by `size` bytes. Emits each frame's payload (header + body) without the size prefix.
///
/// The size is checked before any byte of the payload is waited for, so a hostile prefix of
/// 2 GiB costs nothing: the decoder throws and the connection handler closes the connection.
public struct KafkaFrameDecoder: ByteToMessageDecoder {
    /// One frame payload (request header + body).
    public typealias InboundOut = ByteBuffer

    /// Largest payload accepted (the broker's `socket.request.max.bytes`).
    public let frameBytesMax: Int

    /// A decoder accepting payloads up to `frameBytesMax` bytes (at most `Limits.frameBytesMax`).
    public init(frameBytesMax: Int) {
        precondition(frameBytesMax > 0, "frameBytesMax must be positive")
        self.frameBytesMax = frameBytesMax
    }

    /// Emits every complete frame in `buffer`; throws on an invalid size prefix.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int32.self) else {
            return .needMoreData
        }
        guard size > 0 else {
            throw KafkaFrameError.nonPositiveSize(size)
        }
        guard Int(size) <= frameBytesMax else {
            throw KafkaFrameError.frameTooLarge(size: size, maximum: frameBytesMax)
        }
        guard buffer.readableBytes >= 4 + Int(size) else {
            return .needMoreData
        }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let frame = buffer.readSlice(length: Int(size)) else {
            preconditionFailure("readable bytes were checked above")
        }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    /// Emits what is complete at end of input; a partial frame left over is reported as
    /// `.truncated` so the connection handler logs it.
    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        let state = try decode(context: context, buffer: &buffer)
        if case .needMoreData = state, buffer.readableBytes > 0 {
            let available = buffer.readableBytes
            buffer.moveReaderIndex(to: buffer.writerIndex)
            throw KafkaFrameError.truncated(available: available)
        }
        return state
    }
}
