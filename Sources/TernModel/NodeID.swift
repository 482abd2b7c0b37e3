/// A broker (and Raft member) id, Kafka's int32 `node.id`. Ids are configured, never generated,
/// and are positive; -1 means "no node" on the wire (for example no leader).
public struct NodeID: TypedInteger {
    public var rawValue: Int32
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// Kafka's "no node" (-1).
    public static let none = NodeID(-1)
}
