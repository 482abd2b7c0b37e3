public import TernLog

/// Why a replication operation failed. Operating errors only (bad input, I/O): never a trap.
public struct ReplicationError: Error, Sendable, CustomStringConvertible {
    /// The category of failure.
    public enum Kind: Hashable, Sendable {
        /// The partition log refused or failed an operation (I/O, damage, invalid batch).
        case log
        /// A state file (hard state or snapshot metadata) could not be read or written.
        case stateFile
        /// Stored bytes do not describe a valid state or entry (damaged state file, a control
        /// batch of ours that does not decode).
        case corruptState
        /// A batch or entry given to us is not valid (CRC, lengths, offsets, epoch, kind).
        case invalidEntry
        /// The Raft core refused a command (not leader, unstable log full, ...).
        case raft
        /// An earlier persistence failure left the replica in an unknown state: it refuses
        /// everything until reopened (the same rule as TernLog's failed state).
        case failed
    }

    /// The category.
    public var kind: Kind
    /// What happened, for logs.
    public var detail: String
    /// The underlying log error, when the log failed.
    public var logError: LogError?

    /// Creates an error.
    public init(_ kind: Kind, _ detail: String, logError: LogError? = nil) {
        self.kind = kind
        self.detail = detail
        self.logError = logError
    }

    /// Wraps a TernLog error.
    static func log(_ error: LogError) -> ReplicationError {
        ReplicationError(.log, "\(error)", logError: error)
    }

    public var description: String { "ReplicationError.\(kind): \(detail)" }
}
