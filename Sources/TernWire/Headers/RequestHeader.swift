import NIOCore

/// The header in front of every request body.
///
/// - v1: `int16 api_key, int16 api_version, int32 correlation_id, nullable_string client_id`.
/// - v2 (flexible versions): v1 plus a tagged-field block. `client_id` stays a classic int16
///   string even in v2 (a Kafka quirk every client relies on).
///
/// v0 (no client id) is only used by ControlledShutdown v0, which Tern does not implement.
public struct RequestHeader: Sendable, Equatable {
    /// The API key of the body that follows.
    public var apiKey: Int16
    /// The version of the body that follows.
    public var apiVersion: Int16
    /// Echoed in the response so the client can match it to this request.
    public var correlationID: Int32
    /// The client's self-chosen id, or null.
    public var clientID: String?
    /// Unknown tagged fields of a v2 header, kept for re-encoding.
    public var unknownTaggedFields: [TaggedField]

    /// A header for a request; `unknownTaggedFields` are written only in header v2.
    public init(
        apiKey: Int16, apiVersion: Int16, correlationID: Int32, clientID: String?,
        unknownTaggedFields: [TaggedField] = []
    ) {
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.correlationID = correlationID
        self.clientID = clientID
        self.unknownTaggedFields = unknownTaggedFields
    }

    /// The request header version for `apiKey` at `apiVersion`: 2 if the version is flexible,
    /// else 1; nil for an API key TernWire does not know. Versions above the implemented range
    /// follow the same rule (as Kafka's own `ApiKeys.requestHeaderVersion` does), so a too-new
    /// request's header can still be read to answer UNSUPPORTED_VERSION.
    public static func version(apiKey: Int16, apiVersion: Int16) -> Int16? {
        guard let descriptor = ApiRegistry.descriptor(for: apiKey) else { return nil }
        return descriptor.isFlexible(version: apiVersion) ? 2 : 1
    }

    /// Decodes a header of the given version (1 or 2).
    public init(from reader: inout WireReader, headerVersion: Int16) throws(WireDecodingError) {
        guard headerVersion == 1 || headerVersion == 2 else {
            throw WireDecodingError(.invalidValue("request header version \(headerVersion)"), field: "RequestHeader")
        }
        apiKey = try reader.readInteger(as: Int16.self, field: "RequestHeader.apiKey")
        apiVersion = try reader.readInteger(as: Int16.self, field: "RequestHeader.apiVersion")
        correlationID = try reader.readInteger(as: Int32.self, field: "RequestHeader.correlationID")
        clientID = try reader.readNullableString(compact: false, nullable: true, field: "RequestHeader.clientID")
        unknownTaggedFields = []
        if headerVersion == 2 {
            unknownTaggedFields = try reader.readUnknownTaggedFields(field: "RequestHeader.taggedFields")
        }
    }

    /// Decodes a header whose version follows from its own API key and version (what a broker
    /// does with every frame). Throws `.unknownApiKey` for a key TernWire does not know; the
    /// version may be outside the implemented range (the caller answers UNSUPPORTED_VERSION).
    public init(from reader: inout WireReader) throws(WireDecodingError) {
        let start = reader.buffer.readerIndex
        guard
            let apiKey = reader.buffer.getInteger(at: start, endianness: .big, as: Int16.self),
            let apiVersion = reader.buffer.getInteger(at: start + 2, endianness: .big, as: Int16.self)
        else {
            throw WireDecodingError(.truncated(needed: 4, available: reader.remaining), field: "RequestHeader")
        }
        guard let headerVersion = Self.version(apiKey: apiKey, apiVersion: apiVersion) else {
            throw WireDecodingError(.unknownApiKey(apiKey), field: "RequestHeader.apiKey")
        }
        try self.init(from: &reader, headerVersion: headerVersion)
    }

    /// Appends the header in the given version (1 or 2).
    public func encode(into writer: inout WireWriter, headerVersion: Int16) {
        precondition(headerVersion == 1 || headerVersion == 2, "request header version must be 1 or 2")
        writer.writeInteger(apiKey)
        writer.writeInteger(apiVersion)
        writer.writeInteger(correlationID)
        writer.writeNullableString(clientID, compact: false, nullable: true)
        if headerVersion == 2 {
            writer.writeTaggedFields(known: [], unknown: unknownTaggedFields)
        }
    }
}
