public import TernWire

/// The API versions the broker advertises in ApiVersions, which are also the versions the
/// connection layer lets through to the request handler.
///
/// A range may be wider than what the handler serves (Tern advertises Produce 0–10 for old
/// librdkafka feature detection and closes connections that send 0–2, as the issue allows), and wider
/// than TernWire's codec range: the transport only needs the API key to be known, so that it
/// can tell the request header version.
public struct AdvertisedApiVersions: Sendable, Equatable {
    /// The advertised range per API key.
    public let ranges: [ApiKey: ClosedRange<Int16>]

    /// Advertises `ranges`. ApiVersions must be among them: the transport answers ApiVersions
    /// requests of an unsupported version itself, with this range in the error body.
    public init(_ ranges: [ApiKey: ClosedRange<Int16>]) {
        precondition(ranges[.apiVersions] != nil, "ApiVersions must be advertised")
        for range in ranges.values {
            precondition(range.lowerBound >= 0, "advertised versions are non-negative")
        }
        self.ranges = ranges
    }

    /// The advertised range of `key`, or nil if the key is not advertised.
    public func range(of key: ApiKey) -> ClosedRange<Int16>? {
        ranges[key]
    }

    /// The entries of an ApiVersions response body, ordered by API key.
    public var entries: [ApiVersionsResponse.ApiVersion] {
        ranges.sorted { $0.key.rawValue < $1.key.rawValue }.map { key, range in
            ApiVersionsResponse.ApiVersion(apiKey: key.rawValue, minVersion: range.lowerBound, maxVersion: range.upperBound)
        }
    }
}

/// What the connection does with a request before any handler sees it (PROTOCOL.md §1.2).
enum VersionGateDecision: Equatable {
    /// Advertised key and version: hand the request to the handler.
    case dispatch
    /// ApiVersions at a version we do not advertise: answer UNSUPPORTED_VERSION with the v0 body.
    case answerUnsupportedApiVersions
    /// Anything else outside what we advertise: close the connection (as Kafka does).
    case close(reason: String)

    /// The decision for `head` given what is advertised.
    static func decide(_ head: KafkaRequestHead, advertised: AdvertisedApiVersions) -> VersionGateDecision {
        guard let range = advertised.range(of: head.apiKey) else {
            return .close(reason: "API \(head.apiKey.name) (key \(head.apiKey.rawValue)) is not advertised")
        }
        if range.contains(head.apiVersion) {
            return .dispatch
        }
        if head.apiKey == .apiVersions {
            return .answerUnsupportedApiVersions
        }
        return .close(
            reason: "\(head.apiKey.name) v\(head.apiVersion) is outside the advertised "
                + "\(range.lowerBound)...\(range.upperBound)")
    }

    /// The UNSUPPORTED_VERSION answer to an ApiVersions request of a version we do not
    /// advertise: the v0 body layout (`int16 error_code, int32 count, [int16 key, int16 min,
    /// int16 max]`), which every client can read whatever it asked for, with the ApiVersions
    /// entry so the client can retry with a version we support.
    static func unsupportedApiVersionsBody(advertised: AdvertisedApiVersions) -> ApiVersionsResponse {
        guard let range = advertised.range(of: .apiVersions) else {
            preconditionFailure("AdvertisedApiVersions always holds ApiVersions")
        }
        let entry = ApiVersionsResponse.ApiVersion(
            apiKey: ApiKey.apiVersions.rawValue, minVersion: range.lowerBound, maxVersion: range.upperBound)
        return ApiVersionsResponse(errorCode: ErrorCode.unsupportedVersion.rawValue, apiKeys: [entry])
    }
}
