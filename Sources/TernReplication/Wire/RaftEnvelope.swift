public import NIOCore
public import TernModel
public import TernRaft
public import TernWire

/// Which Raft group a message belongs to on a broker: the controller group, or one partition.
public enum RaftGroupID: Hashable, Sendable, CustomStringConvertible {
    /// The controller group (cluster metadata).
    case controller
    /// A partition's group.
    case partition(TopicPartition)

    public var description: String {
        switch self {
        case .controller: "controller"
        case .partition(let partition): "\(partition)"
        }
    }
}

/// The Raft messages of many groups from one broker to another, as one inter-broker RPC body
/// (ARCHITECTURE.md decision 6: messages toward one peer are coalesced per flush, and the
/// heartbeats of all groups travel together each tick).
///
/// Layout (big-endian, TernWire's classic encodings), version 0:
/// ```
/// version int16 | from int32 | to int32 | count int32 | message*count
/// message: group (kind int8: 0 controller, 1 partition [topic string, partition int32])
///          | term int64 | kind int8 | fields of the kind (see `RaftEnvelope+Codec.swift`)
/// ```
/// Decoding hostile bytes throws `WireDecodingError`; nothing traps and every count is checked
/// against the bytes left and against `Limits` before anything is allocated.
public struct RaftEnvelope: Hashable, Sendable {
    /// The format version written.
    public static let version: Int16 = 0

    /// The sending broker.
    public var from: NodeID
    /// The receiving broker.
    public var to: NodeID
    /// The messages, each with its group, in the order they were produced.
    public var messages: [(group: RaftGroupID, message: Message)]

    /// An envelope. Every message must be from `from` to `to` (checked when encoding).
    public init(from: NodeID, to: NodeID, messages: [(group: RaftGroupID, message: Message)]) {
        self.from = from
        self.to = to
        self.messages = messages
    }

    public static func == (lhs: RaftEnvelope, rhs: RaftEnvelope) -> Bool {
        lhs.from == rhs.from && lhs.to == rhs.to && lhs.messages.count == rhs.messages.count
            && zip(lhs.messages, rhs.messages).allSatisfy { $0.group == $1.group && $0.message == $1.message }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(from)
        hasher.combine(to)
        for (group, message) in messages {
            hasher.combine(group)
            hasher.combine(message)
        }
    }

    /// The encoded body.
    public func encoded() -> ByteBuffer {
        var writer = WireWriter()
        encode(into: &writer)
        return writer.buffer
    }

    /// Decodes a whole body; bytes left over are an error (the peer and we disagree).
    public static func decode(_ buffer: ByteBuffer) throws(WireDecodingError) -> RaftEnvelope {
        var reader = WireReader(buffer: buffer)
        let envelope = try RaftEnvelope(from: &reader)
        try reader.expectEnd(field: "RaftEnvelope")
        return envelope
    }
}
