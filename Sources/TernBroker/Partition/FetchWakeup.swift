public import NIOCore
import Synchronization

/// Wakes one long-polling Fetch when any partition it reads gets new committed data, or when
/// its MaxWaitMs runs out, whichever comes first. Fires once; later fires do nothing.
///
/// Partitions hold it until their high watermark moves; the timeout is an event-loop timer
/// (no sleeping task), and task cancellation (the connection closed) fires it too.
public final class FetchWakeup: Sendable {
    private struct State {
        var fired = false
        var continuation: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// A wakeup that has not fired.
    public init() {}

    /// Whether it fired.
    public var hasFired: Bool { state.withLock { $0.fired } }

    /// Fires: resumes the waiting fetch, if it waits.
    public func fire() {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard !state.fired else { return nil }
            state.fired = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume()
    }

    /// Waits until fired, at most `timeout` (a timer on `eventLoop` fires it then).
    public func wait(timeout: TimeAmount, on eventLoop: any EventLoop) async {
        let timer = eventLoop.scheduleTask(in: timeout) { [self] in fire() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = state.withLock { state in
                    if state.fired { return true }
                    state.continuation = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            fire()
        }
        timer.cancel()
    }
}
