internal import NIOCore
import TernModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The real file system: `open`/`pread`/`pwrite`/`fdatasync`/`ftruncate`/`rename` from the C
/// library, no Foundation on the hot path. `ternd` chooses it; tests use it in temporary
/// directories to prove the calls behave as the simulated file system assumes.
public struct PosixFileSystem: LogFileSystem {
    /// Creates the (stateless) file system.
    public init() {}

    public func openFile(_ path: String, mode: LogFileOpenMode) throws(LogFileError) -> any LogFile {
        var flags = O_RDWR | O_CLOEXEC
        switch mode {
        case .existing: break
        case .create: flags |= O_CREAT
        case .createTruncating: flags |= O_CREAT | O_TRUNC
        }
        let descriptor = retryingOnInterrupt { open(path, flags, 0o644) }
        guard descriptor >= 0 else { throw LogFileError(.open, path: path, errno: errno) }
        return PosixFile(path: path, descriptor: descriptor)
    }

    public func listDirectory(_ path: String) throws(LogFileError) -> [String] {
        guard let directory = opendir(path) else { throw LogFileError(.listDirectory, path: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        // Bounded: a directory with more entries than any log can have is refused.
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: pointer.pointee)) {
                    String(cString: $0)
                }
            }
            if name == "." || name == ".." { continue }
            names.append(name)
            guard names.count <= Limits.logDirectoryEntriesMax else {
                throw LogFileError(.listDirectory, path: path, errno: SystemErrno.noSpace, kind: .other)
            }
        }
        return names
    }

    public func createDirectory(_ path: String) throws(LogFileError) {
        // Each missing ancestor first, as `mkdir -p` (bounded by the path's length).
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            guard mkdir(prefix, 0o755) == 0 else {
                let code = errno
                if code == EEXIST { continue }
                throw LogFileError(.createDirectory, path: prefix, errno: code)
            }
        }
    }

    public func removeFile(_ path: String) throws(LogFileError) {
        guard unlink(path) == 0 else { throw LogFileError(.remove, path: path, errno: errno) }
    }

    public func rename(_ source: String, to target: String) throws(LogFileError) {
        #if canImport(Glibc) || canImport(Musl)
        let result = Glibc.rename(source, target)
        #else
        let result = Darwin.rename(source, target)
        #endif
        guard result == 0 else { throw LogFileError(.rename, path: source, errno: errno) }
    }

    public func syncDirectory(_ path: String) throws(LogFileError) {
        let descriptor = retryingOnInterrupt { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw LogFileError(.syncDirectory, path: path, errno: errno) }
        defer { close(descriptor) }
        guard retryingOnInterrupt({ fsync(descriptor) }) == 0 else {
            throw LogFileError(.syncDirectory, path: path, errno: errno)
        }
    }
}

/// Runs a system call again while it fails with `EINTR` (bounded: a signal storm cannot spin
/// forever, after 1,000 interruptions the last result is returned).
@inline(__always)
func retryingOnInterrupt(_ call: () -> Int32) -> Int32 {
    var result = call()
    var attempts = 0
    while result < 0, errno == EINTR, attempts < 1_000 {
        result = call()
        attempts += 1
    }
    return result
}

/// One open descriptor. Closed when the last reference goes, so regions handed to a sender keep
/// it valid (the descriptor number is never reused while anyone can still use it).
final class PosixFile: LogFile {
    let path: String
    private let fd: CInt

    init(path: String, descriptor: CInt) {
        precondition(descriptor >= 0, "negative descriptor")
        self.path = path
        self.fd = descriptor
    }

    deinit { close(fd) }

    var descriptor: CInt? { fd }

    func size() throws(LogFileError) -> Int {
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw LogFileError(.size, path: path, errno: errno) }
        return Int(status.st_size)
    }

    func read(at position: Int, count: Int, into buffer: inout ByteBuffer) throws(LogFileError) -> Int {
        precondition(position >= 0, "negative read position")
        precondition(count >= 0, "negative read count")
        var total = 0
        var failure: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { target in
            // Bounded: each pass reads at least one byte or stops.
            while total < count {
                let got = pread(fd, target.baseAddress! + total, count - total, off_t(position + total))
                if got < 0, errno == EINTR { continue }
                if got < 0 {
                    failure = errno
                    return total
                }
                if got == 0 { break }
                total += got
            }
            return total
        }
        guard failure == 0 else { throw LogFileError(.read, path: path, errno: failure) }
        return total
    }

    func write(_ bytes: ByteBuffer, at position: Int) throws(LogFileError) {
        precondition(position >= 0, "negative write position")
        var failure: Int32 = 0
        bytes.withUnsafeReadableBytes { source in
            var done = 0
            // Bounded: each pass writes at least one byte or fails.
            while done < source.count {
                let wrote = pwrite(fd, source.baseAddress! + done, source.count - done, off_t(position + done))
                if wrote < 0, errno == EINTR { continue }
                if wrote <= 0 {
                    failure = wrote < 0 ? errno : SystemErrno.noSpace
                    return
                }
                done += wrote
            }
        }
        guard failure == 0 else { throw LogFileError(.write, path: path, errno: failure) }
    }

    func sync() throws(LogFileError) {
        #if canImport(Darwin)
        let result = fcntl(fd, F_FULLFSYNC)
        #else
        let result = retryingOnInterrupt { fdatasync(fd) }
        #endif
        guard result == 0 else { throw LogFileError(.sync, path: path, errno: errno) }
    }

    func truncate(to size: Int) throws(LogFileError) {
        precondition(size >= 0, "negative size")
        guard retryingOnInterrupt({ ftruncate(fd, off_t(size)) }) == 0 else {
            throw LogFileError(.truncate, path: path, errno: errno)
        }
    }
}
