internal import NIOCore
import Synchronization

/// A handle on an inode of a `FaultInjectingFileSystem`. Like a POSIX descriptor it follows the
/// inode, not the name (a removed file stays readable), and like a dead process's descriptor it
/// fails with `staleHandle` after the file system crashed.
final class SimulatedFile: LogFile {
    let system: FaultInjectingFileSystem
    let path: String
    let inode: Int
    let generation: Int

    init(system: FaultInjectingFileSystem, path: String, inode: Int, generation: Int) {
        self.system = system
        self.path = path
        self.inode = inode
        self.generation = generation
    }

    var descriptor: CInt? { nil }

    /// Runs `body` on the live inode, or throws `staleHandle` after a crash.
    private func withInode<T>(
        _ operation: LogFileError.Operation,
        _ body: (inout SimulatedDisk, Int) throws(LogFileError) -> T
    ) throws(LogFileError) -> T {
        try system.disk.withLock { disk throws(LogFileError) -> T in
            guard disk.generation == generation, disk.inodes[inode] != nil else {
                throw LogFileError(operation, path: path, errno: SystemErrno.badDescriptor)
            }
            if let fault = disk.firingFault(operation, path: path), operation != .write {
                throw LogFileError(operation, path: path, errno: fault.errno)
            }
            return try body(&disk, inode)
        }
    }

    func size() throws(LogFileError) -> Int {
        try withInode(.size) { disk, number throws(LogFileError) in disk.inodes[number]!.current.count }
    }

    func read(at position: Int, count: Int, into buffer: inout ByteBuffer) throws(LogFileError) -> Int {
        precondition(position >= 0, "negative read position")
        precondition(count >= 0, "negative read count")
        let bytes = try withInode(.read) { disk, number throws(LogFileError) -> ArraySlice<UInt8> in
            let current = disk.inodes[number]!.current
            guard position < current.count else { return [] }
            return current[position..<min(current.count, position + count)]
        }
        buffer.writeBytes(bytes)
        return bytes.count
    }

    func write(_ bytes: ByteBuffer, at position: Int) throws(LogFileError) {
        precondition(position >= 0, "negative write position")
        let data = Array(bytes.readableBytesView)
        try system.disk.withLock { disk throws(LogFileError) in
            guard disk.generation == generation, disk.inodes[inode] != nil else {
                throw LogFileError(.write, path: path, errno: SystemErrno.badDescriptor)
            }
            if let fault = disk.firingFault(.write, path: path) {
                let partial = min(fault.partialWriteBytes, data.count)
                if partial > 0 { disk.change(inode: inode, .write(position: position, bytes: Array(data.prefix(partial)))) }
                throw LogFileError(.write, path: path, errno: fault.errno)
            }
            disk.change(inode: inode, .write(position: position, bytes: data))
            disk.statistics.writes += 1
        }
    }

    func sync() throws(LogFileError) {
        try withInode(.sync) { disk, number throws(LogFileError) in
            disk.inodes[number]!.durable = disk.inodes[number]!.current
            disk.inodes[number]!.pending = []
            disk.statistics.syncs += 1
        }
    }

    func truncate(to size: Int) throws(LogFileError) {
        precondition(size >= 0, "negative size")
        try withInode(.truncate) { disk, number throws(LogFileError) in
            disk.change(inode: number, .truncate(size: size))
        }
    }
}
