/// A Raft term. Tern exposes it to Kafka clients as the partition's leader epoch and stamps it
/// into `partitionLeaderEpoch` of every stored batch, so it must never go backwards.
public struct Term: TypedInteger {
    public var rawValue: Int64
    @inlinable public init(_ rawValue: Int64) { self.rawValue = rawValue }

    public static let zero = Term(0)
    @inlinable public var next: Term { Term(rawValue + 1) }

    /// The leader epoch Kafka sees (int32 on the wire).
    /// - Precondition: the term fits an int32; a cluster would need 2^31 elections to break this.
    @inlinable public var leaderEpoch: Int32 {
        precondition(rawValue <= Int64(Int32.max), "term \(rawValue) exceeds the int32 leader epoch")
        return Int32(rawValue)
    }
}
