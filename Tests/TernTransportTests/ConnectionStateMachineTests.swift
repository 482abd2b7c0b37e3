// Goal: the per-connection ordering and backpressure logic, without a channel.
// Method: drive `ConnectionStateMachine` with request arrivals, completions in chosen orders,
// reads and writability changes, and check the exact actions it returns: responses leave in
// request order whatever order they complete in, acks=0 gaps are skipped, a close waits for
// earlier answers, and reading stops exactly when a bound is reached and resumes when it drains.
import NIOCore
import TernModel
import Testing

@testable import TernTransport

typealias Machine = ConnectionStateMachine<Int>

/// A frame whose body is `tag` repeated `size` times, so tests can tell frames apart.
private func frame(_ correlationID: Int32, size: Int = 4) -> ResponseFrame {
    ResponseFrame(correlationID: correlationID, headerVersion: 0, body: ByteBuffer(repeating: 7, count: size))
}

/// The dispatched (sequence, work) pairs among `actions`.
private func dispatched(_ actions: [Machine.Action]) -> [(UInt64, Int)] {
    actions.compactMap { if case .dispatch(let s, let w) = $0 { (s, w) } else { nil } }
}

/// The correlation ids of the written frames among `actions`, in order.
private func written(_ actions: [Machine.Action]) -> [Int32] {
    actions.compactMap {
        if case .write(let f) = $0 { f.head.getInteger(at: f.head.readerIndex + 4, as: Int32.self) } else { nil }
    }
}

private func resumes(_ actions: [Machine.Action]) -> Bool {
    actions.contains { if case .resumeReading = $0 { true } else { false } }
}

@Suite("ConnectionStateMachine")
struct ConnectionStateMachineTests {
    @Test("answers completing out of order are written in request order")
    func outOfOrderCompletion() {
        var machine = Machine(inFlightMax: 8, bufferedBytesMax: 1 << 20)
        var sequences: [UInt64] = []
        for work in 0..<4 {
            let actions = machine.requestReceived(work, bytes: 10)
            #expect(dispatched(actions).map(\.1) == [work])
            sequences += dispatched(actions).map(\.0)
        }
        #expect(sequences == [0, 1, 2, 3])
        #expect(written(machine.completed(sequence: 2, outcome: .respond(frame(102)))) == [])
        #expect(written(machine.completed(sequence: 1, outcome: .respond(frame(101)))) == [])
        #expect(written(machine.completed(sequence: 0, outcome: .respond(frame(100)))) == [100, 101, 102])
        #expect(written(machine.completed(sequence: 3, outcome: .respond(frame(103)))) == [103])
        #expect(machine.inFlightCount == 0)
        #expect(machine.bufferedBytes == 0)
    }

    @Test("acks=0 gaps are skipped without holding later answers")
    func noResponseGaps() {
        var machine = Machine(inFlightMax: 8, bufferedBytesMax: 1 << 20)
        for work in 0..<4 { _ = machine.requestReceived(work, bytes: 10) }
        #expect(written(machine.completed(sequence: 3, outcome: .respond(frame(3)))) == [])
        #expect(written(machine.completed(sequence: 1, outcome: .noResponse)) == [])
        #expect(written(machine.completed(sequence: 0, outcome: .noResponse)) == [])
        #expect(written(machine.completed(sequence: 2, outcome: .noResponse)) == [3])
        #expect(machine.inFlightCount == 0)
    }

    @Test("a close waits for earlier answers and drops later ones")
    func closeInOrder() {
        var machine = Machine(inFlightMax: 8, bufferedBytesMax: 1 << 20)
        for work in 0..<3 { _ = machine.requestReceived(work, bytes: 10) }
        #expect(machine.completed(sequence: 1, outcome: .close(reason: "bad")).isEmpty)
        #expect(machine.completed(sequence: 2, outcome: .respond(frame(2))).isEmpty)
        let actions = machine.completed(sequence: 0, outcome: .respond(frame(0)))
        #expect(written(actions) == [0])
        guard case .close(let reason) = actions.last else {
            Issue.record("expected a close after the first answer, got \(actions)")
            return
        }
        #expect(reason == "bad")
        #expect(!machine.isActive)
        #expect(machine.requestReceived(9, bytes: 1).isEmpty)
        do { let allowed = machine.readRequested(); #expect(!allowed) }
    }

    @Test("the in-flight bound queues requests and suppresses reads until it drains")
    func inFlightBound() {
        var machine = Machine(inFlightMax: 2, bufferedBytesMax: 1 << 20)
        do { let allowed = machine.readRequested(); #expect(allowed) }
        #expect(dispatched(machine.requestReceived(0, bytes: 1)).count == 1)
        do { let allowed = machine.readRequested(); #expect(allowed) }
        #expect(dispatched(machine.requestReceived(1, bytes: 1)).count == 1)
        #expect(machine.isReadingPaused)
        do { let allowed = machine.readRequested(); #expect(!allowed) }
        // Frames already read in the same chunk queue without being dispatched.
        #expect(dispatched(machine.requestReceived(2, bytes: 1)).isEmpty)
        #expect(machine.inFlightCount == 2)
        #expect(machine.queuedCount == 1)
        // Completing the second frees nothing (the first is still unanswered).
        let second = machine.completed(sequence: 1, outcome: .respond(frame(1)))
        #expect(second.isEmpty)
        // Completing the first writes both and dispatches the queued one: one of two slots is
        // taken, so the held read is released.
        let first = machine.completed(sequence: 0, outcome: .respond(frame(0)))
        #expect(written(first) == [0, 1])
        #expect(dispatched(first).map(\.0) == [2])
        #expect(resumes(first))
        #expect(!machine.isReadingPaused)
        // The held read was released once; nothing more to release without a new held read.
        let last = machine.completed(sequence: 2, outcome: .noResponse)
        #expect(!resumes(last))
        #expect(machine.inFlightCount == 0)
        #expect(!resumes(machine.writabilityChanged(isWritable: true)))
    }

    @Test("the buffered-byte bound counts requests and held answers")
    func bufferedBytesBound() {
        var machine = Machine(inFlightMax: 100, bufferedBytesMax: 100)
        _ = machine.requestReceived(0, bytes: 60)
        do { let allowed = machine.readRequested(); #expect(allowed) }
        _ = machine.requestReceived(1, bytes: 50)
        #expect(machine.bufferedBytes == 110)
        do { let allowed = machine.readRequested(); #expect(!allowed) }
        // The second answer is held for order: its bytes replace the request's.
        let heldFrame = frame(1, size: 80)
        _ = machine.completed(sequence: 1, outcome: .respond(heldFrame))
        #expect(machine.bufferedBytes == 60 + heldFrame.byteCount)
        #expect(machine.isReadingPaused)
        let actions = machine.completed(sequence: 0, outcome: .noResponse)
        #expect(written(actions) == [1])
        #expect(resumes(actions))
        #expect(machine.bufferedBytes == 0)
    }

    @Test("a single frame above the byte bound is still dispatched")
    func oversizedSingleFrameProceeds() {
        var machine = Machine(inFlightMax: 4, bufferedBytesMax: 10)
        #expect(dispatched(machine.requestReceived(0, bytes: 1_000)).count == 1)
        do { let allowed = machine.readRequested(); #expect(!allowed) }
        #expect(resumes(machine.completed(sequence: 0, outcome: .respond(frame(0)))))
    }

    @Test("an unwritable channel suppresses reads until it is writable again")
    func writability() {
        var machine = Machine(inFlightMax: 4, bufferedBytesMax: 1_000)
        #expect(machine.writabilityChanged(isWritable: false).isEmpty)
        do { let allowed = machine.readRequested(); #expect(!allowed) }
        #expect(resumes(machine.writabilityChanged(isWritable: true)))
        do { let allowed = machine.readRequested(); #expect(allowed) }
    }

    @Test("answers after the connection closed are ignored")
    func completionAfterClose() {
        var machine = Machine(inFlightMax: 4, bufferedBytesMax: 1_000)
        _ = machine.requestReceived(0, bytes: 5)
        machine.connectionClosed()
        #expect(machine.completed(sequence: 0, outcome: .respond(frame(0))).isEmpty)
        #expect(machine.bufferedBytes == 0)
    }

    @Test("random completion orders always write every answer once, in order")
    func randomOrders() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<200 {
            let count = Int.random(in: 1...20, using: &generator)
            let bound = Int.random(in: 1...5, using: &generator)
            var machine = Machine(inFlightMax: bound, bufferedBytesMax: 1 << 20)
            var pending: [UInt64] = []
            var writtenIDs: [Int32] = []
            var expected: [Int32] = []
            for work in 0..<count {
                pending += dispatched(machine.requestReceived(work, bytes: 3)).map(\.0)
                #expect(machine.inFlightCount <= bound)
            }
            while !pending.isEmpty {
                let pick = pending.remove(at: Int.random(in: 0..<pending.count, using: &generator))
                let silent = Bool.random(using: &generator)
                if !silent { expected.append(Int32(pick)) }
                let actions = machine.completed(
                    sequence: pick, outcome: silent ? .noResponse : .respond(frame(Int32(pick))))
                writtenIDs += written(actions)
                pending += dispatched(actions).map(\.0)
                #expect(machine.inFlightCount <= bound)
            }
            #expect(writtenIDs == expected.sorted())
            #expect(machine.bufferedBytes == 0)
        }
    }
}
