/// The header in front of every response body.
///
/// - v0: `int32 correlation_id`.
/// - v1 (flexible versions): v0 plus a tagged-field block.
///
/// ApiVersions responses always use v0, even in flexible versions: a client that does not yet
/// know the broker's versions must be able to read the header (ApiVersionsResponse.json).
public struct ResponseHeader: Sendable, Equatable {
    /// The correlation id of the request this answers.
    public var correlationID: Int32
    /// Unknown tagged fields of a v1 header, kept for re-encoding.
    public var unknownTaggedFields: [TaggedField]

    /// A header answering the request with `correlationID`.
    public init(correlationID: Int32, unknownTaggedFields: [TaggedField] = []) {
        self.correlationID = correlationID
        self.unknownTaggedFields = unknownTaggedFields
    }

    /// The API key of ApiVersions, whose responses always use header v0.
    public static let apiVersionsKey: Int16 = ApiKey.apiVersions.rawValue

    /// The response header version for `apiKey` at `apiVersion`: 0 for ApiVersions and
    /// non-flexible versions, 1 for flexible ones; nil for an unknown API key.
    public static func version(apiKey: Int16, apiVersion: Int16) -> Int16? {
        guard let descriptor = ApiRegistry.descriptor(for: apiKey) else { return nil }
        if apiKey == apiVersionsKey {
            return 0
        }
        return descriptor.isFlexible(version: apiVersion) ? 1 : 0
    }

    /// Decodes a header of the given version (0 or 1).
    public init(from reader: inout WireReader, headerVersion: Int16) throws(WireDecodingError) {
        guard headerVersion == 0 || headerVersion == 1 else {
            throw WireDecodingError(.invalidValue("response header version \(headerVersion)"), field: "ResponseHeader")
        }
        correlationID = try reader.readInteger(as: Int32.self, field: "ResponseHeader.correlationID")
        unknownTaggedFields = []
        if headerVersion == 1 {
            unknownTaggedFields = try reader.readUnknownTaggedFields(field: "ResponseHeader.taggedFields")
        }
    }

    /// Appends the header in the given version (0 or 1).
    public func encode(into writer: inout WireWriter, headerVersion: Int16) {
        precondition(headerVersion == 0 || headerVersion == 1, "response header version must be 0 or 1")
        writer.writeInteger(correlationID)
        if headerVersion == 1 {
            writer.writeTaggedFields(known: [], unknown: unknownTaggedFields)
        }
    }
}
