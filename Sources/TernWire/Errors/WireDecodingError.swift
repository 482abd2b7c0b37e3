/// Why decoding Kafka bytes failed, and in which field.
///
/// Every decoder in TernWire throws this (typed throws) instead of trapping, because the bytes
/// come from the network and may be truncated, corrupt or hostile. The `field` label is a static
/// string chosen by the caller (generated code uses `Message.Struct.property`), so producing it
/// costs nothing on the success path while an operator still learns which field was bad.
public struct WireDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Reason: Sendable, Equatable {
        /// Fewer bytes remained than the field needs.
        case truncated(needed: Int, available: Int)
        /// A length or count was negative where only `-1` (null) or `>= 0` is allowed, or null
        /// where the field is not nullable.
        case negativeLength(Int64)
        /// A length or count exceeded the `Limits` bound for its kind of field.
        case lengthExceedsLimit(length: Int64, limit: Int)
        /// An array declared more elements than the remaining bytes could possibly hold.
        case countExceedsRemainingBytes(count: Int64, remaining: Int)
        /// A varint ran past its maximum width (5 bytes for 32 bits, 10 for 64) or set bits
        /// beyond the integer's width.
        case malformedVarint
        /// A string's bytes were not valid UTF-8.
        case invalidUTF8
        /// A tagged-field block repeated a tag or listed tags out of ascending order.
        case tagsNotAscending(previous: UInt32, next: UInt32)
        /// A tagged-field block declared more fields than `Limits.taggedFieldsMax`.
        case tooManyTaggedFields(Int)
        /// A known tagged field's declared size did not match the bytes its value used.
        case taggedFieldSizeMismatch(tag: UInt32, declared: Int, used: Int)
        /// The API key is not one TernWire knows.
        case unknownApiKey(Int16)
        /// The version is outside the range TernWire implements for the API.
        case unsupportedVersion(apiKey: Int16, version: Int16)
        /// A value was structurally invalid for another reason (the text says which).
        case invalidValue(String)
    }

    /// What went wrong.
    public var reason: Reason
    /// The field being decoded, e.g. `ProduceRequest.TopicProduceData.name`.
    public var field: String

    /// Creates an error for `field`.
    public init(_ reason: Reason, field: String) {
        self.reason = reason
        self.field = field
    }

    /// A one-line explanation for logs.
    public var description: String {
        "cannot decode \(field): \(reason)"
    }
}
