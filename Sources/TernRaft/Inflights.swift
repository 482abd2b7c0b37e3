import DequeModule
import TernModel

/// The AppendEntries a leader sent to one follower and not yet saw acknowledged, oldest first,
/// bounded in count and bytes (etcd's `tracker/inflights.go`). When full, replication to that
/// follower pauses until an acknowledgement frees room.
struct Inflights {
    /// Last index and payload bytes of each message in flight.
    private var messages: Deque<(last: Offset, bytes: Int)> = []
    /// Sum of `bytes` over `messages`.
    private(set) var bytes = 0
    /// Most messages in flight.
    let countMax: Int
    /// Most bytes in flight.
    let bytesMax: Int

    init(countMax: Int, bytesMax: Int) {
        precondition(countMax > 0, "window must hold a message")
        precondition(bytesMax > 0, "window must hold bytes")
        self.countMax = countMax
        self.bytesMax = bytesMax
    }

    /// Messages in flight.
    var count: Int { messages.count }
    /// Whether no more may be sent.
    var isFull: Bool { messages.count >= countMax || bytes >= bytesMax }

    /// Records a message whose last entry is `last`.
    mutating func add(last: Offset, bytes messageBytes: Int) {
        precondition(!isFull, "sending past a full in-flight window")
        if let newest = messages.last { precondition(newest.last < last, "in-flight messages are ordered") }
        messages.append((last, messageBytes))
        bytes += messageBytes
    }

    /// Frees every message whose last index is at or below `index` (acknowledged).
    mutating func free(through index: Offset) {
        while let oldest = messages.first, oldest.last <= index {
            messages.removeFirst()
            bytes -= oldest.bytes
        }
        precondition(bytes >= 0, "in-flight bytes went negative")
    }

    /// Frees the oldest message (its acknowledgement was probably lost).
    mutating func freeOldest() {
        guard let oldest = messages.popFirst() else { return }
        bytes -= oldest.bytes
    }

    /// Forgets everything (the follower went back to probing).
    mutating func reset() {
        messages.removeAll()
        bytes = 0
    }
}
