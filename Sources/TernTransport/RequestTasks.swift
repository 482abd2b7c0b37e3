import Synchronization

/// The handler tasks of one listener, so shutdown can cancel them and wait for them before
/// the caller shuts its event loops down: a task finishing later would otherwise schedule its
/// answer on a dead event loop (which NIO reports, and in strict mode traps on).
final class RequestTasks: Sendable {
    private struct State {
        var nextID: UInt64 = 0
        var tasks: [UInt64: Task<Void, Never>] = [:]
        var isClosed = false
    }

    private let state = Mutex(State())

    /// Tasks still running (for tests and metrics).
    var count: Int { state.withLock { $0.tasks.count } }

    /// Runs `operation` in a new task; returns false (and runs nothing) once closed.
    func start(_ operation: @escaping @Sendable () async -> Void) -> Bool {
        state.withLock { state in
            guard !state.isClosed else { return false }
            state.nextID += 1
            let id = state.nextID
            // Created under the lock, so the task's own removal (which takes the lock) always
            // finds its entry.
            state.tasks[id] = Task {
                await operation()
                self.finished(id)
            }
            return true
        }
    }

    /// Refuses new tasks, cancels the running ones and waits until each has returned.
    func cancelAllAndWait() async {
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            state.isClosed = true
            return Array(state.tasks.values)
        }
        for task in tasks {
            task.cancel()
        }
        for task in tasks {
            await task.value
        }
    }

    private func finished(_ id: UInt64) {
        state.withLock { _ = $0.tasks.removeValue(forKey: id) }
    }
}
