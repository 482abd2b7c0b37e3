/// A Kafka offset: the position of a record in a partition, and (ARCHITECTURE.md decision 2)
/// also a Raft log index, because a Raft entry is one RecordBatch and its index is the batch's
/// last offset.
public struct Offset: TypedInteger {
    public var rawValue: Int64
    @inlinable public init(_ rawValue: Int64) { self.rawValue = rawValue }

    /// Kafka's "no offset" (-1), used on the wire for unknown positions.
    public static let none = Offset(-1)
    public static let zero = Offset(0)

    @inlinable public func advanced(by delta: Int64) -> Offset { Offset(rawValue + delta) }
    @inlinable public var next: Offset { Offset(rawValue + 1) }
    @inlinable public var previous: Offset { Offset(rawValue - 1) }
    @inlinable public static func - (lhs: Offset, rhs: Offset) -> Int64 { lhs.rawValue - rhs.rawValue }
}
