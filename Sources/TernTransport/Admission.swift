import Synchronization

/// Kafka's per-connection order for the part of a request where order matters.
///
/// Kafka handles one request per connection at a time, so two produce requests pipelined on
/// one connection are appended in the order they were sent, even without idempotence. Tern
/// pipelines (a request waiting for its Raft commit must not hold up the next one), so each
/// request carries an `Admission`: the next request of the connection starts only once this
/// one is released. The broker releases it as soon as order no longer matters: at once for
/// most APIs, after its batches are proposed for Produce. The transport releases it too when
/// the handler returns, so a chain can never stall.
public final class Admission: Sendable {
    private struct State {
        var released = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    /// A token that is not yet released (`released: false`), or one that is.
    public init(released: Bool = false) {
        state = Mutex(State(released: released))
    }

    /// Lets the next request of the connection start. Idempotent.
    public func release() {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
            guard !state.released else { return [] }
            state.released = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether it was released.
    public var isReleased: Bool { state.withLock { $0.released } }

    /// Waits until released. A cancelled waiter (listener shutdown) releases the token itself:
    /// the chain is being torn down and nothing it orders will be answered.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now: Bool = state.withLock { state in
                    if state.released { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            release()
        }
    }
}
