import Synchronization

/// One acknowledgement, kept for the failover analysis. Times in µs from the run's start.
struct AckEvent: Sendable {
    var ackedAt: Int64
    var sentAt: Int64
    var partition: Int32
}

/// A send's delivery report.
enum Outcome: Sendable {
    case stored(Acknowledgement)
    case failed(String)
}

/// Collects the delivery reports of every producer of a run (they arrive on the producers'
/// actors): the timeline, the latency histogram of the measured window and, for a failover
/// run, every acknowledgement.
final class AckRecorder: Sendable {
    /// At most this many acknowledgements are kept one by one (about 40 bytes each).
    static let keptAcksMax = 10_000_000

    struct State: Sendable {
        var timeline = Timeline()
        var histogram = LatencyHistogram()
        var sent = 0
        var answered = 0
        var ackedTotal = 0
        var ackedInWindow = 0
        var bytesInWindow = 0
        var failed = 0
        var firstError: String?
        var acks: [RecordID: Acknowledgement] = [:]
        var events: [AckEvent] = []
        var overflowed = false
    }

    let clock: RunClock
    /// Acknowledgements arriving in [from, to) µs count for throughput and latency.
    let window: Range<Int64>
    let keepAcks: Bool
    private let state = Mutex(State())

    init(clock: RunClock, window: Range<Int64>, keepAcks: Bool) {
        self.clock = clock
        self.window = window
        self.keepAcks = keepAcks
    }

    func sent() { state.withLock { $0.sent += 1 } }

    /// A send's answer: `sentAt` is when it was meant to be sent (µs from the start), so a
    /// producer that fell behind its rate shows the delay as latency.
    func answered(_ id: RecordID, sentAt: Int64, bytes: Int, outcome: Outcome) {
        let now = clock.micros
        state.withLock { state in
            state.answered += 1
            switch outcome {
            case .stored(let ack):
                let latency = now - sentAt
                state.ackedTotal += 1
                state.timeline.ack(atMicros: now, latencyMicros: latency)
                if window.contains(now) {
                    state.ackedInWindow += 1
                    state.bytesInWindow += bytes
                    state.histogram.record(micros: latency)
                }
                guard keepAcks else { return }
                if state.acks.count < Self.keptAcksMax {
                    state.acks[id] = ack
                    state.events.append(AckEvent(ackedAt: now, sentAt: sentAt, partition: ack.partition))
                } else {
                    state.overflowed = true
                }
            case .failed(let error):
                state.failed += 1
                state.timeline.failure(atMicros: now)
                if state.firstError == nil { state.firstError = error }
            }
        }
    }

    func read<T>(_ body: (State) -> T) -> T { state.withLock { body($0) } }

    /// The acknowledgements that arrived from `micros` on (and up to a second before it), by
    /// arrival time. They are appended in arrival order, give or take the lock, so a scan from
    /// the end suffices; only that tail is copied under the lock, and it is sorted outside it,
    /// while the producers keep reporting.
    func events(since micros: Int64) -> [AckEvent] {
        let recent = state.withLock { state in
            var start = state.events.endIndex
            // Bounded by the array.
            while start > state.events.startIndex, state.events[start - 1].ackedAt >= micros - 1_000_000 { start -= 1 }
            return Array(state.events[start...])
        }
        return recent.sorted { $0.ackedAt < $1.ackedAt }
    }

    /// Sends not answered yet.
    var outstanding: Int { state.withLock { $0.sent - $0.answered } }
}

/// Microseconds since the run started, on the monotonic clock.
struct RunClock: Sendable {
    let start = ContinuousClock.now

    var micros: Int64 { Self.micros(ContinuousClock.now - start) }

    func micros(at instant: ContinuousClock.Instant) -> Int64 { Self.micros(instant - start) }

    func instant(atMicros micros: Int64) -> ContinuousClock.Instant { start.advanced(by: .microseconds(micros)) }

    static func micros(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
