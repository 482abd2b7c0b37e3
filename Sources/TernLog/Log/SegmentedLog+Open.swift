internal import NIOCore
public import TernModel
internal import TernWire

extension SegmentedLog {
    /// Opens (or creates) the log in `directory` and recovers it.
    ///
    /// Recovery, per segment in offset order: load both index files and keep their longest
    /// valid common prefix (a cut or stale tail is trimmed; entries out of order, or a last
    /// entry that is not the batch it names, mean the index is rebuilt from the log); then walk
    /// the batches from that last index point to the end of the file, checking lengths, magic,
    /// CRC-32C, offset continuity and epochs, and re-creating index points on the way.
    ///
    /// A defect in the last segment is a torn tail when no valid batch follows it: the file is
    /// cut there and fsynced (`recoveryReport.truncatedBytes`). A defect with valid batches
    /// after it, a defect in an earlier segment, or segments that do not join up, is damage:
    /// reported in `corruption`, never truncated. Index files without a log are removed.
    public static func open(
        directory: String, fileSystem: any LogFileSystem, configuration: LogConfiguration = LogConfiguration(),
        now: TimestampMs
    ) throws(LogError) -> SegmentedLog {
        try configuration.validate()
        var report = RecoveryReport()
        let bases: [Offset]
        do throws(LogFileError) {
            try fileSystem.createDirectory(directory)
            bases = try segmentBases(directory, fileSystem, &report)
        } catch {
            throw .io(error)
        }
        guard bases.count <= Limits.logSegmentsMax else {
            throw LogError(.tooManySegments, "\(bases.count) segments in \(directory), limit \(Limits.logSegmentsMax)")
        }
        let loader = SegmentLoader(
            fileSystem: fileSystem, directory: directory, configuration: configuration,
            allocator: ByteBufferAllocator())
        var segments: [Segment] = []
        do throws(LogFileError) {
            if bases.isEmpty {
                segments.append(try loader.createSegment(baseOffset: configuration.initialOffset))
                report.createdEmptyLog = true
                // The directory itself may be new: make its name durable in its parent too.
                if let slash = directory.lastIndex(of: "/"), slash != directory.startIndex {
                    try fileSystem.syncDirectory(String(directory[..<slash]))
                }
            }
            for (number, base) in bases.enumerated() {
                let segment = try Segment.open(fileSystem, directory: directory, baseOffset: base, mode: .existing)
                try loader.load(segment, isLast: number == bases.count - 1, report: &report)
                segments.append(segment)
            }
            report.segmentsOpened = bases.count
            checkContinuity(segments, &report)
            // What recovery kept becomes durable before anyone is told it exists.
            try segments[segments.count - 1].logFile.sync()
            if !report.orphanFilesRemoved.isEmpty { try fileSystem.syncDirectory(directory) }
        } catch {
            throw .io(error)
        }
        let log = SegmentedLog(
            directory: directory, configuration: configuration, fileSystem: fileSystem, segments: segments,
            report: report)
        if !log.activeSegment.isEmpty { log.activeSegment.firstAppendTime = now }
        return log
    }

    /// Lists the directory: base offsets that have a `.log` file, sorted; index files without
    /// one are removed (and reported); other names are left alone.
    private static func segmentBases(
        _ directory: String, _ fileSystem: any LogFileSystem, _ report: inout RecoveryReport
    ) throws(LogFileError) -> [Offset] {
        var logs = Set<Offset>()
        var indexes: [(Offset, String)] = []
        for name in try fileSystem.listDirectory(directory) {
            guard let (base, kind) = SegmentFileName.parse(name) else { continue }
            if kind == .log { logs.insert(base) } else { indexes.append((base, name)) }
        }
        for (base, name) in indexes.sorted(by: { $0.1 < $1.1 }) where !logs.contains(base) {
            try fileSystem.removeFile(fileSystem.path(directory, name))
            report.orphanFilesRemoved.append(name)
        }
        return logs.sorted()
    }

    /// Each sealed segment must end where the next begins; a gap or overlap is damage at the
    /// lower of the two offsets.
    private static func checkContinuity(_ segments: [Segment], _ report: inout RecoveryReport) {
        for number in segments.indices.dropLast() {
            let segment = segments[number]
            let next = segments[number + 1].baseOffset
            guard segment.nextOffset != next else { continue }
            let found = LogCorruption(
                offset: min(segment.nextOffset, next), segmentBaseOffset: segment.baseOffset,
                position: segment.size, defect: .gapBetweenSegments)
            if report.corruption.map({ $0.offset > found.offset }) ?? true { report.corruption = found }
        }
    }
}

/// The steps of loading one segment at open, and of creating a new one.
struct SegmentLoader {
    let fileSystem: any LogFileSystem
    let directory: String
    let configuration: LogConfiguration
    let allocator: ByteBufferAllocator

    /// Creates the three files of a new, empty segment and makes their names durable.
    func createSegment(baseOffset: Offset) throws(LogFileError) -> Segment {
        let segment = try Segment.open(fileSystem, directory: directory, baseOffset: baseOffset, mode: .createTruncating)
        try segment.offsetIndexFile.truncate(to: 0)
        try segment.timeIndexFile.truncate(to: 0)
        try fileSystem.syncDirectory(directory)
        return segment
    }

    /// Loads one existing segment: index, tail walk, torn-tail cut or damage report.
    func load(_ segment: Segment, isLast: Bool, report: inout RecoveryReport) throws(LogFileError) {
        let fileSize = try segment.logFile.size()
        let (start, indexTrimmed) = try loadIndex(segment, fileSize: fileSize, report: &report)
        segment.resume(at: start)
        let from = segment.size
        let outcome = try BatchWalker.walk(
            file: segment.logFile, from: from, to: fileSize, expected: segment.nextOffset, previousEpoch: nil,
            verify: true
        ) { batch in
            segment.account(batch, indexIntervalBytes: configuration.indexIntervalBytes)
            return .include
        }
        report.bytesScanned += outcome.position - from
        if case .defect(let defect) = outcome.stop {
            let damage = LogCorruption(
                offset: outcome.expected ?? segment.nextOffset, segmentBaseOffset: segment.baseOffset,
                position: outcome.position, defect: defect)
            if isLast, try isTornTail(segment, at: outcome.position, fileSize: fileSize) {
                try segment.logFile.truncate(to: outcome.position)
                try segment.logFile.sync()
                report.truncatedBytes += fileSize - outcome.position
                report.tailDefect = defect
            } else if report.corruption.map({ $0.offset > damage.offset }) ?? true {
                report.corruption = damage
            }
        }
        segment.verified.insert(from..<segment.size)
        if indexTrimmed || segment.index.persistedCount < segment.index.entries.count {
            try segment.rewriteIndexFiles(allocator: allocator)
        }
    }

    /// A defect in the last segment is a torn tail unless a valid batch can be found after it.
    private func isTornTail(_ segment: Segment, at position: Int, fileSize: Int) throws(LogFileError) -> Bool {
        let result = try BatchWalker.resync(
            file: segment.logFile, after: position, end: fileSize, minimumOffset: segment.nextOffset)
        return result == .none
    }

    /// Reads and checks the index files; returns the entry to resume from (nil: the segment
    /// start) and whether the files must be rewritten.
    private func loadIndex(
        _ segment: Segment, fileSize: Int, report: inout RecoveryReport
    ) throws(LogFileError) -> (IndexEntry?, Bool) {
        let offsetSize = try segment.offsetIndexFile.size()
        let timeSize = try segment.timeIndexFile.size()
        // More entries than batches could exist means garbage: do not even read it.
        let entriesMax = fileSize / RecordBatchHeader.size + 1
        var damaged = configuration.openVerification == .allSegments
            || offsetSize / IndexEntry.offsetEntrySize > entriesMax || timeSize / IndexEntry.timeEntrySize > entriesMax
        var decoded = SegmentIndex.Decoded(entries: [], damaged: false, trimmed: offsetSize + timeSize > 0)
        if !damaged {
            decoded = SegmentIndex.decode(
                offsetBytes: try segment.offsetIndexFile.read(at: 0, count: offsetSize, allocator: allocator),
                timeBytes: try segment.timeIndexFile.read(at: 0, count: timeSize, allocator: allocator),
                logSize: fileSize)
            damaged = decoded.damaged
        }
        if !damaged, let last = decoded.entries.last {
            damaged = try !isBatchBoundary(segment, entry: last, fileSize: fileSize)
        }
        if damaged {
            segment.index = SegmentIndex(baseOffset: segment.baseOffset)
            if offsetSize + timeSize > 0 || fileSize > 0 { report.indexesRebuilt.append(segment.baseOffset) }
            return (nil, true)
        }
        if decoded.trimmed { report.indexesTrimmed.append(segment.baseOffset) }
        segment.index = SegmentIndex(
            baseOffset: segment.baseOffset, entries: decoded.entries, persistedCount: decoded.entries.count)
        return (decoded.entries.last, decoded.trimmed)
    }

    /// Pair check of an index entry against the log: the bytes at its position are a batch
    /// header (length, magic) naming the offset the entry names.
    func isBatchBoundary(_ segment: Segment, entry: IndexEntry, fileSize: Int) throws(LogFileError) -> Bool {
        let position = Int(entry.position)
        let bytes = try segment.logFile.read(at: position, count: RecordBatchHeader.size, allocator: allocator)
        guard case .success = BatchInspector.totalSize(prefix: bytes, available: fileSize - position),
            case .success(let header) = BatchInspector.header(bytes)
        else { return false }
        return header.baseOffset == segment.index.offset(of: entry).rawValue
    }
}
