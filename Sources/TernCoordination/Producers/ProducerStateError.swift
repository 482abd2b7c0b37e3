import TernWire

/// A producer-state snapshot that cannot be restored: truncated or damaged bytes, a count past
/// its bound, or values no writer produces. Restoring never traps on such input; the replica
/// then replays its log instead.
public struct ProducerStateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, for logs.
    public var description: String

    init(_ description: String) { self.description = description }

    init(_ error: WireDecodingError) { self.description = "producer state snapshot: \(error.description)" }
}
