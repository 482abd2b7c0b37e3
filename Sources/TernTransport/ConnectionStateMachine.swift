import DequeModule

/// The ordering and backpressure logic of one Kafka connection, with no channel in sight: the
/// connection handler feeds it events and carries out the actions it returns (STYLE.md §4).
///
/// - Requests are numbered in arrival order and dispatched while fewer than `inFlightMax`
///   are unanswered; later ones wait in `queued` (only what one socket read produced, since
///   reading stops first).
/// - Answers may complete in any order; they leave strictly in request order. `.noResponse`
///   leaves a gap that is skipped; `.close` closes after every earlier answer is written.
/// - Reading is suppressed (NIO's outbound `read()` is held back) while the unanswered
///   requests reach `inFlightMax`, the held bytes reach `bufferedBytesMax`, or the channel is
///   not writable; a held read is released when all three clear.
struct ConnectionStateMachine<Work> {
    /// How one dispatched request ended.
    enum Outcome {
        /// Write this frame.
        case respond(ResponseFrame)
        /// Nothing to write (acks=0 produce).
        case noResponse
        /// Close the connection after every earlier answer.
        case close(reason: String)
    }

    /// What the connection handler must do, in order.
    enum Action {
        /// Start working on a request; report back with `completed(sequence:outcome:)`.
        case dispatch(sequence: UInt64, work: Work)
        /// Write a frame (flush after the batch of actions).
        case write(ResponseFrame)
        /// Issue the read that was held back.
        case resumeReading
        /// Close the connection.
        case close(reason: String)
    }

    /// The state of one dispatched request, in sequence order.
    private enum Slot {
        /// Dispatched, no answer yet; holds the request's byte count.
        case inFlight(requestBytes: Int)
        /// Answered, waiting for an earlier request's answer.
        case completed(Outcome)
    }

    private let inFlightMax: Int
    private let bufferedBytesMax: Int
    /// Dispatched requests not yet written out; index 0 has sequence `firstSequence`.
    private var slots: Deque<Slot> = []
    private var firstSequence: UInt64 = 0
    /// Decoded requests waiting for a free slot, with their byte counts.
    private var queued: Deque<(work: Work, bytes: Int)> = []
    /// Bytes of queued and in-flight requests plus answers held for ordering.
    private(set) var bufferedBytes = 0
    private var isWritable = true
    /// A `read()` was suppressed and must be issued once the bounds clear.
    private var readPending = false
    /// False once the connection is closing or closed: nothing more is dispatched or written.
    private(set) var isActive = true

    /// A machine with the given bounds (each at least 1).
    init(inFlightMax: Int, bufferedBytesMax: Int) {
        precondition(inFlightMax > 0, "inFlightMax must be positive")
        precondition(bufferedBytesMax > 0, "bufferedBytesMax must be positive")
        self.inFlightMax = inFlightMax
        self.bufferedBytesMax = bufferedBytesMax
    }

    /// Requests dispatched and not yet written (including answers held for ordering).
    var inFlightCount: Int { slots.count }
    /// Requests decoded and waiting for a slot.
    var queuedCount: Int { queued.count }
    /// Whether reading should stop now.
    var isReadingPaused: Bool {
        !isWritable || slots.count + queued.count >= inFlightMax || bufferedBytes >= bufferedBytesMax
    }

    /// A request of `bytes` frame bytes arrived.
    mutating func requestReceived(_ work: Work, bytes: Int) -> [Action] {
        guard isActive else { return [] }
        precondition(bytes >= 0, "a frame has a non-negative size")
        bufferedBytes += bytes
        queued.append((work, bytes))
        return dispatchQueued()
    }

    /// The request numbered `sequence` has an outcome.
    mutating func completed(sequence: UInt64, outcome: Outcome) -> [Action] {
        guard isActive else { return [] }
        precondition(sequence >= firstSequence, "request \(sequence) was already written")
        let index = Int(sequence - firstSequence)
        precondition(index < slots.count, "request \(sequence) was never dispatched")
        guard case .inFlight(let requestBytes) = slots[index] else {
            preconditionFailure("request \(sequence) completed twice")
        }
        bufferedBytes -= requestBytes
        if case .respond(let frame) = outcome {
            bufferedBytes += frame.byteCount
        }
        slots[index] = .completed(outcome)
        var actions = drainInOrder()
        guard isActive else { return actions }
        actions += dispatchQueued()
        actions += resumeIfPossible()
        return actions
    }

    /// The outbound `read()` arrived; returns whether to pass it on now.
    mutating func readRequested() -> Bool {
        guard isActive else { return false }
        if isReadingPaused {
            readPending = true
            return false
        }
        return true
    }

    /// The channel's writability changed (NIO's water marks on the outbound buffer).
    mutating func writabilityChanged(isWritable: Bool) -> [Action] {
        self.isWritable = isWritable
        guard isActive else { return [] }
        return resumeIfPossible()
    }

    /// The connection is closing (our decision or the peer's): drop everything held.
    mutating func connectionClosed() {
        isActive = false
        slots.removeAll()
        queued.removeAll()
        bufferedBytes = 0
        readPending = false
    }

    /// Writes every answer at the head of the order that is complete.
    private mutating func drainInOrder() -> [Action] {
        var actions: [Action] = []
        while let first = slots.first, case .completed(let outcome) = first {
            slots.removeFirst()
            firstSequence += 1
            switch outcome {
            case .respond(let frame):
                bufferedBytes -= frame.byteCount
                actions.append(.write(frame))
            case .noResponse:
                continue
            case .close(let reason):
                actions.append(.close(reason: reason))
                connectionClosed()
                return actions
            }
        }
        precondition(bufferedBytes >= 0, "buffered byte count went negative")
        return actions
    }

    /// Moves queued requests into free slots.
    private mutating func dispatchQueued() -> [Action] {
        var actions: [Action] = []
        while slots.count < inFlightMax, let next = queued.popFirst() {
            let sequence = firstSequence + UInt64(slots.count)
            slots.append(.inFlight(requestBytes: next.bytes))
            actions.append(.dispatch(sequence: sequence, work: next.work))
        }
        return actions
    }

    /// Releases a held read once every bound clears.
    private mutating func resumeIfPossible() -> [Action] {
        guard readPending, !isReadingPaused else { return [] }
        readPending = false
        return [.resumeReading]
    }
}
