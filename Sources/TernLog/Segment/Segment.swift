internal import NIOCore
internal import TernModel
internal import TernWire

/// One segment: a log file of RecordBatches starting at `baseOffset`, its two index files, and
/// what the log knows about it in memory.
///
/// Owned by its `SegmentedLog` and touched only on the log's owner (not thread-safe). The log
/// file only grows by appends, except for `cut` (truncation after an offset, or recovery).
final class Segment {
    let baseOffset: Offset
    let logFile: any LogFile
    let offsetIndexFile: any LogFile
    let timeIndexFile: any LogFile
    /// Paths of the three files, for removal.
    let paths: [String]

    var index: SegmentIndex
    /// Bytes of valid batches (the file may briefly hold more during recovery).
    var size = 0
    /// The offset after the last batch (`baseOffset` when empty).
    var nextOffset: Offset
    /// Largest batch max timestamp (Int64.min when empty): what retention by time compares.
    var maxTimestamp = Int64.min
    /// Epoch of the last batch, when known (for the epoch-never-decreases check on append).
    var lastEpoch: Int32?
    /// Bytes appended since the last index point.
    var bytesSinceIndexEntry = 0
    /// Byte ranges checked since the log was opened.
    var verified = VerifiedRanges()
    /// When this segment, while active, received its first batch (for roll by age).
    var firstAppendTime: TimestampMs?

    init(baseOffset: Offset, files: [any LogFile], paths: [String]) {
        precondition(files.count == 3, "a segment has a log and two index files")
        precondition(paths.count == 3, "a segment has three paths")
        self.baseOffset = baseOffset
        self.logFile = files[0]
        self.offsetIndexFile = files[1]
        self.timeIndexFile = files[2]
        self.paths = paths
        self.index = SegmentIndex(baseOffset: baseOffset)
        self.nextOffset = baseOffset
    }

    /// Opens (with `mode`) the three files of the segment at `baseOffset` in `directory`.
    static func open(
        _ fileSystem: any LogFileSystem, directory: String, baseOffset: Offset, mode: LogFileOpenMode
    ) throws(LogFileError) -> Segment {
        var files: [any LogFile] = []
        var paths: [String] = []
        for kind in [SegmentFileName.Kind.log, .index, .timeindex] {
            let path = fileSystem.path(directory, SegmentFileName.name(baseOffset: baseOffset, kind: kind))
            files.append(try fileSystem.openFile(path, mode: kind == .log ? mode : .create))
            paths.append(path)
        }
        return Segment(baseOffset: baseOffset, files: files, paths: paths)
    }

    var isEmpty: Bool { size == 0 }

    /// The offset relative to the segment's base, if it fits an index entry.
    func relativeOffset(_ offset: Offset) -> UInt32? {
        let delta = offset - baseOffset
        guard delta >= 0, delta <= Int64(UInt32.max) else { return nil }
        return UInt32(delta)
    }

    /// Positions the in-memory state at index entry `entry` (or the segment start), dropping
    /// later entries, so a walk from there can account batches again.
    func resume(at entry: IndexEntry?) {
        if let entry {
            let kept = index.entries.firstIndex(of: entry).map { $0 + 1 } ?? 0
            precondition(kept > 0, "resume at an entry of this index")
            index.keepFirst(kept)
            size = Int(entry.position)
            nextOffset = index.offset(of: entry)
            maxTimestamp = entry.maxTimestampBefore
        } else {
            index.keepFirst(0)
            size = 0
            nextOffset = baseOffset
            maxTimestamp = Int64.min
        }
        lastEpoch = nil
        bytesSinceIndexEntry = 0
    }

    /// Records a valid batch that ends the segment's valid bytes: adds an index point when
    /// `indexIntervalBytes` have passed since the last one, and advances the end.
    func account(_ batch: BatchSummary, indexIntervalBytes: Int) {
        precondition(batch.position == size, "batches are accounted in file order")
        precondition(batch.baseOffset == nextOffset.rawValue, "batches are accounted in offset order")
        if bytesSinceIndexEntry >= indexIntervalBytes, batch.position > 0,
            let relative = relativeOffset(Offset(batch.baseOffset))
        {
            index.append(IndexEntry(
                relativeOffset: relative, position: UInt32(batch.position), maxTimestampBefore: maxTimestamp))
            bytesSinceIndexEntry = 0
        }
        bytesSinceIndexEntry += batch.size
        maxTimestamp = max(maxTimestamp, batch.maxTimestamp)
        lastEpoch = batch.epoch
        nextOffset = Offset(batch.nextOffset)
        size = batch.position + batch.size
    }

    /// Writes index entries not yet in the files (no fsync: indexes are rebuilt from the log
    /// if a crash loses them).
    func flushIndex(allocator: ByteBufferAllocator) throws(LogFileError) {
        let start = index.persistedCount
        guard start < index.entries.count else { return }
        try offsetIndexFile.write(
            index.encodeOffsetEntries(from: start, allocator: allocator), at: start * IndexEntry.offsetEntrySize)
        try timeIndexFile.write(
            index.encodeTimeEntries(from: start, allocator: allocator), at: start * IndexEntry.timeEntrySize)
        index.persistedCount = index.entries.count
    }

    /// Cuts both index files to the persisted entries, then writes the rest: after a rebuild or
    /// a trim, the files hold exactly the in-memory index.
    func rewriteIndexFiles(allocator: ByteBufferAllocator) throws(LogFileError) {
        try offsetIndexFile.truncate(to: index.persistedCount * IndexEntry.offsetEntrySize)
        try timeIndexFile.truncate(to: index.persistedCount * IndexEntry.timeEntrySize)
        try flushIndex(allocator: allocator)
    }

    /// Makes the log file's bytes and both index files durable (done when a segment is sealed).
    func syncAll(allocator: ByteBufferAllocator) throws(LogFileError) {
        try flushIndex(allocator: allocator)
        try offsetIndexFile.sync()
        try timeIndexFile.sync()
        try logFile.sync()
    }
}
