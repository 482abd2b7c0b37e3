/// An operation failure the `FaultInjectingFileSystem` produces on demand: disk full on a write,
/// an I/O error on fsync, a failing rename...
///
/// A fault matches operations of the listed kinds on paths containing `pathContains`; it lets
/// `skip` matching operations through, then fails the next `count` of them with `errno`. A
/// failing write first writes `partialWriteBytes` of its bytes, as a real short write can.
public struct InjectedFault: Sendable, Equatable {
    /// Operations the fault applies to.
    public var operations: Set<LogFileError.Operation>
    /// Only paths containing this fragment (nil: every path).
    public var pathContains: String?
    /// Matching operations to let through before failing.
    public var skip: Int
    /// How many matching operations fail (then the fault is gone).
    public var count: Int
    /// The error number reported.
    public var errno: Int32
    /// For writes: bytes written before the failure.
    public var partialWriteBytes: Int

    /// Creates a fault; see the type's documentation for the fields.
    public init(
        operations: Set<LogFileError.Operation>, pathContains: String? = nil, skip: Int = 0, count: Int = 1,
        errno: Int32, partialWriteBytes: Int = 0
    ) {
        precondition(skip >= 0, "negative skip")
        precondition(count >= 1, "a fault fires at least once")
        precondition(partialWriteBytes >= 0, "negative partial write")
        self.operations = operations
        self.pathContains = pathContains
        self.skip = skip
        self.count = count
        self.errno = errno
        self.partialWriteBytes = partialWriteBytes
    }

    /// Every operation that changes the disk (for "crash after the n-th step" tests).
    public static let mutatingOperations: Set<LogFileError.Operation> = [
        .open, .write, .sync, .truncate, .rename, .remove, .createDirectory, .syncDirectory,
    ]

    /// `ENOSPC` on the next write to a matching path, after `partialWriteBytes` of it.
    public static func diskFull(pathContains: String? = nil, partialWriteBytes: Int = 0) -> InjectedFault {
        InjectedFault(
            operations: [.write], pathContains: pathContains, errno: SystemErrno.noSpace,
            partialWriteBytes: partialWriteBytes)
    }

    /// `EIO` on the next fsync of a matching path.
    public static func syncFailure(pathContains: String? = nil) -> InjectedFault {
        InjectedFault(operations: [.sync], pathContains: pathContains, errno: SystemErrno.io)
    }
}
