internal import NIOCore
internal import TernModel

/// One sparse index point: the batch starting at `position` has base offset
/// `segmentBase + relativeOffset`, and every batch before it has a max timestamp of at most
/// `maxTimestampBefore`.
///
/// The offset index (`.index`, 8 bytes per entry: relative offset, position; big-endian, as
/// Kafka) and the time index (`.timeindex`, 12 bytes: timestamp, relative offset) hold the two
/// halves of the same points, so a time lookup lands on a point whose position is known, and
/// recovery can resume both from their last common point.
struct IndexEntry: Equatable, Sendable {
    var relativeOffset: UInt32
    var position: UInt32
    var maxTimestampBefore: Int64

    static let offsetEntrySize = 8
    static let timeEntrySize = 12
}

/// The in-memory index of one segment, and which of its entries are already in the files.
struct SegmentIndex: Sendable {
    let baseOffset: Offset
    private(set) var entries: [IndexEntry] = []
    /// Entries already written to both files; the rest are written at the next flush.
    var persistedCount = 0

    init(baseOffset: Offset, entries: [IndexEntry] = [], persistedCount: Int = 0) {
        precondition(persistedCount <= entries.count, "more persisted than known entries")
        self.baseOffset = baseOffset
        self.entries = entries
        self.persistedCount = persistedCount
    }

    func offset(of entry: IndexEntry) -> Offset { baseOffset.advanced(by: Int64(entry.relativeOffset)) }

    /// The last entry at or before `offset` (nil: start at the segment's first byte).
    func floorEntry(for offset: Offset) -> IndexEntry? {
        let relative = offset - baseOffset
        guard relative >= 0 else { return nil }
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if Int64(entries[middle].relativeOffset) <= relative { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : entries[low - 1]
    }

    /// The last entry before which every batch is older than `timestamp`: a scan for the first
    /// batch with max timestamp >= `timestamp` may start there (nil: at the segment start).
    func entry(before timestamp: Int64) -> IndexEntry? {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].maxTimestampBefore < timestamp { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : entries[low - 1]
    }

    mutating func append(_ entry: IndexEntry) {
        if let last = entries.last {
            precondition(entry.relativeOffset > last.relativeOffset, "index offsets increase")
            precondition(entry.position > last.position, "index positions increase")
            precondition(entry.maxTimestampBefore >= last.maxTimestampBefore, "running max never decreases")
        }
        entries.append(entry)
    }

    /// Drops the entries at or after `position` (the log is being cut there).
    mutating func removeEntries(atOrAfter position: Int) {
        let kept = entries.prefix { Int($0.position) < position }.count
        entries.removeSubrange(kept...)
        persistedCount = min(persistedCount, kept)
    }

    /// Drops every entry after the `count` first.
    mutating func keepFirst(_ count: Int) {
        precondition(count <= entries.count, "cannot keep more entries than exist")
        entries.removeSubrange(count...)
        persistedCount = min(persistedCount, count)
    }

    // MARK: Encoding

    func encodeOffsetEntries(from start: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: (entries.count - start) * IndexEntry.offsetEntrySize)
        for entry in entries[start...] {
            buffer.writeInteger(entry.relativeOffset, endianness: .big)
            buffer.writeInteger(entry.position, endianness: .big)
        }
        return buffer
    }

    func encodeTimeEntries(from start: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: (entries.count - start) * IndexEntry.timeEntrySize)
        for entry in entries[start...] {
            buffer.writeInteger(entry.maxTimestampBefore, endianness: .big)
            buffer.writeInteger(entry.relativeOffset, endianness: .big)
        }
        return buffer
    }

    /// What decoding two index files found.
    struct Decoded {
        /// The longest valid common prefix of the two files.
        var entries: [IndexEntry]
        /// Entries broke an ordering rule or the files disagree: rebuild from the log.
        var damaged: Bool
        /// The files hold more than `entries` (a torn or stale tail): rewrite them.
        var trimmed: Bool
    }

    /// Decodes the two index files of a segment whose log file has `logSize` bytes. A tail that
    /// is cut or points past the log is trimmed (a crash can leave either); entries that break
    /// the ordering rules mean the files are damaged.
    static func decode(offsetBytes: ByteBuffer, timeBytes: ByteBuffer, logSize: Int) -> Decoded {
        let offsetCount = offsetBytes.readableBytes / IndexEntry.offsetEntrySize
        let timeCount = timeBytes.readableBytes / IndexEntry.timeEntrySize
        let count = min(offsetCount, timeCount)
        var entries: [IndexEntry] = []
        entries.reserveCapacity(count)
        var damaged = false
        for index in 0..<count {
            let offsetAt = offsetBytes.readerIndex + index * IndexEntry.offsetEntrySize
            let timeAt = timeBytes.readerIndex + index * IndexEntry.timeEntrySize
            let relative = offsetBytes.getInteger(at: offsetAt, endianness: .big, as: UInt32.self)!
            let position = offsetBytes.getInteger(at: offsetAt + 4, endianness: .big, as: UInt32.self)!
            let timestamp = timeBytes.getInteger(at: timeAt, endianness: .big, as: Int64.self)!
            let timeRelative = timeBytes.getInteger(at: timeAt + 8, endianness: .big, as: UInt32.self)!
            let entry = IndexEntry(relativeOffset: relative, position: position, maxTimestampBefore: timestamp)
            if Int(position) >= logSize { break }
            guard timeRelative == relative, position > 0, relative > 0 else {
                damaged = true
                break
            }
            if let last = entries.last {
                guard relative > last.relativeOffset, position > last.position,
                    timestamp >= last.maxTimestampBefore
                else {
                    damaged = true
                    break
                }
            }
            entries.append(entry)
        }
        let exact = offsetBytes.readableBytes == entries.count * IndexEntry.offsetEntrySize
            && timeBytes.readableBytes == entries.count * IndexEntry.timeEntrySize
        return Decoded(entries: damaged ? [] : entries, damaged: damaged, trimmed: !exact)
    }
}
