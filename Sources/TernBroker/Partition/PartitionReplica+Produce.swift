import NIOCore
import TernCoordination
import TernLog
import TernModel
import TernRaft
import TernReplication
import TernWire

extension PartitionReplica {
    /// Hands one validated batch to the partition, synchronously and in the caller's order,
    /// and returns the ticket of its acknowledgement. The partition's loop proposes it (with
    /// everything else that arrived meanwhile) and flushes once for all of them.
    ///
    /// The batch gets the next offsets and the current term as its leader epoch (in place; the
    /// CRC does not cover them). acks=0 completes once proposed; acks=1 once the batch is in
    /// the local log; acks=all once it is committed. A leader change or a timeout before that
    /// is a retriable error: the write may or may not survive, which is what idempotence is for.
    ///
    /// `producer`: the batch's idempotent-producer fields, checked in log order just before the
    /// batch would be proposed (`PartitionReplica+Producers`).
    nonisolated func submit(
        _ batch: ByteBuffer, producer: ProducerAppend? = nil, acks: RequiredAcks, timeoutMs: Int32
    ) -> ProduceTicket {
        let ticket = ProduceTicket()
        let submission = ProduceSubmission(
            batch: batch, producer: producer, acks: acks, timeoutMs: timeoutMs, ticket: ticket)
        switch inbox.add(submission) {
        case nil:
            ticket.complete(.failed(.requestTimedOut))
        case true?:
            eventLoop.execute { [self] in assumeIsolated { $0.drainInbox() } }
        case false?:
            break
        }
        return ticket
    }

    /// Proposes everything in the inbox, in order, then flushes once (group commit).
    func drainInbox() {
        let submissions = inbox.takeAll()
        guard !submissions.isEmpty else { return }
        for submission in submissions { propose(submission) }
        runFlush()
    }

    /// Proposes one submitted batch as leader (or refuses it) and records its waiter.
    private func propose(_ submission: ProduceSubmission) {
        let ticket = submission.ticket
        guard let driver = servingLeader else { return ticket.complete(.failed(notServingError)) }
        guard produceWaiters.count < Limits.partitionProduceWaitersMax else {
            return ticket.complete(.failed(.requestTimedOut))
        }
        if let append = submission.producer {
            switch checkProducer(append, driver: driver) {
            case .accept: break
            case .duplicate(let original): return answerDuplicate(original, submission: submission, driver: driver)
            case .refuse(let error, _): return ticket.complete(.failed(error))
            }
        }
        let proposed: ProposedBatch
        do throws(ReplicationError) {
            proposed = try driver.propose(submission.batch)
        } catch {
            switch error.kind {
            case .invalidEntry: return ticket.complete(.failed(.corruptMessage))
            case .failed: return ticket.complete(.failed(.kafkaStorageError))
            default: return ticket.complete(.failed(.notLeaderOrFollower))
            }
        }
        if let append = submission.producer {
            recordProposed(append, first: proposed.baseOffset, last: proposed.id.index)
        }
        let logStart = driver.storage.log.logStartOffset
        guard submission.acks != .none else {
            return ticket.complete(.appended(baseOffset: proposed.baseOffset, logStartOffset: logStart))
        }
        let deadline = clock.now().advanced(by: Int64(max(submission.timeoutMs, 0)))
        produceWaiters.append(
            ProduceWaiter(
                entry: proposed.id, baseOffset: proposed.baseOffset, acks: submission.acks, deadline: deadline,
                ticket: ticket))
    }

    /// Submits and waits for the acknowledgement (callers that need no ordering).
    nonisolated func produce(_ batch: ByteBuffer, acks: RequiredAcks, timeoutMs: Int32) async -> ProduceOutcome {
        await submit(batch, acks: acks, timeoutMs: timeoutMs).outcome()
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
        for submission in inbox.takeAll() { submission.ticket.complete(.failed(error)) }
        let waiters = produceWaiters
        produceWaiters = []
        for waiter in waiters { waiter.ticket.complete(.failed(error)) }
        let wakeups = fetchWakeups
        fetchWakeups = []
        for wakeup in wakeups { wakeup.fire() }
    }
}
