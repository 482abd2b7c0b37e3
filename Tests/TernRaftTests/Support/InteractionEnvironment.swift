// Goal: a tiny deterministic world for scripted Raft scenarios: nodes with in-memory storage,
// a message queue in send order, partitions, crashes and restarts. Every action appends
// readable lines to a transcript, which the scenario files compare against.
import TernModel
import TernRaft

/// One simulated member: its node (nil while crashed), durable storage and applied entries.
struct SimulatedMember {
    var id: NodeID
    var node: RaftNode?
    var storage: MemoryRaftLog
    var options: RaftOptions
    var applied: [Entry] = []
    var restarts: UInt64 = 0
}

/// The scenario world.
struct InteractionEnvironment {
    /// Members in id order.
    var members: [SimulatedMember] = []
    /// Messages sent and not yet delivered, in send order.
    var network: [Message] = []
    /// Partition groups; empty means fully connected.
    var partitions: [[NodeID]] = []
    /// Transcript of the current command.
    var output: [String] = []

    /// Appends a transcript line.
    mutating func say(_ line: String) { output.append(line) }

    func position(of id: NodeID) throws(ScenarioError) -> Int {
        guard let position = members.firstIndex(where: { $0.id == id }) else {
            throw ScenarioError(message: "no node \(id)")
        }
        return position
    }

    /// Whether `from` can reach `to` under the current partitions.
    func connected(_ from: NodeID, _ to: NodeID) -> Bool {
        guard !partitions.isEmpty else { return true }
        return partitions.contains { $0.contains(from) && $0.contains(to) }
    }

    /// (role, term, leader) of a node, to report transitions.
    private func roleSummary(_ position: Int) -> String? {
        guard let node = members[position].node else { return nil }
        return "\(node.currentRole) at term \(node.currentTerm)"
    }

    /// Runs `body` on a live node and reports role or term changes.
    mutating func withNode(_ position: Int, _ body: (inout RaftNode) throws -> Void) rethrows {
        guard members[position].node != nil else {
            say("node \(members[position].id) is down")
            return
        }
        let before = roleSummary(position)
        try body(&members[position].node!)
        let after = roleSummary(position)
        if before != after, let after {
            say("INFO \(members[position].id) became \(after)")
        }
    }

    /// Carries out one Ready of the node at `position`: persist, queue messages, apply.
    /// Returns whether there was anything to do.
    @discardableResult
    mutating func processReady(_ position: Int) -> Bool {
        guard let node = members[position].node, node.hasReady else { return false }
        let ready = members[position].node!.ready()
        let id = members[position].id
        say("> \(id) handling Ready")
        if let hardState = ready.hardState { say("  HardState \(hardState)\(ready.mustSync ? " (sync)" : "")") }
        if let snapshot = ready.snapshot { say("  Install \(snapshot)") }
        for entry in ready.entries { say("  Append \(entry)") }
        for message in ready.messagesBeforePersistence { queue(message, label: "Send") }
        members[position].storage.persist(ready)
        for message in ready.messages { queue(message, label: "Send after persist") }
        for entry in ready.committedEntries { say("  Apply \(entry)") }
        members[position].applied.append(contentsOf: ready.committedEntries)
        withNode(position) { $0.advance(ready) }
        return true
    }

    /// Puts a message on the network; a message to a crashed node is lost at once (it must not
    /// reach the node after it restarts).
    private mutating func queue(_ message: Message, label: String) {
        let down = members.first { $0.id == message.to }?.node == nil
        say("  \(label) \(message)\(down ? " (lost: recipient down)" : "")")
        if !down { network.append(message) }
    }

    /// Delivers the queued messages addressed to `id` (all if nil), dropping those that cross a
    /// partition or target a crashed node. Returns whether any message was handled.
    @discardableResult
    mutating func deliver(to id: NodeID?, drop: Bool = false) throws(ScenarioError) -> Bool {
        let selected = network.filter { id == nil || $0.to == id }
        network.removeAll { id == nil || $0.to == id }
        var lastRecipient: NodeID?
        for message in selected {
            let position = try position(of: message.to)
            if drop || !connected(message.from, message.to) || members[position].node == nil {
                say("  dropped \(message)")
                continue
            }
            if lastRecipient != message.to {
                say("> \(message.to) receiving messages")
                lastRecipient = message.to
            }
            say("  \(message)")
            do {
                try withNode(position) { node throws(RaftStepError) in try node.step(message) }
            } catch {
                say("  rejected: \(error)")
            }
        }
        return !selected.isEmpty
    }

    /// Processes Readies and delivers messages until nothing moves (bounded).
    mutating func stabilize(_ ids: [NodeID]) throws(ScenarioError) {
        let targets = ids.isEmpty ? members.map(\.id) : ids
        for _ in 0..<10_000 {
            var moved = false
            for id in targets {
                if processReady(try position(of: id)) { moved = true }
            }
            for id in targets {
                if try deliver(to: id) { moved = true }
            }
            if !moved { return }
        }
        throw ScenarioError(message: "stabilize did not converge")
    }

    /// Starts a fresh node on `storage` (first start or restart).
    mutating func start(_ position: Int) {
        let member = members[position]
        let seed = UInt64(member.id.rawValue) &* 1_000_003 &+ member.restarts
        var appliedIndex = member.storage.snapshotMetadata.last.index
        if let last = member.applied.last, last.last > appliedIndex { appliedIndex = last.last }
        members[position].node = RaftNode(
            options: member.options, storage: member.storage, random: SplitMix64(seed: seed), applied: appliedIndex)
    }
}
