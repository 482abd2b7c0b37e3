import TernModel

/// The simulated network: messages in flight with delivery times, loss, duplication, delay
/// (and so reordering) and partitions, all decided by the run's network random stream.
///
/// Why a link matrix checked at delivery: a partition made while a message is in flight must
/// still stop it, as a cable pulled mid-transfer does. Messages are delivered in (time, send
/// sequence) order. Each link is FIFO like the TCP connection Tern uses between two brokers,
/// except that with the seed's reorder rate a message ignores the queue ahead of it (as after a
/// reconnection, or across connections), so messages on one link can overtake each other.
public struct SimulatedNetwork<Message: Sendable>: Sendable {
    /// One message in flight.
    public struct Envelope: Sendable {
        /// Delivery time (units), send order (the tie-break), endpoints and the message.
        public var deliverAt: Int64
        public var sequence: UInt64
        public var from: NodeIndex
        public var to: NodeIndex
        public var message: Message
    }

    /// What happened to a message handed to `send`, for the trace.
    public enum SendOutcome: Sendable, Equatable {
        case queued(deliverAt: Int64)
        case dropped
        case cut
        case overflow
    }

    private var inFlight: [Envelope] = []
    /// Latest delivery time queued on each directed link (`from * nodeCount + to`), for FIFO.
    private var linkTail: [Int64]
    private var nextSequence: UInt64 = 0
    /// `cut[from * nodeCount + to]`: messages on that directed link are lost.
    private var cut: [Bool]
    /// Processes on the network.
    public let nodeCount: Int
    /// The partition in force, if any.
    public private(set) var partition: PartitionMode?
    /// Messages lost because the in-flight queue was full (should stay 0; see the limit).
    public private(set) var overflowCount = 0

    /// A healed, empty network between `nodeCount` processes.
    public init(nodeCount: Int) {
        precondition(nodeCount >= 1, "a network needs nodes")
        precondition(nodeCount <= Limits.simulationNodesMax, "too many simulated nodes")
        self.nodeCount = nodeCount
        self.cut = Array(repeating: false, count: nodeCount * nodeCount)
        self.linkTail = Array(repeating: 0, count: nodeCount * nodeCount)
    }

    /// Messages currently in flight.
    public var inFlightCount: Int { inFlight.count }

    /// Whether messages from `from` to `to` currently get through the partition.
    public func linkIsUp(from: NodeIndex, to: NodeIndex) -> Bool {
        !cut[from * nodeCount + to]
    }

    /// Puts a partition in force (replacing any previous one).
    public mutating func apply(_ mode: PartitionMode) {
        heal()
        for link in mode.cutLinks(nodeCount: nodeCount) {
            cut[link.from * nodeCount + link.to] = true
        }
        partition = mode
    }

    /// Removes every partition.
    public mutating func heal() {
        for position in cut.indices { cut[position] = false }
        partition = nil
    }

    /// Hands a message to the network: it may be lost, or queued with a random delay, and
    /// (with the duplicate rate) queued a second time with another delay.
    public mutating func send(
        _ message: Message,
        from: NodeIndex,
        to: NodeIndex,
        now: Int64,
        rates: SwarmRates,
        random: inout SimulationRandom
    ) -> SendOutcome {
        precondition(from != to, "a node does not message itself over the network")
        if !linkIsUp(from: from, to: to) { return .cut }
        if random.chance(rates.dropProbability) { return .dropped }
        let outcome = enqueue(message, from: from, to: to, now: now, rates: rates, random: &random)
        if random.chance(rates.duplicateProbability) {
            _ = enqueue(message, from: from, to: to, now: now, rates: rates, random: &random)
        }
        return outcome
    }

    private mutating func enqueue(
        _ message: Message,
        from: NodeIndex,
        to: NodeIndex,
        now: Int64,
        rates: SwarmRates,
        random: inout SimulationRandom
    ) -> SendOutcome {
        guard inFlight.count < Limits.simulationMessagesInFlightMax else {
            overflowCount += 1
            return .overflow
        }
        let delay = Int64(random.inRange(rates.delayUnitsMin...rates.delayUnitsMax))
        var deliverAt = now + delay
        let link = from * nodeCount + to
        if !random.chance(rates.reorderProbability) {
            deliverAt = max(deliverAt, linkTail[link])
            linkTail[link] = deliverAt
        }
        inFlight.append(Envelope(deliverAt: deliverAt, sequence: nextSequence, from: from, to: to, message: message))
        nextSequence += 1
        return .queued(deliverAt: deliverAt)
    }

    /// Removes and returns the earliest message due at or before `now`, or nil. A message whose
    /// link is cut at delivery time is dropped silently (returned as `cut: true`).
    public mutating func nextDue(now: Int64) -> (envelope: Envelope, cut: Bool)? {
        var best: Int? = nil
        for position in inFlight.indices where inFlight[position].deliverAt <= now {
            if let current = best {
                let candidate = inFlight[position]
                let chosen = inFlight[current]
                if (candidate.deliverAt, candidate.sequence) < (chosen.deliverAt, chosen.sequence) {
                    best = position
                }
            } else {
                best = position
            }
        }
        guard let position = best else { return nil }
        let envelope = inFlight.remove(at: position)
        return (envelope, !linkIsUp(from: envelope.from, to: envelope.to))
    }
}
