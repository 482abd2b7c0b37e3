import TernWire

/// A `__consumer_offsets` record or an offsets snapshot that cannot be decoded: truncated or
/// damaged bytes, a length or count past its bound, or a value version Tern does not know.
///
/// Decoding never traps on such input (the bytes come from a replicated log, a snapshot file or
/// a peer): it throws this, and the caller decides whether the partition can be loaded.
public struct OffsetsRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, for logs.
    public var description: String

    init(_ description: String) {
        self.description = description
    }

    /// A primitive's failure, with what was being decoded (`context`) in front.
    init(_ error: WireDecodingError, in context: String = "__consumer_offsets record") {
        self.description = "\(context): \(error.description)"
    }
}
