import NIOCore
import Synchronization
import TernCoordination
import TernModel

/// A batch handed to a partition, not yet proposed.
struct ProduceSubmission: Sendable {
    var batch: ByteBuffer
    /// The idempotent-producer fields of the batch (nil: no producer id).
    var producer: ProducerAppend?
    var acks: RequiredAcks
    var timeoutMs: Int32
    var ticket: ProduceTicket
}

/// Where produce handlers drop their batches for one partition, synchronously and in order,
/// without waiting for the partition's executor.
///
/// Why not an actor call: a connection's produce requests must be proposed in order, so the
/// next request may start only once this one has handed its batches over. If handing over
/// meant an actor hop, that hop would queue behind the flush the previous request scheduled,
/// and every request would pay one fsync of its own. With the inbox, handing over is a lock and
/// an append; the partition's drain job takes everything that arrived, proposes it and flushes
/// once, and batches that arrive during that fsync wait for the next drain together: group
/// commit that grows with the load.
final class ProduceInbox: Sendable {
    private struct State {
        var submissions: [ProduceSubmission] = []
        var drainScheduled = false
    }

    private let state = Mutex(State())

    /// Adds `submission`; returns whether the caller must schedule a drain (none was pending),
    /// or nil if the inbox is full (the caller refuses the batch).
    func add(_ submission: ProduceSubmission) -> Bool? {
        state.withLock { state in
            guard state.submissions.count < Limits.partitionInboxSubmissionsMax else { return nil }
            state.submissions.append(submission)
            guard !state.drainScheduled else { return false }
            state.drainScheduled = true
            return true
        }
    }

    /// Takes everything queued, in arrival order; the next `add` schedules a new drain.
    func takeAll() -> [ProduceSubmission] {
        state.withLock { state in
            state.drainScheduled = false
            defer { state.submissions = [] }
            return state.submissions
        }
    }
}
