public import TernModel
public import TernRaft

/// Collects the Raft messages every local group wants to send during one flush, and turns them
/// into one envelope per peer (ARCHITECTURE.md decision 6: "Raft messages between two brokers
/// for all groups are coalesced into one RPC per flush"). Heartbeats of all groups toward a
/// peer therefore travel as one envelope per tick, because every group ticks in the same flush.
///
/// Bounded: a peer's messages are split into envelopes of at most
/// `Limits.replicationEnvelopeMessagesMax` messages and about `envelopeBytesMax` bytes of entry
/// payload (an AppendEntries larger than that travels alone), and the outbox holds at most
/// `messagesMax` messages: past that, `add` refuses and the caller drops the message, which Raft
/// tolerates (it resends on the next heartbeat or probe).
///
/// A value type with no I/O: the owner (the broker's flush) adds, then `drain`s and posts.
public struct PeerOutbox: Sendable {
    /// This broker.
    public let localID: NodeID
    /// Payload bytes per envelope before a new one starts.
    public let envelopeBytesMax: Int
    /// Messages the outbox holds between drains.
    public let messagesMax: Int

    private var byPeer: [NodeID: [(group: RaftGroupID, message: Message)]] = [:]
    private var order: [NodeID] = []
    private var count = 0

    /// An empty outbox for the broker `localID`.
    public init(localID: NodeID, envelopeBytesMax: Int = 4 * 1024 * 1024, messagesMax: Int = 1_000_000) {
        precondition(envelopeBytesMax > 0 && messagesMax > 0, "positive bounds")
        self.localID = localID
        self.envelopeBytesMax = envelopeBytesMax
        self.messagesMax = messagesMax
    }

    /// Messages waiting.
    public var pendingCount: Int { count }

    /// Queues `message` of `group`; false (not queued) if the outbox is full.
    /// - Precondition: the message is from this broker to another one.
    @discardableResult
    public mutating func add(_ message: Message, group: RaftGroupID) -> Bool {
        precondition(message.from == localID, "an outbox sends this broker's messages")
        precondition(message.to != localID, "messages to ourselves do not leave the broker")
        guard count < messagesMax else { return false }
        if byPeer[message.to] == nil { order.append(message.to) }
        byPeer[message.to, default: []].append((group, message))
        count += 1
        return true
    }

    /// Everything queued, as envelopes per peer (peers in the order they were first addressed,
    /// messages in the order they were added), and empties the outbox.
    public mutating func drain() -> [RaftEnvelope] {
        var envelopes: [RaftEnvelope] = []
        for peer in order {
            guard let messages = byPeer[peer] else { continue }
            var current: [(group: RaftGroupID, message: Message)] = []
            var bytes = 0
            for item in messages {
                let size = Self.payloadBytes(item.message)
                let full = current.count == Limits.replicationEnvelopeMessagesMax
                    || (!current.isEmpty && bytes + size > envelopeBytesMax)
                if full {
                    envelopes.append(RaftEnvelope(from: localID, to: peer, messages: current))
                    current = []
                    bytes = 0
                }
                current.append(item)
                bytes += size
            }
            if !current.isEmpty { envelopes.append(RaftEnvelope(from: localID, to: peer, messages: current)) }
        }
        byPeer = [:]
        order = []
        count = 0
        return envelopes
    }

    /// The entry and snapshot bytes a message carries (what makes envelopes large).
    static func payloadBytes(_ message: Message) -> Int {
        switch message.kind {
        case .append(let request): request.entries.reduce(0) { $0 + $1.sizeBytes }
        case .installSnapshot(let snapshot): snapshot.data.count
        default: 0
        }
    }
}
