/// Milliseconds since the Unix epoch, as Kafka stores record and batch timestamps.
/// The value comes from the caller (an injected clock): nothing in TernModel reads the time.
public struct TimestampMs: TypedInteger {
    public var rawValue: Int64
    @inlinable public init(_ rawValue: Int64) { self.rawValue = rawValue }
    /// Kafka's "no timestamp" (-1).
    public static let none = TimestampMs(-1)
    /// The time `milliseconds` later.
    @inlinable public func advanced(by milliseconds: Int64) -> TimestampMs { TimestampMs(rawValue + milliseconds) }
    /// Milliseconds from `rhs` to `lhs`.
    @inlinable public static func - (lhs: TimestampMs, rhs: TimestampMs) -> Int64 { lhs.rawValue - rhs.rawValue }
}
