/// What TernWire implements for one API key: used by the broker to answer ApiVersions, to pick
/// header versions, and to dispatch a frame to its decoder. The table itself (`ApiRegistry.all`)
/// is generated from `Definitions/*.def`.
public struct ApiDescriptor: Sendable {
    /// The API key.
    public let apiKey: ApiKey
    /// The versions implemented (request and response share them).
    public let versions: ClosedRange<Int16>
    /// The first flexible version, or nil if none.
    public let firstFlexibleVersion: Int16?
    /// The request body type.
    public let request: any KafkaRequestMessage.Type
    /// The response body type.
    public let response: any KafkaResponseMessage.Type

    /// A descriptor (generated code builds these).
    public init(
        apiKey: ApiKey, versions: ClosedRange<Int16>, firstFlexibleVersion: Int16?,
        request: any KafkaRequestMessage.Type, response: any KafkaResponseMessage.Type
    ) {
        self.apiKey = apiKey
        self.versions = versions
        self.firstFlexibleVersion = firstFlexibleVersion
        self.request = request
        self.response = response
    }

    /// Whether `version` is flexible. Holds beyond `versions` too: Kafka decides the header
    /// version of a too-new request the same way, which the broker needs to read its header
    /// before answering UNSUPPORTED_VERSION.
    public func isFlexible(version: Int16) -> Bool {
        guard let first = firstFlexibleVersion else { return false }
        return version >= first
    }
}

extension ApiRegistry {
    /// The descriptor for a raw API key from the wire, or nil if TernWire does not know it.
    public static func descriptor(for rawKey: Int16) -> ApiDescriptor? {
        guard let key = ApiKey(rawValue: rawKey) else { return nil }
        return descriptor(for: key)
    }

    /// The descriptor for `key` (every `ApiKey` case has one).
    public static func descriptor(for key: ApiKey) -> ApiDescriptor {
        guard let index = all.firstIndex(where: { $0.apiKey == key }) else {
            preconditionFailure("ApiRegistry.all lacks \(key)")
        }
        return all[index]
    }
}
