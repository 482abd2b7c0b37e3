public import NIOCore

/// One frame of Tern's inter-broker RPC (ARCHITECTURE.md: "the inter-broker RPC reuses
/// TernWire's framing with private API keys; one connection per peer, multiplexed by
/// correlation id").
///
/// ```
/// size int32 (bytes after it) | kind int8 | apiKey int16 | correlationID int32 | body
/// ```
/// Private API keys start at 1000 so a Kafka client that dials the RPC port by mistake is told
/// apart (its first frame is an ApiVersions request, key 18) and closed.
public struct PeerFrame: Sendable, Equatable {
    /// What the frame is.
    public enum Kind: Int8, Sendable {
        /// A request that wants a response with the same correlation id.
        case request = 0
        /// The response to a request.
        case response = 1
        /// A message that wants no response (Raft envelopes: their answers travel as envelopes
        /// the other way).
        case oneWay = 2
    }

    /// Bytes of the fields after the size prefix, before the body.
    public static let headerBytes = 7
    /// The lowest private API key.
    public static let apiKeyMin: Int16 = 1000

    public var kind: Kind
    public var apiKey: Int16
    public var correlationID: Int32
    public var body: ByteBuffer

    public init(kind: Kind, apiKey: Int16, correlationID: Int32, body: ByteBuffer) {
        self.kind = kind
        self.apiKey = apiKey
        self.correlationID = correlationID
        self.body = body
    }
}

/// Why a peer frame was refused (the connection is closed).
public struct PeerFrameError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Decodes peer frames: refuses sizes below the header or above `frameBytesMax` before
/// buffering anything for them, unknown kinds, and API keys below the private range.
public struct PeerFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = PeerFrame
    let frameBytesMax: Int

    public init(frameBytesMax: Int) {
        precondition(frameBytesMax >= PeerFrame.headerBytes, "a frame holds at least its header")
        self.frameBytesMax = frameBytesMax
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard size >= PeerFrame.headerBytes, Int(size) <= frameBytesMax else {
            throw PeerFrameError("peer frame size \(size) outside \(PeerFrame.headerBytes)...\(frameBytesMax)")
        }
        guard buffer.readableBytes >= 4 + Int(size) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let rawKind = buffer.readInteger(as: Int8.self), let apiKey = buffer.readInteger(as: Int16.self),
            let correlationID = buffer.readInteger(as: Int32.self),
            let body = buffer.readSlice(length: Int(size) - PeerFrame.headerBytes)
        else {
            preconditionFailure("the size was checked against the readable bytes")
        }
        guard let kind = PeerFrame.Kind(rawValue: rawKind) else { throw PeerFrameError("peer frame kind \(rawKind)") }
        guard apiKey >= PeerFrame.apiKeyMin else {
            throw PeerFrameError("API key \(apiKey) is not a Tern peer key (a Kafka client on the RPC port?)")
        }
        context.fireChannelRead(wrapInboundOut(PeerFrame(kind: kind, apiKey: apiKey, correlationID: correlationID, body: body)))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        // A partial frame at EOF is dropped with the connection.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Encodes peer frames (size prefix and header in front of the body).
public struct PeerFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = PeerFrame

    public init() {}

    public func encode(data: PeerFrame, out: inout ByteBuffer) throws {
        out.writeInteger(Int32(PeerFrame.headerBytes + data.body.readableBytes))
        out.writeInteger(data.kind.rawValue)
        out.writeInteger(data.apiKey)
        out.writeInteger(data.correlationID)
        var body = data.body
        out.writeBuffer(&body)
    }
}
