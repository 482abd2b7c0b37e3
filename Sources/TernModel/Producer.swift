/// An idempotent producer's id (Kafka int64; -1 = not idempotent).
public struct ProducerID: TypedInteger {
    public var rawValue: Int64
    @inlinable public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public static let none = ProducerID(-1)
}

/// A producer id's epoch (Kafka int16; -1 = not idempotent). Bumped when a producer resets.
public struct ProducerEpoch: TypedInteger {
    public var rawValue: Int16
    @inlinable public init(_ rawValue: Int16) { self.rawValue = rawValue }
    public static let none = ProducerEpoch(-1)
}

/// A per-(producer, partition) record sequence number (Kafka int32, wraps from Int32.max to 0).
public struct Sequence: TypedInteger {
    public var rawValue: Int32
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
    public static let none = Sequence(-1)

    /// The sequence `count` records later, with Kafka's wrap-around at Int32.max.
    @inlinable public func advanced(by count: Int32) -> Sequence {
        precondition(count >= 0, "sequences only move forward")
        let sum = Int64(rawValue) + Int64(count)
        return Sequence(Int32(sum > Int64(Int32.max) ? sum - Int64(Int32.max) - 1 : sum))
    }
}
