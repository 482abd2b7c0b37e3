import TernModel
public import TernRaft

/// What happened in a run: every event folds into a hash (the determinism check compares it
/// between two runs of one seed) and the last `SimulationConstants.traceTailEvents` events are
/// kept, rendered as text only when a violation (or `--trace`) asks for them.
///
/// Why keep values and render later: a debug build must run a thousand seeds in minutes, and
/// formatting a string per message would dominate the run time.
public struct SimulationTrace: Sendable {
    /// One event at one simulated time (in units; a tick is `SimulationConstants.unitsPerTick`).
    public struct Event: Sendable {
        /// Simulated time in units, and what happened.
        public var time: Int64
        public var kind: Kind
    }

    /// The kinds of event.
    public enum Kind: Sendable {
        case send(from: NodeIndex, to: NodeIndex, message: Message, outcome: SimulatedNetwork<Message>.SendOutcome)
        /// One Ready carried out: what was written, whether it was synced, what was applied.
        case ready(node: NodeIndex, hardState: HardState?, entries: Int, committed: Int, sync: Bool)
        case deliver(to: NodeIndex, message: Message, note: String)
        case note(node: NodeIndex?, text: String)
    }

    private var tail: [Event?]
    private var nextSlot = 0
    /// Events recorded so far.
    public private(set) var count = 0
    /// Hash of every event recorded so far.
    public private(set) var hash = TraceHash()
    /// When set, every event is also rendered here as it happens (`tern-sim --trace`).
    public var echo: (@Sendable (String) -> Void)?

    /// An empty trace; `echo` receives every event rendered, as it happens.
    public init(echo: (@Sendable (String) -> Void)? = nil) {
        self.tail = Array(repeating: nil, count: SimulationConstants.traceTailEvents)
        self.echo = echo
    }

    /// Records an event.
    public mutating func record(_ event: Event) {
        hash.combine(event.time)
        switch event.kind {
        case .send(let from, let to, let message, let outcome):
            hash.combine(1)
            hash.combine(from)
            hash.combine(to)
            Self.combine(message, into: &hash)
            switch outcome {
            case .queued(let deliverAt): hash.combine(deliverAt)
            case .dropped: hash.combine(-1)
            case .cut: hash.combine(-2)
            case .overflow: hash.combine(-3)
            }
        case .ready(let node, let hardState, let entries, let committed, let sync):
            hash.combine(4)
            hash.combine(node)
            if let hardState {
                hash.combine(hardState.term.rawValue)
                hash.combine(Int64(hardState.vote?.rawValue ?? -1))
                hash.combine(hardState.commit.rawValue)
            }
            hash.combine(entries)
            hash.combine(committed)
            hash.combine(sync ? 1 : 0)
        case .deliver(let to, let message, let note):
            hash.combine(2)
            hash.combine(to)
            Self.combine(message, into: &hash)
            hash.combine(bytes: note.utf8)
        case .note(let node, let text):
            hash.combine(3)
            hash.combine(node ?? -1)
            hash.combine(bytes: text.utf8)
        }
        tail[nextSlot] = event
        nextSlot = (nextSlot + 1) % tail.count
        count += 1
        if let echo { echo(Self.render(event)) }
    }

    /// The kept tail, oldest first, one line per event.
    public func renderedTail() -> [String] {
        var lines: [String] = []
        for offset in 0..<tail.count {
            if let event = tail[(nextSlot + offset) % tail.count] { lines.append(Self.render(event)) }
        }
        return lines
    }

    /// One readable line: `t=<tick>.<unit>` then what happened (nodes are `n0`, `n1`, ...).
    public static func render(_ event: Event) -> String {
        let units = Int64(SimulationConstants.unitsPerTick)
        let time = "t=\(event.time / units).\(event.time % units)"
        switch event.kind {
        case .send(let from, let to, let message, let outcome):
            let text: String
            switch outcome {
            case .queued(let deliverAt): text = "due t=\(deliverAt / units).\(deliverAt % units)"
            case .dropped: text = "dropped"
            case .cut: text = "cut by partition"
            case .overflow: text = "network queue full"
            }
            return "\(time) n\(from) send to n\(to): \(message.kind) term=\(message.term) [\(text)]"
        case .ready(let node, let hardState, let entries, let committed, let sync):
            let state = hardState.map { "persist \($0)" } ?? "hard state unchanged"
            return "\(time) n\(node) ready: \(state), \(entries) entries, \(committed) to apply\(sync ? ", fsync" : "")"
        case .deliver(let to, let message, let note):
            return "\(time) n\(to) recv: \(message) \(note)"
        case .note(let node, let text):
            if let node { return "\(time) n\(node) \(text)" }
            return "\(time) \(text)"
        }
    }

    /// Folds the fields that identify a message into the hash (not its description: cheaper,
    /// and stable if descriptions are reworded).
    private static func combine(_ message: Message, into hash: inout TraceHash) {
        hash.combine(Int64(message.from.rawValue))
        hash.combine(Int64(message.to.rawValue))
        hash.combine(message.term.rawValue)
        switch message.kind {
        case .preVoteRequest(let last):
            hash.combine(10)
            hash.combine(last.index.rawValue)
            hash.combine(last.term.rawValue)
        case .preVoteResponse(let granted):
            hash.combine(granted ? 11 : 12)
        case .voteRequest(let last, let transfer):
            hash.combine(transfer ? 13 : 14)
            hash.combine(last.index.rawValue)
            hash.combine(last.term.rawValue)
        case .voteResponse(let granted):
            hash.combine(granted ? 15 : 16)
        case .append(let request):
            hash.combine(17)
            hash.combine(request.prev.index.rawValue)
            hash.combine(request.prev.term.rawValue)
            hash.combine(request.commit.rawValue)
            for entry in request.entries { hash.combine(EntryDigest.of(entry)) }
        case .appendResponse(let response):
            switch response {
            case .accepted(let match):
                hash.combine(18)
                hash.combine(match.rawValue)
            case .rejected(let rejectedPrev, let hint):
                hash.combine(19)
                hash.combine(rejectedPrev.rawValue)
                hash.combine(hint.index.rawValue)
                hash.combine(hint.term.rawValue)
            }
        case .heartbeat(let commit):
            hash.combine(20)
            hash.combine(commit.rawValue)
        case .heartbeatResponse:
            hash.combine(21)
        case .installSnapshot(let snapshot):
            hash.combine(22)
            hash.combine(snapshot.metadata.last.index.rawValue)
            hash.combine(snapshot.metadata.last.term.rawValue)
            hash.combine(bytes: snapshot.data)
        case .timeoutNow:
            hash.combine(23)
        }
    }
}
