public import NIOCore

/// What the broker answers to one request.
public enum KafkaResponseAction: Sendable {
    /// An encoded response body (no header, no size prefix); the transport adds both.
    case response(ByteBuffer)
    /// A body in pieces, some of them file ranges the transport sends with `sendfile`.
    case responseParts([ResponsePart])
    /// No response at all (Produce with acks=0): the next response follows directly.
    case noResponse
    /// Close the connection once every earlier response has been written.
    case closeConnection(reason: String)
}

/// Facts about the connection a request arrived on.
public struct KafkaConnectionInfo: Sendable {
    /// Unique per listener, for logs and per-connection state in the broker.
    public var id: UInt64
    /// The client's address, if the socket knows it.
    public var remoteAddress: SocketAddress?
    /// Our address on this connection (what the client connected to).
    public var localAddress: SocketAddress?

    /// Connection facts (the listener builds these; tests may too).
    public init(id: UInt64, remoteAddress: SocketAddress?, localAddress: SocketAddress?) {
        self.id = id
        self.remoteAddress = remoteAddress
        self.localAddress = localAddress
    }
}

/// The broker's side of the listener: answers requests whose API key and version are
/// advertised. Requests may be answered in any order and concurrently; the transport writes
/// the responses in request order per connection.
public protocol KafkaRequestHandling: Sendable {
    /// Answers one request. Runs off the event loop; it may suspend (partition owners, long
    /// polls). If the connection closes meanwhile, the answer is dropped.
    func handle(_ request: KafkaRequest, connection: KafkaConnectionInfo) async -> KafkaResponseAction
}
