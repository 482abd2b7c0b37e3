public import NIOCore

/// A struct of a Kafka message (the message body itself, or a nested struct such as
/// `ProduceRequest.TopicProduceData`) that knows how to read and write itself at a version.
///
/// Conformances are generated from `Definitions/*.def` by `scripts/generate_messages.py`; each
/// version's layout follows from the per-field version ranges, so there is no hand-written
/// per-version code to drift.
public protocol KafkaStruct: Sendable, Equatable {
    /// A value with every field at its Kafka default.
    init()
    /// Decodes a value laid out as `version`. Throws on hostile or truncated bytes; never traps.
    init(from reader: inout WireReader, version: Int16) throws(WireDecodingError)
    /// Appends the value laid out as `version`.
    func encode(into writer: inout WireWriter, version: Int16)
    /// Tagged fields the decoder did not know; written back on encode in flexible versions.
    var unknownTaggedFields: [TaggedField] { get set }
}

/// A top-level Kafka request or response body.
///
/// `init(from:version:)` throws `.unsupportedVersion` for a version outside `versions`, because
/// the version comes from the peer. Encoding such a version is a programmer error and traps.
public protocol KafkaMessage: KafkaStruct {
    /// The Kafka API key (0 = Produce, 18 = ApiVersions, ...).
    static var apiKey: Int16 { get }
    /// The versions TernWire implements for this API.
    static var versions: ClosedRange<Int16> { get }
    /// The first flexible version (KIP-482: compact encodings and tagged fields), or nil.
    static var firstFlexibleVersion: Int16? { get }
}

extension KafkaMessage {
    /// Whether `version` uses the flexible encodings (and header v2 / v1).
    public static func isFlexible(version: Int16) -> Bool {
        guard let first = firstFlexibleVersion else { return false }
        return version >= first
    }

    /// Decodes a whole body from `buffer`, requiring that every byte is consumed: trailing bytes
    /// after a body mean the peer and we disagree about the layout.
    public static func decode(from buffer: ByteBuffer, version: Int16) throws(WireDecodingError) -> Self {
        var reader = WireReader(buffer: buffer)
        let value = try Self(from: &reader, version: version)
        guard reader.remaining == 0 else {
            throw WireDecodingError(
                .invalidValue("\(reader.remaining) bytes after the body"), field: "\(Self.self)")
        }
        return value
    }

    /// The encoded body at `version`.
    public func encoded(version: Int16) -> ByteBuffer {
        var writer = WireWriter()
        encode(into: &writer, version: version)
        return writer.buffer
    }
}

/// A Kafka request body, tied to its response type.
public protocol KafkaRequestMessage: KafkaMessage {
    /// The body the broker answers with (same API key and version).
    associatedtype Response: KafkaResponseMessage
}

/// A Kafka response body.
public protocol KafkaResponseMessage: KafkaMessage {}
