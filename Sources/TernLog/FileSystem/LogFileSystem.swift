public import NIOCore

/// How `LogFileSystem.openFile` treats an existing or missing file.
public enum LogFileOpenMode: Sendable, Equatable {
    /// The file must exist.
    case existing
    /// Create the file if missing, keep its contents otherwise.
    case create
    /// Create the file if missing and empty it otherwise.
    case createTruncating
}

/// An open file of the log: positional reads and writes, fsync, truncate.
///
/// Handles are reference types so a `LogFileRegion` can keep a segment's file open while a
/// zero-copy send is in flight even if the log has since deleted the segment (POSIX keeps an
/// unlinked file's data while a descriptor is open). The file is closed when the last reference
/// goes. Implementations are thread-safe for reads; the log serialises writes.
public protocol LogFile: AnyObject, Sendable {
    /// The path the file was opened with.
    var path: String { get }
    /// The operating-system descriptor for zero-copy sends (`sendfile`), or nil for a simulated file.
    var descriptor: CInt? { get }
    /// The file's current size in bytes (written, whether or not synced).
    func size() throws(LogFileError) -> Int
    /// Reads up to `count` bytes at `position`, appending them to `buffer`; returns the number
    /// read, which is smaller than `count` only at the end of the file.
    func read(at position: Int, count: Int, into buffer: inout ByteBuffer) throws(LogFileError) -> Int
    /// Writes all of `bytes`' readable bytes at `position`. On error a prefix may have been written.
    func write(_ bytes: ByteBuffer, at position: Int) throws(LogFileError)
    /// Makes every write and truncation so far durable (fdatasync). After a failure the file's
    /// durable state is unknown and a retry proves nothing.
    func sync() throws(LogFileError)
    /// Sets the file's size (drops bytes past `size`).
    func truncate(to size: Int) throws(LogFileError)
}

/// The file-system operations the log needs, behind a protocol so tests (and the simulator)
/// can substitute `FaultInjectingFileSystem`, which loses unsynced writes, tears writes, flips
/// bits and fails operations on demand. `PosixFileSystem` is the real one.
///
/// Paths are plain strings joined with `/`. Names created in a directory become durable only
/// after `syncDirectory` of that directory, as on Linux file systems.
public protocol LogFileSystem: Sendable {
    /// Opens (and per `mode` creates or empties) a file for reading and writing.
    func openFile(_ path: String, mode: LogFileOpenMode) throws(LogFileError) -> any LogFile
    /// The names (not paths) in a directory, excluding `.` and `..`, in no particular order.
    func listDirectory(_ path: String) throws(LogFileError) -> [String]
    /// Creates a directory and any missing ancestors; succeeds if it already exists.
    func createDirectory(_ path: String) throws(LogFileError)
    /// Removes a file (open handles keep working).
    func removeFile(_ path: String) throws(LogFileError)
    /// Renames `source` to `target` in the same directory, atomically replacing `target`.
    func rename(_ source: String, to target: String) throws(LogFileError)
    /// Makes the directory's entries (creations, removals, renames) durable.
    func syncDirectory(_ path: String) throws(LogFileError)
}

extension LogFileSystem {
    /// `directory/name`.
    public func path(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

extension LogFile {
    /// Reads exactly `count` bytes at `position` into a new buffer, or fewer at end of file.
    public func read(at position: Int, count: Int, allocator: ByteBufferAllocator = ByteBufferAllocator())
        throws(LogFileError) -> ByteBuffer
    {
        var buffer = allocator.buffer(capacity: count)
        _ = try read(at: position, count: count, into: &buffer)
        return buffer
    }
}
