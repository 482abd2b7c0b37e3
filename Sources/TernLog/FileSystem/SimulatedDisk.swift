import TernModel

/// The state behind `FaultInjectingFileSystem`: inodes with a durable and a volatile layer, and
/// directories whose entries are durable only after a directory sync.
///
/// The model follows what Linux file systems promise (and what lazyfs and Jepsen's
/// "lose unfsynced writes" fault exercise): `fsync` of a file makes its bytes and size durable;
/// `fsync` of a directory makes its creations, removals and renames durable; a crash keeps the
/// durable layer plus, at most, an in-order prefix of what was not synced, possibly with the
/// first lost write torn part-way. Files are independent of each other.
struct SimulatedDisk {
    /// A change to a file's bytes not yet covered by a sync.
    enum PendingChange {
        case write(position: Int, bytes: [UInt8])
        case truncate(size: Int)
    }

    /// A change to a directory's names not yet covered by a directory sync.
    enum DirectoryChange {
        case link(name: String, inode: Int)
        case unlink(name: String)
        case rename(from: String, to: String)
    }

    /// One file's contents: what a reader sees now, what survives a crash, and the changes between.
    struct Inode {
        var current: [UInt8] = []
        var durable: [UInt8] = []
        var pending: [PendingChange] = []
    }

    /// One directory's names (name -> inode), now and as last synced.
    struct Directory {
        var current: [String: Int] = [:]
        var durable: [String: Int] = [:]
        var pending: [DirectoryChange] = []
    }

    var random: SplitMix64
    var inodes: [Int: Inode] = [:]
    var nextInode = 1
    var directories: [String: Directory] = [:]
    /// Bumped by each crash: handles opened before it are stale, as a dead process's are.
    var generation = 0
    var faults: [InjectedFault] = []
    var statistics = FaultInjectingFileSystem.Statistics()

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
        directories["/"] = Directory()
    }

    // MARK: Paths

    /// `(directory, name)` of a path; the directory of a bare name is `/`.
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("/", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    static func normalizedDirectory(_ path: String) -> String {
        var result = path
        while result.count > 1, result.hasSuffix("/") { result.removeLast() }
        return result
    }

    func inodeNumber(at path: String) -> Int? {
        let (directory, name) = Self.split(path)
        return directories[directory]?.current[name]
    }

    // MARK: Byte changes

    static func apply(_ change: PendingChange, to bytes: inout [UInt8]) {
        switch change {
        case .write(let position, let data):
            if bytes.count < position + data.count {
                bytes.append(contentsOf: repeatElement(0, count: position + data.count - bytes.count))
            }
            bytes.replaceSubrange(position..<(position + data.count), with: data)
        case .truncate(let size):
            if size < bytes.count {
                bytes.removeSubrange(size...)
            } else {
                bytes.append(contentsOf: repeatElement(0, count: size - bytes.count))
            }
        }
    }

    static func apply(_ change: DirectoryChange, to names: inout [String: Int]) {
        switch change {
        case .link(let name, let inode): names[name] = inode
        case .unlink(let name): names[name] = nil
        case .rename(let from, let to):
            if let inode = names.removeValue(forKey: from) { names[to] = inode }
        }
    }

    mutating func change(inode number: Int, _ change: PendingChange) {
        precondition(inodes[number] != nil, "change to a missing inode")
        Self.apply(change, to: &inodes[number]!.current)
        inodes[number]!.pending.append(change)
    }

    mutating func change(directory path: String, _ change: DirectoryChange) {
        precondition(directories[path] != nil, "change to a missing directory")
        Self.apply(change, to: &directories[path]!.current)
        directories[path]!.pending.append(change)
    }

    // MARK: Crash

    /// Forgets everything not synced, except (per `fate`) a random in-order prefix of it.
    mutating func crash(_ fate: FaultInjectingFileSystem.UnsyncedFate) {
        for number in inodes.keys.sorted() {
            var inode = inodes[number]!
            let kept = keptCount(of: inode.pending.count, fate)
            for change in inode.pending.prefix(kept) { Self.apply(change, to: &inode.durable) }
            if fate == .randomPrefixTearingLast, kept < inode.pending.count,
                case .write(let position, let bytes) = inode.pending[kept], !bytes.isEmpty
            {
                let torn = Int(random.next() % UInt64(bytes.count))
                Self.apply(.write(position: position, bytes: Array(bytes.prefix(torn))), to: &inode.durable)
            }
            inode.current = inode.durable
            inode.pending = []
            inodes[number] = inode
        }
        for path in directories.keys.sorted() {
            var directory = directories[path]!
            let kept = keptCount(of: directory.pending.count, fate)
            for change in directory.pending.prefix(kept) { Self.apply(change, to: &directory.durable) }
            directory.current = directory.durable
            directory.pending = []
            directories[path] = directory
        }
        let reachable = Set(directories.values.flatMap { $0.current.values })
        inodes = inodes.filter { reachable.contains($0.key) }
        generation += 1
    }

    private mutating func keptCount(of count: Int, _ fate: FaultInjectingFileSystem.UnsyncedFate) -> Int {
        guard fate != .lost, count > 0 else { return 0 }
        return Int(random.next() % UInt64(count + 1))
    }

    // MARK: Faults

    /// The injected fault that fires for this operation, if any (consuming one use of it).
    mutating func firingFault(_ operation: LogFileError.Operation, path: String) -> InjectedFault? {
        for index in faults.indices {
            guard faults[index].operations.contains(operation) else { continue }
            if let fragment = faults[index].pathContains, !path.contains(fragment) { continue }
            if faults[index].skip > 0 {
                faults[index].skip -= 1
                continue
            }
            let fault = faults[index]
            faults[index].count -= 1
            if faults[index].count <= 0 { faults.remove(at: index) }
            return fault
        }
        return nil
    }
}
