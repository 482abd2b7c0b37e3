import NIOCore
import TernLog
import TernModel
import TernRaft
import TernReplication
import TernWire

extension PartitionReplica {
    /// Appends one validated batch as leader and waits for the acknowledgement `acks` asks for.
    ///
    /// The batch gets the next offsets and the current term as its leader epoch (in place; the
    /// CRC does not cover them). acks=0 returns once proposed; acks=1 once the batch is in the
    /// local log; acks=all once it is committed. A leader change or a timeout before that is a
    /// retriable error: the write may or may not survive, which is what idempotence is for.
    ///
    /// Returns as soon as the batch is proposed (so the caller can keep its connection's order
    /// across partitions); the ticket completes with the acknowledgement.
    func propose(_ batch: ByteBuffer, acks: RequiredAcks, timeoutMs: Int32) -> ProduceTicket {
        guard let driver = servingLeader else { return ProduceTicket(.failed(notServingError)) }
        guard produceWaiters.count < Limits.partitionProduceWaitersMax else {
            return ProduceTicket(.failed(.requestTimedOut))
        }
        let proposed: ProposedBatch
        do throws(ReplicationError) {
            proposed = try driver.propose(batch)
        } catch {
            switch error.kind {
            case .invalidEntry: return ProduceTicket(.failed(.corruptMessage))
            case .failed: return ProduceTicket(.failed(.kafkaStorageError))
            default: return ProduceTicket(.failed(.notLeaderOrFollower))
            }
        }
        scheduleFlush()
        let logStart = driver.storage.log.logStartOffset
        guard acks != .none else {
            return ProduceTicket(.appended(baseOffset: proposed.baseOffset, logStartOffset: logStart))
        }
        let deadline = clock.now().advanced(by: Int64(max(timeoutMs, 0)))
        let ticket = ProduceTicket()
        produceWaiters.append(
            ProduceWaiter(entry: proposed.id, baseOffset: proposed.baseOffset, acks: acks, deadline: deadline, ticket: ticket))
        return ticket
    }

    /// Proposes and waits for the acknowledgement (callers that need no ordering).
    func produce(_ batch: ByteBuffer, acks: RequiredAcks, timeoutMs: Int32) async -> ProduceOutcome {
        await propose(batch, acks: acks, timeoutMs: timeoutMs).outcome()
    }

    /// After a flush: answers acks=1 waiters whose batch is in the local log, acks=all waiters
    /// whose entry committed, and fails those whose entry the high watermark passed without
    /// committing it (a new leader truncated it). A replica that is no longer leader fails
    /// every waiter: it cannot tell whether the new leader keeps the entry.
    func resolveProduceWaiters(committed: [EntryID], highWatermark: Offset) {
        guard !produceWaiters.isEmpty, let driver else { return }
        guard driver.node.currentRole == .leader else {
            failAllWaiters(.notLeaderOrFollower)
            return
        }
        let committedSet = Set(committed)
        let localEnd = driver.storage.lastIndex
        let logStart = driver.storage.log.logStartOffset
        var waiting: [ProduceWaiter] = []
        waiting.reserveCapacity(produceWaiters.count)
        for waiter in produceWaiters {
            let done: Bool
            switch waiter.acks {
            case .leader, .none: done = localEnd >= waiter.entry.index
            case .all: done = committedSet.contains(waiter.entry)
            }
            if done {
                waiter.ticket.complete(.appended(baseOffset: waiter.baseOffset, logStartOffset: logStart))
            } else if highWatermark > waiter.entry.index {
                waiter.ticket.complete(.failed(.notLeaderOrFollower))
            } else {
                waiting.append(waiter)
            }
        }
        produceWaiters = waiting
    }

    /// Answers REQUEST_TIMED_OUT to waiters whose client timeout passed.
    func expireProduceWaiters(now: TimestampMs) {
        guard produceWaiters.contains(where: { $0.deadline < now }) else { return }
        produceWaiters.removeAll { waiter in
            guard waiter.deadline < now else { return false }
            waiter.ticket.complete(.failed(.requestTimedOut))
            return true
        }
    }

    /// Fails every produce waiter with `error` and wakes every fetch.
    func failAllWaiters(_ error: ErrorCode) {
        let waiters = produceWaiters
        produceWaiters = []
        for waiter in waiters { waiter.ticket.complete(.failed(error)) }
        let wakeups = fetchWakeups
        fetchWakeups = []
        for wakeup in wakeups { wakeup.fire() }
    }
}
