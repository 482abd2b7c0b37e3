public import NIOCore
public import TernWire

/// The parsed request header of one frame, read before (and without) its body.
public struct KafkaRequestHead: Sendable, Equatable {
    /// The API of the body.
    public var apiKey: ApiKey
    /// The version of the body (already checked against the advertised range).
    public var apiVersion: Int16
    /// Echoed in the response header.
    public var correlationID: Int32
    /// The client's self-chosen id, or null.
    public var clientID: String?
    /// Tagged fields of a v2 (flexible) request header; empty for v1.
    public var taggedFields: [TaggedField]

    /// A head (tests and the parser build these).
    public init(
        apiKey: ApiKey, apiVersion: Int16, correlationID: Int32, clientID: String?, taggedFields: [TaggedField] = []
    ) {
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.correlationID = correlationID
        self.clientID = clientID
        self.taggedFields = taggedFields
    }

    /// The response header version: 0, or 1 for flexible versions, except ApiVersions (always 0).
    public var responseHeaderVersion: Int16 {
        guard let version = ResponseHeader.version(apiKey: apiKey.rawValue, apiVersion: apiVersion) else {
            preconditionFailure("every ApiKey case is in the registry")
        }
        return version
    }
}

/// One request as handed to the dispatcher: its head and its body, still unparsed.
public struct KafkaRequest: Sendable {
    /// The parsed header.
    public var head: KafkaRequestHead
    /// The body bytes (a slice of the frame), decoded by the API's handler.
    public var body: ByteBuffer
    /// Released by the handler once the next request of the connection may start (see
    /// `Admission`); already released when built without one.
    public var admission: Admission

    /// A request (tests and the connection handler build these).
    public init(head: KafkaRequestHead, body: ByteBuffer, admission: Admission = Admission(released: true)) {
        self.head = head
        self.body = body
        self.admission = admission
    }
}

/// What a frame's header turned out to be.
enum ParsedFrame {
    /// A known API key; the version may still be outside the advertised range.
    case request(KafkaRequestHead, body: ByteBuffer)
    /// An API key TernWire does not know: Kafka closes such connections.
    case unknownApiKey(Int16, version: Int16)
    /// The header does not decode (garbage, or truncated inside the frame).
    case malformed(WireDecodingError)

    /// Parses the request header at the start of `frame`; the header version follows from the
    /// API key and version (flexible versions use header v2), also for versions above the
    /// implemented range, so a too-new ApiVersions request can still be answered.
    static func parse(_ frame: ByteBuffer) -> ParsedFrame {
        var reader = WireReader(buffer: frame)
        let header: RequestHeader
        do throws(WireDecodingError) {
            header = try RequestHeader(from: &reader)
        } catch {
            if case .unknownApiKey(let key) = error.reason {
                let version = frame.getInteger(at: frame.readerIndex + 2, endianness: .big, as: Int16.self) ?? -1
                return .unknownApiKey(key, version: version)
            }
            return .malformed(error)
        }
        guard let key = ApiKey(rawValue: header.apiKey) else {
            return .unknownApiKey(header.apiKey, version: header.apiVersion)
        }
        let head = KafkaRequestHead(
            apiKey: key, apiVersion: header.apiVersion, correlationID: header.correlationID,
            clientID: header.clientID, taggedFields: header.unknownTaggedFields)
        return .request(head, body: reader.buffer)
    }
}
