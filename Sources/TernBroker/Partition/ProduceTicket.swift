import Synchronization

/// The acknowledgement of one proposed batch, completed once by its partition: the handler
/// proposes (in its connection's order) and then waits on this outside the partition.
public final class ProduceTicket: Sendable {
    private struct State {
        var outcome: ProduceOutcome?
        var continuation: CheckedContinuation<ProduceOutcome, Never>?
    }

    private let state: Mutex<State>

    /// A ticket still waiting, or (`outcome` given) one already decided.
    init(_ outcome: ProduceOutcome? = nil) {
        state = Mutex(State(outcome: outcome))
    }

    /// Decides the outcome (the first call wins) and resumes the waiting handler.
    func complete(_ outcome: ProduceOutcome) {
        let continuation: CheckedContinuation<ProduceOutcome, Never>? = state.withLock { state in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: outcome)
    }

    /// Waits for the outcome.
    public func outcome() async -> ProduceOutcome {
        await withCheckedContinuation { (continuation: CheckedContinuation<ProduceOutcome, Never>) in
            let decided: ProduceOutcome? = state.withLock { state in
                if let outcome = state.outcome { return outcome }
                state.continuation = continuation
                return nil
            }
            if let decided { continuation.resume(returning: decided) }
        }
    }
}
