import Logging
import Synchronization
import TernCoordination
import TernLog
import TernModel
import TernRaft

/// One local replica's view of a `__consumer_offsets` partition: the `OffsetsState` every
/// replica (leader or follower) keeps by applying the partition's committed records, so a new
/// coordinator after a failover starts from a complete state instead of reading the whole log.
///
/// The state is snapshotted to `<partition dir>/groups.state` (atomic replace, CRC) at most
/// every `snapshotIntervalMs` when it changed; on restart the replica hands out only the
/// entries after the snapshot's offset, which bounds the replay.
final class OffsetsPartition: Sendable {
    /// The partition index within `__consumer_offsets`.
    let partition: PartitionID
    /// The snapshot file.
    let file: DurableStateFile
    let logger: Logger
    private let state: Mutex<Held>

    struct Held: Sendable {
        var offsets: OffsetsState
        /// The applied offset of the last snapshot written (nil: none yet).
        var snapshotted: Offset?
        var lastSnapshotMs: Int64 = 0
    }

    /// How often a changed state is written.
    static let snapshotIntervalMs: Int64 = 10_000
    /// The snapshot's file name in the partition directory.
    static let fileName = "groups.state"

    /// Reads the snapshot in `directory` if there is one. A damaged snapshot is logged and
    /// ignored: the log still holds every record, so replaying all of it gives the same state.
    init(partition: PartitionID, directory: String, fileSystem: any LogFileSystem, logger: Logger) {
        self.partition = partition
        self.file = DurableStateFile(fileSystem: fileSystem, directory: directory, name: Self.fileName)
        self.logger = logger
        var loaded = OffsetsState()
        do {
            if let bytes = try file.read() { loaded = try OffsetsState(snapshot: bytes) }
        } catch {
            logger.warning(
                "the group state snapshot cannot be read; the partition log is replayed from its start",
                metadata: ["partition": "\(partition)", "error": "\(error)"])
            loaded = OffsetsState()
        }
        state = Mutex(Held(offsets: loaded, snapshotted: loaded.appliedOffset))
    }

    /// The offset entries up to which the snapshot holds (the replica skips them).
    var appliedOffset: Offset? { state.withLock { $0.offsets.appliedOffset } }

    /// Runs `body` on the current state under the lock. Callers read what they need instead of
    /// keeping a copy: a copy alive while the replica applies the next commit would make that
    /// apply duplicate every dictionary of the partition (copy on write).
    func read<Result>(_ body: (OffsetsState) -> Result) -> Result {
        state.withLock { body($0.offsets) }
    }

    /// Applies committed entries (on the replica's executor, before the proposer's ticket
    /// completes, so a commit is visible to OffsetFetch once OffsetCommit is answered).
    func apply(_ entries: [Entry]) {
        var decoded: [(Offset, OffsetsRecord)] = []
        for entry in entries {
            do {
                decoded += try OffsetsBatch.records(in: entry.payload)
            } catch {
                logger.error(
                    "a __consumer_offsets entry is not understood; skipped",
                    metadata: ["partition": "\(partition)", "offset": "\(entry.first)", "error": "\(error)"])
            }
        }
        guard !decoded.isEmpty else { return }
        state.withLock { held in
            for (offset, record) in decoded { held.offsets.apply(record, at: offset) }
        }
    }

    /// Writes a snapshot if the state changed since the last one and the interval passed
    /// (blocking: called from the group maintenance task, off the network loops).
    func snapshotIfDue(now: TimestampMs, force: Bool = false) {
        let bytes = state.withLock { held -> ([UInt8], Offset?)? in
            guard held.offsets.appliedOffset != held.snapshotted else { return nil }
            guard force || now.rawValue - held.lastSnapshotMs >= Self.snapshotIntervalMs else { return nil }
            held.lastSnapshotMs = now.rawValue
            return (held.offsets.snapshot(), held.offsets.appliedOffset)
        }
        guard let (snapshot, offset) = bytes else { return }
        do {
            try file.write(snapshot)
            state.withLock { $0.snapshotted = offset }
        } catch {
            logger.warning(
                "cannot write the group state snapshot", metadata: ["partition": "\(partition)", "error": "\(error)"])
        }
    }
}
