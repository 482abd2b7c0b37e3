import NIOCore
import TernLog

/// Serialises changes of the cluster metadata and makes each durable before it takes effect.
///
/// One admin operation at a time holds the controller (`acquire` / `release`, FIFO), for the
/// whole change including the replicas it opens or closes, so that deleting a topic and
/// creating one of the same name cannot interleave on the same partition directories. The
/// actor runs on a storage event loop because `commit` blocks on the disk.
///
/// The three-node cluster issue replaces the file with the controller Raft group; the broker's
/// side (acquire, build the next image, commit, act on it) stays.
actor MetadataController {
    nonisolated let eventLoop: any EventLoop
    let file: MetadataFile
    /// The durable image.
    private(set) var image = MetadataImage()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    nonisolated var unownedExecutor: UnownedSerialExecutor { eventLoop.executor.asUnownedSerialExecutor() }

    init(eventLoop: any EventLoop, file: MetadataFile) {
        self.eventLoop = eventLoop
        self.file = file
    }

    /// Reads the durable image (at start-up).
    func load() throws(BrokerStartupError) -> MetadataImage {
        image = try file.read()
        return image
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

    /// Makes `next` the durable image (its epoch one above the current one).
    func commit(_ next: MetadataImage) throws(DurableStateError) -> MetadataImage {
        precondition(busy, "commit while holding the controller")
        var next = next
        next.epoch = image.epoch + 1
        try file.write(next)
        image = next
        return next
    }
}
