import NIOCore

/// Serialises what must not interleave on one broker: admin changes on the controller leader
/// (`acquire` / `release`, FIFO, so validating a change and proposing it see no other change in
/// between) and reconciling the local replicas with the metadata image (single flight: a request
/// while one runs makes it run once more).
actor MetadataController {
    nonisolated let eventLoop: any EventLoop
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var reconciling = false
    private var reconcileAgain = false

    nonisolated var unownedExecutor: UnownedSerialExecutor { eventLoop.executor.asUnownedSerialExecutor() }

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Waits for the controller (FIFO). Every `acquire` is followed by one `release`.
    func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the controller to the next waiter.
    func release() {
        precondition(busy, "release after acquire")
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// Runs `body` now, or once more after the run in progress (requests meanwhile coalesce).
    func reconcile(_ body: @Sendable () async -> Void) async {
        if reconciling {
            reconcileAgain = true
            return
        }
        reconciling = true
        // Bounded: each extra round needs a new request that arrived during the previous one.
        repeat {
            reconcileAgain = false
            await body()
        } while reconcileAgain
        reconciling = false
    }
}
