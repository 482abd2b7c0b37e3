import Logging
import NIOCore
import Synchronization
import TernModel
import TernRaft
import TernReplication
import TernTransport
import TernWire

/// This broker's side of the inter-broker RPC: one `PeerClient` (one connection) per other node
/// of the seed list, and the outbox that coalesces the Raft messages of every group per peer.
///
/// Groups hand their messages to `send` as they produce them; the first message after a flush
/// starts one flush task, and everything that arrives before it runs travels in the same
/// envelope per peer (ARCHITECTURE.md decision 6). Heartbeats and their answers wait in a
/// separate outbox that the broker's heartbeat timer flushes once per tick
/// (`flushHeartbeats`), so the heartbeats of all groups toward one peer travel as one envelope
/// per tick whatever the phase of each group's own timer (Redpanda's heartbeat manager). They
/// are late by at most one tick, against an election timeout of ten. Posts to one peer keep
/// their order because one task sends them.
final class PeerNetwork: Sendable {
    let localID: NodeID
    let clients: [NodeID: PeerClient]
    private let pending: Mutex<Pending>
    private let logger: Logger
    /// Peers whose connection from here is down (lost and not yet re-established).
    let down = DownPeers()
    /// The cluster id the envelopes carry (nil until known).
    let clusterID = Mutex<String?>(nil)

    private struct Pending: Sendable {
        var outbox: PeerOutbox
        var heartbeats: PeerOutbox
        var flushing = false
    }

    init(
        localID: NodeID, seeds: [ClusterSeed], group: any EventLoopGroup, frameBytesMax: Int, logger: Logger,
        onLoss: @escaping @Sendable (NodeID, PeerConnectionLoss) -> Void
    ) {
        self.localID = localID
        var clients: [NodeID: PeerClient] = [:]
        let down = self.down
        for seed in seeds where seed.id != localID {
            let id = seed.id
            clients[id] = PeerClient(
                host: seed.address.host, port: seed.address.port, group: group, frameBytesMax: frameBytesMax,
                backoffInitial: .milliseconds(10), backoffMax: .milliseconds(500),
                onLoss: { loss in
                    down.mark(id)
                    onLoss(id, loss)
                },
                onConnect: { down.clear(id) },
                onDisconnect: { down.mark(id) })
        }
        self.clients = clients
        self.pending = Mutex(
            Pending(
                outbox: PeerOutbox(localID: localID, messagesMax: Limits.peerOutboxMessagesMax),
                heartbeats: PeerOutbox(localID: localID, messagesMax: Limits.peerOutboxMessagesMax)))
        self.logger = logger
    }

    /// The other nodes.
    var peers: [NodeID] { clients.keys.sorted() }

    /// Queues `messages` of `group` for their recipients; a message to an unknown node or past
    /// the outbox bound is dropped (Raft resends).
    func send(_ messages: [Message], group: RaftGroupID) {
        guard !messages.isEmpty else { return }
        let startFlush = pending.withLock { state -> Bool in
            for message in messages where clients[message.to] != nil {
                switch message.kind {
                case .heartbeat, .heartbeatResponse: state.heartbeats.add(message, group: group)
                default: state.outbox.add(message, group: group)
                }
            }
            return Self.claimFlush(&state)
        }
        if startFlush { Task { await self.flush() } }
    }

    /// Sends the heartbeats (and answers) every group queued since the last call, one envelope
    /// per peer; the broker calls it once per tick.
    func flushHeartbeats() {
        let startFlush = pending.withLock { state -> Bool in
            for envelope in state.heartbeats.drain() {
                for (group, message) in envelope.messages { state.outbox.add(message, group: group) }
            }
            return Self.claimFlush(&state)
        }
        if startFlush { Task { await self.flush() } }
    }

    /// Whether the caller must start the flush task (there is work and none runs).
    private static func claimFlush(_ state: inout Pending) -> Bool {
        guard !state.flushing, state.outbox.pendingCount > 0 else { return false }
        state.flushing = true
        return true
    }

    /// Posts envelopes until the outbox is empty.
    private func flush() async {
        // Bounded: each round drains what is queued; the loop ends when a round finds nothing.
        while true {
            let envelopes = pending.withLock { state -> [RaftEnvelope] in
                let drained = state.outbox.drain()
                if drained.isEmpty { state.flushing = false }
                return drained
            }
            if envelopes.isEmpty { return }
            let prefix = clusterID.withLock { $0 } ?? ""
            for envelope in envelopes {
                guard let client = clients[envelope.to] else { continue }
                // One buffer for the prefix and the envelope (no second copy of the entries).
                var writer = WireWriter()
                writer.writeInteger(Int16(prefix.utf8.count))
                writer.writeRaw(prefix.utf8)
                envelope.encode(into: &writer)
                await client.post(apiKey: PeerAPI.raft.rawValue, body: writer.buffer)
            }
        }
    }

    /// Posts a one-way frame to every peer (those not connected start reconnecting).
    func broadcast(_ api: PeerAPI, _ body: ByteBuffer) async {
        for client in clients.values { await client.post(apiKey: api.rawValue, body: body) }
    }

    /// Posts a one-way frame to one peer.
    func post(to peer: NodeID, _ api: PeerAPI, _ body: ByteBuffer) async {
        await clients[peer]?.post(apiKey: api.rawValue, body: body)
    }

    /// A request to one peer.
    func request(to peer: NodeID, _ api: PeerAPI, _ body: ByteBuffer, timeout: Duration) async throws(PeerError) -> ByteBuffer {
        guard let client = clients[peer] else { throw PeerError(.unavailable, "node \(peer) is not in the seed list") }
        return try await client.request(apiKey: api.rawValue, body: body, timeout: timeout)
    }

    /// Whether the connection to `peer` was lost and is not back (nil-safe for unknown nodes).
    func isDown(_ peer: NodeID) -> Bool { down.isDown(peer) }

    /// Closes every connection.
    func close() async {
        for client in clients.values { await client.close() }
    }

    /// Splits an RPC body into the sender's cluster id and the envelope.
    static func unwrap(_ body: ByteBuffer) throws -> (clusterID: String, envelope: RaftEnvelope) {
        var body = body
        guard let length = body.readInteger(as: Int16.self), length >= 0, length <= 256,
            let clusterID = body.readString(length: Int(length))
        else { throw PeerEnvelopeError() }
        return (clusterID, try RaftEnvelope.decode(body))
    }
}

/// An envelope body without its cluster-id prefix.
struct PeerEnvelopeError: Error {}

/// The peers whose connection is down, shared with the clients' callbacks. A mark lapses after
/// `lapse` unless renewed (every refused reconnect renews it), so a lost "connected" callback
/// cannot hide a live leader for long.
final class DownPeers: Sendable {
    static let lapse = Duration.seconds(2)
    private let marks = Mutex<[NodeID: ContinuousClock.Instant]>([:])

    func mark(_ node: NodeID) { marks.withLock { $0[node] = .now } }
    func clear(_ node: NodeID) { _ = marks.withLock { $0.removeValue(forKey: node) } }
    func isDown(_ node: NodeID) -> Bool {
        marks.withLock { $0[node].map { ContinuousClock.now - $0 < Self.lapse } ?? false }
    }
}
