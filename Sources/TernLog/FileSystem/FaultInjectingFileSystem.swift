import Synchronization

/// An in-memory file system that models durability and injects disk faults, for tests and the
/// simulator (RELIABILITY.md §5: the lazyfs-style "lose unfsynced writes" fault without FUSE).
///
/// Each file has a volatile layer (what reads see) and a durable layer (what survives `crash`);
/// `sync` copies the first to the second. Directory entries become durable with
/// `syncDirectory`. On top: `crash` (lose unsynced data, or keep a random in-order prefix of it
/// and tear the first lost write), damage to durable bytes (`flipBit`, `damageTruncate`,
/// `replaceContents`), and injected operation errors (`inject`). Randomness comes from the seed
/// only, so a failing test replays exactly.
///
/// Directories are created durable (a simplification: the log's directory is made once, by the
/// caller, before any data).
public final class FaultInjectingFileSystem: LogFileSystem {
    /// What a crash does with data that was written but not synced.
    public enum UnsyncedFate: Sendable, Equatable {
        /// All of it is lost.
        case lost
        /// A random in-order prefix of the changes survives (per file and per directory).
        case randomPrefix
        /// As `randomPrefix`, and the first change not kept, if a write, survives torn at a random byte.
        case randomPrefixTearingLast
    }

    /// Operation counts, so tests can check how often the log syncs.
    public struct Statistics: Sendable, Equatable {
        /// Successful file writes.
        public var writes = 0
        /// Successful file syncs.
        public var syncs = 0
        /// Successful directory syncs.
        public var directorySyncs = 0
    }

    let disk: Mutex<SimulatedDisk>

    /// Creates an empty file system whose crashes draw randomness from `seed`.
    public init(seed: UInt64 = 1) {
        disk = Mutex(SimulatedDisk(seed: seed))
    }

    // MARK: LogFileSystem

    public func openFile(_ path: String, mode: LogFileOpenMode) throws(LogFileError) -> any LogFile {
        try disk.withLock { disk throws(LogFileError) -> SimulatedFile in
            if let fault = disk.firingFault(.open, path: path) { throw LogFileError(.open, path: path, errno: fault.errno) }
            let (directory, name) = SimulatedDisk.split(path)
            guard disk.directories[directory] != nil else {
                throw LogFileError(.open, path: path, errno: SystemErrno.notFound)
            }
            if let number = disk.directories[directory]!.current[name] {
                if mode == .createTruncating { disk.change(inode: number, .truncate(size: 0)) }
                return SimulatedFile(system: self, path: path, inode: number, generation: disk.generation)
            }
            guard mode != .existing else { throw LogFileError(.open, path: path, errno: SystemErrno.notFound) }
            let number = disk.nextInode
            disk.nextInode += 1
            disk.inodes[number] = SimulatedDisk.Inode()
            disk.change(directory: directory, .link(name: name, inode: number))
            return SimulatedFile(system: self, path: path, inode: number, generation: disk.generation)
        }
    }

    public func listDirectory(_ path: String) throws(LogFileError) -> [String] {
        try disk.withLock { disk throws(LogFileError) -> [String] in
            let directory = SimulatedDisk.normalizedDirectory(path)
            if let fault = disk.firingFault(.listDirectory, path: path) {
                throw LogFileError(.listDirectory, path: path, errno: fault.errno)
            }
            guard let entries = disk.directories[directory] else {
                throw LogFileError(.listDirectory, path: path, errno: SystemErrno.notFound)
            }
            return entries.current.keys.sorted()
        }
    }

    public func createDirectory(_ path: String) throws(LogFileError) {
        try disk.withLock { disk throws(LogFileError) in
            if let fault = disk.firingFault(.createDirectory, path: path) {
                throw LogFileError(.createDirectory, path: path, errno: fault.errno)
            }
            // Each missing ancestor too, as `mkdir -p`.
            var directory = SimulatedDisk.normalizedDirectory(path)
            while disk.directories[directory] == nil {
                disk.directories[directory] = SimulatedDisk.Directory()
                directory = SimulatedDisk.split(directory).directory
            }
        }
    }

    public func removeFile(_ path: String) throws(LogFileError) {
        try disk.withLock { disk throws(LogFileError) in
            if let fault = disk.firingFault(.remove, path: path) { throw LogFileError(.remove, path: path, errno: fault.errno) }
            let (directory, name) = SimulatedDisk.split(path)
            guard disk.directories[directory]?.current[name] != nil else {
                throw LogFileError(.remove, path: path, errno: SystemErrno.notFound)
            }
            disk.change(directory: directory, .unlink(name: name))
        }
    }

    public func rename(_ source: String, to target: String) throws(LogFileError) {
        try disk.withLock { disk throws(LogFileError) in
            if let fault = disk.firingFault(.rename, path: source) {
                throw LogFileError(.rename, path: source, errno: fault.errno)
            }
            let (directory, name) = SimulatedDisk.split(source)
            let (targetDirectory, targetName) = SimulatedDisk.split(target)
            precondition(directory == targetDirectory, "renames stay within one directory")
            guard disk.directories[directory]?.current[name] != nil else {
                throw LogFileError(.rename, path: source, errno: SystemErrno.notFound)
            }
            disk.change(directory: directory, .rename(from: name, to: targetName))
        }
    }

    public func syncDirectory(_ path: String) throws(LogFileError) {
        try disk.withLock { disk throws(LogFileError) in
            if let fault = disk.firingFault(.syncDirectory, path: path) {
                throw LogFileError(.syncDirectory, path: path, errno: fault.errno)
            }
            let directory = SimulatedDisk.normalizedDirectory(path)
            guard var entries = disk.directories[directory] else {
                throw LogFileError(.syncDirectory, path: path, errno: SystemErrno.notFound)
            }
            entries.durable = entries.current
            entries.pending = []
            disk.directories[directory] = entries
            disk.statistics.directorySyncs += 1
        }
    }

    // MARK: Faults

    /// Simulates a power failure or kernel crash: unsynced data meets `fate`, and every handle
    /// opened so far becomes stale (the process died with the machine).
    public func crash(_ fate: UnsyncedFate = .lost) {
        disk.withLock { $0.crash(fate) }
    }

    /// Adds an operation fault (see `InjectedFault`).
    public func inject(_ fault: InjectedFault) {
        disk.withLock { $0.faults.append(fault) }
    }

    /// Removes every pending operation fault.
    public func clearFaults() {
        disk.withLock { $0.faults.removeAll() }
    }

    /// Operation counts so far.
    public var statistics: Statistics { disk.withLock { $0.statistics } }

    /// Flips one bit of a file, in both layers: damage on the medium, as a bad sector or a
    /// cosmic ray would cause. Returns false if the file or byte does not exist.
    @discardableResult
    public func flipBit(file path: String, atByte position: Int, bit: Int = 0) -> Bool {
        precondition((0..<8).contains(bit), "a byte has bits 0...7")
        return disk.withLock { disk in
            guard let number = disk.inodeNumber(at: path), var inode = disk.inodes[number] else { return false }
            guard position >= 0, position < inode.current.count else { return false }
            inode.current[position] ^= UInt8(1) << UInt8(bit)
            if position < inode.durable.count { inode.durable[position] ^= UInt8(1) << UInt8(bit) }
            disk.inodes[number] = inode
            return true
        }
    }

    /// Cuts a file to `size` bytes in both layers (a torn write or a lost tail, deliberately).
    @discardableResult
    public func damageTruncate(file path: String, to size: Int) -> Bool {
        replace(path) { bytes in if size < bytes.count { bytes.removeSubrange(size...) } }
    }

    /// Replaces a file's contents in both layers (garbage in an index, an old copy restored).
    @discardableResult
    public func replaceContents(file path: String, with contents: [UInt8]) -> Bool {
        replace(path) { $0 = contents }
    }

    private func replace(_ path: String, _ edit: (inout [UInt8]) -> Void) -> Bool {
        disk.withLock { disk in
            guard let number = disk.inodeNumber(at: path), var inode = disk.inodes[number] else { return false }
            edit(&inode.current)
            inode.durable = inode.current
            inode.pending = []
            disk.inodes[number] = inode
            return true
        }
    }

    /// What a reader sees in the file now, or nil if there is no such file.
    public func contents(of path: String) -> [UInt8]? {
        disk.withLock { disk in disk.inodeNumber(at: path).flatMap { disk.inodes[$0]?.current } }
    }

    /// What would survive a crash that loses every unsynced change (nil if the name itself
    /// is not durable).
    public func durableContents(of path: String) -> [UInt8]? {
        disk.withLock { disk in
            let (directory, name) = SimulatedDisk.split(path)
            return disk.directories[directory]?.durable[name].flatMap { disk.inodes[$0]?.durable }
        }
    }
}
