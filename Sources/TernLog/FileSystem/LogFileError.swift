/// A failed file-system operation, typed so the log can tell "disk full" from "I/O error" from
/// "missing file" and react to each (STYLE.md habit 6: operating errors are values, not traps).
///
/// A struct wrapping a kind (STYLE.md "Errors"), carrying the operation, the path and the
/// operating system's `errno` for the operator.
public struct LogFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure; compare against the static members.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case noSpace, io, notFound, alreadyExists, permissionDenied, staleHandle, other
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The device or quota is full (`ENOSPC`, `EDQUOT`). Bytes of the failed write may be on disk.
        public static let noSpace = Kind(.noSpace)
        /// The device reported an error (`EIO`). After a failed fsync, the page cache state is
        /// unknown: the caller must not retry the fsync and trust the result (fsyncgate).
        public static let io = Kind(.io)
        /// The file or directory does not exist (`ENOENT`).
        public static let notFound = Kind(.notFound)
        /// The file exists and should not (`EEXIST`).
        public static let alreadyExists = Kind(.alreadyExists)
        /// Permission or read-only file system (`EACCES`, `EPERM`, `EROFS`).
        public static let permissionDenied = Kind(.permissionDenied)
        /// The handle is closed or belongs to a crashed (simulated) process (`EBADF`).
        public static let staleHandle = Kind(.staleHandle)
        /// Any other `errno`.
        public static let other = Kind(.other)

        /// The kind's name, for logs.
        public var description: String { base.rawValue }
    }

    /// The operation that failed.
    public enum Operation: String, Sendable, Equatable {
        case open, read, write, sync, truncate, size, rename, remove, listDirectory, createDirectory
        case syncDirectory
    }

    /// What class of failure this is.
    public var kind: Kind
    /// Which operation failed.
    public var operation: Operation
    /// The file or directory concerned.
    public var path: String
    /// The operating system's error number (0 when none applies).
    public var errno: Int32

    /// Creates an error; `kind` is derived from `errno` when not given.
    public init(_ operation: Operation, path: String, errno: Int32, kind: Kind? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.kind = kind ?? Self.kind(forErrno: errno)
    }

    /// The kind an `errno` value maps to.
    public static func kind(forErrno code: Int32) -> Kind {
        switch code {
        case SystemErrno.noSpace, SystemErrno.diskQuota: return .noSpace
        case SystemErrno.io: return .io
        case SystemErrno.notFound: return .notFound
        case SystemErrno.exists: return .alreadyExists
        case SystemErrno.access, SystemErrno.permission, SystemErrno.readOnly: return .permissionDenied
        case SystemErrno.badDescriptor: return .staleHandle
        default: return .other
        }
    }

    /// One line for logs.
    public var description: String { "\(operation) \(path): \(kind) (errno \(errno))" }
}

/// The `errno` values TernLog distinguishes, spelled out so the in-memory file system (which
/// has no C library behind it) and the POSIX one agree. Linux numbering; the POSIX file system
/// reports the platform's own values, which match these on Linux.
public enum SystemErrno {
    /// `EPERM`.
    public static let permission: Int32 = 1
    /// `ENOENT`.
    public static let notFound: Int32 = 2
    /// `EINTR`.
    public static let interrupted: Int32 = 4
    /// `EIO`.
    public static let io: Int32 = 5
    /// `EBADF`.
    public static let badDescriptor: Int32 = 9
    /// `EACCES`.
    public static let access: Int32 = 13
    /// `EEXIST`.
    public static let exists: Int32 = 17
    /// `ENOSPC`.
    public static let noSpace: Int32 = 28
    /// `EROFS`.
    public static let readOnly: Int32 = 30
    /// `EDQUOT`.
    public static let diskQuota: Int32 = 122
}
